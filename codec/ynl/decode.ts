/**
 * Decoding: bytes to the values of `values.ts`, driven by the compiled tables. Decoding is
 * strict: a scalar of the wrong size, a length running past its nest or a bad range throws
 * {@link NetlinkDecodeError}. Fixed structs are the exception: the kernel grows them over
 * time, so a struct of another size decodes the members that fit and keeps the original
 * bytes under {@link STRUCT_BYTES}. Whatever the tables do not describe is kept raw under
 * {@link UNKNOWN}. Attribute sets nest at most {@link MAX_NEST_DEPTH} levels deep.
 *
 * The families of the typed API (routes, links, tc, …) are given straight-line decoders that
 * `tools/ynl` generates from the same tables (`families/generated/*_decode.js`): the entry
 * points below use them when the family has them, and the table-driven decoder of
 * `decode_table.ts` otherwise. That is also the reference: the tests decode captured and
 * mutated messages both ways and require the same values and the same errors.
 *
 * @example
 * ```ts
 * import { decodeBody, parseMessages, rtLink } from "@netlink/netlink";
 * declare const datagram: Uint8Array;
 * for (const m of parseMessages(datagram)) {
 *   if (m.type === rtLink.RTM_NEWLINK) {
 *     console.log(decodeBody(rtLink.operations.getlink, m.payload).attrs.ifname);
 *   }
 * }
 * ```
 *
 * @module
 */

import { NetlinkDecodeError } from "../errors.ts";
import * as rt from "./_runtime.ts";
import { compiledStruct, GENL_HDRLEN } from "./compile.ts";
import { decodeRawInto, decodeSetInto, decodeStructAt } from "./decode_table.ts";
import type { AttributeSet, StructType } from "./family.ts";
import type { Operation } from "./operation.ts";

// The accessors installed by family.ts and operation.ts: live bindings, not copies.
const generatedSet = (s: AttributeSet<object>) => rt.generatedSet(s);
const generatedStruct = (s: StructType<object>) => rt.generatedStruct(s);

/**
 * How deep attribute sets may nest in a decoded message (a set inside a set is one level):
 * deeper input is a {@link NetlinkDecodeError}, not a stack overflow. Real messages nest a
 * handful of levels.
 *
 * @example
 * ```ts
 * import { MAX_NEST_DEPTH } from "@netlink/netlink/codec";
 * console.log(MAX_NEST_DEPTH); // 32
 * ```
 */
export const MAX_NEST_DEPTH: number = rt.MAX_DEPTH;

function checkRange(bytes: Uint8Array, offset: number, end: number): void {
  if (
    !(bytes instanceof Uint8Array) || (offset >>> 0) !== offset || (end >>> 0) !== end ||
    offset > end || end > bytes.length
  ) {
    throw new NetlinkDecodeError(
      `range [${offset}, ${end}) is outside the ${bytes?.length}-byte buffer`,
      (offset >>> 0) === offset ? offset : 0,
    );
  }
}

/**
 * Decode the attributes of `set` found in `bytes[offset, end)` (the whole array by
 * default) into a plain object keyed by camelCase attribute names. Values are copies:
 * the result does not keep `bytes` alive (small `Uint8Array` values may share a pooled
 * `ArrayBuffer`; see the module notes).
 *
 * @throws {NetlinkDecodeError} if an attribute's length is below 4 or runs past its nest,
 *   a scalar has the wrong size, or the range lies outside `bytes`. Offsets in the error
 *   are indexes into `bytes`.
 * @example
 * ```ts
 * import { decodeAttributeSet, rtLink } from "@netlink/netlink";
 * // IFLA_IFNAME "lo", IFLA_MTU 65536
 * const bytes = new Uint8Array([7, 0, 3, 0, 0x6c, 0x6f, 0, 0, 8, 0, 4, 0, 0, 0, 1, 0]);
 * decodeAttributeSet(rtLink.linkAttrs, bytes); // { ifname: "lo", mtu: 65536 }
 * ```
 */
export function decodeAttributeSet<T extends object>(
  set: AttributeSet<T>,
  bytes: Uint8Array,
  offset = 0,
  end: number = bytes.length,
): T {
  checkRange(bytes, offset, end);
  const obj: Record<string, unknown> = {};
  const gen = generatedSet(set as AttributeSet<object>);
  if (gen !== undefined) gen(obj, bytes, offset, end, undefined, 0);
  else decodeSetInto(obj, set as AttributeSet<object>, bytes, offset, end, undefined, 0);
  return obj as T;
}

