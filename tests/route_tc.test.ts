// Traffic control (families/route/tc.ts) against the real kernel, inside tests/run.sh's
// namespace. Ground truth is `tc -j` (and tc's text output where tc 6.1 prints no JSON).
import { lacksConfig, test } from "./harness.ts";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Rtnl } from "../families/route/rtnl.ts";
import {
  type ActionConfig,
  addAction,
  addClass,
  addFilter,
  addQdisc,
  changeClass,
  deleteAction,
  deleteClass,
  deleteFilter,
  deleteQdisc,
  formatHandle,
  type FqCodelQdiscConfig,
  type HtbClassConfig,
  type HtbQdiscConfig,
  listActions,
  listClasses,
  listFilters,
  listQdiscs,
  parseDuration,
  parseHandle,
  parseRate,
  parseSize,
  replaceQdisc,
  type TbfQdiscConfig,
  type U32FilterConfig,
} from "../families/route/tc.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { ipBatch, ipJson, sendUdp, sh, SKIP_KERNEL, uniqueName } from "./helpers.ts";

type Json = Record<string, unknown>;

function tcJson(...args: string[]): Json[] {
  const out = sh("tc", ["-j", ...args]).trim();
  return out === "" ? [] : JSON.parse(out);
}

/** A veth pair with no IPv6 chatter, up. */
function vethPair(prefix: string): [string, string, number] {
  const a = uniqueName(prefix);
  const b = `${a}p`;
  ipBatch([
    `link add ${a} type veth peer name ${b}`,
    `link set ${a} addrgenmode none`,
    `link set ${b} addrgenmode none`,
    `link set ${a} up`,
    `link set ${b} up`,
  ]);
  const [link] = ipJson<{ ifindex: number }[]>("link", "show", a);
  return [a, b, link.ifindex];
}

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof NetlinkError, String(e));
    assert.equal(e.code, code);
    return true;
  });
}

test("handles, rates, sizes and durations parse and print like tc", () => {
  assert.equal(parseHandle("1:"), 0x10000);
  assert.equal(parseHandle("1:10"), 0x10010);
  assert.equal(parseHandle(":a"), 0xa);
  assert.equal(parseHandle("ffff:fff1"), 0xfffffff1);
  assert.equal(parseHandle("root"), 0xffffffff);
  assert.equal(parseHandle("ingress"), 0xfffffff1);
  assert.equal(parseHandle("clsact"), 0xfffffff1);
  assert.equal(parseHandle("none"), 0);
  assert.equal(parseHandle(0x20003), 0x20003);
  assert.throws(() => parseHandle("1"), TypeError);
  assert.throws(() => parseHandle("10000:"), RangeError);
  assert.throws(() => parseHandle(-1), RangeError);
  assert.equal(formatHandle(0x10000), "1:");
  assert.equal(formatHandle(0x10010), "1:10");
  assert.equal(formatHandle(0xa), ":a");
  assert.equal(formatHandle(0xffffffff), "root");
  assert.equal(formatHandle(0xfffffff1), "ffff:fff1");
  assert.equal(formatHandle(0), "none");
  for (const h of ["1:", "1:10", "abcd:ef", ":5"]) assert.equal(formatHandle(parseHandle(h)), h);
  assert.equal(parseRate("1mbit"), 1_000_000);
  assert.equal(parseRate("1kibit"), 1024);
  assert.equal(parseRate("2kbps"), 16_000);
  assert.equal(parseRate(5000), 5000);
  assert.equal(parseSize("10k"), 10240);
  assert.equal(parseSize("1600b"), 1600);
  assert.equal(parseSize("1mb"), 1048576);
  assert.equal(parseDuration("50ms"), 50_000);
  assert.equal(parseDuration("1s"), 1_000_000);
  assert.equal(parseDuration("300us"), 300);
  assert.throws(() => parseRate("fast"), TypeError);
});

