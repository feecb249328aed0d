import * as rtLink from "./families/generated/rt_link.ts";
import { decodeBody, encodeAttributeSet, AttributeWriter, UNKNOWN } from "./codec/schema.ts";
import { parseMessages } from "./codec/mod.ts";
function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
const src = Deno.readTextFileSync("/tmp/lo.txt");
const LO = hex(src.slice(src.indexOf("`") + 1, src.lastIndexOf("`")));
const [m] = parseMessages(LO);
const d = decodeBody(rtLink.operations.getlink, m.payload);
console.dir(d.header);
console.dir(d.attrs, { depth: 6 });
for (const nf of [true, false]) {
  const w = new AttributeWriter();
  encodeAttributeSet(rtLink.linkAttrs, w, d.attrs, { nestedFlag: nf });
  const enc = w.bytes();
  const orig = m.payload.subarray(16);
  let diff = 0; for (let i = 0; i < Math.max(enc.length, orig.length); i++) if (enc[i] !== orig[i]) diff++;
  console.log("nestedFlag", nf, "len", enc.length, orig.length, "diffs", diff);
}
// perf
const N = 200000;
let t = performance.now();
for (let i = 0; i < N; i++) decodeBody(rtLink.operations.getlink, m.payload);
console.log("decode us/msg", ((performance.now() - t) * 1000 / N).toFixed(2));
