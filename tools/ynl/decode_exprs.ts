/**
 * The expressions the decode modules are written with (`emit_decode.ts`): JavaScript literals
 * and property accesses, the integer reads of `codec/_bytes.ts` as code (`readInt` as the table
 * decoder reads them), and the names of the emitted functions.
 *
 * @module
 */
import { K_S16, K_S32, K_S64, K_S8, K_U16, K_U32, K_U64, K_U8 } from "../../codec/ynl/compile.ts";
import { isIdent } from "./text.ts";

export const str = (s: string) => JSON.stringify(s);
/** `o.key` or `o["key-x"]`. */
export const prop = (
  obj: string,
  key: string,
) => (isIdent(key) ? `${obj}.${key}` : `${obj}[${str(key)}]`);
/** An object-literal key. */
export const litKey = (key: string) => (isIdent(key) ? key : str(key));

/** `base + k`, folded. */
export function at(base: string, k: number): string {
  return k === 0 ? base : `${base} + ${k}`;
}

// Values are read through the primitives of codec/_bytes.ts, bound as module-own constants of
// the decode module: as fast as the arithmetic written out (measured with bench/decode_micro.ts
// on both runtimes) and a third of the code. The two u16 of each attribute header are written
// out (inlineU16): every loop reads them, and big set functions run out of V8's inlining budget.
function u16(base: string, k: number, be: boolean): string {
  return `${be ? "u16be" : "u16"}(b, ${at(base, k)})`;
}

/** The attribute headers' u16s, written out: every loop reads two per attribute. */
export function inlineU16(base: string, k: number, be: boolean): string {
  return be
    ? `((b[${at(base, k)}] << 8) | b[${at(base, k + 1)}])`
    : `(b[${at(base, k)}] | (b[${at(base, k + 1)}] << 8))`;
}

/** A 32-bit integer as an int32 (`| 0` semantics). */
function i32(base: string, k: number, be: boolean): string {
  return be ? `(u32be(b, ${at(base, k)}) | 0)` : `s32(b, ${at(base, k)})`;
}

function u32(base: string, k: number, be: boolean): string {
  return `${be ? "u32be" : "u32"}(b, ${at(base, k)})`;
}

/** A fixed-size integer of `kind` at `base + k` (the length was checked), as `readInt` reads it. */
export function readInt(kind: number, be: boolean, base: string, k: number): string {
  switch (kind) {
    case K_U8:
      return `b[${at(base, k)}]`;
    case K_S8:
      return `((b[${at(base, k)}] << 24) >> 24)`;
    case K_U16:
      return u16(base, k, be);
    case K_S16:
      return `((${u16(base, k, be)} << 16) >> 16)`;
    case K_U32:
      return u32(base, k, be);
    case K_S32:
      return i32(base, k, be);
    case K_U64:
      return be
        ? `big64(${u32(base, k, true)}, ${u32(base, k + 4, true)})`
        : `big64(${u32(base, k + 4, false)}, ${u32(base, k, false)})`;
    case K_S64:
      return be
        ? `big64(${i32(base, k, true)}, ${u32(base, k + 4, true)})`
        : `big64(${i32(base, k + 4, false)}, ${u32(base, k, false)})`;
  }
  throw new Error(`not a fixed-size integer kind: ${kind}`);
}

/** Names of the emitted functions: one per struct, set (or renamed copy) and sub-message. */
export class FunctionNames {
  #used = new Set<string>();
  #names = new Map<object, string>();

  get(thing: object): string | undefined {
    return this.#names.get(thing);
  }

  claim(thing: object, prefix: string, name: string): string {
    const base = `${prefix}_${name.replace(/[^A-Za-z0-9]+/g, "_")}`;
    let n = base;
    for (let i = 2; this.#used.has(n); i++) n = `${base}_${i}`;
    this.#used.add(n);
    this.#names.set(thing, n);
    return n;
  }
}
