/**
 * Writing netlink attributes (struct nlattr, linux/netlink.h): {@link AttributeWriter}
 * appends headers, data and padding to a growable buffer, range-checking integer values;
 * {@link encodeAttributes} re-encodes parsed attributes.
 *
 * @example
 * ```ts
 * import { AttributeWriter } from "@netlink/netlink/codec";
 * // IFLA_IFNAME "dummy0", IFLA_LINKINFO { IFLA_INFO_KIND "dummy" }
 * const bytes = new AttributeWriter()
 *   .string(3, "dummy0")
 *   .nest(18, (w) => w.string(1, "dummy"))
 *   .bytes();
 * ```
 *
 * @module
 */

import {
  encodeUtf8,
  encodeUtf8Into,
  half64,
  intValue,
  putU16,
  putU16be,
  putU32,
  putU32be,
  putU64,
  putU64be,
  split64,
} from "./_bytes.ts";
import type { Attribute } from "./attrs.ts";
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from "./constants.ts";

function checkType(type: number): void {
  if ((type >>> 0) !== type || type > 0xffff) {
    throw new RangeError(`attribute type ${type} is outside 0..65535`);
  }
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
    putU64(this.#buf, o, half64.hi, half64.lo);
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
    putU64(this.#buf, o, half64.hi, half64.lo);
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
    putU16be(this.#buf, o, n);
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
    putU64be(this.#buf, o, half64.hi, half64.lo);
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
    if (half64.hi === 0) {
      const o = this.#begin(type, 4);
      putU32(this.#buf, o, half64.lo);
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
    const { hi, lo } = half64;
    if ((hi === 0 && lo < 0x80000000) || (hi === -1 && lo >= 0x80000000)) {
      const o = this.#begin(type, 4);
      putU32(this.#buf, o, lo);
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
