/**
 * Encoding: the values of `values.ts` back to bytes, driven by the compiled tables, the
 * inverse of `decode.ts`. Attributes are appended to an {@link AttributeWriter} in the
 * order of the object's keys, with the raw ones kept under {@link UNKNOWN} put back at their
 * positions; {@link buildMessage} builds a whole request of an operation.
 *
 * @example
 * ```ts
 * import { buildMessage, rtLink } from "@netlink/netlink";
 * const req = buildMessage(rtLink.operations.newlink, {
 *   flags: 0x600, // NLM_F_CREATE | NLM_F_EXCL
 *   attrs: { ifname: "dummy0", linkinfo: { kind: "dummy" } },
 * });
 * ```
 *
 * @module
 */

import { encodeUtf8, intValue } from "../_bytes.ts";
import type { AttributeWriter } from "../attr_writer.ts";
import {
  NLA_F_NESTED,
  NLA_F_NET_BYTEORDER,
  NLA_TYPE_MASK,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
} from "../constants.ts";
import { MessageBuilder } from "../message.ts";
import {
  type CompiledAttr,
  compiledSet,
  compiledStruct,
  findFormat,
  lookupSelector,
  type Scope,
  SIZE_OF,
} from "./compile.ts";
import * as kinds from "./compile.ts";
import type { AttributeSet, StructType } from "./family.ts";
import type { Operation } from "./operation.ts";
import { autoBytesBe, putInt } from "./scalars.ts";
import {
  type AttrValues,
  type Bitfield32,
  type EncodeOptions,
  INDEXES,
  screamingSnake,
  STRUCT_BYTES,
  type StructValues,
  UNKNOWN,
  type UnknownAttribute,
} from "./values.ts";

// What the loops below use on every value, as this module's own constants: V8 folds those into
// optimized code (and inlines the functions), not bindings imported from another module. The
// difference is ~10% on decoding a link message.
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

// Re-exported so this module documents on its own (it is also in the codec's mod.ts).
export { AttributeWriter } from "../attr_writer.ts";

// Enum names are accepted where numbers are expected: "UP", "up" or ["UP", "RUNNING"].
function enumValue(
  a: { enumEntries: Readonly<Record<string, number>> | undefined },
  v: unknown,
): unknown {
  if (a.enumEntries === undefined) return v;
  const one = (x: unknown): unknown => {
    if (typeof x !== "string") return x;
    const n = a.enumEntries![screamingSnake(x)];
    if (n === undefined) throw new TypeError(`"${x}" is not an entry of the enum`);
    return n;
  };
  if (Array.isArray(v)) {
    let mask = 0;
    for (const x of v) mask = (mask | (one(x) as number)) >>> 0;
    return mask;
  }
  return one(v);
}

function encodeStructBytes(
  struct: StructType<object>,
  value: Record<string, unknown>,
  lax: boolean,
): Uint8Array {
  if (value === null || typeof value !== "object") {
    throw new TypeError(`struct ${struct.name} needs an object, got ${String(value)}`);
  }
  const c = compiledStruct(struct);
  const orig = (value as StructValues)[STRUCT_BYTES];
  const out = new Uint8Array(orig instanceof Uint8Array ? orig.length : c.size);
  if (orig instanceof Uint8Array) out.set(orig);
  if (!lax) {
    for (const k of Object.keys(value)) {
      if (!c.byKey.has(k) && value[k] !== undefined) {
        throw new TypeError(`struct ${struct.name} has no member "${k}"`);
      }
    }
  }
  for (const m of c.members) {
    if (m.offset + m.size > out.length) break;
    const v = value[m.key];
    if (m.kind === K_RAW || v === undefined) continue;
    const what = `${struct.name}.${m.key}`;
    switch (m.kind) {
      case K_BINARY: {
        if (!(v instanceof Uint8Array)) throw new TypeError(`${what} needs a Uint8Array`);
        if (v.length > m.size) throw new RangeError(`${what} is ${v.length} bytes, over ${m.size}`);
        out.fill(0, m.offset, m.offset + m.size);
        out.set(v, m.offset);
        break;
      }
      case K_STRING: {
        if (typeof v !== "string") throw new TypeError(`${what} needs a string`);
        const s = encodeUtf8(v);
        if (s.length > m.size) throw new RangeError(`${what} is ${s.length} bytes, over ${m.size}`);
        out.fill(0, m.offset, m.offset + m.size);
        out.set(s, m.offset);
        break;
      }
      case K_STRUCT:
        out.set(
          encodeStructBytes(m.struct!, v as Record<string, unknown>, lax).subarray(0, m.size),
          m.offset,
        );
        break;
      default:
        putInt(m.kind, m.be, out, m.offset, v, what);
    }
  }
  return out;
}

