/**
 * Compilation of a family's tables into what the decode and encode loops dispatch on: each
 * attribute set becomes a lookup array indexed by attribute number and a map by camelCase
 * key, each struct a list of members with their C offsets, each sub-message a map of
 * formats. Internal to `codec/ynl` (not re-exported): the classes of `family.ts` own the
 * caches and compile on first use.
 *
 * @module
 */

import { NLA_TYPE_MASK } from "../constants.ts";
import type { AttributeSet, Family, StructType } from "./family.ts";
import type { AttributeSpec } from "./spec.ts";
import { screamingSnake } from "./values.ts";

// ---------------------------------------------------------------------------
// Kinds
// ---------------------------------------------------------------------------

// Attribute and member kinds, dispatched on in the decode and encode loops. decode.ts,
// encode.ts and scalars.ts bind them as their own constants (see there why).

/** `pad`, `unused`: kept raw. */
export const K_RAW = 0;
/** `flag`. */
export const K_FLAG = 1;
/** `u8`. */
export const K_U8 = 2;
/** `u16`. */
export const K_U16 = 3;
/** `u32`. */
export const K_U32 = 4;
/** `u64`. */
export const K_U64 = 5;
/** `s8`. */
export const K_S8 = 6;
/** `s16`. */
export const K_S16 = 7;
/** `s32`. */
export const K_S32 = 8;
/** `s64`. */
export const K_S64 = 9;
/** `uint` (4 or 8 bytes). */
export const K_UINT = 10;
/** `sint` (4 or 8 bytes). */
export const K_SINT = 11;
/** `string`. */
export const K_STRING = 12;
/** `binary` without struct or integer sub-type. */
export const K_BINARY = 13;
/** `binary` with `struct:`, or a struct member that is a struct. */
export const K_STRUCT = 14;
/** `binary` with an integer sub-type: an array of integers. */
export const K_ARRAY = 15;
/** `nest`. */
export const K_NEST = 16;
/** `indexed-array`. */
export const K_INDEXED = 17;
/** `nest-type-value`. */
export const K_NTV = 18;
/** `bitfield32`. */
export const K_BITFIELD = 19;
/** `sub-message`. */
export const K_SUBMSG = 20;

const KIND_OF: Readonly<Record<string, number>> = {
  unused: K_RAW,
  pad: K_RAW,
  flag: K_FLAG,
  u8: K_U8,
  u16: K_U16,
  u32: K_U32,
  u64: K_U64,
  s8: K_S8,
  s16: K_S16,
  s32: K_S32,
  s64: K_S64,
  uint: K_UINT,
  sint: K_SINT,
  string: K_STRING,
  binary: K_BINARY,
  nest: K_NEST,
  "indexed-array": K_INDEXED,
  "nest-type-value": K_NTV,
  bitfield32: K_BITFIELD,
  "sub-message": K_SUBMSG,
};

/** Byte size of the fixed-size integer kinds (index: kind). */
export const SIZE_OF: readonly number[] = [0, 0, 1, 2, 4, 8, 1, 2, 4, 8];

/** YNL names of the scalar kinds (index: kind), for error messages. */
export const KIND_NAME: readonly string[] = [
  "raw",
  "flag",
  "u8",
  "u16",
  "u32",
  "u64",
  "s8",
  "s16",
  "s32",
  "s64",
  "uint",
  "sint",
];

/** Size of struct genlmsghdr, which starts the payload of genetlink messages. */
export const GENL_HDRLEN = 4;

// ---------------------------------------------------------------------------
// Compiled tables
// ---------------------------------------------------------------------------

/** One format of a sub-message: its fixed header and attribute set, if any. */
export interface CompiledFormat {
  /** The selector value naming the format. */
  name: string;
  /** Struct at the start of the payload. */
  struct: StructType<object> | undefined;
  /** Attribute set after the struct. */
  set: AttributeSet<object> | undefined;
}

/** A sub-message: its formats by selector value. */
export interface CompiledSubMessage {
  /** YNL name. */
  name: string;
  /** Formats by selector value (a string). */
  formats: Map<string, CompiledFormat>;
  /** Formats by numeric selector value, for selectors that are enums. */
  byNumber: Map<number, CompiledFormat> | undefined;
}

/** An attribute, resolved for the decode and encode loops. */
export interface CompiledAttr {
  /** Its table entry. */
  spec: AttributeSpec;
  /** camelCase key. */
  key: string;
  /** Attribute number. */
  value: number;
  /** One of the `K_*` kinds. */
  kind: number;
  /** Integers are big-endian. */
  be: boolean;
  /** The attribute repeats (decoded as an array). */
  multi: boolean;
  /** Element kind of indexed arrays and binary arrays. */
  sub: number;
  /** Nested attribute set. */
  set: AttributeSet<object> | undefined;
  /** Struct of the data (or of indexed-array entries). */
  struct: StructType<object> | undefined;
  /** Sub-message table. */
  subMessage: CompiledSubMessage | undefined;
  /** camelCase key of the sub-message selector. */
  selector: string;
  /** Keys of the nest levels of a nest-type-value. */
  typeValue: readonly string[];
  /** Entries of the enum of an integer, so encoding takes entry names. */
  enumEntries: Readonly<Record<string, number>> | undefined;
}