/** tc 6.1 prints HTB classes as text even with -j: "class htb 1:10 root prio 2 rate 1Mbit …" */
function tcClasses(dev: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const line of sh("tc", ["class", "show", "dev", dev]).split("\n")) {
    const m = /^class (\S+) (\S+) (.*)$/.exec(line.trim());
    if (m === null) continue;
    const words = m[3].split(/\s+/);
    const f: Record<string, string> = { kind: m[1] };
    for (let i = 0; i < words.length; i++) {
      if (words[i] === "root") f.parent = "root";
      else if (i + 1 < words.length) f[words[i]] = words[++i];
    }
    out.set(m[2], f);
  }
  return out;
}

test("an HTB tree with classes, a u32 and a bpf filter built by us, as tc sees it", {
  skip: SKIP_KERNEL,
}, async () => {
  const [dev, peer, ifindex] = vethPair("tch");
  try {
    await using rt = await Rtnl.open();
    await addQdisc(rt, dev, { handle: "1:", kind: "htb", defaultClass: 0x20, r2q: 5 });
    await addClass(rt, dev, {
      parent: "1:",
      classid: "1:1",
      kind: "htb",
      rate: "10mbit",
      burst: "15k",
    });
    await addClass(rt, ifindex, {
      parent: "1:1",
      classid: "1:10",
      kind: "htb",
      rate: "1mbit",
      ceil: "2mbit",
      prio: 2,
    });
    await addClass(rt, dev, { parent: "1:1", classid: "1:20", kind: "htb", rate: 500_000 });
    await addFilter(rt, dev, {
      parent: "1:",
      protocol: "ip",
      priority: 5,
      kind: "u32",
      match: { ip: { dst: "10.0.0.1/32", protocol: 6, dport: 80 } },
      classid: "1:10",
      actions: [{ kind: "mirred", action: "mirror", dev: peer }],
    });
    await addFilter(rt, dev, {
      parent: "1:",
      priority: 6,
      kind: "bpf",
      bytecode: "2,40 0 0 12,6 0 0 65535",
      classid: "1:20",
    });

    const [q] = tcJson("qdisc", "show", "dev", dev);
    assert.equal(q.kind, "htb");
    assert.equal(q.handle, "1:");
    assert.equal(q.root, true);
    assert.deepEqual(
      [(q.options as Json).r2q, (q.options as Json).default],
      [5, "0x20"],
    );

    const classes = tcClasses(dev);
    assert.deepEqual(
      [...classes.keys()].sort(),
      ["1:1", "1:10", "1:20"],
    );
    assert.deepEqual(classes.get("1:1"), {
      kind: "htb",
      parent: "root",
      rate: "10Mbit",
      ceil: "10Mbit",
      burst: "15Kb",
      cburst: "1600b",
    });
    assert.deepEqual(classes.get("1:10"), {
      kind: "htb",
      parent: "1:1",
      prio: "2",
      rate: "1Mbit",
      ceil: "2Mbit",
      burst: "1600b",
      cburst: "1600b",
    });
    assert.equal(classes.get("1:20")?.rate, "500Kbit");

    const filters = tcJson("filter", "show", "dev", dev, "parent", "1:");
    const u32 = filters.find((f) => f.kind === "u32" && (f.options as Json)?.flowid);
    assert.ok(u32, JSON.stringify(filters));
    assert.equal(u32.protocol, "ip");
    assert.equal(u32.pref, 5);
    const uo = u32.options as Json;
    assert.equal(uo.flowid, "1:10");
    // tc prints each key as "match": duplicate JSON keys, so only the last survives parsing.
    const text = sh("tc", ["filter", "show", "dev", dev, "parent", "1:"]);
    assert.match(text, /match 00060000\/00ff0000 at 8/);
    assert.match(text, /match 0a000001\/ffffffff at 16/);
    assert.match(text, /match 00000050\/0000ffff at 20/);
    const acts = uo.actions as Json[];
    assert.equal(acts.length, 1);
    assert.equal(acts[0].kind, "mirred");
    assert.equal(acts[0].mirred_action, "mirror");
    assert.equal(acts[0].to_dev, peer);
    assert.deepEqual(acts[0].control_action, { type: "pipe" });
    const bpf = filters.find((f) => f.kind === "bpf" && f.options);
    assert.ok(bpf);
    assert.equal(bpf.protocol, "all");
    assert.equal(bpf.pref, 6);
    assert.equal((bpf.options as Json).flowid, "1:20");
    assert.deepEqual((bpf.options as Json).bytecode, {
      length: 2,
      insns: [{ code: 40, jt: 0, jf: 0, k: 12 }, { code: 6, jt: 0, jf: 0, k: 65535 }],
    });

    // And our own listing agrees with what we built.
    const ours = await listClasses(rt, { dev });
    const c10 = ours.find((c) => c.handle === 0x10010);
    assert.deepEqual(c10?.config, {
      kind: "htb",
      rate: 1_000_000,
      ceil: 2_000_000,
      burst: 1600,
      cburst: 1600,
      prio: 2,
      quantum: 25000,
      level: 0,
    });
    assert.equal(c10?.parent, 0x10001);
    const ourFilters = await listFilters(rt, { dev, parent: "1:" });
    const ou = ourFilters.find((f) => f.kind === "u32" && (f.config as U32FilterConfig).keys);
    assert.deepEqual((ou?.config as U32FilterConfig).keys, [
      { value: 0x00060000, mask: 0x00ff0000, offset: 8, offmask: 0 },
      { value: 0x0a000001, mask: 0xffffffff, offset: 16, offmask: 0 },
      { value: 0x00000050, mask: 0x0000ffff, offset: 20, offmask: 0 },
    ]);
    assert.equal(ou?.protocol, 0x0800);
    assert.equal(ou?.priority, 5);

    // Change, then delete, a class and the filters.
    await changeClass(rt, dev, {
      parent: "1:1",
      classid: "1:20",
      kind: "htb",
      rate: "700kbit",
    });
    assert.equal(tcClasses(dev).get("1:20")?.rate, "700Kbit");
    await deleteFilter(rt, dev, { parent: "1:", priority: 6, protocol: "all" });
    await deleteClass(rt, dev, "1:20");
    assert.deepEqual([...tcClasses(dev).keys()].sort(), ["1:1", "1:10"]);
    assert.equal(
      tcJson("filter", "show", "dev", dev, "parent", "1:").filter((f) => f.kind === "bpf").length,
      0,
    );
    await deleteFilter(rt, dev, { parent: "1:" });
    assert.deepEqual(tcJson("filter", "show", "dev", dev, "parent", "1:"), []);
    await deleteQdisc(rt, dev, { parent: "root", handle: "1:" });
    assert.notEqual(tcJson("qdisc", "show", "dev", dev)[0]?.kind, "htb");
  } finally {
    sh("ip", ["link", "del", dev]);
  }
});

