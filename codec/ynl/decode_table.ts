/**
 * The table-driven decoder: walks the attributes of a set, the members of a struct and the
 * formats of a sub-message through the tables `compile.ts` builds, for the entry points of
 * `decode.ts`. It is also the reference the generated straight-line decoders are held to.
 *
 * @module
 */

import * as prim from "../_bytes.ts";
import { NLA_TYPE_MASK } from "../constants.ts";
import type { NetlinkDecodeError } from "../errors.ts";
import * as rt from "./_runtime.ts";
import {
  type CompiledAttr,
  type CompiledFormat,
  compiledSet,
  compiledStruct,
  findFormat,
  KIND_NAME,
  lookupSelector,
  type Scope,
  SIZE_OF,
} from "./compile.ts";
import * as kinds from "./compile.ts";
import type { AttributeSet, StructType } from "./family.ts";
import { readAuto, readInt } from "./scalars.ts";
import {
  type AttrValues,
  INDEXES,
  STRUCT_BYTES,
  type StructValues,
  UNKNOWN,
  type UnknownAttribute,
} from "./values.ts";

// What the loops below use on every value, as this module's own constants: V8 folds those into
// optimized code (and inlines the functions), not bindings imported from another module. The
// difference is ~10% on decoding a link message.
const { decodeString, u16, u32 } = prim;
const {
  attrHeaderError,
  byIndex,
  copyBytes,
  cString,
  depthError,
  lengthError,
  MAX_DEPTH,
  rawAttr,
} = rt;
const {
  K_ARRAY,
  K_BINARY,
  K_BITFIELD,
  K_FLAG,
  K_INDEXED,
  K_NEST,
  K_NTV,
  K_RAW,
  K_S16,
  K_S32,
  K_S64,
  K_S8,
  K_SINT,
  K_STRING,
  K_STRUCT,
  K_SUBMSG,
  K_U16,
  K_U32,
  K_U64,
  K_U8,
  K_UINT,
} = kinds;

function lengthErr(
  set: AttributeSet<object>,
  a: CompiledAttr,
  what: string,
  len: number,
  off: number,
): NetlinkDecodeError {
  return lengthError(`${set.name}.${a.key} (${a.value}): ${what}`, len, off);
}

// Decode one attribute's data [ds, de) as `kind` (the scalar and leaf kinds).
function decodeLeaf(
  set: AttributeSet<object>,
  a: CompiledAttr,
  kind: number,
  b: Uint8Array,
  ds: number,
  de: number,
  off: number,
): unknown {
  const len = de - ds;
  switch (kind) {
    case K_FLAG:
      if (len !== 0) throw lengthErr(set, a, "a flag has no data", len, off);
      return true;
    case K_U8:
    case K_U16:
    case K_U32:
    case K_U64:
    case K_S8:
    case K_S16:
    case K_S32:
    case K_S64: {
      const n = SIZE_OF[kind];
      if (len !== n) throw lengthErr(set, a, `${KIND_NAME[kind]} needs ${n} bytes`, len, off);
      return readInt(kind, a.be, b, ds);
    }
    case K_UINT:
    case K_SINT:
      if (len !== 4 && len !== 8) {
        throw lengthErr(set, a, `${KIND_NAME[kind]} needs 4 or 8 bytes`, len, off);
      }
      return readAuto(kind === K_SINT, a.be, b, ds, len);
    case K_STRING:
      return decodeString(b, ds, de);
    case K_STRUCT:
      return decodeStructAt(a.struct!, b, ds, de);
    case K_BITFIELD:
      if (len !== 8) throw lengthErr(set, a, "bitfield32 needs 8 bytes", len, off);
      return { value: u32(b, ds), selector: u32(b, ds + 4) };
    default: // K_BINARY
      return copyBytes(b, ds, de);
  }
}

interface Pending {
  a: CompiledAttr;
  off: number;
  ds: number;
  de: number;
  index: number;
}

function decodeSubMessage(
  f: CompiledFormat,
  b: Uint8Array,
  ds: number,
  de: number,
  scope: Scope | undefined,
  depth: number,
): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  let start = ds;
  if (f.struct !== undefined) {
    const size = compiledStruct(f.struct).size;
    decodeStructInto(obj, f.struct, b, ds, f.set === undefined ? de : Math.min(de, ds + size));
    start = Math.min(de, ds + ((size + 3) & ~3));
  }
  if (f.set !== undefined) decodeSetInto(obj, f.set, b, start, de, scope, depth + 1);
  return obj;
}

