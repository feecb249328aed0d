/**
 * Private byte helpers shared by the codec modules (not re-exported by `mod.ts`): the one home
 * of the integer and UTF-8 primitives.
 *
 * Reads and writes go straight to the `Uint8Array` with shifts and masks, which avoids
 * allocating a `DataView` per call; "little-endian" is host order on x86_64 and aarch64 Linux.
 * Callers check bounds before reading: out-of-range indexes would read `undefined`, never
 * throw. 64-bit integers are read as two 32-bit halves (`hi`, `lo`) and assembled with
 * {@link big64} or {@link int64}.
 *
 * @module
 */

/**
 * Read a little-endian u16.
 *
 * @example
 * ```ts
 * import { u16 } from "./_bytes.ts";
 * u16(new Uint8Array([0x34, 0x12]), 0); // 0x1234
 * ```
 */
export function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

/**
 * Read a big-endian (network order) u16.
 *
 * @example
 * ```ts
 * import { u16be } from "./_bytes.ts";
 * u16be(new Uint8Array([0x12, 0x34]), 0); // 0x1234
 * ```
 */
export function u16be(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

/**
 * Read a little-endian u32.
 *
 * @example
 * ```ts
 * import { u32 } from "./_bytes.ts";
 * u32(new Uint8Array([1, 0, 0, 0x80]), 0); // 0x80000001
 * ```
 */
export function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/**
 * Read a little-endian s32.
 *
 * @example
 * ```ts
 * import { s32 } from "./_bytes.ts";
 * s32(new Uint8Array([0xfe, 0xff, 0xff, 0xff]), 0); // -2
 * ```
 */
export function s32(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
}

/**
 * Read a big-endian (network order) u32.
 *
 * @example
 * ```ts
 * import { u32be } from "./_bytes.ts";
 * u32be(new Uint8Array([0xfe, 0xed, 0xca, 0xfe]), 0); // 0xfeedcafe
 * ```
 */
export function u32be(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/**
 * A 64-bit integer from its 32-bit halves as a bigint: `hi` signed (s64) or unsigned (u64),
 * `lo` unsigned. One BigInt allocation when the value is exact as a double (|hi| < 2^21).
 *
 * @example
 * ```ts
 * import { big64, u32 } from "./_bytes.ts";
 * const b = new Uint8Array([1, 0, 0, 0, 1, 0, 0, 0]);
 * big64(u32(b, 4), u32(b, 0)); // 4294967297n
 * big64(-1, 0xffffffff); // -1n
 * ```
 */
export function big64(hi: number, lo: number): bigint {
  // Most counters are 0: the literal is shared, where BigInt() allocates each time.
  if (hi === 0 && lo === 0) return 0n;
  if (hi < 0x200000 && hi >= -0x200000) return BigInt(hi * 0x100000000 + lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * A 64-bit integer from its 32-bit halves (as {@link big64}): a number when it is a safe
 * integer (|value| ≤ 2^53 − 1), otherwise a bigint. This is how YNL `uint`/`sint` values
 * decode.
 *
 * @example
 * ```ts
 * import { int64 } from "./_bytes.ts";
 * int64(0, 42); // 42
 * int64(-1, 0xfffffffe); // -2
 * int64(0xffffffff, 0xffffffff); // 18446744073709551615n
 * ```
 */
export function int64(hi: number, lo: number): number | bigint {
  // hi in [-2^21, 2^21) keeps |value| <= 2^53, but -2^53 itself is not a safe integer.
  if (hi < 0x200000 && hi >= -0x200000 && !(hi === -0x200000 && lo === 0)) {
    return hi * 0x100000000 + lo;
  }
  return big64(hi, lo);
}

/**
 * Write a little-endian u16 (the value is truncated to 16 bits).
 *
 * @example
 * ```ts
 * import { putU16 } from "./_bytes.ts";
 * const b = new Uint8Array(2);
 * putU16(b, 0, 0x1234); // b = [0x34, 0x12]
 * ```
 */
export function putU16(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
}

/**
 * Write a big-endian (network order) u16 (the value is truncated to 16 bits).
 *
 * @example
 * ```ts
 * import { putU16be } from "./_bytes.ts";
 * const b = new Uint8Array(2);
 * putU16be(b, 0, 443); // b = [0x01, 0xbb]
 * ```
 */
export function putU16be(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

/**
 * Write a little-endian u32 (the value is truncated to 32 bits; negative int32 values are
 * written in two's complement).
 *
 * @example
 * ```ts
 * import { putU32 } from "./_bytes.ts";
 * const b = new Uint8Array(4);
 * putU32(b, 0, 0xfeedcafe); // b = [0xfe, 0xca, 0xed, 0xfe]
 * ```
 */
export function putU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}

/**
 * Write a big-endian (network order) u32.
 *
 * @example
 * ```ts
 * import { putU32be } from "./_bytes.ts";
 * const b = new Uint8Array(4);
 * putU32be(b, 0, 0xfeedcafe); // b = [0xfe, 0xed, 0xca, 0xfe]
 * ```
 */
export function putU32be(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

/**
 * Write a 64-bit integer given as its 32-bit halves in little-endian order (`hi` may be
 * signed: two's complement).
 *
 * @example
 * ```ts
 * import { putU64 } from "./_bytes.ts";
 * const b = new Uint8Array(8);
 * putU64(b, 0, 1, 2); // b = [2, 0, 0, 0, 1, 0, 0, 0]
 * ```
 */
export function putU64(b: Uint8Array, o: number, hi: number, lo: number): void {
  putU32(b, o, lo);
  putU32(b, o + 4, hi);
}

/**
 * Write a 64-bit integer given as its 32-bit halves in big-endian (network) order.
 *
 * @example
 * ```ts
 * import { putU64be } from "./_bytes.ts";
 * const b = new Uint8Array(8);
 * putU64be(b, 0, 1, 2); // b = [0, 0, 0, 1, 0, 0, 0, 2]
 * ```
 */
export function putU64be(b: Uint8Array, o: number, hi: number, lo: number): void {
  putU32be(b, o, hi);
  putU32be(b, o + 4, lo);
}

/**
 * Check that `v` (a number or a bigint) is an integer in `min..max` (both within ±2^53) and
 * return it as a number; `what` names it in the error.
 *
 * @throws {RangeError} if it is not.
 * @example
 * ```ts
 * import { intValue } from "./_bytes.ts";
 * intValue(7n, 0, 255, "u8"); // 7
 * ```
 */
export function intValue(v: unknown, min: number, max: number, what: string): number {
  const n = typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    throw new RangeError(`${what} value ${String(v)} is outside ${min}..${max}`);
  }
  return n;
}

/**
 * Check that `v` is an integer (number or bigint) in the range of s64 (`signed`) or u64 and
 * return it; split it with {@link hi64} and {@link lo64} (or use {@link split64}).
 *
 * @throws {RangeError} if it is not.
 * @example
 * ```ts
 * import { check64 } from "./_bytes.ts";
 * check64(-1, true, "s64"); // -1
 * ```
 */
export function check64(v: unknown, signed: boolean, what: string): number | bigint {
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new RangeError(`${what} value ${v} is not an integer`);
    if (signed ? v < -(2 ** 63) || v >= 2 ** 63 : v < 0 || v >= 2 ** 64) {
      throw new RangeError(`${what} value ${v} is out of range`);
    }
    return v;
  }
  if (typeof v !== "bigint") throw new RangeError(`${what} value ${String(v)} is not an integer`);
  if (signed ? v < -(1n << 63n) || v >= 1n << 63n : v < 0n || v >= 1n << 64n) {
    throw new RangeError(`${what} value ${v} is out of range`);
  }
  return v;
}

/**
 * The high 32 bits of a 64-bit integer (signed for negative values: an arithmetic shift).
 *
 * @example
 * ```ts
 * import { hi64 } from "./_bytes.ts";
 * hi64(2 ** 40); // 256
 * hi64(-1n); // -1
 * ```
 */
export function hi64(v: number | bigint): number {
  return typeof v === "number" ? Math.floor(v / 0x100000000) : Number(v >> 32n);
}

/**
 * The low 32 bits of a 64-bit integer, unsigned.
 *
 * @example
 * ```ts
 * import { lo64 } from "./_bytes.ts";
 * lo64(2 ** 40 + 5); // 5
 * lo64(-1n); // 4294967295
 * ```
 */
export function lo64(v: number | bigint): number {
  return typeof v === "number"
    ? v - Math.floor(v / 0x100000000) * 0x100000000
    : Number(v & 0xffffffffn);
}

/**
 * The halves of the last {@link split64}, a scratch pair (splitting allocates nothing): `hi`
 * is signed for negative values, `lo` unsigned.
 *
 * @example
 * ```ts
 * import { half64, split64 } from "./_bytes.ts";
 * split64(-2n, true, "s64");
 * console.log(half64.hi, half64.lo); // -1 4294967294
 * ```
 */
export const half64: { hi: number; lo: number } = { hi: 0, lo: 0 };

/**
 * Check that `v` is an integer (number or bigint) in the range of s64 (`signed`) or u64 and
 * split it into {@link half64}: {@link check64}, {@link hi64} and {@link lo64} in one call, for
 * `AttributeWriter`, which must know the size before it writes (`uint`, `sint`).
 *
 * The two are separate functions on purpose. JavaScriptCore (Bun) optimizes a function for
 * the types it has seen from all its callers: the writer passes numbers, the table codec mostly
 * bigints (decoded u64 values), and one function shared by both made encoding a link message
 * ~7% slower under Bun.
 *
 * @throws {RangeError} if it is not.
 * @example
 * ```ts
 * import { half64, split64 } from "./_bytes.ts";
 * split64(2 ** 40 + 5, false, "u64");
 * console.log(half64.hi, half64.lo); // 256 5
 * ```
 */
export function split64(v: unknown, signed: boolean, what: string): void {
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new RangeError(`${what} value ${v} is not an integer`);
    if (signed ? v < -(2 ** 63) || v >= 2 ** 63 : v < 0 || v >= 2 ** 64) {
      throw new RangeError(`${what} value ${v} is out of range`);
    }
    const hi = Math.floor(v / 0x100000000);
    half64.hi = hi;
    half64.lo = v - hi * 0x100000000;
    return;
  }
  if (typeof v !== "bigint") throw new RangeError(`${what} value ${String(v)} is not an integer`);
  if (signed ? v < -(1n << 63n) || v >= 1n << 63n : v < 0n || v >= 1n << 64n) {
    throw new RangeError(`${what} value ${v} is out of range`);
  }
  // Arithmetic shift: hi is signed for negative values, as in the number branch.
  half64.hi = Number(v >> 32n);
  half64.lo = Number(v & 0xffffffffn);
}

const decoder = new TextDecoder("utf-8", { fatal: false });
const encoder = new TextEncoder();

/**
 * Decode `b[start, end)` as UTF-8 (invalid sequences become U+FFFD; never throws). Short
 * ASCII strings, the common case in netlink (interface names, attribute and uevent keys),
 * skip the `TextDecoder` call.
 *
 * @example
 * ```ts
 * import { decodeUtf8 } from "./_bytes.ts";
 * decodeUtf8(new Uint8Array([0x65, 0x74, 0x68, 0x30]), 0, 4); // "eth0"
 * ```
 */
export function decodeUtf8(b: Uint8Array, start: number, end: number): string {
  if (end - start <= 32) {
    let s = "";
    for (let i = start; i < end; i++) {
      const c = b[i];
      if (c >= 0x80) return decoder.decode(b.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decoder.decode(b.subarray(start, end));
}

/**
 * Decode a netlink string, `b[start, end)` without its trailing NUL bytes, as UTF-8 (as
 * {@link decodeUtf8}).
 *
 * @example
 * ```ts
 * import { decodeString } from "./_bytes.ts";
 * decodeString(new Uint8Array([0x6c, 0x6f, 0, 0]), 0, 4); // "lo"
 * ```
 */
export function decodeString(b: Uint8Array, start: number, end: number): string {
  while (end > start && b[end - 1] === 0) end--;
  return decodeUtf8(b, start, end);
}

/**
 * Encode a string as UTF-8.
 *
 * @example
 * ```ts
 * import { encodeUtf8 } from "./_bytes.ts";
 * encodeUtf8("lo"); // Uint8Array [0x6c, 0x6f]
 * ```
 */
export function encodeUtf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/**
 * Encode `s` as UTF-8 into `b` at `o`; `b` must have room for `3 * s.length` bytes.
 * Returns the number of bytes written.
 *
 * @example
 * ```ts
 * import { encodeUtf8Into } from "./_bytes.ts";
 * const b = new Uint8Array(8);
 * encodeUtf8Into("eth0", b, 0); // 4
 * ```
 */
export function encodeUtf8Into(s: string, b: Uint8Array, o: number): number {
  const n = s.length;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    b[o + i] = c;
  }
  if (i === n) return n;
  return i + encoder.encodeInto(s.slice(i), b.subarray(o + i)).written;
}

/**
 * Lower-case hex of some bytes, no separators.
 *
 * @example
 * ```ts
 * import { hex } from "./_bytes.ts";
 * hex(new Uint8Array([0xde, 0xad])); // "dead"
 * ```
 */
export function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
  return s;
}
