/**
 * Streaming text output as bytes: {@link ByteOutput} collects UTF-8 text, JSON strings and
 * numbers in one growable buffer and hands it to a sink (e.g. standard output) in large
 * chunks, so a printer of a million records neither builds millions of small strings nor
 * holds the whole output: memory stays bounded by the chunk size plus the largest record.
 *
 * Nothing is written behind the caller's back: the buffer goes to the sink only on
 * {@link ByteOutput.flush} (everything) or {@link ByteOutput.flushIfFull} (when at least
 * `chunkSize` bytes are waiting), which a printer calls between records. What is still
 * buffered can be read back as text ({@link ByteOutput.take}) or dropped.
 *
 * @example
 * ```ts
 * import { ByteOutput } from "@netlink/netlink/codec";
 * const chunks: Uint8Array[] = [];
 * const out = new ByteOutput((b) => chunks.push(b.slice()));
 * out.write("[");
 * for (let i = 0; i < 3; i++) {
 *   if (i) out.write(",");
 *   out.write('{"name":');
 *   out.jsonString(`eth${i}\n`);
 *   out.write(',"index":');
 *   out.number(i + 1);
 *   out.write("}");
 *   out.flushIfFull(); // a record boundary
 * }
 * out.write("]\n");
 * out.flush();
 * ```
 *
 * @module
 */

import { encodeUtf8Into } from "./_bytes.ts";

/** How {@link ByteOutput.jsonString} escapes. */
export type JsonEscapes =
  /** As `JSON.stringify`: `"`, `\`, every control character, lone surrogates as `\uXXXX`. */
  | "json"
  /**
   * As iproute2's `jsonw_puts` (the JSON of `ip -j`, `tc -j`, `bridge -j`): only `"`, `\`,
   * tab, newline, carriage return, form feed and backspace; other bytes go out as they are.
   */
  | "iproute2";

/** Options of a {@link ByteOutput}. */
export interface ByteOutputOptions {
  /** {@link ByteOutput.flushIfFull} writes once this many bytes wait (default 64 KiB). */
  chunkSize?: number;
}

const HEX = "0123456789abcdef";
const decoder = new TextDecoder();

/** Where a {@link ByteOutput} writes: called with a view it may not keep after returning. */
export type ByteSink = (chunk: Uint8Array) => void;

/**
 * A growable output buffer of UTF-8 text, with JSON string quoting and integer formatting
 * straight into bytes, written to a sink in chunks.
 *
 * @example
 * ```ts
 * import { ByteOutput } from "@netlink/netlink/codec";
 * const out = new ByteOutput(() => {});
 * out.jsonString('say "hi"\t', "iproute2");
 * out.take(); // '"say \\"hi\\"\\t"'
 * ```
 */
export class ByteOutput {
  readonly #sink: ByteSink;
  readonly #chunk: number;
  #buf: Uint8Array;
  #pos = 0;

  /** An empty buffer that writes to `sink`. */
  constructor(sink: ByteSink, options: ByteOutputOptions = {}) {
    const chunk = options.chunkSize ?? 65536;
    if (!Number.isInteger(chunk) || chunk < 1) {
      throw new RangeError(`chunkSize must be a positive integer, got ${chunk}`);
    }
    this.#sink = sink;
    this.#chunk = chunk;
    this.#buf = new Uint8Array(Math.max(chunk * 2, 1024));
  }

  /** How many bytes are buffered. */
  get length(): number {
    return this.#pos;
  }

