/**
 * Reading netlink attributes, struct nlattr (linux/netlink.h): parsing and walking them, and
 * the scalar readers. Writing them is `AttributeWriter`'s job (`attr_writer.ts`).
 *
 * An attribute is a 4-byte header (u16 `nla_len` including the header, u16 `nla_type`
 * whose top two bits are NLA_F_NESTED and NLA_F_NET_BYTEORDER) followed by data and zero
 * padding to a multiple of 4 bytes.
 *
 * @module
 */

import { big64, decodeString, int64, u16, u16be, u32, u32be } from "./_bytes.ts";
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from "./constants.ts";
import { NetlinkDecodeError } from "./errors.ts";

/**
 * One parsed attribute. `data` is a view into the parsed bytes (not copied); unknown
 * attributes keep their raw bytes so re-encoding is lossless.
 *
 * @example
 * ```ts
 * import { readString, type Attribute } from "@netlink/netlink/codec";
 * const ifname: Attribute = {
 *   type: 3, // IFLA_IFNAME
 *   nested: false,
 *   netByteOrder: false,
 *   data: new Uint8Array([0x6c, 0x6f, 0]),
 * };
 * readString(ifname.data); // "lo"
 * ```
 */
export interface Attribute {
  /** Attribute type with the flag bits removed (`nla_type & NLA_TYPE_MASK`). */
  type: number;
  /** NLA_F_NESTED was set: `data` holds attributes. */
  nested: boolean;
  /** NLA_F_NET_BYTEORDER was set: `data` is in network byte order. */
  netByteOrder: boolean;
  /** The attribute's data without header or padding: a view, not a copy. */
  data: Uint8Array;
}

function checkRange(bytes: Uint8Array, offset: number, end: number): void {
  if (
    (offset >>> 0) !== offset || (end >>> 0) !== end || offset > end || end > bytes.length
  ) {
    throw new NetlinkDecodeError(
      `attribute range [${offset}, ${end}) is outside the ${bytes.length}-byte buffer`,
      (offset >>> 0) === offset ? offset : 0,
    );
  }
}

function checkAttr(len: number, off: number, end: number): void {
  if (len < NLA_HDRLEN) {
    throw new NetlinkDecodeError(
      `nla_len ${len} at offset ${off} is shorter than the ${NLA_HDRLEN}-byte attribute header`,
      off,
    );
  }
  if (len > end - off) {
    throw new NetlinkDecodeError(
      `nla_len ${len} at offset ${off} runs past the end of the attributes at ${end}`,
      off,
    );
  }
}

/**
 * Parse the attributes in `bytes[offset, end)` (the whole array by default). Attributes
 * start at 4-byte aligned offsets; the padding after the last one may be missing, and up to
 * 3 stray bytes at the end are ignored, as the kernel does. Nested attributes are not
 * descended into: use {@link readNested} on their `data`.
 *
 * @throws {NetlinkDecodeError} if an `nla_len` is below 4 or runs past `end`, or the range
 *   lies outside `bytes`. Offsets in the error are indexes into `bytes`.
 * @example
 * ```ts
 * import { parseAttributes, readU32 } from "@netlink/netlink/codec";
 * // IFLA_MTU (4) = 1500
 * const bytes = new Uint8Array([8, 0, 4, 0, 0xdc, 0x05, 0, 0]);
 * const [mtu] = parseAttributes(bytes);
 * readU32(mtu.data); // 1500
 * ```
 */
export function parseAttributes(bytes: Uint8Array, offset = 0, end = bytes.length): Attribute[] {
  checkRange(bytes, offset, end);
  const out: Attribute[] = [];
  // Views made with the constructor are cheaper than subarray() (no species lookup).
  const buf = bytes.buffer;
  const base = bytes.byteOffset + NLA_HDRLEN;
  let off = offset;
  while (end - off >= NLA_HDRLEN) {
    const len = u16(bytes, off);
    checkAttr(len, off, end);
    const t = u16(bytes, off + 2);
    out.push({
      type: t & NLA_TYPE_MASK,
      nested: (t & NLA_F_NESTED) !== 0,
      netByteOrder: (t & NLA_F_NET_BYTEORDER) !== 0,
      data: new Uint8Array(buf, base + off, len - NLA_HDRLEN),
    });
    off += (len + 3) & ~3;
  }
  return out;
}