test("statistics of qdiscs and classes match tc -s after traffic", {
  skip: SKIP_KERNEL,
}, async () => {
  const [dev] = vethPair("tcs");
  try {
    await using rt = await Rtnl.open();
    await addQdisc(rt, dev, { handle: "1:", kind: "htb", defaultClass: 0x10 });
    await addClass(rt, dev, { parent: "1:", classid: "1:10", kind: "htb", rate: "100mbit" });
    await sendUdp(dev, 5);
    const [q] = await listQdiscs(rt, { dev });
    const [tq] = tcJson("-s", "qdisc", "show", "dev", dev);
    assert.ok(q.stats !== undefined);
    assert.ok(q.stats.packets >= 5, `packets ${q.stats.packets}`);
    assert.equal(q.stats.bytes, BigInt(tq.bytes as number));
    assert.equal(q.stats.packets, tq.packets);
    assert.equal(q.stats.drops, tq.drops);
    assert.equal(q.stats.overlimits, tq.overlimits);
    assert.equal(q.stats.requeues, tq.requeues);
    assert.equal(q.stats.qlen, tq.qlen);
    assert.equal(q.stats.backlog, tq.backlog);
    const [c] = await listClasses(rt, { dev });
    const text = sh("tc", ["-s", "class", "show", "dev", dev]);
    const m = /Sent (\d+) bytes (\d+) pkt/.exec(text);
    assert.ok(m, text);
    assert.equal(c.stats?.bytes, BigInt(m[1]));
    assert.equal(c.stats?.packets, Number(m[2]));
    assert.ok(c.stats.packets >= 5);
  } finally {
    sh("ip", ["link", "del", dev]);
  }
});