  #room(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.#buf.subarray(0, this.#pos));
    this.#buf = b;
  }

  /** Append `s` as UTF-8. */
  write(s: string): void {
    const n = s.length;
    let p = this.#pos;
    if (p + n * 3 > this.#buf.length) this.#room(n * 3);
    const b = this.#buf;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.#pos = p + encodeUtf8Into(s.slice(i), b, p);
        return;
      }
      b[p++] = c;
    }
    this.#pos = p;
  }

  /** Append raw bytes. */
  bytes(data: Uint8Array): void {
    this.#room(data.length);
    this.#buf.set(data, this.#pos);
    this.#pos += data.length;
  }

  /**
   * Append a number as JSON writes it (`String(n)`; integers are formatted without an
   * intermediate string). A bigint is written in decimal.
   */
  number(n: number | bigint): void {
    if (typeof n === "number" && n >= 0 && n <= 0xffffffff && (n >>> 0) === n) {
      this.#room(10);
      const b = this.#buf;
      let p = this.#pos;
      if (n < 10) {
        b[p] = 48 + n;
        this.#pos = p + 1;
        return;
      }
      let digits = 1;
      for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
      p += digits;
      this.#pos = p;
      let v = n;
      while (v >= 10) {
        const q = Math.floor(v / 10);
        b[--p] = 48 + v - q * 10;
        v = q;
      }
      b[--p] = 48 + v;
      return;
    }
    this.write(String(n));
  }

  /** Append `s` as a quoted JSON string, escaped as `escapes` says (default `"json"`). */
  jsonString(s: string, escapes: JsonEscapes = "json"): void {
    const n = s.length;
    let p = this.#pos;
    if (p + n * 6 + 2 > this.#buf.length) this.#room(n * 6 + 2);
    const b = this.#buf;
    b[p++] = 0x22;
    // The common case first: printable ASCII with nothing to escape, a byte per character.
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) break;
      b[p++] = c;
    }
    if (i < n) p = this.#escaped(s, i, p, escapes === "json");
    b[p++] = 0x22;
    this.#pos = p;
  }

  /** The rest of `s` from `i` on, escaped, at `p` (room made by the caller); the new end. */
  #escaped(s: string, i: number, p: number, all: boolean): number {
    const b = this.#buf;
    const n = s.length;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x20 && c < 0x80) {
        if (c === 0x22 || c === 0x5c) b[p++] = 0x5c;
        b[p++] = c;
      } else if (c < 0x20) {
        const e = c === 9
          ? 0x74
          : c === 10
          ? 0x6e
          : c === 13
          ? 0x72
          : c === 12
          ? 0x66
          : c === 8
          ? 0x62
          : 0;
        if (e) {
          b[p++] = 0x5c;
          b[p++] = e;
        } else if (all) {
          b[p++] = 0x5c;
          b[p++] = 0x75; // u00XX
          b[p++] = 0x30;
          b[p++] = 0x30;
          b[p++] = HEX.charCodeAt(c >> 4);
          b[p++] = HEX.charCodeAt(c & 15);
        } else b[p++] = c;
      } else if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6);
        b[p++] = 0x80 | (c & 63);
      } else if (c >= 0xd800 && c < 0xe000) {
        const d = c < 0xdc00 && i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (d >= 0xdc00 && d < 0xe000) {
          const u = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          b[p++] = 0xf0 | (u >> 18);
          b[p++] = 0x80 | ((u >> 12) & 63);
          b[p++] = 0x80 | ((u >> 6) & 63);
          b[p++] = 0x80 | (u & 63);
          i++;
        } else if (all) {
          // A lone surrogate: JSON.stringify escapes it.
          b[p++] = 0x5c;
          b[p++] = 0x75;
          for (let k = 12; k >= 0; k -= 4) b[p++] = HEX.charCodeAt((c >> k) & 15);
        } else {
          b[p++] = 0xef; // U+FFFD, as TextEncoder writes it
          b[p++] = 0xbf;
          b[p++] = 0xbd;
        }
      } else {
        b[p++] = 0xe0 | (c >> 12);
        b[p++] = 0x80 | ((c >> 6) & 63);
        b[p++] = 0x80 | (c & 63);
      }
    }
    return p;
  }

  /** Write what is buffered to the sink if it is at least `chunkSize` bytes. */
  flushIfFull(): void {
    if (this.#pos >= this.#chunk) this.flush();
  }

  /** Write everything buffered to the sink. */
  flush(): void {
    if (this.#pos === 0) return;
    const n = this.#pos;
    this.#pos = 0;
    this.#sink(this.#buf.subarray(0, n));
  }

  /**
   * What is buffered from byte `from` on (by default all of it), as text, and forget it
   * (nothing goes to the sink): with `from = length` read before writing a record, the
   * record alone.
   */
  take(from = 0): string {
    if (!(from >= 0 && from <= this.#pos)) {
      throw new RangeError(`take(${from}) is outside the ${this.#pos} bytes buffered`);
    }
    const s = decoder.decode(this.#buf.subarray(from, this.#pos));
    this.#pos = from;
    return s;
  }
}