/**
 * Encode a fixed struct. Missing members are zero. When the value carries
 * {@link STRUCT_BYTES} (it was decoded from a struct of another size), encoding starts
 * from those bytes and keeps their length.
 *
 * @throws {TypeError} for a member the struct does not have.
 * @throws {RangeError} for an integer out of range or a too long string or binary.
 * @example
 * ```ts
 * import { encodeStruct, rtLink } from "@netlink/netlink";
 * encodeStruct(rtLink.ifinfomsg, { ifiIndex: 1 }).length; // 16
 * ```
 */
export function encodeStruct<T extends object>(
  struct: StructType<T>,
  value: Partial<T>,
): Uint8Array {
  return encodeStructBytes(
    struct as StructType<object>,
    value as Record<string, unknown>,
    false,
  );
}

interface EncodeState {
  nestedFlag: boolean;
}

function writeLeaf(
  set: AttributeSet<object>,
  w: AttributeWriter,
  a: CompiledAttr,
  kind: number,
  type: number,
  v: unknown,
  st: EncodeState,
  scope: Scope,
): void {
  const what = `${set.name}.${a.key}`;
  switch (kind) {
    case K_FLAG:
      if (v === true) w.flag(type);
      else if (v !== false) throw new TypeError(`${what} is a flag: use true or false`);
      return;
    case K_U8:
    case K_S8:
    case K_U16:
    case K_S16:
    case K_U32:
    case K_S32:
    case K_U64:
    case K_S64: {
      const n = enumValue(a, v);
      if (!a.be) {
        switch (kind) {
          case K_U8:
            w.u8(type, n as number);
            return;
          case K_U16:
            w.u16(type, n as number);
            return;
          case K_U32:
            w.u32(type, n as number);
            return;
          case K_S8:
            w.s8(type, n as number);
            return;
          case K_S16:
            w.s16(type, n as number);
            return;
          case K_S32:
            w.s32(type, n as number);
            return;
        }
      }
      const out = new Uint8Array(SIZE_OF[kind]);
      putInt(kind, a.be, out, 0, n, what);
      w.attr(type, out);
      return;
    }
    case K_UINT:
    case K_SINT: {
      const n = enumValue(a, v);
      if (a.be) w.attr(type, autoBytesBe(kind === K_SINT, n, what));
      else if (kind === K_UINT) w.uint(type, n as number | bigint);
      else w.sint(type, n as number | bigint);
      return;
    }
    case K_STRING:
      if (typeof v !== "string") throw new TypeError(`${what} needs a string`);
      w.string(type, v);
      return;
    case K_STRUCT:
      if (v instanceof Uint8Array) w.attr(type, v);
      else w.attr(type, encodeStructBytes(a.struct!, v as Record<string, unknown>, false));
      return;
    case K_BITFIELD: {
      const bf = v as Bitfield32;
      if (bf === null || typeof bf !== "object") {
        throw new TypeError(`${what} needs { value, selector }`);
      }
      const out = new Uint8Array(8);
      putInt(K_U32, false, out, 0, enumValue(a, bf.value), what);
      putInt(K_U32, false, out, 4, enumValue(a, bf.selector), what);
      w.attr(type, out);
      return;
    }
    case K_NEST:
      if (v === null || typeof v !== "object") throw new TypeError(`${what} needs an object`);
      w.nest(
        type,
        (w) => encodeSetInto(a.set!, w, v as Record<string, unknown>, st, scope, undefined),
        { flag: st.nestedFlag },
      );
      return;
    case K_BINARY:
      if (!(v instanceof Uint8Array)) throw new TypeError(`${what} needs a Uint8Array`);
      w.attr(type, v);
      return;
    default:
      throw new TypeError(`${what} cannot be encoded`);
  }
}