/**
 * Visit the attributes in `bytes[offset, end)` without allocating. `fn` gets the raw
 * `nla_type` (flag bits included; mask with NLA_TYPE_MASK) and the data's
 * `[dataOffset, dataEnd)` range in `bytes`; returning `false` stops the walk. Validation
 * is that of {@link parseAttributes}, done as the walk goes.
 *
 * @throws {NetlinkDecodeError} on a bad `nla_len` or range.
 * @example
 * ```ts
 * import { forEachAttribute, NLA_TYPE_MASK } from "@netlink/netlink/codec";
 * declare const msg: { payload: Uint8Array };
 * // rtnetlink link message: attributes follow the 16-byte struct ifinfomsg
 * forEachAttribute(msg.payload, 16, msg.payload.length, (type, start, end) => {
 *   if ((type & NLA_TYPE_MASK) === 3) console.log("IFLA_IFNAME bytes", end - start);
 * });
 * ```
 */
export function forEachAttribute(
  bytes: Uint8Array,
  offset: number,
  end: number,
  fn: (type: number, dataOffset: number, dataEnd: number) => boolean | void,
): void {
  checkRange(bytes, offset, end);
  let off = offset;
  while (end - off >= NLA_HDRLEN) {
    const len = u16(bytes, off);
    checkAttr(len, off, end);
    if (fn(u16(bytes, off + 2), off + NLA_HDRLEN, off + len) === false) return;
    off += (len + 3) & ~3;
  }
}

/**
 * Parse the attributes in `bytes[offset, end)` into a map keyed by type (flags removed).
 * When a type repeats, the last one wins.
 *
 * @throws {NetlinkDecodeError} as {@link parseAttributes}.
 * @example
 * ```ts
 * import { attributeMap, readString } from "@netlink/netlink/codec";
 * declare const payload: Uint8Array;
 * const attrs = attributeMap(payload, 16);
 * const name = attrs.get(3); // IFLA_IFNAME
 * if (name) console.log(readString(name.data));
 * ```
 */
export function attributeMap(
  bytes: Uint8Array,
  offset = 0,
  end = bytes.length,
): Map<number, Attribute> {
  const map = new Map<number, Attribute>();
  for (const a of parseAttributes(bytes, offset, end)) map.set(a.type, a);
  return map;
}

// ---------------------------------------------------------------------------
// Scalar readers
// ---------------------------------------------------------------------------

function expectLength(data: Uint8Array, n: number, what: string): void {
  if (data.length !== n) {
    throw new NetlinkDecodeError(`${what} attribute needs ${n} bytes, got ${data.length}`, 0);
  }
}

/**
 * Read a u8 attribute.
 *
 * @throws {NetlinkDecodeError} unless `data` is exactly 1 byte.
 * @example
 * ```ts
 * import { readU8 } from "@netlink/netlink/codec";
 * readU8(new Uint8Array([6])); // 6 (e.g. IFLA_OPERSTATE = IF_OPER_UP)
 * ```
 */
export function readU8(data: Uint8Array): number {
  expectLength(data, 1, "u8");
  return data[0];
}

/**
 * Read a u16 attribute in host (little-endian) order.
 *
 * @throws {NetlinkDecodeError} unless `data` is exactly 2 bytes.
 * @example
 * ```ts
 * import { readU16 } from "@netlink/netlink/codec";
 * readU16(new Uint8Array([0x34, 0x12])); // 0x1234
 * ```
 */
export function readU16(data: Uint8Array): number {
  expectLength(data, 2, "u16");
  return u16(data, 0);
}

/**
 * Read a u32 attribute in host (little-endian) order.
 *
 * @throws {NetlinkDecodeError} unless `data` is exactly 4 bytes.
 * @example
 * ```ts
 * import { readU32 } from "@netlink/netlink/codec";
 * readU32(new Uint8Array([0xdc, 0x05, 0, 0])); // 1500
 * ```
 */
export function readU32(data: Uint8Array): number {
  expectLength(data, 4, "u32");
  return u32(data, 0);
}

/**
 * Read a u64 attribute in host (little-endian) order as a bigint.
 *
 * @throws {NetlinkDecodeError} unless `data` is exactly 8 bytes.
 * @example
 * ```ts
 * import { readU64 } from "@netlink/netlink/codec";
 * readU64(new Uint8Array([1, 0, 0, 0, 1, 0, 0, 0])); // 4294967297n
 * ```
 */
export function readU64(data: Uint8Array): bigint {
  expectLength(data, 8, "u64");
  return big64(u32(data, 4), u32(data, 0));
}

/**
 * Read an s8 attribute.
 *
 * @throws {NetlinkDecodeError} unless `data` is exactly 1 byte.
 * @example
 * ```ts
 * import { readS8 } from "@netlink/netlink/codec";
 * readS8(new Uint8Array([0xff])); // -1
 * ```
 */
