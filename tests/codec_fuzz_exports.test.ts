// Hostile bytes give one error type: every decoder the package exports (tests/fuzz/targets.ts,
// enumerated from deno.json "exports") throws only NetlinkDecodeError on bad bytes — the CI
// share of `npm run fuzz` (50,000 seeded cases of its million), the inventory that keeps a new
// export from escaping it, and regressions for what the fuzzer found: typed helpers given an
// address attribute that is not 4 or 16 bytes (toRoute, toAddress, toRule, decodePrefix, a
// conntrack tuple: bare RangeErrors before), tc `ets` nested 3,000 levels deep (a stack
// overflow before) on the generated and the table decoders. Pure: no permissions.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import {
  decodeBody,
  decodeClass,
  decodePrefix,
  decodeQdisc,
  decodeUevent,
  defineFamily,
  MAX_NEST_DEPTH,
  NetlinkDecodeError,
  rtAddr,
  rtRoute,
  rtRule,
  tc,
  toAddress,
  toRoute,
  toRule,
  toWatchEvent,
} from "../mod.ts";
import { conntrack as ctGenerated } from "../families/generated/mod.ts";
import { tupleFamily, tupleFromAttrs } from "../families/netfilter/conntrack.ts";
import { WIRED } from "../families/generated/decoders.ts";
import * as xfrm from "../families/xfrm/mod.ts";
import * as nft from "../families/netfilter/nftables.ts";
import { fuzz, fuzzCase, runCase } from "./fuzz/run.ts";
import { inventory, nestBomb, nlmsg, NOT_DECODERS, targets } from "./fuzz/targets.ts";
import { NEWPREFIX_HEX } from "./fixtures/rtm_newprefix.ts";

const CASES = 50_000;
const SEED = 20261130;

test("fuzz inventory: every export is a fuzzed decoder or listed as not one", () => {
  assert.deepEqual(inventory(), []);
  const { functions, families } = targets();
  // The known offenders and the generic decoders have targets; families are there op by op.
  for (const n of ["toRoute", "toAddress", "toRule", "decodePrefix", "parseMessages"]) {
    assert.ok(functions.some((t) => t.name === n), n);
  }
  assert.ok(!Object.values(NOT_DECODERS).flat().includes("toRoute"));
  for (const f of ["rt-link", "tc", "nlctrl", "nftables", "xfrm", "sock-diag", "ethtool"]) {
    assert.ok(families.some((t) => t.name.startsWith(`family ${f} tables op `)), f);
    assert.ok(families.some((t) => t.name.startsWith(`family ${f} package op `)), f);
  }
  // Captured bytes are mutated for links, routes, addresses, rules, tc, genl, errors, uevents.
  const seeded = (name: string) => functions.find((t) => t.name === name)!.seeds.length;
  for (const n of ["toLink", "toRoute", "toAddress", "toRule", "decodeQdisc", "decodeUevent"]) {
    assert.ok(seeded(n) > 0, `${n} has no captured seed`);
  }
  assert.ok(seeded("decodeErrorMessage") >= 5);
  assert.ok(families.some((t) => t.name.startsWith("family nlctrl package op") && t.seeds.length));
});

test("fuzz: the harness counts a non-decode error and a slow case as failures", () => {
  const c = fuzzCase(SEED, 0);
  const boom = {
    ...c,
    target: { ...c.target, name: "boom", run: () => (undefined as unknown as { x: number }).x },
  };
  const f = runCase(boom as never);
  assert.ok(f !== undefined && f !== "rejected" && /TypeError/.test(f.error), String(f));
  const slow = {
    ...c,
    target: {
      ...c.target,
      run: () => {
        const t = performance.now();
        while (performance.now() - t < 30);
      },
    },
  };
  const h = runCase(slow, 10);
  assert.ok(h !== undefined && h !== "rejected" && h.error.startsWith("hang"), String(h));
  const ok = runCase({ ...c, target: { ...c.target, run: () => decodeUevent(new Uint8Array(1)) } });
  assert.equal(ok, "rejected");
});

