// The generated decoders (families/generated/*_decode.ts, tools/ynl/emit_decode.ts) against the
// table-driven decoder they replace (codec/ynl/decode.ts): for every family, every attribute set
// and every operation, random messages shaped by the family's own tables — and mutations of
// them — decode to the same values through both (same keys in the same order, same UNKNOWN
// entries with positions, STRUCT_BYTES, INDEXES, bigints, copied bytes) or fail with the same
// NetlinkDecodeError (message and offset). The reference is the same spec defined again with
// defineFamily, which has no generated decoders. Captured kernel messages are compared in
// codec_generated_corpus.test.ts. Pure: runs with no permissions.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import {
  decodeAttributeSet,
  decodeBody,
  decodeStruct,
  defineFamily,
  type Family,
  MAX_NEST_DEPTH,
  NetlinkDecodeError,
  type Operation,
} from "../codec/mod.ts";
import { compiledSet, compiledStruct } from "../codec/ynl/compile.ts";
import { decodersOf, useDecoders } from "../codec/ynl/_runtime.ts";
import * as generated from "../families/generated/mod.ts";
import { DECODERS, WIRED } from "../families/generated/decoders.ts";
import {
  difference,
  mutate,
  type Outcome,
  outcome,
  outcomeDifference,
  randomSet,
  Rng,
  tableFamily,
} from "./codec_generated_helpers.ts";

// Every family, each defined again with its generated decoders (whether or not its module is
// given them): the code of all of them is held to the tables.
const FAMILIES: Family[] = Object.values(generated).map((ns) =>
  useDecoders(defineFamily(ns.family.spec), DECODERS[ns.family.name])
);
const CASES_PER_SET = 16;
const MUTATIONS_PER_CASE = 3;

/**
 * Decode with the table family first (its values are copies), then with the generated one,
 * then scribble over the input: a generated value that still pointed into the input would now
 * differ.
 */
function compareOn(
  bytes: Uint8Array,
  table: () => unknown,
  gen: () => unknown,
): string | undefined {
  const a: Outcome = outcome(table);
  const b: Outcome = outcome(gen);
  bytes.fill(0xa5);
  return outcomeDifference(b, a);
}

test("the families of DECODER_FAMILIES decode through their generated code", () => {
  const modules = new Map(Object.values(generated).map((ns) => [ns.family.name, ns.family]));
  for (const name of WIRED) assert.equal(decodersOf(modules.get(name)!), DECODERS[name], name);
  for (const [name, f] of modules) {
    if (!WIRED.includes(name)) assert.equal(decodersOf(f), undefined, name);
  }
  for (const name of ["rt-link", "rt-route", "rt-addr", "rt-neigh", "rt-rule", "tc"]) {
    assert.ok(WIRED.includes(name), name);
  }
});

test("every family has generated decoders for each of its sets and structs", () => {
  for (const f of FAMILIES) {
    const d = DECODERS[f.name];
    assert.deepEqual(Object.keys(d.sets).sort(), Object.keys(f.spec.attributeSets).sort(), f.name);
    assert.deepEqual(Object.keys(d.structs).sort(), Object.keys(f.spec.structs ?? {}).sort());
    const ref = tableFamily(f);
    for (const name of Object.keys(f.spec.attributeSets)) {
      // The generated set is used: a generated family decodes an unknown attribute the same.
      const bytes = new Uint8Array([8, 0, 0x3f, 0x3f, 1, 2, 3, 4]);
      const d = difference(
        decodeAttributeSet(f.attributeSet(name), bytes),
        decodeAttributeSet(ref.attributeSet(name), bytes),
      );
      assert.equal(d, undefined, `${f.name} ${name}: ${d}`);
    }
  }
  assert.ok(FAMILIES.length >= 30, `only ${FAMILIES.length} families`);
});

test("generated decoders equal the tables on random messages of every attribute set", () => {
  let cases = 0;
  let errors = 0;
  for (const [fi, f] of FAMILIES.entries()) {
    const ref = tableFamily(f);
    for (const [si, name] of Object.keys(f.spec.attributeSets).entries()) {
      for (let i = 0; i < CASES_PER_SET; i++) {
        const seed = (fi * 1000003 + si * 1009 + i) >>> 0;
        const rng = new Rng(seed);
        const base = randomSet(rng, ref.attributeSet(name), 0);
        for (let m = 0; m <= MUTATIONS_PER_CASE; m++) {
          const bytes = m === 0 ? base : mutate(rng, base);
          const copy = bytes.slice();
          const d = compareOn(
            copy,
            () => decodeAttributeSet(ref.attributeSet(name), bytes),
            () => decodeAttributeSet(f.attributeSet(name), copy),
          );
          assert.equal(d, undefined, `${f.name} set ${name}, seed ${seed}, mutation ${m}: ${d}`);
          cases++;
          try {
            decodeAttributeSet(ref.attributeSet(name), bytes);
          } catch {
            errors++;
          }
        }
      }
    }
  }
  // Both outcomes were exercised: values and errors.
  assert.ok(cases > 20000, `${cases} cases`);
  assert.ok(errors > cases / 20 && errors < cases * 0.9, `${errors} errors in ${cases} cases`);
});

