// ByteOutput (codec/byte_output.ts), the byte buffer the example printers stream through:
// `jsonString` in "json" mode writes exactly what JSON.stringify writes (the reference) for
// random strings of every kind of character (controls, quotes, non-ASCII, astral pairs, lone
// surrogates); "iproute2" mode escapes only what iproute2's jsonw_puts escapes (its seven
// characters; other controls go out raw), checked against those rules written out character by
// character; `number` writes String(n); `write` is TextEncoder's UTF-8; chunks reach the sink
// only at flush points, once they are at least chunkSize, and concatenate to the whole output;
// `take(from)` returns and drops the text after a mark.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { ByteOutput } from "../codec/byte_output.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** A deterministic pseudo-random generator (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const POOL = [
  () => String.fromCharCode(Math.floor(Math.random() * 0x20)), // controls
  () => '"',
  () => "\\",
  () => "a",
  () => "é", // 2 bytes
  () => "€", // 3 bytes
  () => "😀", // a surrogate pair, 4 bytes
  () => "\ud800", // a lone high surrogate
  () => "\udc00", // a lone low surrogate
  () => "\u007f",
  () => "\u0800",
  () => "\uffff",
];

function randomString(r: () => number): string {
  let s = "";
  const n = Math.floor(r() * 40);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(r() * POOL.length);
    s += k === 0 ? String.fromCharCode(Math.floor(r() * 0x20)) : POOL[k]();
  }
  return s;
}

function collect(o: ByteOutput): string {
  return o.take();
}

test("ByteOutput.jsonString in json mode writes what JSON.stringify writes", () => {
  const r = rng(12);
  const out = new ByteOutput(() => assert.fail("nothing is flushed"));
  for (let i = 0; i < 3000; i++) {
    const s = randomString(r);
    out.jsonString(s);
    assert.equal(collect(out), JSON.stringify(s), `for ${JSON.stringify(s)}`);
  }
});

/** iproute2's jsonw_puts, character by character (lib/json_writer.c). */
function iproute2Quote(s: string): string {
  const esc: Record<string, string> = {
    "\t": "\\t",
    "\n": "\\n",
    "\r": "\\r",
    "\f": "\\f",
    "\b": "\\b",
    "\\": "\\\\",
    '"': '\\"',
  };
  let out = '"';
  for (const c of s) out += esc[c] ?? c;
  return out + '"';
}

test("ByteOutput.jsonString in iproute2 mode escapes as jsonw_puts does", () => {
  const r = rng(7);
  const out = new ByteOutput(() => {});
  for (let i = 0; i < 3000; i++) {
    // Well-formed strings: jsonw_puts writes bytes, so a lone surrogate has no C equivalent.
    const s = randomString(r).replace(/[\ud800-\udfff]/g, (c, at, all: string) => {
      const code = c.charCodeAt(0);
      const next = all.charCodeAt(at + 1), prev = all.charCodeAt(at - 1);
      if (code < 0xdc00 && next >= 0xdc00 && next < 0xe000) return c;
      if (code >= 0xdc00 && prev >= 0xd800 && prev < 0xdc00) return c;
      return "?";
    });
    out.jsonString(s, "iproute2");
    const bytes = encoder.encode(out.take());
    assert.deepEqual(bytes, encoder.encode(iproute2Quote(s)), `for ${JSON.stringify(s)}`);
  }
  out.jsonString("a\u0001b\u001fc", "iproute2");
  assert.equal(out.take(), '"a\u0001b\u001fc"', "other controls go out raw");
});

test("ByteOutput.number writes String(n), write() writes UTF-8", () => {
  const out = new ByteOutput(() => {});
  const r = rng(99);
  const values: (number | bigint)[] = [0, 1, 9, 10, 99, 100, 4294967295, 4294967296, -1, 0.5];
  values.push(-0, 1e21, 2 ** 53, Number.NaN, 18446744073709551615n, -5n);
  for (let i = 0; i < 2000; i++) values.push(Math.floor(r() * 2 ** (1 + (i % 32))));
  for (const v of values) {
    out.number(v);
    assert.equal(out.take(), String(v), `for ${String(v)}`);
  }
  for (let i = 0; i < 500; i++) {
    const s = randomString(r);
    out.write(s);
    assert.deepEqual(encoder.encode(out.take()), encoder.encode(s));
  }
});

test("ByteOutput hands the sink chunks only at flush points, and they add up", () => {
  const chunks: Uint8Array[] = [];
  const out = new ByteOutput((b) => chunks.push(b.slice()), { chunkSize: 1000 });
  let expected = "";
  for (let i = 0; i < 500; i++) {
    const rec = `{"i":${i},"s":"${"x".repeat(i % 50)}€"}\n`;
    out.write(rec);
    expected += rec;
    const before = chunks.length;
    out.flushIfFull();
    if (chunks.length > before) assert.ok(chunks.at(-1)!.length >= 1000);
    else assert.ok(out.length < 1000);
  }
  out.flush();
  assert.equal(out.length, 0);
  assert.ok(chunks.length > 10, `${chunks.length} chunks`);
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  assert.equal(decoder.decode(all), expected);
});

test("ByteOutput.take(mark) returns and drops only what follows the mark", () => {
  const out = new ByteOutput(() => assert.fail("nothing is flushed"));
  out.write("first\n");
  const mark = out.length;
  out.write("second\nrecord\n");
  assert.equal(out.take(mark), "second\nrecord\n");
  assert.equal(out.length, mark);
  assert.throws(() => out.take(mark + 1), RangeError);
  assert.equal(out.take(), "first\n");
});