test(`fuzz: ${CASES} seeded cases over every exported decoder throw only NetlinkDecodeError`, {
  timeout: 180_000,
}, () => {
  const r = fuzz({ cases: CASES, seed: SEED });
  const shown = r.kept.slice(0, 5).map((f) =>
    `case ${f.index} (${f.target}, ${f.kind}): ${f.error}\n  ${f.hex.slice(0, 400)}`
  );
  assert.equal(r.failures, 0, `${r.failures} failures (seed ${SEED}):\n${shown.join("\n")}`);
  assert.equal(r.cases, CASES);
  // All three kinds ran, and the cases neither all decode nor all fail.
  for (const k of ["random", "shaped", "mutated"] as const) assert.ok(r.kinds[k] > CASES / 10, k);
  assert.ok(r.rejected > CASES / 10 && r.rejected < CASES * 0.9, `${r.rejected} rejected`);
});

/** `bytes` with an attribute appended (nla_len, type, data, padding). */
function withAttr(bytes: Uint8Array, type: number, data: Uint8Array): Uint8Array {
  const len = 4 + data.length;
  const out = new Uint8Array(bytes.length + ((len + 3) & ~3));
  out.set(bytes);
  out.set([len & 0xff, len >> 8, type & 0xff, type >> 8], bytes.length);
  out.set(data, bytes.length + 4);
  return out;
}

const FIVE = Uint8Array.of(192, 0, 2, 1, 7);
const addressError = (what: string) => (e: unknown) =>
  e instanceof NetlinkDecodeError &&
  e.message === `${what}: an IP address has 4 or 16 bytes, not 5`;

test("typed helpers given a 5-byte address attribute throw NetlinkDecodeError naming it", () => {
  // struct rtmsg: AF_INET, dst_len 24, table main, RTN_UNICAST.
  const rtmsg = Uint8Array.of(2, 24, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0);
  for (const [type, what] of [[1, "RTA_DST"], [5, "RTA_GATEWAY"], [7, "RTA_PREFSRC"]] as const) {
    const payload = withAttr(rtmsg, type, FIVE);
    const m = decodeBody(rtRoute.operations.getroute, payload);
    assert.throws(() => toRoute(m), addressError(what));
    // A notification of the same: a raw event carrying the decode error.
    const e = toWatchEvent({ ...nlmsgOf(24, payload), sender: 0, group: 0 }) as {
      kind: string;
      error?: unknown;
    };
    assert.equal(e.kind, "raw");
    assert.ok(addressError(what)(e.error), String(e.error));
  }
  // struct ifaddrmsg: AF_INET /24, ifindex 1.
  const ifa = Uint8Array.of(2, 24, 0, 0, 1, 0, 0, 0);
  for (
    const [type, what] of [[2, "IFA_LOCAL"], [1, "IFA_ADDRESS"], [4, "IFA_BROADCAST"]] as const
  ) {
    const m = decodeBody(rtAddr.operations.getaddr, withAttr(ifa, type, FIVE));
    assert.throws(() => toAddress(m), addressError(what));
  }
  // struct fib_rule_hdr: AF_INET, src_len 24, table main, FR_ACT_TO_TBL.
  const frh = Uint8Array.of(2, 0, 24, 0, 254, 0, 0, 1, 0, 0, 0, 0);
  for (const [type, what] of [[2, "FRA_SRC"], [1, "FRA_DST"]] as const) {
    const m = decodeBody(rtRule.operations.getrule, withAttr(frh, type, FIVE));
    assert.throws(() => toRule(m), addressError(what));
  }
  // The captured RTM_NEWPREFIX with its PREFIX_ADDRESS cut to 5 bytes.
  const real = hexBytes(NEWPREFIX_HEX[0]).subarray(16);
  const prefixmsg = real.subarray(0, 12);
  assert.equal(
    decodePrefix(decodeBody(rtAddr.operations.newprefix, real)).prefix,
    "2001:db8:1:2::/64",
  );
  const cut = decodeBody(rtAddr.operations.newprefix, withAttr(prefixmsg, 1, FIVE));
  assert.throws(() => decodePrefix(cut), addressError("PREFIX_ADDRESS"));
});

test("a conntrack tuple with a 5-byte IPv6 address is a decode error; one with none has no family", () => {
  // nfgenmsg AF_INET6, then CTA_TUPLE_ORIG { CTA_TUPLE_IP { CTA_IP_V6_SRC (5 bytes) } }.
  const ip = withAttr(new Uint8Array(0), 3, FIVE);
  const tuple = withAttr(new Uint8Array(0), 1 | 0x8000, ip);
  const payload = withAttr(Uint8Array.of(10, 0, 0, 0), 1 | 0x8000, tuple);
  const m = decodeBody(ctGenerated.operations.get, payload);
  assert.throws(
    () => tupleFromAttrs(m.attrs.tupleOrig),
    addressError("CTA_IP_V6_SRC"),
  );
  assert.equal(tupleFamily(tupleFromAttrs(undefined)), 0); // parseIp("") threw a TypeError
});

