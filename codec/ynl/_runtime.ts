/**
 * What decoding shares between the table-driven decoder (`decode.ts`) and the straight-line
 * decoders that `tools/ynl` generates per family (`families/generated/*_decode.ts`): the copy of
 * binary values (one pool for both), raw attributes, the errors (same messages, same offsets),
 * the nesting limit, selector lookups, and the hook by which a family hands its generated
 * functions to `decodeBody`/`decodeAttributeSet`/`decodeStruct`. Private to the codec and the
 * generated modules (not re-exported).
 *
 * @module
 */

import * as prim from "../_bytes.ts";
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_TYPE_MASK } from "../constants.ts";
import { NetlinkDecodeError } from "../errors.ts";
import { lookupSelector, type Scope } from "./compile.ts";
import type { AttributeSet, Family, StructType } from "./family.ts";
import type { Operation } from "./operation.ts";
import { INDEXES, STRUCT_BYTES, UNKNOWN, type UnknownAttribute } from "./values.ts";

export { INDEXES, lookupSelector, NetlinkDecodeError, type Scope, STRUCT_BYTES, UNKNOWN };
export type { UnknownAttribute };
/** 64-bit integers from their halves, and strings: the primitives generated code calls. */
export const { big64, int64, decodeString, s32, u16, u16be, u32, u32be } = prim;

/** An object being decoded: attribute keys, plus what is kept raw. */
export interface Rec {
  [key: string]: unknown;
  [UNKNOWN]?: UnknownAttribute[];
  [STRUCT_BYTES]?: Uint8Array;
}

/** An array being decoded (indexed arrays keep their entry numbers when not 1..n). */
export type IndexedArray = unknown[] & { [INDEXES]?: number[] };

/**
 * How deep attribute sets may nest (a set inside a set is one level). Legitimate messages nest
 * a handful of levels (tc actions inside a filter: about six); recursive sets (nftables,
 * ovs-flow) could otherwise take a hostile 64 KiB message 16,000 levels down and overflow the
 * stack with a `RangeError`.
 */
export const MAX_DEPTH = 32;

// ---------------------------------------------------------------------------
// Copies
// ---------------------------------------------------------------------------

// Under V8 (Deno) copies of up to 64 bytes are views into a shared 8 KiB block, as Node's
// Buffer pool does: a fresh ArrayBuffer costs ~300 ns there, a view ~20 ns. JavaScriptCore
// (Bun) allocates small typed arrays in ~10 ns, faster than it makes views.
const POOLED = !("Bun" in globalThis);
const POOL_SIZE = 8192;
let pool = new ArrayBuffer(POOL_SIZE);
let poolBytes = new Uint8Array(pool);
let poolOffset = 0;

/** A copy of `b[start, end)` (small ones may share a pooled `ArrayBuffer`, see above). */
export function copyBytes(b: Uint8Array, start: number, end: number): Uint8Array {
  const n = end - start;
  if (n > 64) return b.slice(start, end);
  if (!POOLED) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = b[start + i];
    return out;
  }
  if (poolOffset + n > POOL_SIZE) {
    pool = new ArrayBuffer(POOL_SIZE);
    poolBytes = new Uint8Array(pool);
    poolOffset = 0;
  }
  const o = poolOffset;
  for (let i = 0; i < n; i++) poolBytes[o + i] = b[start + i];
  poolOffset = (o + n + 7) & ~7;
  return new Uint8Array(pool, o, n);
}

/** A NUL-terminated string in a fixed-size char array `b[start, end)` (a struct member). */
export function cString(b: Uint8Array, start: number, end: number): string {
  let e = start;
  while (e < end && b[e] !== 0) e++;
  return prim.decodeString(b, start, e);
}

/**
 * A struct of another size than its own (`size`), as the table decoder decodes it: the
 * members that fit (`ends`: where each member ends, in key order), then the original bytes
 * under STRUCT_BYTES. `full` is the generated decoder, run on a zero-padded copy when the
 * bytes are short.
 */