/** Decode the attributes of `set` in b[offset, end) into `obj`. */
export function decodeSetInto(
  obj: Record<string, unknown>,
  set: AttributeSet<object>,
  b: Uint8Array,
  offset: number,
  end: number,
  up: Scope | undefined,
  depth: number,
): void {
  if (depth > MAX_DEPTH) throw depthError(set.name, offset);
  const byType = compiledSet(set).byType;
  const nTypes = byType.length;
  let scope: Scope | undefined;
  let unknown: UnknownAttribute[] | undefined;
  let pending: Pending[] | undefined;
  let index = 0;
  let off = offset;
  while (end - off >= 4) {
    const len = u16(b, off);
    if (len < 4 || len > end - off) throw attrHeaderError(len, off, end);
    const t = u16(b, off + 2) & NLA_TYPE_MASK;
    const ds = off + 4;
    const de = off + len;
    const a = t < nTypes ? byType[t] : undefined;
    // A "flag" with data (e.g. rt-link's brport flags, which the kernel sends as u8) is kept
    // raw rather than failing the whole message.
    if (
      a === undefined || (!a.multi && obj[a.key] !== undefined) || (a.kind === K_FLAG && de !== ds)
    ) {
      (unknown ??= []).push(rawAttr(b, off, ds, de, index));
    } else {
      let v: unknown;
      const kind = a.kind;
      if (kind === K_NEST) {
        const inner: Record<string, unknown> = {};
        decodeSetInto(inner, a.set!, b, ds, de, scope ??= { value: obj, up }, depth + 1);
        v = inner;
      } else if (kind === K_SUBMSG) {
        const sel = lookupSelector(a.selector, scope ??= { value: obj, up });
        if (sel === undefined) {
          (pending ??= []).push({ a, off, ds, de, index });
          index++;
          off += (len + 3) & ~3;
          continue;
        }
        const f = findFormat(a.subMessage!, sel);
        if (f === undefined) {
          (unknown ??= []).push(rawAttr(b, off, ds, de, index));
          index++;
          off += (len + 3) & ~3;
          continue;
        }
        v = decodeSubMessage(f, b, ds, de, scope, depth);
      } else if (kind === K_INDEXED) {
        v = decodeIndexed(set, a, b, ds, de, scope ??= { value: obj, up }, depth);
      } else if (kind === K_ARRAY) {
        v = decodeIntArray(set, a, b, ds, de, off);
      } else if (kind === K_NTV) {
        const out: Record<string, unknown>[] = [];
        decodeTypeValue(a, 0, {}, b, ds, de, out, scope ??= { value: obj, up }, depth);
        v = out;
      } else {
        v = decodeLeaf(set, a, kind, b, ds, de, off);
      }
      if (a.multi) {
        const list = obj[a.key] as unknown[] | undefined;
        if (list === undefined) obj[a.key] = [v];
        else list.push(v);
      } else obj[a.key] = v;
    }
    index++;
    off += (len + 3) & ~3;
  }
  if (pending !== undefined) {
    // Sub-messages whose selector came later in the nest.
    for (const p of pending) {
      const sel = lookupSelector(p.a.selector, scope);
      const f = sel === undefined ? undefined : findFormat(p.a.subMessage!, sel);
      if (f === undefined || (!p.a.multi && obj[p.a.key] !== undefined)) {
        (unknown ??= []).push(rawAttr(b, p.off, p.ds, p.de, p.index));
        continue;
      }
      const v = decodeSubMessage(f, b, p.ds, p.de, scope, depth);
      if (p.a.multi) ((obj[p.a.key] ??= []) as unknown[]).push(v);
      else obj[p.a.key] = v;
    }
    if (unknown !== undefined) byIndex(unknown);
  }
  if (unknown !== undefined) (obj as AttrValues)[UNKNOWN] = unknown;
}

function decodeIntArray(
  set: AttributeSet<object>,
  a: CompiledAttr,
  b: Uint8Array,
  ds: number,
  de: number,
  off: number,
): (number | bigint)[] {
  const n = SIZE_OF[a.sub];
  if ((de - ds) % n !== 0) {
    throw lengthErr(
      set,
      a,
      `an array of ${KIND_NAME[a.sub]} needs a multiple of ${n} bytes`,
      de - ds,
      off,
    );
  }
  const out: (number | bigint)[] = [];
  for (let o = ds; o < de; o += n) out.push(readInt(a.sub, a.be, b, o));
  return out;
}