test("TBF, ingress and clsact with a direct-action bpf filter built by us", {
  skip: SKIP_KERNEL,
}, async () => {
  const [dev, peer] = vethPair("tct");
  try {
    await using rt = await Rtnl.open();
    await addQdisc(rt, dev, {
      handle: "2:",
      kind: "tbf",
      rate: "1mbit",
      burst: "10k",
      latency: "50ms",
    });
    await addQdisc(rt, dev, { kind: "ingress" });
    await addQdisc(rt, peer, { kind: "clsact" });
    await addFilter(rt, peer, {
      parent: "egress",
      priority: 1,
      kind: "bpf",
      bytecode: [{ code: 6, jt: 0, jf: 0, k: 0xffffffff }],
      directAction: true,
    });
    await addFilter(rt, dev, {
      parent: "ingress",
      priority: 3,
      protocol: "ipv6",
      kind: "u32",
      match: { ip6: { dst: "2001:db8::/32", protocol: 58 } },
      actions: [{ kind: "mirred", action: "redirect", dev: peer }],
    });

    const qs = tcJson("qdisc", "show", "dev", dev);
    const tbf = qs.find((q) => q.kind === "tbf");
    assert.deepEqual(tbf?.options, { rate: 125000, burst: 10240, lat: 50000 });
    assert.equal(tbf?.handle, "2:");
    const ing = qs.find((q) => q.kind === "ingress");
    assert.equal(ing?.handle, "ffff:");
    assert.equal(ing?.parent, "ffff:fff1");
    const cls = tcJson("qdisc", "show", "dev", peer).find((q) => q.kind === "clsact");
    assert.equal(cls?.handle, "ffff:");

    const eg = tcJson("filter", "show", "dev", peer, "egress").find((f) => f.options);
    assert.equal(eg?.kind, "bpf");
    assert.equal((eg?.options as Json)["direct-action"], true);
    const ing6 = tcJson("filter", "show", "dev", dev, "ingress").find((f) =>
      (f.options as Json)?.match
    );
    assert.equal(ing6?.protocol, "ipv6");
    const text = sh("tc", ["filter", "show", "dev", dev, "ingress"]);
    assert.match(text, /match 20010db8\/ffffffff at 24/);
    assert.match(text, /match 00003a00\/0000ff00 at 4/);

    const ours = await listQdiscs(rt, { dev });
    assert.deepEqual(ours.find((q) => q.kind === "tbf")?.config, {
      kind: "tbf",
      rate: 1_000_000,
      burst: 10240,
      limit: 16490,
      latency: 50000,
    });
    const [ourEg] = (await listFilters(rt, { dev: peer, parent: "egress" })).filter((f) =>
      f.attrs.options
    );
    assert.equal(ourEg.parent, 0xfffffff3);
    assert.deepEqual(ourEg.config, {
      kind: "bpf",
      bytecode: [{ code: 6, jt: 0, jf: 0, k: 0xffffffff }],
      directAction: true,
    });

    // replace changes the TBF in place
    await replaceQdisc(rt, dev, {
      handle: "2:",
      kind: "tbf",
      rate: "2mbit",
      burst: "20k",
      limit: 30000,
    });
    const tbf2 = tcJson("qdisc", "show", "dev", dev).find((q) => q.kind === "tbf");
    assert.equal((tbf2?.options as Json).rate, 250000);
    assert.equal((tbf2?.options as Json).burst, 20480);

    await deleteQdisc(rt, dev, { parent: "ingress" });
    await deleteQdisc(rt, peer, { parent: "clsact" });
    assert.equal(tcJson("qdisc", "show", "dev", dev).some((q) => q.kind === "ingress"), false);
    assert.equal(tcJson("qdisc", "show", "dev", peer).some((q) => q.kind === "clsact"), false);
  } finally {
    sh("ip", ["link", "del", dev]);
  }
});

