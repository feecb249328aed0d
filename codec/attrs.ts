/**
 * Netlink attributes, struct nlattr (linux/netlink.h): parsing, scalar readers and
 * writers.
 *
 * An attribute is a 4-byte header (u16 `nla_len` including the header, u16 `nla_type`
 * whose top two bits are NLA_F_NESTED and NLA_F_NET_BYTEORDER) followed by data and zero
 * padding to a multiple of 4 bytes.
 *
 * @module
 */

import {
  decodeUtf8,
  encodeUtf8,
  encodeUtf8Into,
  putU16,
  putU32,
  putU32be,
  u16,
  u32,
} from "./_bytes.ts";
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from "./constants.ts";
import { NetlinkDecodeError } from "./errors.ts";
import { NLMSG_HDRLEN, writeHeader } from "./header.ts";

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

function big64(hi: number, lo: number): bigint {
  // One BigInt allocation when the value is exact as a double (|hi| < 2^21).
  if (hi < 0x200000 && hi >= -0x200000) return BigInt(hi * 0x100000000 + lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
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
  return (data[0] << 8) | data[1];
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
  return ((data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3]) >>> 0;
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
  const hi = ((data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3]) >>> 0;
  const lo = ((data[4] << 24) | (data[5] << 16) | (data[6] << 8) | data[7]) >>> 0;
  return big64(hi, lo);
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
  return (((data[0] << 8) | data[1]) << 16) >> 16;
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
  return (data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3];
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
    case 8: {
      const hi = u32(data, 4);
      const lo = u32(data, 0);
      return hi < 0x200000 ? hi * 0x100000000 + lo : big64(hi, lo);
    }
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
    case 8: {
      const hi = u32(data, 4) | 0;
      const lo = u32(data, 0);
      // hi in [-2^21, 2^21) keeps |value| <= 2^53, but -2^53 itself is not a safe integer.
      if (hi >= -0x200000 && hi < 0x200000 && !(hi === -0x200000 && lo === 0)) {
        return hi * 0x100000000 + lo;
      }
      return big64(hi, lo);
    }
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
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end--;
  return decodeUtf8(data, 0, end);
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

// ---------------------------------------------------------------------------
// Writers
// ---------------------------------------------------------------------------

function checkType(type: number): void {
  if ((type >>> 0) !== type || type > 0xffff) {
    throw new RangeError(`attribute type ${type} is outside 0..65535`);
  }
}

function intValue(v: number | bigint, min: number, max: number, what: string): number {
  const n = typeof v === "bigint" ? Number(v) : v;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new RangeError(`${what} value ${v} is outside ${min}..${max}`);
  }
  return n;
}

// Scratch output of split64 (avoids allocating a pair per call).
let hi32 = 0;
let lo32 = 0;

function split64(v: number | bigint, signed: boolean, what: string): void {
  const min = signed ? -(2 ** 63) : 0;
  const limit = signed ? 2 ** 63 : 2 ** 64;
  if (typeof v === "number") {
    if (!Number.isInteger(v) || v < min || v >= limit) {
      throw new RangeError(`${what} value ${v} is out of range`);
    }
    hi32 = Math.floor(v / 0x100000000);
    lo32 = v - hi32 * 0x100000000;
    return;
  }
  if (
    typeof v !== "bigint" ||
    (signed ? v < -(1n << 63n) || v >= 1n << 63n : v < 0n || v >= 1n << 64n)
  ) {
    throw new RangeError(`${what} value ${v} is out of range`);
  }
  // Arithmetic shift: hi32 is signed for negative values, as in the number branch.
  hi32 = Number(v >> 32n);
  lo32 = Number(v & 0xffffffffn);
}

/**
 * Appends attributes to a growable buffer. Every method returns `this`, so calls chain;
 * attributes are padded with zeros to 4 bytes. Integer values are range-checked and
 * written in host (little-endian) order unless the name ends in `be`.
 *
 * @example
 * ```ts
 * import { AttributeWriter } from "@netlink/netlink/codec";
 * const w = new AttributeWriter()
 *   .string(3, "dummy0") // IFLA_IFNAME
 *   .u32(4, 1400) // IFLA_MTU
 *   .nest(18, (w) => w.string(1, "dummy")); // IFLA_LINKINFO { IFLA_INFO_KIND }
 * const bytes = w.bytes();
 * ```
 */
export class AttributeWriter {
  #buf: Uint8Array;
  #pos = 0;

  /**
   * Create a writer with an initial buffer of `capacity` bytes; it grows as needed.
   *
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * const w = new AttributeWriter(4096);
   * ```
   */
  constructor(capacity = 256) {
    this.#buf = new Uint8Array(Math.max(16, Math.min(capacity >>> 0, 1 << 30)));
  }

  /**
   * Number of bytes written so far (always a multiple of 4).
   *
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().u8(1, 7).length; // 8
   * ```
   */
  get length(): number {
    return this.#pos;
  }

  #ensure(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(need, this.#buf.length * 2));
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
  }

  /** Write an attribute header for `dataLen` bytes of data; returns the data offset. */
  #begin(type: number, dataLen: number): number {
    checkType(type);
    const len = NLA_HDRLEN + dataLen;
    if (len > 0xffff) {
      throw new RangeError(`attribute ${type & NLA_TYPE_MASK} is ${len} bytes, over 65535`);
    }
    const total = (len + 3) & ~3;
    this.#ensure(total);
    const b = this.#buf;
    const o = this.#pos;
    b[o] = len;
    b[o + 1] = len >>> 8;
    b[o + 2] = type;
    b[o + 3] = type >>> 8;
    for (let i = o + len; i < o + total; i++) b[i] = 0;
    this.#pos = o + total;
    return o + NLA_HDRLEN;
  }

  /**
   * Append raw bytes, e.g. a family header such as struct ifinfomsg, then zero padding to
   * a multiple of 4 bytes.
   *
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * const ifinfomsg = new Uint8Array(16); // ifi_family AF_UNSPEC, all zero
   * new AttributeWriter().raw(ifinfomsg).string(3, "lo");
   * ```
   */
  raw(bytes: Uint8Array): this {
    const total = (bytes.length + 3) & ~3;
    this.#ensure(total);
    const o = this.#pos;
    this.#buf.set(bytes, o);
    for (let i = o + bytes.length; i < o + total; i++) this.#buf[i] = 0;
    this.#pos = o + total;
    return this;
  }

  /**
   * Append an attribute with the given data. `type` may include NLA_F_NESTED or
   * NLA_F_NET_BYTEORDER.
   *
   * @throws {RangeError} if `type` is not a u16 or the attribute exceeds 65535 bytes.
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().attr(1, [0x02, 0x00, 0x00, 0x00]);
   * ```
   */
  attr(type: number, data: Uint8Array | number[]): this {
    const o = this.#begin(type, data.length);
    this.#buf.set(data, o);
    return this;
  }

  /**
   * Append a binary attribute (same as {@link AttributeWriter.attr} with a `Uint8Array`).
   *
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().binary(1, new Uint8Array([0, 0x11, 0x22, 0x33, 0x44, 0x55])); // IFLA_ADDRESS
   * ```
   */
  binary(type: number, bytes: Uint8Array): this {
    return this.attr(type, bytes);
  }

  /**
   * Append a zero-length flag attribute.
   *
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().flag(7).length; // 4
   * ```
   */
  flag(type: number): this {
    this.#begin(type, 0);
    return this;
  }

  /**
   * Append a u8 attribute.
   *
   * @throws {RangeError} if `v` is not an integer in 0..255.
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().u8(16, 6); // IFLA_OPERSTATE = IF_OPER_UP
   * ```
   */
  u8(type: number, v: number | bigint): this {
    const n = intValue(v, 0, 0xff, "u8");
    const o = this.#begin(type, 1);
    this.#buf[o] = n;
    return this;
  }

  /**
   * Append a u16 attribute.
   *
   * @throws {RangeError} if `v` is not an integer in 0..65535.
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().u16(1, 0x1234);
   * ```
   */
  u16(type: number, v: number | bigint): this {
    const n = intValue(v, 0, 0xffff, "u16");
    const o = this.#begin(type, 2);
    putU16(this.#buf, o, n);
    return this;
  }

  /**
   * Append a u32 attribute.
   *
   * @throws {RangeError} if `v` is not an integer in 0..2^32−1.
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().u32(4, 1500); // IFLA_MTU
   * ```
   */
  u32(type: number, v: number | bigint): this {
    const n = intValue(v, 0, 0xffffffff, "u32");
    const o = this.#begin(type, 4);
    putU32(this.#buf, o, n);
    return this;
  }

  /**
   * Append a u64 attribute.
   *
   * @throws {RangeError} if `v` is not an integer in 0..2^64−1.
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().u64(1, 2n ** 40n);
   * ```
   */
  u64(type: number, v: number | bigint): this {
    split64(v, false, "u64");
    const o = this.#begin(type, 8);
    putU32(this.#buf, o, lo32);
    putU32(this.#buf, o + 4, hi32);
    return this;
  }

  /**
   * Append an s8 attribute.
   *
   * @throws {RangeError} if `v` is not an integer in −128..127.
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().s8(1, -1);
   * ```
   */
  s8(type: number, v: number | bigint): this {
    const n = intValue(v, -0x80, 0x7f, "s8");
    const o = this.#begin(type, 1);
    this.#buf[o] = n;
    return this;
  }

  /**
   * Append an s16 attribute.
   *
   * @throws {RangeError} if `v` is not an integer in −32768..32767.
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().s16(1, -2);
   * ```
   */
  s16(type: number, v: number | bigint): this {
    const n = intValue(v, -0x8000, 0x7fff, "s16");
    const o = this.#begin(type, 2);
    putU16(this.#buf, o, n);
    return this;
  }

  /**
   * Append an s32 attribute.
   *
   * @throws {RangeError} if `v` is not an integer in −2^31..2^31−1.
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().s32(1, -22);
   * ```
   */
  s32(type: number, v: number | bigint): this {
    const n = intValue(v, -0x80000000, 0x7fffffff, "s32");
    const o = this.#begin(type, 4);
    putU32(this.#buf, o, n);
    return this;
  }

  /**
   * Append an s64 attribute.
   *
   * @throws {RangeError} if `v` is not an integer in −2^63..2^63−1.
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().s64(1, -1n);
   * ```
   */
  s64(type: number, v: number | bigint): this {
    split64(v, true, "s64");
    const o = this.#begin(type, 8);
    putU32(this.#buf, o, lo32);
    putU32(this.#buf, o + 4, hi32);
    return this;
  }

  /**
   * Append a u16 attribute in network (big-endian) order; with `setFlag` the type gets
   * NLA_F_NET_BYTEORDER.
   *
   * @throws {RangeError} if `v` is not an integer in 0..65535.
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().u16be(2, 443); // a port number
   * ```
   */
  u16be(type: number, v: number | bigint, setFlag = false): this {
    const n = intValue(v, 0, 0xffff, "u16be");
    const o = this.#begin(setFlag ? type | NLA_F_NET_BYTEORDER : type, 2);
    this.#buf[o] = n >>> 8;
    this.#buf[o + 1] = n;
    return this;
  }

  /**
   * Append a u32 attribute in network (big-endian) order; with `setFlag` the type gets
   * NLA_F_NET_BYTEORDER.
   *
   * @throws {RangeError} if `v` is not an integer in 0..2^32−1.
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().u32be(1, 0xc0a80001, true); // 192.168.0.1
   * ```
   */
  u32be(type: number, v: number | bigint, setFlag = false): this {
    const n = intValue(v, 0, 0xffffffff, "u32be");
    const o = this.#begin(setFlag ? type | NLA_F_NET_BYTEORDER : type, 4);
    putU32be(this.#buf, o, n);
    return this;
  }

  /**
   * Append a u64 attribute in network (big-endian) order; with `setFlag` the type gets
   * NLA_F_NET_BYTEORDER.
   *
   * @throws {RangeError} if `v` is not an integer in 0..2^64−1.
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().u64be(1, 1n << 40n);
   * ```
   */
  u64be(type: number, v: number | bigint, setFlag = false): this {
    split64(v, false, "u64be");
    const o = this.#begin(setFlag ? type | NLA_F_NET_BYTEORDER : type, 8);
    putU32be(this.#buf, o, hi32);
    putU32be(this.#buf, o + 4, lo32);
    return this;
  }

  /**
   * Append a variable-size unsigned integer (NLA_UINT) the way the kernel's
   * `nla_put_uint` does: 4 bytes when the value fits in 32 bits, else 8.
   *
   * @throws {RangeError} if `v` is not an integer in 0..2^64−1.
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().uint(1, 7).length; // 8
   * new AttributeWriter().uint(1, 2n ** 40n).length; // 12
   * ```
   */
  uint(type: number, v: number | bigint): this {
    split64(v, false, "uint");
    if (hi32 === 0) {
      const o = this.#begin(type, 4);
      putU32(this.#buf, o, lo32);
      return this;
    }
    return this.u64(type, v);
  }

  /**
   * Append a variable-size signed integer (NLA_SINT) like the kernel's `nla_put_sint`:
   * 4 bytes when the value fits in s32, else 8.
   *
   * @throws {RangeError} if `v` is not an integer in −2^63..2^63−1.
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().sint(1, -5).length; // 8
   * ```
   */
  sint(type: number, v: number | bigint): this {
    split64(v, true, "sint");
    const fits = (hi32 === 0 && lo32 < 0x80000000) || (hi32 === -1 && lo32 >= 0x80000000);
    if (fits) {
      const o = this.#begin(type, 4);
      putU32(this.#buf, o, lo32);
      return this;
    }
    return this.s64(type, v);
  }

  /**
   * Append a NUL-terminated UTF-8 string attribute.
   *
   * @throws {RangeError} if the attribute exceeds 65535 bytes.
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().string(3, "eth0").length; // 12: header 4 + "eth0\0" 5 + pad 3
   * ```
   */
  string(type: number, s: string): this {
    if (s.length * 3 + NLA_HDRLEN + 1 > 0xffff) {
      const bytes = encodeUtf8(s);
      const o = this.#begin(type, bytes.length + 1);
      this.#buf.set(bytes, o);
      this.#buf[o + bytes.length] = 0;
      return this;
    }
    checkType(type);
    this.#ensure(NLA_HDRLEN + s.length * 3 + 4);
    const b = this.#buf;
    const o = this.#pos;
    const n = encodeUtf8Into(s, b, o + NLA_HDRLEN);
    const len = NLA_HDRLEN + n + 1;
    const total = (len + 3) & ~3;
    for (let i = o + len - 1; i < o + total; i++) b[i] = 0;
    putU16(b, o, len);
    putU16(b, o + 2, type);
    this.#pos = o + total;
    return this;
  }

  /**
   * Append a nested attribute: `fn` writes the inner attributes into this writer, then the
   * nest's `nla_len` is patched. NLA_F_NESTED is set unless `opts.flag` is `false`.
   *
   * @throws {RangeError} if the nest exceeds 65535 bytes.
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * // IFLA_LINKINFO { IFLA_INFO_KIND "vlan", IFLA_INFO_DATA { IFLA_VLAN_ID 100 } }
   * new AttributeWriter().nest(18, (w) =>
   *   w.string(1, "vlan").nest(2, (w) => w.u16(1, 100))
   * );
   * ```
   */
  nest(type: number, fn: (w: this) => void, opts?: { flag?: boolean }): this {
    checkType(type);
    this.#ensure(NLA_HDRLEN);
    const start = this.#pos;
    this.#pos += NLA_HDRLEN;
    fn(this);
    const len = this.#pos - start;
    if (len > 0xffff) {
      throw new RangeError(`nested attribute ${type & NLA_TYPE_MASK} is ${len} bytes, over 65535`);
    }
    putU16(this.#buf, start, len);
    putU16(this.#buf, start + 2, opts?.flag === false ? type : type | NLA_F_NESTED);
    return this;
  }

  /**
   * Append an indexed array: a nest of type `type` whose entries are nests typed 1..n,
   * each written by the matching function of `items`.
   *
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().array(1, [
   *   (w) => w.u32(1, 10),
   *   (w) => w.u32(1, 20),
   * ]);
   * ```
   */
  array(type: number, items: ((w: this) => void)[]): this {
    return this.nest(type, (w) => {
      for (let i = 0; i < items.length; i++) w.nest(i + 1, items[i]);
    });
  }

  /**
   * Append parsed attributes again, restoring their NLA_F_NESTED and NLA_F_NET_BYTEORDER
   * bits, so decode → encode is lossless.
   *
   * @example
   * ```ts
   * import { AttributeWriter, parseAttributes } from "@netlink/netlink/codec";
   * declare const bytes: Uint8Array;
   * const copy = new AttributeWriter().attributes(parseAttributes(bytes)).bytes();
   * ```
   */
  attributes(list: readonly Attribute[]): this {
    for (let i = 0; i < list.length; i++) {
      const a = list[i];
      const t = a.type | (a.nested ? NLA_F_NESTED : 0) | (a.netByteOrder ? NLA_F_NET_BYTEORDER : 0);
      this.attr(t, a.data);
    }
    return this;
  }

  /**
   * A copy of the bytes written so far.
   *
   * @example
   * ```ts
   * import { AttributeWriter } from "@netlink/netlink/codec";
   * new AttributeWriter().u8(1, 7).bytes(); // Uint8Array [5, 0, 1, 0, 7, 0, 0, 0]
   * ```
   */
  bytes(): Uint8Array {
    return this.#buf.slice(0, this.#pos);
  }
}

const HEADER_SPACE = new Uint8Array(NLMSG_HDRLEN);

/**
 * Builds one netlink message in place: 16 bytes are reserved for struct nlmsghdr, the
 * payload (family header and attributes) is appended with the {@link AttributeWriter}
 * methods, and {@link MessageBuilder.finish} fills in the header with the final length.
 *
 * @example
 * ```ts
 * import {
 *   MessageBuilder,
 *   NLM_F_ACK,
 *   NLM_F_CREATE,
 *   NLM_F_EXCL,
 *   NLM_F_REQUEST,
 * } from "@netlink/netlink/codec";
 * // RTM_NEWLINK (16): create a dummy interface
 * const msg = new MessageBuilder(16, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, {
 *   seq: 1,
 * })
 *   .raw(new Uint8Array(16)) // struct ifinfomsg
 *   .string(3, "dummy0") // IFLA_IFNAME
 *   .nest(18, (w) => w.string(1, "dummy")) // IFLA_LINKINFO { IFLA_INFO_KIND }
 *   .finish();
 * ```
 */
export class MessageBuilder extends AttributeWriter {
  /** nlmsg_type. */
  type: number;
  /** nlmsg_flags. */
  flags: number;
  /** nlmsg_seq. */
  seq: number;
  /** nlmsg_pid. */
  pid: number;

  /**
   * Start a message. `header.capacity` sizes the initial buffer (it grows as needed).
   *
   * @example
   * ```ts
   * import { MessageBuilder, NLM_F_DUMP, NLM_F_REQUEST } from "@netlink/netlink/codec";
   * // RTM_GETLINK (18) dump
   * const b = new MessageBuilder(18, NLM_F_REQUEST | NLM_F_DUMP, { seq: 42 });
   * ```
   */
  constructor(
    type: number,
    flags = 0,
    header: { seq?: number; pid?: number; capacity?: number } = {},
  ) {
    super(header.capacity);
    this.type = type;
    this.flags = flags;
    this.seq = header.seq ?? 0;
    this.pid = header.pid ?? 0;
    this.raw(HEADER_SPACE);
  }

  /**
   * Return a copy of the message with its header written (`nlmsg_len` = total length).
   * The builder stays usable: later calls see later appends.
   *
   * @throws {RangeError} if a header field does not fit its width.
   * @example
   * ```ts
   * import { MessageBuilder, NLM_F_REQUEST } from "@netlink/netlink/codec";
   * const bytes = new MessageBuilder(18, NLM_F_REQUEST).raw(new Uint8Array(16)).finish();
   * console.log(bytes.length); // 32
   * ```
   */
  finish(): Uint8Array {
    const out = super.bytes();
    writeHeader(out, 0, {
      length: out.length,
      type: this.type,
      flags: this.flags,
      seq: this.seq,
      pid: this.pid,
    });
    return out;
  }

  /**
   * Same as {@link MessageBuilder.finish}: the message with its header written.
   *
   * @example
   * ```ts
   * import { MessageBuilder } from "@netlink/netlink/codec";
   * new MessageBuilder(3).bytes().length; // 16
   * ```
   */
  override bytes(): Uint8Array {
    return this.finish();
  }
}

/**
 * Encode a list of attributes (for example one returned by {@link parseAttributes}).
 * For well-formed, zero-padded input, parse → encode gives back identical bytes.
 *
 * @throws {RangeError} if a type is not a u16 or an attribute exceeds 65535 bytes.
 * @example
 * ```ts
 * import { encodeAttributes, parseAttributes } from "@netlink/netlink/codec";
 * const bytes = new Uint8Array([8, 0, 4, 0, 0xdc, 0x05, 0, 0]);
 * encodeAttributes(parseAttributes(bytes)); // same 8 bytes
 * ```
 */
export function encodeAttributes(list: readonly Attribute[]): Uint8Array {
  let size = 0;
  for (let i = 0; i < list.length; i++) size += (NLA_HDRLEN + list[i].data.length + 3) & ~3;
  return new AttributeWriter(size).attributes(list).bytes();
}
