// The generated decoders on the kernel's own bytes: every message of tests/fixtures/rtnl_corpus.ts
// (captured by tests/fixtures/capture_corpus.ts from dumps of links — veth, bridge and port,
// vxlan, macvlan, ifb —, addresses, routes, neighbours and fdb, rules, qdiscs, classes, u32
// filters, netconf, neighbour tables, link stats, and nlctrl's families and policies) decodes
// to the same value through the generated family and through the tables (the same spec defined
// again), and so do 200 mutations of each. Known values check that the corpus decodes to what
// was configured, so an equal-but-wrong pair of decoders would still fail. Pure: no permissions.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { decodeBody, defineFamily, type Family, type Operation } from "../codec/mod.ts";
import { useDecoders } from "../codec/ynl/_runtime.ts";
import { DECODERS, WIRED } from "../families/generated/decoders.ts";
import * as generated from "../families/generated/mod.ts";
import { MESSAGES } from "../families/generated/registry.ts";
import { formatIp } from "../families/route/addr_text.ts";
import { CORPUS } from "./fixtures/rtnl_corpus.ts";
import { hex } from "./codec_helpers.ts";
import {
  difference,
  mutate,
  outcome,
  outcomeDifference,
  Rng,
  tableFamily,
} from "./codec_generated_helpers.ts";

// The families as the package has them (route families and tc with their generated decoders)
// but nlctrl's is given its decoders here, so every message goes through generated code.
const BY_NAME = new Map<string, Family>(
  Object.values(generated).map((ns) => [
    ns.family.name,
    WIRED.includes(ns.family.name)
      ? ns.family
      : useDecoders(defineFamily(ns.family.spec), DECODERS[ns.family.name]),
  ]),
);

/** The operation of the generated family and of the table family that decode a captured message. */
function operationsOf(c: { family: string; type: number; hex: string }) {
  let family: Family;
  let key: string;
  if (c.family === "route") {
    const entry = (MESSAGES.route as Record<number, { family: string; operation: string }>)[c.type];
    assert.ok(entry !== undefined, `no registry entry for route message ${c.type}`);
    family = BY_NAME.get(entry.family)!;
    key = entry.operation;
  } else {
    family = BY_NAME.get(c.family)!;
    const cmd = parseInt(c.hex.slice(0, 2), 16);
    const op = family.operationFor(cmd);
    assert.ok(op !== undefined, `${c.family}: no operation for command ${cmd}`);
    key = Object.keys(family.spec.operations).find((k) => family.operation(k) === op)!;
  }
  const ref = tableFamily(family);
  return {
    gen: family.operation(key) as Operation<object, object>,
    table: ref.operation(key) as Operation<object, object>,
  };
}

const strip = (m: { operation: Operation<object, object> }) => {
  const { operation, ...rest } = m;
  return { operation: operation.name, ...rest };
};

test("the corpus covers every kind of rtnetlink object it was built with", () => {
  const types = new Set(CORPUS.filter((c) => c.family === "route").map((c) => c.type));
  // RTM_NEW{LINK,ADDR,ROUTE,NEIGH,RULE,QDISC,TCLASS,TFILTER,NEIGHTBL,NETCONF,STATS}
  for (const t of [16, 20, 24, 28, 32, 36, 40, 44, 64, 80, 92]) assert.ok(types.has(t), `${t}`);
  assert.ok(CORPUS.some((c) => c.family === "nlctrl" && c.hex.startsWith("0a")), "a policy");
  assert.ok(CORPUS.length >= 100, `${CORPUS.length} messages`);
});

test("every captured message decodes the same through the generated code and the tables", () => {
  for (const [i, c] of CORPUS.entries()) {
    const { gen, table } = operationsOf(c);
    const bytes = hex(c.hex);
    const a = decodeBody(table, bytes);
    const copy = bytes.slice();
    const b = decodeBody(gen, copy);
    copy.fill(0x5a); // values are copies, not views of the input
    const d = difference(strip(b), strip(a));
    assert.equal(d, undefined, `message ${i} (${c.family} ${c.type}, ${gen.name}): ${d}`);
  }
});

test("mutations of every captured message decode or fail the same on both paths", () => {
  let failures = 0;
  let total = 0;
  for (const [i, c] of CORPUS.entries()) {
    const { gen, table } = operationsOf(c);
    const rng = new Rng(i + 1);
    const base = hex(c.hex);
    for (let m = 0; m < 200; m++) {
      const bytes = mutate(rng, base);
      const copy = bytes.slice();
      const a = outcome(() => strip(decodeBody(table, bytes)));
      const b = outcome(() => strip(decodeBody(gen, copy)));
      copy.fill(0x5a);
      const d = outcomeDifference(b, a);
      assert.equal(d, undefined, `message ${i} (${gen.name}) mutation ${m} (seed ${i + 1}): ${d}`);
      if ("error" in a) failures++;
      total++;
    }
  }
  assert.ok(failures > total / 10 && failures < total, `${failures} of ${total} failed`);
});

test("the corpus decodes to what was configured (generated path)", () => {
  const decoded = CORPUS.map((c) => ({ c, m: decodeBody(operationsOf(c).gen, hex(c.hex)) }));
  const attrs = (t: number) =>
    decoded.filter((x) => x.c.family === "route" && x.c.type === t).map((x) =>
      x.m.attrs as Record<string, unknown>
    );
  const links = attrs(16);
  const va0 = links.find((l) => l.ifname === "va0")!;
  assert.equal(va0.mtu, 1400);
  assert.equal(va0.ifalias, "corpus-veth");
  const kinds = links.map((l) => (l.linkinfo as { kind?: string } | undefined)?.kind);
  for (const k of ["veth", "bridge", "vxlan", "macvlan", "ifb"]) assert.ok(kinds.includes(k), k);
  const vx = links.find((l) => l.ifname === "vx0")!.linkinfo as { data: Record<string, unknown> };
  assert.equal(vx.data.id, 42);
  assert.equal(vx.data.port, 4789);
  const routes = attrs(24);
  const mp = routes.find((r) => r.multipath !== undefined);
  assert.ok(mp !== undefined && formatIp(mp.dst as Uint8Array) === "10.4.0.0");
  const metric = routes.find((r) => r.priority === 50)!;
  assert.equal((metric.metrics as { mtu?: number }).mtu, 1300);
  const rules = attrs(32);
  assert.ok(rules.some((r) => r.priority === 1000 && r.table === 100));
  assert.ok(rules.some((r) => r.fwmark === 0x10 && r.fwmask === 0xff));
  const qdiscs = attrs(36).map((q) => q.kind);
  for (const k of ["htb", "tbf", "ingress", "clsact"]) assert.ok(qdiscs.includes(k), k);
  const classes = attrs(40);
  assert.ok(classes.some((c) => c.kind === "htb"));
  const filter = attrs(44).find((f) => f.kind === "u32");
  assert.ok(filter !== undefined, "a u32 filter");
  // nest-type-value: policies by policy id and attribute id, op policies by op id.
  const policies = decoded.filter((x) => x.c.family === "nlctrl" && x.c.hex.startsWith("0a"))
    .map((x) => x.m.attrs as { policy?: Record<string, unknown>[]; opPolicy?: unknown[] });
  const entry = policies.flatMap((p) => p.policy ?? []).find((p) => p.type !== undefined);
  assert.ok(
    entry !== undefined && typeof entry.policyId === "number" && typeof entry.attrId === "number",
  );
  assert.ok(policies.some((p) => p.opPolicy?.length));
});