function writeAttr(
  set: AttributeSet<object>,
  w: AttributeWriter,
  a: CompiledAttr,
  v: unknown,
  st: EncodeState,
  scope: Scope,
): void {
  const what = `${set.name}.${a.key}`;
  switch (a.kind) {
    case K_SUBMSG: {
      const sel = lookupSelector(a.selector, scope);
      const f = findFormat(a.subMessage!, sel);
      if (f === undefined) {
        throw new TypeError(
          `${what}: sub-message ${a.subMessage!.name} has no format for ${a.selector} = ${
            String(sel)
          }`,
        );
      }
      if (v === null || typeof v !== "object") throw new TypeError(`${what} needs an object`);
      const obj = v as Record<string, unknown>;
      if (f.struct !== undefined && f.set === undefined) {
        w.attr(a.value, encodeStructBytes(f.struct, obj, false));
      } else if (f.struct !== undefined) {
        const skip = compiledStruct(f.struct).byKey;
        w.nest(a.value, (w) => {
          w.raw(encodeStructBytes(f.struct!, obj, true));
          encodeSetInto(f.set!, w, obj, st, scope, skip);
        }, { flag: false });
      } else {
        w.nest(a.value, (w) => {
          if (f.set !== undefined) encodeSetInto(f.set, w, obj, st, scope, undefined);
        }, { flag: st.nestedFlag });
      }
      return;
    }
    case K_INDEXED: {
      if (!Array.isArray(v)) throw new TypeError(`${what} needs an array`);
      const indexes = (v as unknown[] & { [INDEXES]?: number[] })[INDEXES];
      const useIdx = Array.isArray(indexes) && indexes.length === v.length;
      w.nest(a.value, (w) => {
        for (let i = 0; i < v.length; i++) {
          const t = useIdx ? indexes![i] : i + 1;
          if (a.sub === K_NEST) {
            const item = v[i];
            if (item === null || typeof item !== "object") {
              throw new TypeError(`${what}[${i}] needs an object`);
            }
            w.nest(
              t,
              (w) =>
                encodeSetInto(a.set!, w, item as Record<string, unknown>, st, scope, undefined),
              { flag: st.nestedFlag },
            );
          } else writeLeaf(set, w, a, a.sub, t, v[i], st, scope);
        }
      }, { flag: st.nestedFlag });
      return;
    }
    case K_ARRAY: {
      if (!Array.isArray(v)) throw new TypeError(`${what} needs an array of integers`);
      const n = SIZE_OF[a.sub];
      const out = new Uint8Array(v.length * n);
      for (let i = 0; i < v.length; i++) putInt(a.sub, a.be, out, i * n, v[i], `${what}[${i}]`);
      w.attr(a.value, out);
      return;
    }
    case K_NTV: {
      if (!Array.isArray(v)) throw new TypeError(`${what} needs an array`);
      w.nest(
        a.value,
        (w) => writeTypeValue(a, w, v as Record<string, unknown>[], 0, 0, v.length, st, scope),
        {
          flag: st.nestedFlag,
        },
      );
      return;
    }
    default:
      writeLeaf(set, w, a, a.kind, a.value, v, st, scope);
  }
}

// Items [from, to) share the type-values of levels < level; group runs sharing level's too.
function writeTypeValue(
  a: CompiledAttr,
  w: AttributeWriter,
  items: Record<string, unknown>[],
  level: number,
  from: number,
  to: number,
  st: EncodeState,
  scope: Scope,
): void {
  const key = a.typeValue[level] ?? `type${level}`;
  let i = from;
  while (i < to) {
    const item = items[i];
    if (item === null || typeof item !== "object") {
      throw new TypeError(`${a.key}[${i}] needs an object`);
    }
    const t = intValue(item[key], 0, NLA_TYPE_MASK, `${a.key}[${i}].${key}`);
    if (level + 1 < a.typeValue.length) {
      let j = i + 1;
      while (j < to && items[j]?.[key] === t) j++;
      const start = i;
      w.nest(t, (w) => writeTypeValue(a, w, items, level + 1, start, j, st, scope), {
        flag: st.nestedFlag,
      });
      i = j;
    } else {
      const skip = new Map<string, unknown>(a.typeValue.map((k) => [k, true]));
      w.nest(t, (w) => encodeSetInto(a.set!, w, item, st, scope, skip), { flag: st.nestedFlag });
      i++;
    }
  }
}