/** An attribute set, resolved. */
export interface CompiledSet {
  /** Attributes by number (pads excluded: they are kept raw). */
  byType: (CompiledAttr | undefined)[];
  /** Attributes by camelCase key. */
  byKey: Map<string, CompiledAttr>;
}

/** A struct member, resolved. */
export interface CompiledMember {
  /** camelCase key. */
  key: string;
  /** K_U8..K_S64, K_BINARY, K_STRING, K_STRUCT, K_RAW (pad). */
  kind: number;
  /** Integer is big-endian. */
  be: boolean;
  /** Byte offset in the struct. */
  offset: number;
  /** Byte size. */
  size: number;
  /** A nested struct. */
  struct: StructType<object> | undefined;
}

/** A struct, resolved: members with their C offsets, size and alignment. */
export interface CompiledStruct {
  /** Members in order, pads included. */
  members: CompiledMember[];
  /** Members by camelCase key (pads excluded). */
  byKey: Map<string, CompiledMember>;
  /** Size with C alignment padding. */
  size: number;
  /** Alignment (that of the widest member). */
  align: number;
}

// The accessors of the caches, which the classes of family.ts keep in private fields (a field
// load per nest on the decode path, and nothing reachable from outside). Installed by their
// static blocks: this module has no run-time import of family.ts, so it is always evaluated
// first.

/** The compiled table of an attribute set (compiled on first use). */
export let compiledSet: (set: AttributeSet<object>) => CompiledSet;
/** The compiled table of a struct (compiled on first use). */
export let compiledStruct: (struct: StructType<object>) => CompiledStruct;
/** The compiled sub-message `name` of a family (compiled on first use). */
export let subMessageOf: (family: Family, name: string) => CompiledSubMessage;

/** Install the cache accessors; only the static blocks of family.ts call this. */
export function installAccessors(a: {
  set?: typeof compiledSet;
  struct?: typeof compiledStruct;
  subMessage?: typeof subMessageOf;
}): void {
  if (a.set !== undefined) compiledSet = a.set;
  if (a.struct !== undefined) compiledStruct = a.struct;
  if (a.subMessage !== undefined) subMessageOf = a.subMessage;
}

// ---------------------------------------------------------------------------
// Compilation
// ---------------------------------------------------------------------------

function scalarKind(t: string | undefined): number {
  const k = t === undefined ? undefined : KIND_OF[t];
  return k === undefined ? -1 : k;
}

/**
 * Compile an attribute set: resolve kinds, nested sets, structs and sub-messages.
 *
 * @throws {TypeError} for an unknown type, a bad number or a missing reference.
 */
export function compileSet(set: AttributeSet<object>): CompiledSet {
  const family = set.family;
  let max = -1;
  for (const spec of set.attributes) if (spec.type !== "pad" && spec.value > max) max = spec.value;
  const byType: (CompiledAttr | undefined)[] = new Array(Math.min(max, NLA_TYPE_MASK) + 1).fill(
    undefined,
  );
  const byKey = new Map<string, CompiledAttr>();
  for (const spec of set.attributes) {
    let kind = KIND_OF[spec.type];
    if (kind === undefined) {
      throw new TypeError(
        `Attribute "${spec.name}" of set "${set.name}" has unknown type "${spec.type}"`,
      );
    }
    let sub = -1;
    let nested: AttributeSet<object> | undefined;
    let struct: StructType<object> | undefined;
    let subMessage: CompiledSubMessage | undefined;
    if (kind === K_BINARY) {
      if (spec.struct !== undefined) {
        kind = K_STRUCT;
        struct = family.struct(spec.struct);
      } else if (spec.subType !== undefined) {
        sub = scalarKind(spec.subType);
        if (sub >= K_U8 && sub <= K_S64) kind = K_ARRAY;
      }
    } else if (kind === K_INDEXED) {
      sub = scalarKind(spec.subType);
      if (sub === K_BINARY && spec.struct !== undefined) {
        sub = K_STRUCT;
        struct = family.struct(spec.struct);
      }
      if (sub < 0 || sub === K_RAW || sub === K_SUBMSG || sub === K_INDEXED || sub === K_NTV) {
        throw new TypeError(
          `Indexed array "${spec.name}" of set "${set.name}" has unsupported sub-type "${spec.subType}"`,
        );
      }
    } else if (kind === K_SUBMSG) {
      if (spec.subMessage === undefined || spec.selector === undefined) {
        throw new TypeError(
          `Sub-message "${spec.name}" of set "${set.name}" needs sub-message and selector`,
        );
      }
      subMessage = subMessageOf(family, spec.subMessage);
      if (subMessage.byNumber === undefined) {
        subMessage.byNumber = numberFormats(set, spec, subMessage);
      }
    }
    if (spec.nested !== undefined && (kind === K_NEST || kind === K_INDEXED || kind === K_NTV)) {
      nested = family.attributeSet(spec.nested);
    }
    if ((kind === K_NEST || kind === K_NTV || sub === K_NEST) && nested === undefined) {
      throw new TypeError(`Attribute "${spec.name}" of set "${set.name}" needs nested attributes`);
    }
    const enumSpec = spec.enum === undefined ? undefined : family.spec.enums?.[spec.enum];
    const c: CompiledAttr = {
      spec,
      key: spec.name,
      value: spec.value,
      kind,
      be: spec.byteOrder === "big-endian",
      multi: spec.multi === true,
      sub,
      set: nested,
      struct,
      subMessage,
      selector: spec.selector ?? "",
      typeValue: spec.typeValue ?? [],
      enumEntries: enumSpec?.entries,
    };
    if ((spec.value >>> 0) !== spec.value || spec.value > NLA_TYPE_MASK) {
      throw new TypeError(
        `Attribute "${spec.name}" of set "${set.name}" has bad number ${spec.value}`,
      );
    }
    // Pads keep their number free (kept raw), but they are still known by name.
    if (kind !== K_RAW) {
      if (byType[spec.value] === undefined) byType[spec.value] = c;
      byKey.set(spec.name, c);
    }
  }
  return { byType, byKey };
}