test("objects created with tc list with ours: htb, tbf, ingress, u32, bpf, mirred", {
  skip: SKIP_KERNEL,
}, async () => {
  const [dev, peer, ifindex] = vethPair("tcr");
  const [, , peerIndex] = [0, 0, ipJson<{ ifindex: number }[]>("link", "show", peer)[0].ifindex];
  try {
    const tcBatch = [
      `qdisc add dev ${dev} root handle 1: htb default 10 r2q 7`,
      `class add dev ${dev} parent 1: classid 1:10 htb rate 3mbit ceil 4mbit burst 6k prio 3`,
      `filter add dev ${dev} parent 1: protocol ip prio 9 u32 match ip src 192.0.2.0/24 ` +
      `match ip sport 53 0xffff flowid 1:10 action mirred egress redirect dev ${peer}`,
      `filter add dev ${dev} parent 1: protocol all prio 10 bpf bytecode "1,6 0 0 1" classid 1:10`,
      `qdisc add dev ${peer} root handle 5: tbf rate 8mbit burst 32k limit 100000`,
      `qdisc add dev ${peer} ingress`,
    ];
    sh("tc", ["-batch", "-"], tcBatch.join("\n") + "\n");
    await using rt = await Rtnl.open();

    const qdiscs = await listQdiscs(rt);
    const htb = qdiscs.find((q) => q.ifindex === ifindex);
    assert.equal(htb?.kind, "htb");
    assert.equal(formatHandle(htb!.handle), "1:");
    assert.equal(formatHandle(htb!.parent), "root");
    const ho = htb!.config as HtbQdiscConfig;
    const [tcHtb] = tcJson("qdisc", "show", "dev", dev);
    assert.equal(ho.r2q, (tcHtb.options as Json).r2q);
    assert.equal(`0x${ho.defaultClass!.toString(16)}`, (tcHtb.options as Json).default);
    assert.equal(ho.directQlen, (tcHtb.options as Json).direct_qlen);
    assert.equal(htb!.refcnt, tcHtb.refcnt);

    const peerQ = tcJson("qdisc", "show", "dev", peer);
    const tbf = qdiscs.find((q) => q.ifindex === peerIndex && q.kind === "tbf");
    const tcTbf = peerQ.find((q) => q.kind === "tbf")!.options as Json;
    const to = tbf!.config as TbfQdiscConfig;
    assert.equal(to.rate, (tcTbf.rate as number) * 8);
    assert.equal(to.burst, tcTbf.burst);
    assert.equal(to.limit, 100000);
    assert.equal(to.latency, tcTbf.lat);
    const ingress = qdiscs.find((q) => q.ifindex === peerIndex && q.kind === "ingress");
    assert.equal(formatHandle(ingress!.handle), "ffff:");
    assert.equal(formatHandle(ingress!.parent), peerQ.find((q) => q.kind === "ingress")!.parent);

    const [cls] = await listClasses(rt, { dev: ifindex });
    const tcCls = tcClasses(dev).get(formatHandle(cls.handle));
    const co = cls.config as HtbClassConfig;
    assert.equal(tcCls?.rate, "3Mbit");
    assert.equal(co.rate, 3_000_000);
    assert.equal(co.ceil, 4_000_000);
    assert.equal(co.burst, 6144);
    assert.equal(tcCls?.burst, "6Kb");
    assert.equal(co.prio, Number(tcCls?.prio));
    assert.equal(co.cburst, 1600);

    const ours = await listFilters(rt, { dev, parent: "1:" });
    const theirs = tcJson("filter", "show", "dev", dev, "parent", "1:");
    assert.equal(ours.length, theirs.length);
    for (const [i, t] of theirs.entries()) {
      assert.equal(ours[i].kind, t.kind);
      assert.equal(ours[i].priority, t.pref);
      // tc leaves out the parent it was asked for
      assert.equal(formatHandle(ours[i].parent), t.parent ?? "1:");
      assert.equal(ours[i].protocol, t.protocol === "ip" ? 0x0800 : 0x0003);
      assert.equal(ours[i].chain, t.chain);
    }
    const u = ours.find((f) => (f.config as U32FilterConfig).keys)!.config as U32FilterConfig;
    assert.equal(u.classid, 0x10010);
    assert.deepEqual(u.keys, [
      { value: 0xc0000200, mask: 0xffffff00, offset: 12, offmask: 0 },
      { value: 0x00350000, mask: 0xffff0000, offset: 20, offmask: 0 },
    ]);
    assert.deepEqual(u.actions, [{
      kind: "mirred",
      action: "redirect",
      direction: "egress",
      dev: peerIndex,
      control: "stolen",
      index: u.actions![0].kind === "mirred" ? (u.actions![0] as { index: number }).index : 0,
    }]);
    const bpf = ours.find((f) => f.kind === "bpf" && f.attrs.options);
    assert.deepEqual(bpf?.config, {
      kind: "bpf",
      bytecode: [{ code: 6, jt: 0, jf: 0, k: 1 }],
      classid: 0x10010,
    });
    assert.equal(bpf?.handle, 1);

    // Actions bound to filters show in the action table too.
    const mine = await listActions(rt, "mirred");
    const [tcActs] = tcJson("actions", "list", "action", "mirred").filter((x) => x.actions);
    const theirActs = tcActs.actions as Json[];
    assert.equal(mine.length, theirActs.length);
    for (const [i, t] of theirActs.entries()) {
      assert.equal(mine[i].index, t.index);
      assert.equal(mine[i].kind, t.kind);
      assert.equal(mine[i].refcnt, t.ref);
      assert.equal(mine[i].bindcnt, t.bind);
      assert.ok(mine[i].stats !== undefined);
    }
  } finally {
    sh("ip", ["link", "del", dev]);
  }
});