/**
 * Decode a fixed struct from `bytes[offset, end)`. Members that do not fit are left out;
 * when the length is not the struct's size the original bytes are kept under
 * {@link STRUCT_BYTES} (kernels grow structs over time, so this is not an error).
 *
 * @throws {NetlinkDecodeError} if the range lies outside `bytes`.
 * @example
 * ```ts
 * import { decodeStruct, rtLink } from "@netlink/netlink";
 * // struct ifinfomsg: AF_UNSPEC, ARPHRD_LOOPBACK (772), index 1, IFF_UP|IFF_LOOPBACK, 0
 * const b = new Uint8Array([0, 0, 4, 3, 1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0]);
 * decodeStruct(rtLink.ifinfomsg, b); // { ifiFamily: 0, ifiType: 772, ifiIndex: 1, ifiFlags: 9, ifiChange: 0 }
 * ```
 */
export function decodeStruct<T extends object>(
  struct: StructType<T>,
  bytes: Uint8Array,
  offset = 0,
  end: number = bytes.length,
): T {
  checkRange(bytes, offset, end);
  const gen = generatedStruct(struct as StructType<object>);
  if (gen !== undefined) return gen(bytes, offset, end) as T;
  return decodeStructAt(struct as StructType<object>, bytes, offset, end) as T;
}

/**
 * A decoded message body: the genetlink command and version (genetlink families only),
 * the fixed header (an empty object when the messages have none) and the attributes.
 *
 * @example
 * ```ts
 * import type { DecodedMessage, rtLink } from "@netlink/netlink";
 * declare const m: DecodedMessage<rtLink.Ifinfomsg, rtLink.LinkAttrs>;
 * console.log(m.header.ifiIndex, m.attrs.ifname);
 * ```
 */
export interface DecodedMessage<H, A> {
  /** The operation the message belongs to. */
  operation: Operation<H & object, A & object>;
  /** genlmsghdr.cmd (genetlink only). */
  cmd?: number;
  /** genlmsghdr.version (genetlink only). */
  version?: number;
  /** The fixed header. */
  header: H;
  /** The attributes. */
  attrs: A;
}

/**
 * Decode the payload of a message of `op` (the bytes after struct nlmsghdr): the
 * genlmsghdr for genetlink families, the fixed header if any, then the attributes, which
 * start at the next 4-byte boundary after the header.
 *
 * @throws {NetlinkDecodeError} on malformed bytes.
 * @example
 * ```ts
 * import { decodeBody, parseMessages, rtLink } from "@netlink/netlink";
 * declare const datagram: Uint8Array;
 * for (const m of parseMessages(datagram)) {
 *   if (m.type !== rtLink.RTM_NEWLINK) continue;
 *   const { header, attrs } = decodeBody(rtLink.operations.getlink, m.payload);
 *   console.log(header.ifiIndex, attrs.ifname, attrs.mtu);
 * }
 * ```
 */
export function decodeBody<H extends object, A extends object>(
  op: Operation<H, A>,
  payload: Uint8Array,
  offset = 0,
  end: number = payload.length,
): DecodedMessage<H, A> {
  checkRange(payload, offset, end);
  const plan = rt.planOf(op as Operation<object, object>, makePlan);
  let off = offset;
  let cmd: number | undefined;
  let version: number | undefined;
  if (plan.genl) {
    if (end - off < GENL_HDRLEN) {
      throw new NetlinkDecodeError(
        `genetlink payload of ${end - off} bytes is shorter than the 4-byte genlmsghdr`,
        off,
      );
    }
    cmd = payload[off];
    version = payload[off + 1];
    off += GENL_HDRLEN;
  }
  let header: Record<string, unknown>;
  const fixed = plan.fixed;
  if (fixed !== undefined) {
    const size = plan.size;
    if (end - off < size) {
      throw new NetlinkDecodeError(
        `${op.family.name} ${op.name}: payload of ${
          end - off
        } bytes is shorter than struct ${fixed.name} (${size} bytes)`,
        off,
      );
    }
    header = plan.header !== undefined
      ? plan.header(payload, off, off + size)
      : decodeStructAt(fixed, payload, off, off + size);
    off = Math.min(end, off + ((size + 3) & ~3));
  } else header = {};
  const attrs: Record<string, unknown> = {};
  if (plan.attrs !== undefined) plan.attrs(attrs, payload, off, end, undefined, 0);
  else if (plan.set !== undefined) decodeSetInto(attrs, plan.set, payload, off, end, undefined, 0);
  else if (end - off >= 4) decodeRawInto(attrs, payload, off, end); // no table: keep it raw
  const out: DecodedMessage<H, A> = { operation: op, header: header as H, attrs: attrs as A };
  if (cmd !== undefined) {
    out.cmd = cmd;
    out.version = version;
  }
  return out;
}

// Resolve once what decodeBody needs for `op`.
function makePlan(op: Operation<object, object>): rt.BodyPlan {
  const fixed = op.fixedHeader as StructType<object> | undefined;
  const set = op.attributeSet as AttributeSet<object> | undefined;
  return {
    genl: op.family.isGenetlink,
    fixed,
    size: fixed === undefined ? 0 : compiledStruct(fixed).size,
    set,
    header: fixed === undefined ? undefined : generatedStruct(fixed),
    attrs: set === undefined ? undefined : generatedSet(set),
  };
}