function writeUnknown(w: AttributeWriter, u: UnknownAttribute): void {
  if (!(u?.data instanceof Uint8Array)) {
    throw new TypeError("a raw attribute needs data: Uint8Array");
  }
  const t = (u.type & NLA_TYPE_MASK) | (u.nested ? NLA_F_NESTED : 0) |
    (u.netByteOrder ? NLA_F_NET_BYTEORDER : 0);
  w.attr(t, u.data);
}

function encodeSetInto(
  set: AttributeSet<object>,
  w: AttributeWriter,
  value: Record<string, unknown>,
  st: EncodeState,
  up: Scope | undefined,
  skip: Map<string, unknown> | undefined,
): void {
  const byKey = compiledSet(set).byKey;
  const scope: Scope = { value, up };
  const unknown = (value as AttrValues)[UNKNOWN];
  let u = 0;
  let count = 0;
  let raw: UnknownAttribute[] | undefined;
  if (unknown !== undefined) {
    if (!Array.isArray(unknown)) {
      throw new TypeError(`${set.name}: the UNKNOWN entry must be an array`);
    }
    raw = unknown.slice().sort((x, y) => (x.index ?? Infinity) - (y.index ?? Infinity));
  }
  const keys = Object.keys(value);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    const v = value[key];
    if (v === undefined) continue;
    const a = byKey.get(key);
    if (a === undefined) {
      if (skip?.has(key)) continue;
      throw new TypeError(`Attribute set "${set.name}" has no attribute "${key}"`);
    }
    if (a.multi) {
      if (!Array.isArray(v)) throw new TypeError(`${set.name}.${key} repeats: it needs an array`);
      for (let i = 0; i < v.length; i++) {
        if (raw !== undefined) {
          while (u < raw.length && (raw[u].index ?? Infinity) <= count) {
            writeUnknown(w, raw[u++]);
            count++;
          }
        }
        writeAttr(set, w, a, v[i], st, scope);
        count++;
      }
    } else {
      if (raw !== undefined) {
        while (u < raw.length && (raw[u].index ?? Infinity) <= count) {
          writeUnknown(w, raw[u++]);
          count++;
        }
      }
      writeAttr(set, w, a, v, st, scope);
      count++;
    }
  }
  if (raw !== undefined) { while (u < raw.length) writeUnknown(w, raw[u++]); }
}

/**
 * Append the attributes of `value` to `writer`, the inverse of
 * {@link decodeAttributeSet}: keys in object order, repeated attributes from arrays,
 * nests with NLA_F_NESTED (see {@link EncodeOptions}), raw attributes from
 * {@link UNKNOWN} back at their positions. Keys whose value is `undefined` are skipped.
 * Integer attributes with an enum also take entry names (`"UP"`, or an array of flag
 * names).
 *
 * @throws {TypeError} for a key the set does not have, a value of the wrong shape, or a
 *   sub-message whose selector has no format.
 * @throws {RangeError} for an integer out of range or an attribute over 65535 bytes.
 * @example
 * ```ts
 * import { AttributeWriter, encodeAttributeSet, rtLink } from "@netlink/netlink";
 * const w = encodeAttributeSet(rtLink.linkAttrs, new AttributeWriter(), {
 *   ifname: "v0",
 *   linkinfo: { kind: "vlan", data: { id: 100 } },
 * });
 * w.bytes();
 * ```
 */