test("EEXIST when adding a qdisc twice, ENOENT when deleting one that is not there", {
  skip: SKIP_KERNEL,
}, async () => {
  const [dev] = vethPair("tce");
  try {
    await using rt = await Rtnl.open();
    await addQdisc(rt, dev, { handle: "1:", kind: "htb" });
    await rejects(addQdisc(rt, dev, { handle: "1:", kind: "htb" }), "EEXIST");
    await addQdisc(rt, dev, { kind: "ingress" });
    await rejects(addQdisc(rt, dev, { kind: "ingress" }), "EEXIST");
    await deleteQdisc(rt, dev, { parent: "ingress" });
    await rejects(deleteQdisc(rt, dev, { parent: "ingress" }), "ENOENT");
    await rejects(deleteQdisc(rt, dev, { parent: "7:1" }), "ENOENT");
    await rejects(deleteClass(rt, dev, "1:99"), "ENOENT");
    await assert.rejects(
      addClass(rt, dev, { parent: "1:", classid: "1:5", kind: "htb", rate: 0 }),
      RangeError,
    );
  } finally {
    sh("ip", ["link", "del", dev]);
  }
});

test("fq_codel qdisc options round-trip through tc", {
  skip: SKIP_KERNEL || lacksConfig(["CONFIG_NET_SCH_FQ_CODEL"]),
}, async () => {
  const [dev] = vethPair("tcf");
  try {
    await using rt = await Rtnl.open();
    await addQdisc(rt, dev, {
      handle: "3:",
      kind: "fq_codel",
      limit: 1000,
      flows: 512,
      target: "3ms",
      interval: "50ms",
      quantum: 1400,
      ecn: true,
    });
    const [q] = tcJson("qdisc", "show", "dev", dev);
    const o = q.options as Json;
    assert.equal(q.kind, "fq_codel");
    assert.equal(o.limit, 1000);
    assert.equal(o.flows, 512);
    assert.equal(o.quantum, 1400);
    assert.equal(o.target, 3000);
    assert.equal(o.interval, 50000);
    assert.equal(o.ecn, true);
    const [ours] = await listQdiscs(rt, { dev });
    const c = ours.config as FqCodelQdiscConfig;
    assert.deepEqual(
      [c.limit, c.flows, c.quantum, c.target, c.interval, c.ecn],
      [1000, 512, 1400, 3000, 50000, true],
    );
  } finally {
    sh("ip", ["link", "del", dev]);
  }
});