export function oddStruct(
  full: (b: Uint8Array, ds: number, de: number) => Rec,
  size: number,
  ends: readonly number[],
  b: Uint8Array,
  ds: number,
  de: number,
): Rec {
  const len = de - ds;
  let o: Rec;
  if (len >= size) o = full(b, ds, ds + size);
  else {
    const padded = new Uint8Array(size);
    for (let i = 0; i < len; i++) padded[i] = b[ds + i];
    const whole = full(padded, 0, size);
    o = {};
    const keys = Object.keys(whole);
    for (let i = 0; i < keys.length && ends[i] <= len; i++) o[keys[i]] = whole[keys[i]];
  }
  o[STRUCT_BYTES] = copyBytes(b, ds, de);
  return o;
}

/** The attribute at `off` (data `[ds, de)`), kept raw at position `index` of its nest. */
export function rawAttr(
  b: Uint8Array,
  off: number,
  ds: number,
  de: number,
  index: number,
): UnknownAttribute {
  const t = b[off + 2] | (b[off + 3] << 8);
  return {
    type: t & NLA_TYPE_MASK,
    nested: (t & NLA_F_NESTED) !== 0,
    netByteOrder: (t & NLA_F_NET_BYTEORDER) !== 0,
    data: copyBytes(b, ds, de),
    index,
  };
}

/** `[1, 2, …, n]`: the entry numbers of an indexed array so far, once one breaks the run. */
export function oneToN(n: number): number[] {
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = i + 1;
  return out;
}