test("xfrm: a short XFRMA_SA, XFRMA_POLICY, XFRMA_ENCAP or XFRMA_COADDR is a decode error", () => {
  const set = xfrm.family.attributeSet("xfrm-attrs");
  const attr = (name: string) => set.attribute(name)!.value as number;
  const short = new Uint8Array(9).fill(1);
  // XFRM_MSG_DELSA: struct xfrm_usersa_id, then XFRMA_SA with 9 of its 224 bytes.
  const delsa = withAttr(new Uint8Array(xfrm.xfrmUsersaId.size), attr("sa"), short);
  assert.throws(
    () => xfrm.xfrmEvent({ type: xfrm.XFRM_MSG_DELSA, payload: delsa }),
    (e: unknown) =>
      e instanceof NetlinkDecodeError &&
      e.message ===
        `9 bytes are shorter than struct xfrm-usersa-info (${xfrm.xfrmUsersaInfo.size} bytes)`,
  );
  const delpolicy = withAttr(new Uint8Array(xfrm.xfrmUserpolicyId.size), attr("policy"), short);
  assert.throws(
    () => xfrm.xfrmEvent({ type: xfrm.XFRM_MSG_DELPOLICY, payload: delpolicy }),
    (e: unknown) => e instanceof NetlinkDecodeError && /xfrm-userpolicy-info/.test(e.message),
  );
  // XFRM_MSG_NEWSA (AF_INET) with a 9-byte XFRMA_ENCAP.
  const info = new Uint8Array(xfrm.xfrmUsersaInfo.size);
  const newsa = withAttr(info, attr("encap"), short);
  assert.throws(
    () => xfrm.xfrmEvent({ type: xfrm.XFRM_MSG_NEWSA, payload: newsa }),
    (e: unknown) => e instanceof NetlinkDecodeError && /^XFRMA_ENCAP is shorter/.test(e.message),
  );
  // An 8-byte XFRMA_COADDR (xfrm_address_t is 16).
  const coaddr = withAttr(info, attr("coaddr"), new Uint8Array(8));
  assert.throws(
    () => xfrm.xfrmEvent({ type: xfrm.XFRM_MSG_NEWSA, payload: coaddr }),
    (e: unknown) =>
      e instanceof NetlinkDecodeError && /^XFRMA_COADDR of 8 bytes is shorter/.test(e.message),
  );
  // Whole, they decode.
  const ok = xfrm.xfrmEvent({ type: xfrm.XFRM_MSG_NEWSA, payload: info });
  assert.equal(ok.kind, "new-sa");
});

test("nftables: a rule expression without data and a table of an unknown family convert to JSON", () => {
  const attr = (set: string, name: string) =>
    nft.family.attributeSet(set).attribute(name)!.value as number;
  const str = (s: string) => new TextEncoder().encode(`${s}\0`);
  // NFTA_RULE_EXPRESSIONS { NFTA_LIST_ELEM { NFTA_EXPR_NAME "cmp" } }: no NFTA_EXPR_DATA.
  const elem = withAttr(new Uint8Array(0), attr("expr-attrs", "name"), str("cmp"));
  const list = withAttr(new Uint8Array(0), attr("expr-list-attrs", "elem") | 0x8000, elem);
  let payload = withAttr(Uint8Array.of(2, 0, 0, 0), attr("rule-attrs", "table"), str("t"));
  payload = withAttr(payload, attr("rule-attrs", "chain"), str("c"));
  payload = withAttr(payload, attr("rule-attrs", "expressions") | 0x8000, list);
  const m = decodeBody(nft.operations.getrule, payload);
  const rule = nft.ruleFromAttrs(2, m.attrs);
  assert.equal(rule.expressions[0].name, "cmp");
  // It read `undefined.sreg` (a TypeError) before.
  assert.ok(Array.isArray(nft.ruleStatements(rule, { family: 2, sets: new Map() })));
  // NFPROTO 99 has no nft name ("unknown"): the ruleset JSON threw a TypeError before.
  const table = nft.tableFromAttrs(99, { name: "t" });
  assert.equal(table.family, "unknown");
  const json = nft.rulesetJson({
    tables: [table],
    chains: [],
    rules: [],
    sets: [],
    objects: [],
    flowtables: [],
  });
  assert.ok(json.nftables.some((e) => JSON.stringify(e).includes('"unknown"')));
});