export function readS8(data: Uint8Array): number {
  expectLength(data, 1, "s8");
  return (data[0] << 24) >> 24;
}

/**
 * Read an s16 attribute in host (little-endian) order.
 *
 * @throws {NetlinkDecodeError} unless `data` is exactly 2 bytes.
 * @example
 * ```ts
 * import { readS16 } from "@netlink/netlink/codec";
 * readS16(new Uint8Array([0xfe, 0xff])); // -2
 * ```
 */
export function readS16(data: Uint8Array): number {
  expectLength(data, 2, "s16");
  return (u16(data, 0) << 16) >> 16;
}

/**
 * Read an s32 attribute in host (little-endian) order.
 *
 * @throws {NetlinkDecodeError} unless `data` is exactly 4 bytes.
 * @example
 * ```ts
 * import { readS32 } from "@netlink/netlink/codec";
 * readS32(new Uint8Array([0xea, 0xff, 0xff, 0xff])); // -22
 * ```
 */
export function readS32(data: Uint8Array): number {
  expectLength(data, 4, "s32");
  return u32(data, 0) | 0;
}

/**
 * Read an s64 attribute in host (little-endian) order as a bigint.
 *
 * @throws {NetlinkDecodeError} unless `data` is exactly 8 bytes.
 * @example
 * ```ts
 * import { readS64 } from "@netlink/netlink/codec";
 * readS64(new Uint8Array(8).fill(0xff)); // -1n
 * ```
 */
export function readS64(data: Uint8Array): bigint {
  expectLength(data, 8, "s64");
  return big64(u32(data, 4) | 0, u32(data, 0));
}

/**
 * Read a u16 attribute in network (big-endian) order, e.g. a port number.
 *
 * @throws {NetlinkDecodeError} unless `data` is exactly 2 bytes.
 * @example
 * ```ts
 * import { readU16be } from "@netlink/netlink/codec";
 * readU16be(new Uint8Array([0x00, 0x50])); // 80
 * ```
 */
export function readU16be(data: Uint8Array): number {
  expectLength(data, 2, "u16be");
  return u16be(data, 0);
}

/**
 * Read a u32 attribute in network (big-endian) order.
 *
 * @throws {NetlinkDecodeError} unless `data` is exactly 4 bytes.
 * @example
 * ```ts
 * import { readU32be } from "@netlink/netlink/codec";
 * readU32be(new Uint8Array([0xc0, 0xa8, 0x00, 0x01])); // 0xc0a80001 (192.168.0.1)
 * ```
 */
export function readU32be(data: Uint8Array): number {
  expectLength(data, 4, "u32be");
  return u32be(data, 0);
}

/**
 * Read a u64 attribute in network (big-endian) order as a bigint.
 *
 * @throws {NetlinkDecodeError} unless `data` is exactly 8 bytes.
 * @example
 * ```ts
 * import { readU64be } from "@netlink/netlink/codec";
 * readU64be(new Uint8Array([0, 0, 0, 1, 0, 0, 0, 2])); // 4294967298n
 * ```
 */
export function readU64be(data: Uint8Array): bigint {
  expectLength(data, 8, "u64be");
  return big64(u32be(data, 0), u32be(data, 4));
}

/**
 * Read an s16 attribute in network (big-endian) order.
 *
 * @throws {NetlinkDecodeError} unless `data` is exactly 2 bytes.
 * @example
 * ```ts
 * import { readS16be } from "@netlink/netlink/codec";
 * readS16be(new Uint8Array([0xff, 0xfe])); // -2
 * ```
 */
export function readS16be(data: Uint8Array): number {
  expectLength(data, 2, "s16be");
  return (u16be(data, 0) << 16) >> 16;
}

/**
 * Read an s32 attribute in network (big-endian) order.
 *
 * @throws {NetlinkDecodeError} unless `data` is exactly 4 bytes.
 * @example
 * ```ts
 * import { readS32be } from "@netlink/netlink/codec";
 * readS32be(new Uint8Array([0xff, 0xff, 0xff, 0xfe])); // -2
 * ```
 */
export function readS32be(data: Uint8Array): number {
  expectLength(data, 4, "s32be");
  return u32be(data, 0) | 0;
}