export function encodeAttributeSet<T extends object, W extends AttributeWriter>(
  set: AttributeSet<T>,
  writer: W,
  value: T,
  options?: EncodeOptions,
): W {
  if (value === null || typeof value !== "object") {
    throw new TypeError(`Attribute set "${set.name}" needs an object, got ${String(value)}`);
  }
  encodeSetInto(
    set as AttributeSet<object>,
    writer,
    value as Record<string, unknown>,
    { nestedFlag: options?.nestedFlag !== false },
    undefined,
    undefined,
  );
  return writer;
}

/**
 * Options of {@link buildMessage}.
 *
 * @example
 * ```ts
 * import type { BuildOptions, rtLink } from "@netlink/netlink";
 * const opts: BuildOptions<rtLink.Ifinfomsg, rtLink.LinkAttrs> = { dump: true, seq: 1 };
 * ```
 */
export interface BuildOptions<H, A> extends EncodeOptions {
  /** Send the dump form: its message type, and NLM_F_DUMP. */
  dump?: boolean;
  /** nlmsg_type; required for genetlink (the family id), else taken from the operation. */
  type?: number;
  /**
   * Extra nlmsg_flags (e.g. NLM_F_CREATE | NLM_F_EXCL), added to NLM_F_REQUEST and to
   * NLM_F_ACK (a `do`) or NLM_F_DUMP (a dump).
   */
  flags?: number;
  /** Ask for an ACK on a `do` request (NLM_F_ACK); default `true`. */
  ack?: boolean;
  /** nlmsg_seq. */
  seq?: number;
  /** nlmsg_pid. */
  pid?: number;
  /** Fixed header fields (missing ones are zero). */
  header?: Partial<H>;
  /** Attributes. */
  attrs?: A;
  /** genlmsghdr.version (genetlink); default the family's version, else 1. */
  version?: number;
}

/**
 * Build a whole request of `op`: struct nlmsghdr, genlmsghdr for genetlink families,
 * the fixed header, then the attributes.
 *
 * @throws {TypeError} if the operation has no such request, or a genetlink message has
 *   no `type`; errors of {@link encodeAttributeSet} and {@link encodeStruct}.
 * @example
 * ```ts
 * import { buildMessage, rtLink } from "@netlink/netlink";
 * const dump = buildMessage(rtLink.operations.getlink, { dump: true, seq: 1 });
 * const get = buildMessage(rtLink.operations.getlink, { attrs: { ifname: "lo" }, seq: 2 });
 * ```
 */
export function buildMessage<H extends object, A extends object>(
  op: Operation<H, A>,
  options: BuildOptions<H, A> = {},
): Uint8Array {
  const mode = options.dump ? op.spec.dump : op.spec.do;
  if (mode === undefined) {
    throw new TypeError(
      `Operation "${op.name}" of ${op.family.name} has no ${options.dump ? "dump" : "do"} form`,
    );
  }
  const value = mode.request?.value ?? op.requestValue;
  if (value === undefined) {
    throw new TypeError(`Operation "${op.name}" of ${op.family.name} has no request`);
  }
  const genl = op.family.isGenetlink;
  let type = options.type;
  if (type === undefined) {
    if (genl) {
      throw new TypeError(
        `Genetlink family ${op.family.name} needs options.type: its resolved family id`,
      );
    }
    type = value;
  }
  const flags = NLM_F_REQUEST |
    (options.dump ? NLM_F_DUMP : options.ack === false ? 0 : NLM_F_ACK) |
    (options.flags ?? 0);
  const b = new MessageBuilder(type, flags, { seq: options.seq, pid: options.pid });
  if (genl) {
    b.raw(new Uint8Array([value, options.version ?? op.family.spec.version ?? 1, 0, 0]));
  }
  const fixed = op.fixedHeader;
  if (fixed !== undefined) b.raw(encodeStruct(fixed, options.header ?? {}));
  else if (options.header !== undefined && Object.keys(options.header).length > 0) {
    throw new TypeError(`Operation "${op.name}" of ${op.family.name} has no fixed header`);
  }
  if (options.attrs !== undefined) {
    const set = op.attributeSet;
    if (set === undefined) {
      throw new TypeError(`Operation "${op.name}" of ${op.family.name} has no attributes`);
    }
    encodeAttributeSet(set, b, options.attrs, options);
  }
  return b.finish();
}