test("tc: a short TCA_HTB_PARMS or TCA_TBF_PARMS is a decode error; a short TCA_HTB_INIT decodes", () => {
  const attr = (set: string, name: string) => tc.family.attributeSet(set).attribute(name)!.value;
  const message = (kind: string, options: Uint8Array) =>
    withAttr(
      withAttr(new Uint8Array(20), 1, new TextEncoder().encode(`${kind}\0`)),
      2 | 0x8000,
      options,
    );
  const short = new Uint8Array(9).fill(1);
  const htbClass = message("htb", withAttr(new Uint8Array(0), attr("htb-attrs", "parms"), short));
  assert.throws(
    () => decodeClass(decodeBody(tc.operations.gettclass, htbClass)),
    (e: unknown) => e instanceof NetlinkDecodeError && /^TCA_HTB_PARMS is shorter/.test(e.message),
  );
  const tbf = message("tbf", withAttr(new Uint8Array(0), attr("tbf-attrs", "parms"), short));
  assert.throws(
    () => decodeQdisc(decodeBody(tc.operations.getqdisc, tbf)),
    (e: unknown) => e instanceof NetlinkDecodeError && /^TCA_TBF_PARMS is shorter/.test(e.message),
  );
  // struct tc_htb_glob cut after `version` and `rate2quantum`: what is there is kept.
  const init = Uint8Array.of(3, 0, 0, 0, 10, 0, 0, 0);
  const htb = message("htb", withAttr(new Uint8Array(0), attr("htb-attrs", "init"), init));
  const q = decodeQdisc(decodeBody(tc.operations.getqdisc, htb));
  assert.equal(q.kind, "htb");
  assert.equal((q as { config?: { r2q?: number } }).config?.r2q, 10);
});

test("tc ets nested 3,000 levels deep: one NetlinkDecodeError on the generated and table decoders", () => {
  assert.ok(WIRED.includes("tc"), "the package's tc family decodes with generated code");
  // struct tcmsg, TCA_KIND "ets", TCA_OPTIONS { TCA_ETS_QUANTA { TCA_ETS_QUANTA { … } } }.
  const tcmsg = new Uint8Array(20);
  tcmsg[0] = 0; // AF_UNSPEC
  const quanta = tc.family.attributeSet("ets-attrs").attribute("quanta")!.value as number;
  const payload = (levels: number) =>
    withAttr(
      withAttr(tcmsg, 1, new TextEncoder().encode("ets\0")),
      2 | 0x8000,
      nestBomb(quanta, levels),
    );
  const deep = payload(3000);
  assert.ok(deep.length > 12_000, `${deep.length} bytes`);
  const depthError = (e: unknown) =>
    e instanceof NetlinkDecodeError &&
    new RegExp(`^ets-attrs: attribute sets nested more than ${MAX_NEST_DEPTH} levels deep`).test(
      e.message,
    );
  const generated = tc.operations.getqdisc;
  const tables = defineFamily(tc.family.spec).operation("getqdisc");
  assert.throws(() => decodeBody(generated, deep), depthError);
  assert.throws(() => decodeBody(tables, deep), depthError);
  // The typed path: a notification of it is a raw event with that error.
  const e = toWatchEvent({ ...nlmsgOf(36, deep), sender: 0, group: 0 }) as { error?: unknown };
  assert.ok(depthError(e.error), String(e.error));
  // Within the limit it decodes, on both paths, to the same qdisc.
  const ok = payload(20);
  const q = decodeQdisc(decodeBody(generated, ok));
  assert.equal(q.kind, "ets");
  assert.deepEqual(decodeBody(tables, ok).attrs, decodeBody(generated, ok).attrs);
});

function nlmsgOf(type: number, payload: Uint8Array) {
  const b = nlmsg(type, 0, payload);
  return { length: b.length, type, flags: 0, seq: 1, pid: 0, payload };
}

function hexBytes(s: string): Uint8Array {
  return Uint8Array.from(s.match(/../g)!, (h) => parseInt(h, 16));
}