test("every attribute of every set (each sub-message format too) decodes the same", () => {
  let cases = 0;
  for (const [fi, f] of FAMILIES.entries()) {
    const ref = tableFamily(f);
    for (const name of Object.keys(f.spec.attributeSets)) {
      const set = ref.attributeSet(name);
      for (const a of compiledSet(set).byType) {
        if (a === undefined) continue;
        const formats = a.subMessage === undefined ? [undefined] : [...a.subMessage.formats.keys()];
        for (const [v, format] of formats.flatMap((x) => [0, 1, 2].map((v) => [v, x] as const))) {
          const seed: number = (fi * 65537 + a.value * 257 + cases) >>> 0;
          const rng = new Rng(seed);
          // Once well formed, once repeated, once of the wrong size.
          const base = randomSet(rng, set, 1, new Map(), {
            attr: a.value,
            format,
            twice: v === 1,
            badSize: v === 2,
          });
          for (let m = 0; m <= 1; m++) {
            const bytes = m === 0 ? base : mutate(rng, base);
            const copy = bytes.slice();
            const d = compareOn(
              copy,
              () => decodeAttributeSet(set, bytes),
              () => decodeAttributeSet(f.attributeSet(name), copy),
            );
            assert.equal(
              d,
              undefined,
              `${f.name} ${name}.${a.key} ${format ?? ""}, seed ${seed}, mutation ${m}: ${d}`,
            );
            cases++;
          }
        }
      }
    }
  }
  assert.ok(cases > 15000, `${cases} cases`);
});

test("generated decoders equal the tables on random message bodies of every operation", () => {
  let cases = 0;
  for (const [fi, f] of FAMILIES.entries()) {
    const ref = tableFamily(f);
    for (const [oi, key] of Object.keys(f.spec.operations).entries()) {
      const op = f.operation(key);
      const rop = ref.operation(key);
      const set = rop.attributeSet;
      const fixed = rop.fixedHeader;
      for (let i = 0; i < 8; i++) {
        const seed = (fi * 7919 + oi * 104729 + i) >>> 0;
        const rng = new Rng(seed);
        const genl = f.isGenetlink ? rng.bytes(4) : new Uint8Array(0);
        const size = fixed === undefined ? 0 : compiledStruct(fixed).size;
        const head = rng.bytes(rng.chance(0.9) ? size : rng.int(size + 4));
        const any = Object.keys(f.spec.attributeSets)[0];
        const attrs = set !== undefined
          ? randomSet(rng, set, 0)
          : any !== undefined
          ? randomSet(rng, ref.attributeSet(any), 0)
          : new Uint8Array(0);
        const pad = (4 - (head.length % 4)) % 4;
        const base = new Uint8Array(genl.length + head.length + pad + attrs.length);
        base.set(genl);
        base.set(head, genl.length);
        base.set(attrs, genl.length + head.length + pad);
        for (let m = 0; m <= 2; m++) {
          const bytes = m === 0 ? base : mutate(rng, base);
          const copy = bytes.slice();
          const d = compareOn(
            copy,
            () => stripOp(decodeBody(rop as Operation<object, object>, bytes)),
            () => stripOp(decodeBody(op as Operation<object, object>, copy)),
          );
          assert.equal(d, undefined, `${f.name} ${key}, seed ${seed}, mutation ${m}: ${d}`);
          cases++;
        }
      }
    }
  }
  assert.ok(cases > 3000, `${cases} cases`);
});

/** A decoded body without its operation (the two families' operations are distinct objects). */
function stripOp(m: { operation: Operation<object, object> }): unknown {
  const { operation, ...rest } = m;
  return { operation: operation.name, ...rest };
}

test("generated struct decoders equal the tables at every length, shorter and longer", () => {
  let cases = 0;
  for (const f of FAMILIES) {
    const ref = tableFamily(f);
    for (const name of Object.keys(f.spec.structs ?? {})) {
      const size = ref.struct(name).size;
      const rng = new Rng(size * 31 + name.length);
      for (let n = 0; n <= size + 9; n++) {
        const bytes = rng.bytes(n);
        const copy = bytes.slice();
        const d = compareOn(
          copy,
          () => decodeStruct(ref.struct(name), bytes),
          () => decodeStruct(f.struct(name), copy),
        );
        assert.equal(d, undefined, `${f.name} struct ${name} of ${n} bytes: ${d}`);
        cases++;
      }
    }
  }
  assert.ok(cases > 2000, `${cases} cases`);
});

test("recursive sets stop at the nesting limit with one NetlinkDecodeError on both paths", () => {
  // nftables expr-list-attrs → expr-attrs (elem) → … : nest a set in itself past the limit.
  let tried = 0;
  for (const f of FAMILIES) {
    const ref = tableFamily(f);
    for (const name of Object.keys(f.spec.attributeSets)) {
      const self = ref.attributeSet(name).attributes.find((a) =>
        a.type === "nest" && a.nested === name
      );
      if (self === undefined) continue;
      // MAX_NEST_DEPTH + 5 levels of the attribute nested in itself.
      let inner = new Uint8Array(0);
      for (let i = 0; i < MAX_NEST_DEPTH + 5; i++) {
        const out = new Uint8Array(4 + inner.length);
        out[0] = (4 + inner.length) & 0xff;
        out[1] = (4 + inner.length) >> 8;
        out[2] = self.value & 0xff;
        out[3] = (self.value >> 8) | 0x80;
        out.set(inner, 4);
        inner = out;
      }
      const a = outcome(() => decodeAttributeSet(ref.attributeSet(name), inner));
      const b = outcome(() => decodeAttributeSet(f.attributeSet(name), inner));
      assert.equal(outcomeDifference(b, a), undefined, `${f.name} ${name}`);
      assert.ok("error" in a && a.error instanceof NetlinkDecodeError, `${f.name} ${name}`);
      assert.match(
        (a.error as Error).message,
        new RegExp(`^${name}: attribute sets nested more than ${MAX_NEST_DEPTH} levels deep`),
      );
      // One level less than the limit decodes.
      const ok = inner.subarray(4 * 5);
      assert.doesNotThrow(() => decodeAttributeSet(f.attributeSet(name), ok));
      tried++;
    }
  }
  assert.ok(tried >= 3, `only ${tried} self-nesting sets`);
});
