/**
 * Private byte helpers shared by the codec modules (not re-exported by `mod.ts`).
 *
 * Reads and writes go straight to the `Uint8Array` in little-endian host order
 * (x86_64 and aarch64 Linux), which avoids allocating a `DataView` per call.
 * Callers check bounds before reading: out-of-range indexes would read
 * `undefined`, never throw.
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

const decoder = new TextDecoder("utf-8", { fatal: false });
const encoder = new TextEncoder();

/**
 * Decode `b[start, end)` as UTF-8 (invalid sequences become U+FFFD). Short ASCII strings,
 * the common case in netlink (interface names, uevent keys), skip the `TextDecoder` call.
 *
 * @example
 * ```ts
 * import { decodeUtf8 } from "./_bytes.ts";
 * decodeUtf8(new Uint8Array([0x65, 0x74, 0x68, 0x30]), 0, 4); // "eth0"
 * ```
 */
export function decodeUtf8(b: Uint8Array, start: number, end: number): string {
  if (end - start <= 24) {
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
