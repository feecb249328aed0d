/**
 * The integer kinds of the compiled tables (`u8` … `s64`, `uint`, `sint`) to and from bytes,
 * in either byte order: the layer that dispatches on a kind over the primitives of
 * `codec/_bytes.ts`, shared by `decode.ts` and `encode.ts`. Internal to `codec/ynl` (not
 * re-exported).
 *
 * @module
 */

import * as prim from "../_bytes.ts";
import * as kinds from "./compile.ts";
import { SIZE_OF } from "./compile.ts";

// What the functions below use on every value, as this module's own constants: V8 folds those into
// optimized code (and inlines the functions), not bindings imported from another module. The
// difference is ~10% on decoding a link message.
const {
  big64,
  check64,
  hi64,
  int64,
  intValue,
  lo64,
  putU16,
  putU16be,
  putU32,
  putU32be,
  putU64,
  putU64be,
  u16,
  u16be,
  u32,
  u32be,
} = prim;
const { K_S16, K_S32, K_S64, K_S8, K_U16, K_U32, K_U64, K_U8 } = kinds;

/** Read a fixed-size integer of kind `k` at `o` (the caller checked the length). */
export function readInt(k: number, be: boolean, b: Uint8Array, o: number): number | bigint {
  switch (k) {
    case K_U8:
      return b[o];
    case K_S8:
      return (b[o] << 24) >> 24;
    case K_U16:
      return be ? u16be(b, o) : u16(b, o);
    case K_S16:
      return ((be ? u16be(b, o) : u16(b, o)) << 16) >> 16;
    case K_U32:
      return be ? u32be(b, o) : u32(b, o);
    case K_S32:
      return (be ? u32be(b, o) : u32(b, o)) | 0;
    case K_U64:
      return be ? big64(u32be(b, o), u32be(b, o + 4)) : big64(u32(b, o + 4), u32(b, o));
    default: // K_S64
      return be ? big64(u32be(b, o) | 0, u32be(b, o + 4)) : big64(u32(b, o + 4) | 0, u32(b, o));
  }
}

/** Read a variable-size `uint`/`sint` of `len` (4 or 8) bytes at `o`. */
export function readAuto(
  signed: boolean,
  be: boolean,
  b: Uint8Array,
  o: number,
  len: number,
): number | bigint {
  if (len === 4) {
    const v = be ? u32be(b, o) : u32(b, o);
    return signed ? v | 0 : v;
  }
  const hi = be ? u32be(b, o) : u32(b, o + 4);
  const lo = be ? u32be(b, o + 4) : u32(b, o);
  return int64(signed ? hi | 0 : hi, lo);
}

/**
 * Write a fixed-size integer of kind `k` into `out` at `o`; `what` names it in errors.
 *
 * @throws {RangeError} if `v` is not an integer in the kind's range.
 */
export function putInt(
  k: number,
  be: boolean,
  out: Uint8Array,
  o: number,
  v: unknown,
  what: string,
): void {
  const size = SIZE_OF[k];
  if (size === 8) {
    const n = check64(v, k === K_S64, what);
    if (be) putU64be(out, o, hi64(n), lo64(n));
    else putU64(out, o, hi64(n), lo64(n));
    return;
  }
  const signed = k === K_S8 || k === K_S16 || k === K_S32;
  const bits = size * 8;
  const n = signed
    ? intValue(v, -(2 ** (bits - 1)), 2 ** (bits - 1) - 1, what)
    : intValue(v, 0, 2 ** bits - 1, what);
  if (size === 1) out[o] = n;
  else if (size === 2) {
    if (be) putU16be(out, o, n);
    else putU16(out, o, n);
  } else if (be) putU32be(out, o, n);
  else putU32(out, o, n);
}

/**
 * A big-endian `uint`/`sint` sized as the kernel's `nla_put_uint`/`nla_put_sint` size theirs:
 * 4 bytes when the value fits in u32 (s32), else 8.
 *
 * @throws {RangeError} if `v` is not an integer in the range of u64 (s64).
 */
export function autoBytesBe(signed: boolean, v: unknown, what: string): Uint8Array {
  const n = check64(v, signed, what);
  const hi = hi64(n);
  const lo = lo64(n);
  const fits = signed ? (hi === 0 && lo < 0x80000000) || (hi === -1 && lo >= 0x80000000) : hi === 0;
  const out = new Uint8Array(fits ? 4 : 8);
  if (fits) putU32be(out, 0, lo);
  else putU64be(out, 0, hi, lo);
  return out;
}