function decodeIndexed(
  set: AttributeSet<object>,
  a: CompiledAttr,
  b: Uint8Array,
  ds: number,
  de: number,
  scope: Scope,
  depth: number,
): unknown[] {
  const out: unknown[] = [];
  let indexes: number[] | undefined;
  let off = ds;
  while (de - off >= 4) {
    const len = u16(b, off);
    if (len < 4 || len > de - off) throw attrHeaderError(len, off, de);
    const t = u16(b, off + 2) & NLA_TYPE_MASK;
    const eds = off + 4;
    const ede = off + len;
    let v: unknown;
    if (a.sub === K_NEST) {
      const inner: Record<string, unknown> = {};
      decodeSetInto(inner, a.set!, b, eds, ede, scope, depth + 1);
      v = inner;
    } else v = decodeLeaf(set, a, a.sub, b, eds, ede, off);
    if (indexes === undefined && t !== out.length + 1) {
      indexes = out.map((_, i) => i + 1);
    }
    if (indexes !== undefined) indexes.push(t);
    out.push(v);
    off += (len + 3) & ~3;
  }
  if (indexes !== undefined) (out as unknown[] & { [INDEXES]?: number[] })[INDEXES] = indexes;
  return out;
}

function decodeTypeValue(
  a: CompiledAttr,
  level: number,
  prefix: Record<string, unknown>,
  b: Uint8Array,
  ds: number,
  de: number,
  out: Record<string, unknown>[],
  scope: Scope,
  depth: number,
): void {
  let off = ds;
  while (de - off >= 4) {
    const len = u16(b, off);
    if (len < 4 || len > de - off) throw attrHeaderError(len, off, de);
    const t = u16(b, off + 2) & NLA_TYPE_MASK;
    const item: Record<string, unknown> = { ...prefix };
    item[a.typeValue[level] ?? `type${level}`] = t;
    if (level + 1 < a.typeValue.length) {
      decodeTypeValue(a, level + 1, item, b, off + 4, off + len, out, scope, depth);
    } else {
      decodeSetInto(item, a.set!, b, off + 4, off + len, scope, depth + 1);
      out.push(item);
    }
    off += (len + 3) & ~3;
  }
}

function decodeStructInto(
  obj: Record<string, unknown>,
  struct: StructType<object>,
  b: Uint8Array,
  ds: number,
  de: number,
): void {
  const c = compiledStruct(struct);
  const len = de - ds;
  const members = c.members;
  for (let i = 0; i < members.length; i++) {
    const m = members[i];
    if (m.offset + m.size > len) break;
    const o = ds + m.offset;
    switch (m.kind) {
      case K_RAW:
        break;
      case K_BINARY:
        obj[m.key] = copyBytes(b, o, o + m.size);
        break;
      case K_STRING:
        obj[m.key] = cString(b, o, o + m.size);
        break;
      case K_STRUCT:
        obj[m.key] = decodeStructAt(m.struct!, b, o, o + m.size);
        break;
      default:
        obj[m.key] = readInt(m.kind, m.be, b, o);
    }
  }
  if (len !== c.size) (obj as StructValues)[STRUCT_BYTES] = copyBytes(b, ds, de);
}

/** Decode a struct from b[ds, de) into a new object. */
export function decodeStructAt(
  struct: StructType<object>,
  b: Uint8Array,
  ds: number,
  de: number,
): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  decodeStructInto(obj, struct, b, ds, de);
  return obj;
}

/** Keep every attribute of b[offset, end) raw (a message whose operation has no attribute set). */
export function decodeRawInto(
  obj: Record<string, unknown>,
  b: Uint8Array,
  offset: number,
  end: number,
) {
  const unknown: UnknownAttribute[] = [];
  let off = offset;
  while (end - off >= 4) {
    const len = u16(b, off);
    if (len < 4 || len > end - off) throw attrHeaderError(len, off, end);
    unknown.push(rawAttr(b, off, off + 4, off + len, unknown.length));
    off += (len + 3) & ~3;
  }
  (obj as AttrValues)[UNKNOWN] = unknown;
}