/** Order raw attributes by position (after late sub-messages were decoded or kept raw). */
export function byIndex(list: UnknownAttribute[]): void {
  list.sort((x, y) => x.index! - y.index!);
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/** An attribute header whose length is below 4 or runs past `end`. */
export function attrHeaderError(len: number, off: number, end: number): NetlinkDecodeError {
  return len < 4
    ? new NetlinkDecodeError(
      `nla_len ${len} at offset ${off} is shorter than the 4-byte header`,
      off,
    )
    : new NetlinkDecodeError(
      `nla_len ${len} at offset ${off} runs past the end of its nest at ${end}`,
      off,
    );
}

/**
 * A value of the wrong size: `what` is `set.key (number): the rule`, e.g.
 * `route-attrs.table (15): u32 needs 4 bytes`.
 */
export function lengthError(what: string, len: number, off: number): NetlinkDecodeError {
  return new NetlinkDecodeError(`${what}, got ${len} bytes`, off);
}

/** Attribute sets nested deeper than {@link MAX_DEPTH}. */
export function depthError(set: string, off: number): NetlinkDecodeError {
  return new NetlinkDecodeError(
    `${set}: attribute sets nested more than ${MAX_DEPTH} levels deep at offset ${off}`,
    off,
  );
}

// ---------------------------------------------------------------------------
// Checked scalar reads: the value of an attribute's data b[ds, de), or the error the table
// decoder throws for its size (`what` is `set.key (number)`, the error is at `off`). One call
// per scalar keeps the generated modules small (they load at start-up) and inlines as well as
// the arithmetic written out.
// ---------------------------------------------------------------------------

function sized(what: string, kind: string, n: number, ds: number, de: number, off: number): void {
  if (de - ds !== n) throw lengthError(`${what}: ${kind} needs ${n} bytes`, de - ds, off);
}

/** A `flag` (inside an indexed array: with data it is an error). */
export function flagAt(_b: Uint8Array, ds: number, de: number, off: number, what: string): true {
  if (de !== ds) throw lengthError(`${what}: a flag has no data`, de - ds, off);
  return true;
}
/** `u8`. */
export function u8At(b: Uint8Array, ds: number, de: number, off: number, what: string): number {
  if (de - ds !== 1) sized(what, "u8", 1, ds, de, off);
  return b[ds];
}
/** `s8`. */
export function s8At(b: Uint8Array, ds: number, de: number, off: number, what: string): number {
  if (de - ds !== 1) sized(what, "s8", 1, ds, de, off);
  return (b[ds] << 24) >> 24;
}
/** `u16`. */
export function u16At(b: Uint8Array, ds: number, de: number, off: number, what: string): number {
  if (de - ds !== 2) sized(what, "u16", 2, ds, de, off);
  return b[ds] | (b[ds + 1] << 8);
}
/** Big-endian `u16`. */
export function u16beAt(b: Uint8Array, ds: number, de: number, off: number, what: string): number {
  if (de - ds !== 2) sized(what, "u16", 2, ds, de, off);
  return (b[ds] << 8) | b[ds + 1];
}
/** `s16`. */
export function s16At(b: Uint8Array, ds: number, de: number, off: number, what: string): number {
  if (de - ds !== 2) sized(what, "s16", 2, ds, de, off);
  return ((b[ds] | (b[ds + 1] << 8)) << 16) >> 16;
}
/** Big-endian `s16`. */
export function s16beAt(b: Uint8Array, ds: number, de: number, off: number, what: string): number {
  if (de - ds !== 2) sized(what, "s16", 2, ds, de, off);
  return (((b[ds] << 8) | b[ds + 1]) << 16) >> 16;
}
/** `u32`. */
export function u32At(b: Uint8Array, ds: number, de: number, off: number, what: string): number {
  if (de - ds !== 4) sized(what, "u32", 4, ds, de, off);
  return (b[ds] | (b[ds + 1] << 8) | (b[ds + 2] << 16) | (b[ds + 3] << 24)) >>> 0;
}
/** Big-endian `u32`. */
export function u32beAt(b: Uint8Array, ds: number, de: number, off: number, what: string): number {
  if (de - ds !== 4) sized(what, "u32", 4, ds, de, off);
  return ((b[ds] << 24) | (b[ds + 1] << 16) | (b[ds + 2] << 8) | b[ds + 3]) >>> 0;
}
/** `s32`. */
export function s32At(b: Uint8Array, ds: number, de: number, off: number, what: string): number {
  if (de - ds !== 4) sized(what, "s32", 4, ds, de, off);
  return b[ds] | (b[ds + 1] << 8) | (b[ds + 2] << 16) | (b[ds + 3] << 24);
}
/** Big-endian `s32`. */
export function s32beAt(b: Uint8Array, ds: number, de: number, off: number, what: string): number {
  if (de - ds !== 4) sized(what, "s32", 4, ds, de, off);
  return (b[ds] << 24) | (b[ds + 1] << 16) | (b[ds + 2] << 8) | b[ds + 3];
}
/** `u64`. */
export function u64At(b: Uint8Array, ds: number, de: number, off: number, what: string): bigint {
  if (de - ds !== 8) sized(what, "u64", 8, ds, de, off);
  return prim.big64(prim.u32(b, ds + 4), prim.u32(b, ds));
}
/** Big-endian `u64`. */
export function u64beAt(b: Uint8Array, ds: number, de: number, off: number, what: string): bigint {
  if (de - ds !== 8) sized(what, "u64", 8, ds, de, off);
  return prim.big64(prim.u32be(b, ds), prim.u32be(b, ds + 4));
}
/** `s64`. */
export function s64At(b: Uint8Array, ds: number, de: number, off: number, what: string): bigint {
  if (de - ds !== 8) sized(what, "s64", 8, ds, de, off);
  return prim.big64(prim.s32(b, ds + 4), prim.u32(b, ds));
}
/** Big-endian `s64`. */
export function s64beAt(b: Uint8Array, ds: number, de: number, off: number, what: string): bigint {
  if (de - ds !== 8) sized(what, "s64", 8, ds, de, off);
  return prim.big64(prim.u32be(b, ds) | 0, prim.u32be(b, ds + 4));
}
/** `uint` (4 or 8 bytes): a number, or a bigint past 2^53. */
export function uintAt(
  b: Uint8Array,
  ds: number,
  de: number,
  off: number,
  what: string,
  be: boolean,
): number | bigint {
  const n = de - ds;
  if (n === 4) return be ? prim.u32be(b, ds) : prim.u32(b, ds);
  if (n !== 8) throw lengthError(`${what}: uint needs 4 or 8 bytes`, n, off);
  return be
    ? prim.int64(prim.u32be(b, ds), prim.u32be(b, ds + 4))
    : prim.int64(prim.u32(b, ds + 4), prim.u32(b, ds));
}
/** `sint` (4 or 8 bytes): a number, or a bigint past ±2^53. */
export function sintAt(
  b: Uint8Array,
  ds: number,
  de: number,
  off: number,
  what: string,
  be: boolean,
): number | bigint {
  const n = de - ds;
  if (n === 4) return be ? prim.u32be(b, ds) | 0 : prim.s32(b, ds);
  if (n !== 8) throw lengthError(`${what}: sint needs 4 or 8 bytes`, n, off);
  return be
    ? prim.int64(prim.u32be(b, ds) | 0, prim.u32be(b, ds + 4))
    : prim.int64(prim.s32(b, ds + 4), prim.u32(b, ds));
}
/** `bitfield32`: `{ value, selector }`. */
export function bitfieldAt(
  b: Uint8Array,
  ds: number,
  de: number,
  off: number,
  what: string,
): { value: number; selector: number } {
  if (de - ds !== 8) throw lengthError(`${what}: bitfield32 needs 8 bytes`, de - ds, off);
  return { value: prim.u32(b, ds), selector: prim.u32(b, ds + 4) };
}

// ---------------------------------------------------------------------------
// Generated decoders
// ---------------------------------------------------------------------------

/** A generated struct decoder: a new object from `b[start, end)` (as `decodeStruct`). */
export type StructDecoder = (b: Uint8Array, start: number, end: number) => Rec;

/**
 * A generated attribute-set decoder: the attributes of `b[start, end)` into `obj`, `up` the
 * scope of the enclosing objects (for sub-message selectors), `depth` the nesting level.
 */
export type SetDecoder = (
  obj: Rec,
  b: Uint8Array,
  start: number,
  end: number,
  up: Scope | undefined,
  depth: number,
) => void;

/** What a generated `*_decode.ts` module gives its family: decoders by YNL name. */
export interface Decoders {
  /** Struct decoders by struct name. */
  readonly structs: Readonly<Record<string, StructDecoder>>;
  /** Attribute-set decoders by set name. */
  readonly sets: Readonly<Record<string, SetDecoder>>;
}

/** The generated decoders of a family, if it was given any (installed by family.ts). */
export let decodersOf: (family: Family) => Decoders | undefined;
let setDecoders: (family: Family, decoders: Decoders) => void;

/** Install the accessors; only the static block of family.ts calls this. */
export function installDecoderAccessors(
  get: typeof decodersOf,
  set: (family: Family, decoders: Decoders) => void,
): void {
  decodersOf = get;
  setDecoders = set;
}

/**
 * Give `family` its generated decoders: `decodeBody`, `decodeAttributeSet` and `decodeStruct`
 * use them for its operations, sets and structs (a family defined again from the same spec,
 * without them, decodes through the tables: the reference the tests compare with).
 */
export function useDecoders(family: Family, decoders: Decoders): Family {
  setDecoders(family, decoders);
  return family;
}

/** The generated decoder of a family's own set (not of a renamed copy), if any. */
export let generatedSet: (set: AttributeSet<object>) => SetDecoder | undefined;
/** The generated decoder of a family's own struct, if any. */
export let generatedStruct: (struct: StructType<object>) => StructDecoder | undefined;

/** Install the accessors of the caches of family.ts; only its static blocks call this. */
export function installGeneratedAccessors(a: {
  set?: typeof generatedSet;
  struct?: typeof generatedStruct;
}): void {
  if (a.set !== undefined) generatedSet = a.set;
  if (a.struct !== undefined) generatedStruct = a.struct;
}

/** What decoding a message body of an operation takes, resolved once per operation. */
export interface BodyPlan {
  /** Messages start with a genlmsghdr. */
  readonly genl: boolean;
  /** The fixed header, if any. */
  readonly fixed: StructType<object> | undefined;
  /** Its size (0 without one). */
  readonly size: number;
  /** The attribute set, if any. */
  readonly set: AttributeSet<object> | undefined;
  /** The generated decoder of the fixed header. */
  readonly header: StructDecoder | undefined;
  /** The generated decoder of the attribute set. */
  readonly attrs: SetDecoder | undefined;
}

/** The plan of `op`, made by `make` on first use (cached by operation.ts). */
export let planOf: (
  op: Operation<object, object>,
  make: (op: Operation<object, object>) => BodyPlan,
) => BodyPlan;

/** Install {@link planOf}; only the static block of operation.ts calls this. */
export function installPlanAccessor(f: typeof planOf): void {
  planOf = f;
}