// Standalone actions need CAP_NET_ADMIN in the initial user namespace (tc_ctl_action uses
// netlink_capable): tests/run.sh as root gives that; an unprivileged run cannot.
const SKIP_ACTIONS = SKIP_KERNEL ||
  (initialUserNamespace()
    ? false
    : "standalone tc actions need CAP_NET_ADMIN in the initial user namespace (run as root)");

function initialUserNamespace(): boolean {
  return /^\s*0\s+0\s+4294967295\s*$/.test(readFileSync("/proc/self/uid_map", "utf8"));
}

/** Add `action` with our encoder, compare with `tc -j actions list`, delete it. */
async function standaloneAction(
  action: ActionConfig,
  expected: { control: string; config: unknown },
): Promise<void> {
  await using rt = await Rtnl.open();
  const kind = action.kind;
  await addAction(rt, action);
  try {
    await rejects(addAction(rt, action), "EEXIST");
    const [tcActs] = tcJson("actions", "list", "action", kind).filter((x) => x.actions);
    const theirs = (tcActs.actions as Json[]).find((a) => a.index === action.index);
    assert.deepEqual(theirs?.control_action, { type: expected.control });
    const ours = (await listActions(rt, kind)).find((a) => a.index === action.index);
    assert.equal(ours?.index, action.index);
    assert.equal(ours?.bindcnt, theirs?.bind);
    assert.deepEqual(ours?.config, expected.config);
  } finally {
    await deleteAction(rt, kind, action.index!);
  }
  assert.equal((await listActions(rt, kind)).some((a) => a.index === action.index), false);
}

test("standalone mirred action: add, list like tc, delete", { skip: SKIP_ACTIONS }, async () => {
  const [dev, peer] = vethPair("tca");
  try {
    const action = { kind: "mirred", action: "mirror", dev: peer, index: 77 } as const;
    await standaloneAction(action, {
      control: "pipe",
      config: {
        kind: "mirred",
        action: "mirror",
        direction: "egress",
        dev: ipJson<{ ifindex: number }[]>("link", "show", peer)[0].ifindex,
        control: "pipe",
        index: 77,
      },
    });
  } finally {
    sh("ip", ["link", "del", dev]);
  }
});

test("standalone gact action: add, list like tc, delete", {
  skip: SKIP_ACTIONS || lacksConfig(["CONFIG_NET_ACT_GACT"]),
}, async () => {
  const action = { kind: "gact", action: "drop", index: 77 } as const;
  await standaloneAction(action, { control: "drop", config: action });
});