/**
 * Read a variable-size unsigned integer (NLA_UINT / YNL "uint": the kernel sends 4 or 8
 * bytes; 1 and 2 are accepted too). Returns a number when the value is a safe integer
 * (≤ 2^53 − 1), otherwise a bigint.
 *
 * @throws {NetlinkDecodeError} unless `data` is 1, 2, 4 or 8 bytes.
 * @example
 * ```ts
 * import { readUint } from "@netlink/netlink/codec";
 * readUint(new Uint8Array([42, 0, 0, 0])); // 42
 * readUint(new Uint8Array(8).fill(0xff)); // 18446744073709551615n
 * ```
 */
export function readUint(data: Uint8Array): number | bigint {
  switch (data.length) {
    case 1:
      return data[0];
    case 2:
      return u16(data, 0);
    case 4:
      return u32(data, 0);
    case 8:
      return int64(u32(data, 4), u32(data, 0));
    default:
      throw new NetlinkDecodeError(
        `uint attribute needs 1, 2, 4 or 8 bytes, got ${data.length}`,
        0,
      );
  }
}

/**
 * Read a variable-size signed integer (NLA_SINT / YNL "sint": 4 or 8 bytes; 1 and 2 are
 * accepted too). Returns a number when the value is a safe integer, otherwise a bigint.
 *
 * @throws {NetlinkDecodeError} unless `data` is 1, 2, 4 or 8 bytes.
 * @example
 * ```ts
 * import { readSint } from "@netlink/netlink/codec";
 * readSint(new Uint8Array([0xff, 0xff, 0xff, 0xff])); // -1
 * ```
 */
export function readSint(data: Uint8Array): number | bigint {
  switch (data.length) {
    case 1:
      return (data[0] << 24) >> 24;
    case 2:
      return (u16(data, 0) << 16) >> 16;
    case 4:
      return u32(data, 0) | 0;
    case 8:
      return int64(u32(data, 4) | 0, u32(data, 0));
    default:
      throw new NetlinkDecodeError(
        `sint attribute needs 1, 2, 4 or 8 bytes, got ${data.length}`,
        0,
      );
  }
}

/**
 * Read a string attribute: trailing NUL bytes are removed and the rest is decoded as UTF-8
 * (invalid sequences become U+FFFD; never throws).
 *
 * @example
 * ```ts
 * import { readString } from "@netlink/netlink/codec";
 * readString(new Uint8Array([0x65, 0x74, 0x68, 0x30, 0])); // "eth0"
 * ```
 */
export function readString(data: Uint8Array): string {
  return decodeString(data, 0, data.length);
}

/**
 * Read a flag attribute: its presence means `true`. Flags carry no data.
 *
 * @throws {NetlinkDecodeError} if `data` is not empty.
 * @example
 * ```ts
 * import { attributeMap, readFlag } from "@netlink/netlink/codec";
 * declare const bytes: Uint8Array;
 * const a = attributeMap(bytes).get(7);
 * const enabled = a !== undefined && readFlag(a.data);
 * ```
 */
export function readFlag(data: Uint8Array): boolean {
  expectLength(data, 0, "flag");
  return true;
}

/**
 * Parse the attributes nested inside an attribute's data; same as
 * `parseAttributes(data)`.
 *
 * @throws {NetlinkDecodeError} as {@link parseAttributes}, with offsets relative to `data`.
 * @example
 * ```ts
 * import { readNested, readString } from "@netlink/netlink/codec";
 * // IFLA_LINKINFO { IFLA_INFO_KIND "veth" }
 * const data = new Uint8Array([9, 0, 1, 0, 0x76, 0x65, 0x74, 0x68, 0, 0, 0, 0]);
 * const [kind] = readNested(data);
 * readString(kind.data); // "veth"
 * ```
 */
export function readNested(data: Uint8Array): Attribute[] {
  return parseAttributes(data);
}

/**
 * Read an indexed array: a nest whose entries carry their position (1..n) as type, like
 * IFLA_PROP_LIST or YNL "indexed-array" attributes. Returns the entries in the order they
 * appear. The index values are not checked, since some kernel families number from 0.
 *
 * @throws {NetlinkDecodeError} as {@link parseAttributes}, with offsets relative to `data`.
 * @example
 * ```ts
 * import { readIndexedArray, readU32 } from "@netlink/netlink/codec";
 * // entries 1 and 2, each a u32
 * const data = new Uint8Array([8, 0, 1, 0, 10, 0, 0, 0, 8, 0, 2, 0, 20, 0, 0, 0]);
 * readIndexedArray(data).map((e) => readU32(e.data)); // [10, 20]
 * ```
 */
export function readIndexedArray(data: Uint8Array): Attribute[] {
  return parseAttributes(data);
}