/**
 * For a selector holding an enum value (nftables object types), map numbers to formats
 * through the enum's entry names. A sub-message keeps the map of the first attribute compiled
 * that refers to it (the generator checks that every such attribute gives the same one).
 */
export function numberFormats(
  set: AttributeSet<object>,
  spec: AttributeSpec,
  sm: CompiledSubMessage,
): Map<number, CompiledFormat> {
  const map = new Map<number, CompiledFormat>();
  const family = set.family;
  let enumName: string | undefined;
  const own = set.attributes.find((a) => a.name === spec.selector);
  if (own !== undefined) enumName = own.enum;
  else {
    for (const attrs of Object.values(family.spec.attributeSets)) {
      const a = attrs.find((x) => x.name === spec.selector && x.enum !== undefined);
      if (a !== undefined) {
        enumName = a.enum;
        break;
      }
    }
  }
  const entries = enumName === undefined ? undefined : family.spec.enums?.[enumName]?.entries;
  if (entries !== undefined) {
    for (const [value, f] of sm.formats) {
      const n = entries[screamingSnake(value)];
      if (n !== undefined) map.set(n, f);
    }
  }
  return map;
}

/**
 * Compile a struct: lay its members out with their natural alignment, as the C compiler
 * does.
 *
 * @throws {TypeError} for an unknown member type or a member without a length.
 */
export function compileStruct(struct: StructType<object>): CompiledStruct {
  const members: CompiledMember[] = [];
  const byKey = new Map<string, CompiledMember>();
  let offset = 0;
  let align = 1;
  for (const m of struct.members) {
    let kind: number;
    let size: number;
    let a: number;
    let nested: StructType<object> | undefined;
    if (m.type === "pad" || m.type === "binary" || m.type === "string") {
      if (m.struct !== undefined) {
        nested = struct.family.struct(m.struct);
        const c = compiledStruct(nested);
        kind = K_STRUCT;
        size = c.size;
        a = c.align;
      } else {
        if (m.len === undefined || (m.len >>> 0) !== m.len) {
          throw new TypeError(`Member "${m.name}" of struct "${struct.name}" needs a length`);
        }
        kind = m.type === "pad" ? K_RAW : m.type === "string" ? K_STRING : K_BINARY;
        size = m.len;
        a = 1;
      }
    } else {
      kind = KIND_OF[m.type];
      if (kind === undefined || kind < K_U8 || kind > K_S64) {
        throw new TypeError(
          `Member "${m.name}" of struct "${struct.name}" has unknown type "${m.type}"`,
        );
      }
      size = SIZE_OF[kind];
      a = size;
    }
    offset = (offset + a - 1) & ~(a - 1);
    const c: CompiledMember = {
      key: m.name,
      kind,
      be: m.byteOrder === "big-endian",
      offset,
      size,
      struct: nested,
    };
    members.push(c);
    if (kind !== K_RAW) byKey.set(m.name, c);
    offset += size;
    if (a > align) align = a;
  }
  return { members, byKey, size: (offset + align - 1) & ~(align - 1), align };
}

// ---------------------------------------------------------------------------
// Sub-message selectors
// ---------------------------------------------------------------------------

/** Scope chain for selector lookups: the objects being decoded or encoded, innermost first. */
export interface Scope {
  /** The object of this level. */
  value: Record<string, unknown>;
  /** The enclosing level. */
  up: Scope | undefined;
}

/** The value of the selector `key`, searched from the innermost object outwards. */
export function lookupSelector(key: string, scope: Scope | undefined): unknown {
  for (let s = scope; s !== undefined; s = s.up) {
    const v = s.value[key];
    if (v !== undefined) return v;
  }
  return undefined;
}

/** The format of a sub-message for a selector value (its name, or an enum's number). */
export function findFormat(sm: CompiledSubMessage, selector: unknown): CompiledFormat | undefined {
  if (typeof selector === "string") return sm.formats.get(selector);
  if (typeof selector === "number") {
    return sm.byNumber?.get(selector) ?? sm.formats.get(String(selector));
  }
  return undefined;
}
