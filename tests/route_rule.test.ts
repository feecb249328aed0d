// Real-kernel tests of families/route/rule.ts; every change is read back with `ip -j rule`.
import { lacksConfig, test } from "./harness.ts";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Rtnl } from "../families/route/rtnl.ts";
import { addRule, deleteRule, listRules, type Rule } from "../families/route/rule.ts";
import { ipBatch, ipJson, iproute2Names, sh, SKIP_KERNEL, uniqueName } from "./helpers.ts";

type IpRule = {
  priority: number;
  src?: string;
  srclen?: number;
  dst?: string;
  dstlen?: number;
  table?: string;
  action?: string;
  iif?: string;
  oif?: string;
  fwmark?: string;
  goto?: number;
  not?: null;
};
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;
const rule4 = (prio: number) => ipJson<IpRule[]>("rule", "show").find((r) => r.priority === prio);
const rule6 = (prio: number) =>
  ipJson<IpRule[]>("-6", "rule", "show").find((r) => r.priority === prio);

// linux/fib_rules.h
const FIB_RULE_INVERT = 2, FIB_RULE_UNRESOLVED = 4, FIB_RULE_IIF_DETACHED = 8;
const FIB_RULE_OIF_DETACHED = 16;

/** IP protocol names by number, as `ip` prints them (getprotobynumber: /etc/protocols). */
function ipProtocols(): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of readFileSync("/etc/protocols", "utf8").split("\n")) {
    const m = /^\s*([^#\s]+)\s+(\d+)/.exec(line);
    if (m && !names.has(Number(m[2]))) names.set(Number(m[2]), m[1]);
  }
  return names;
}

/**
 * One of our rules in the shape `ip -j -d rule show` prints it (iproute2 6.1 `print_rule`):
 * the fields the Rule object has, the rest from its decoded message. Name tables come from
 * iproute2's files, not from the library.
 */
function ruleAsIp(r: Rule): Record<string, unknown> {
  const { header: h, attrs: a } = r.message;
  const tables = iproute2Names("rt_tables"), groups = iproute2Names("group");
  const realms = iproute2Names("rt_realms"), dsfield = iproute2Names("rt_dsfield");
  const hostLen = r.family === "inet" ? 32 : 128;
  const hex = (n: number) => `0x${n.toString(16)}`;
  const o: Record<string, unknown> = { priority: r.priority };
  assert.equal(r.not, (h.flags & FIB_RULE_INVERT) !== 0);
  if (r.not) o.not = null;
  for (const [key, prefix, len] of [["src", r.from, h.srcLen], ["dst", r.to, h.dstLen]] as const) {
    if (prefix !== undefined) {
      const [addr, bits] = prefix.split("/");
      assert.equal(Number(bits), len, `${key} prefix length of rule ${r.priority}`);
      o[key] = addr;
      if (len !== hostLen) o[`${key}len`] = len;
    } else if (len) {
      o[key] = "0";
      o[`${key}len`] = len;
    } else if (key === "src") {
      o.src = "all";
    }
  }
  if (h.tos) o.tos = dsfield.get(h.tos) ?? `0x${h.tos.toString(16).padStart(2, "0")}`;
  if (r.fwmark !== undefined || r.fwmask !== undefined) {
    o.fwmark = hex(r.fwmark ?? 0);
    if (r.fwmask !== undefined && r.fwmask !== 0xffffffff) o.fwmask = hex(r.fwmask);
  }
  if (r.iif !== undefined) {
    o.iif = r.iif;
    if (h.flags & FIB_RULE_IIF_DETACHED) o.iif_detached = null;
  }
  if (r.oif !== undefined) {
    o.oif = r.oif;
    if (h.flags & FIB_RULE_OIF_DETACHED) o.oif_detached = null;
  }
  if (a.l3mdev) o.l3mdev = null;
  if (a.uidRange) Object.assign(o, { uid_start: a.uidRange.start, uid_end: a.uidRange.end });
  if (a.ipProto !== undefined) o.ipproto = ipProtocols().get(a.ipProto) ?? `ipproto-${a.ipProto}`;
  for (const [key, range] of [["sport", a.sportRange], ["dport", a.dportRange]] as const) {
    if (range === undefined) continue;
    if (range.start === range.end) o[key] = range.start;
    else Object.assign(o, { [`${key}_start`]: range.start, [`${key}_end`]: range.end });
  }
  if (a.tunId !== undefined) o.tun_id = Number(a.tunId);
  if (r.tableId) {
    o.table = tables.get(r.tableId) ?? String(r.tableId);
    assert.equal(r.table, tables.get(r.tableId) ?? r.tableId, `table of rule ${r.priority}`);
    const pl = a.suppressPrefixlen;
    if (pl !== undefined && pl !== 0xffffffff) o.suppress_prefixlen = pl;
    const g = a.suppressIfgroup;
    if (g !== undefined && g !== 0xffffffff) o.suppress_ifgroup = groups.get(g) ?? String(g);
  }
  if (a.flow !== undefined) {
    const from = a.flow >>> 16, to = a.flow & 0xffff;
    if (from) o.flow_from = realms.get(from) ?? String(from);
    o.flow_to = realms.get(to) ?? String(to);
  }
  if (r.action === "goto") {
    o.goto = r.goto ?? "none";
    if (h.flags & FIB_RULE_UNRESOLVED) o.unresolved = null;
  } else if (r.action === "nop") {
    o.nop = null;
  } else if (r.action !== "table") {
    o.action = r.action;
  }
  if (r.protocol !== undefined) o.protocol = String(r.protocol);
  return o;
}

/** listRules for `family` equals `ip -j -d rule show` field for field, in the same order. */
async function assertRulesMatchIp(rt: Rtnl, family: "inet" | "inet6"): Promise<void> {
  const theirs = ipJson<Record<string, unknown>[]>(
    ...(family === "inet6" ? ["-6"] : []),
    "-d",
    "rule",
    "show",
  );
  const ours = await listRules(rt, { family });
  assert.ok(ours.every((r) => r.family === family));
  assert.deepEqual(ours.map(ruleAsIp), theirs, `listRules({ family: "${family}" })`);
}

/** Delete every rule of these priorities, as ip sees them (no error when there is none). */
function deleteRulesByPriority(family: "-4" | "-6", priorities: number[]): void {
  for (const p of priorities) {
    const n = ipJson<IpRule[]>(family, "rule", "show").filter((r) => r.priority === p).length;
    for (let i = 0; i < n; i++) sh("ip", [family, "rule", "del", "priority", String(p)]);
  }
}

test(
  "add / list / delete IPv4 rules with selectors, read back by ip",
  { skip: SKIP_KERNEL },
  async () => {
    await using rt = await Rtnl.open();
    try {
      await addRule(rt, { priority: 1001, from: "10.0.0.0/8", to: "192.0.2.0/24", table: 100 });
      let r = rule4(1001)!;
      assert.equal(r.src, "10.0.0.0");
      assert.equal(r.srclen, 8);
      assert.equal(r.dst, "192.0.2.0");
      assert.equal(r.dstlen, 24);
      assert.equal(r.table, "100");
      await addRule(rt, { priority: 1002, fwmark: 0x10, fwmask: 0xff, iif: "lo", table: 70000 });
      r = rule4(1002)!;
      assert.equal(r.fwmark, "0x10");
      assert.equal((r as { fwmask?: string }).fwmask, "0xff");
      assert.equal(r.iif, "lo");
      assert.equal(r.table, "70000");
      await addRule(rt, { priority: 1003, action: "blackhole", oif: "lo", not: true });
      r = rule4(1003)!;
      assert.equal(r.action, "blackhole");
      assert.equal(r.oif, "lo");
      assert.ok("not" in r);
      await addRule(rt, { priority: 1000, goto: 1003 });
      assert.equal(rule4(1000)!.goto, 1003);
      await assert.rejects(
        addRule(rt, { priority: 1001, from: "10.0.0.0/8", to: "192.0.2.0/24", table: 100 }),
        code("EEXIST"),
      );
      // listRules matches ip -j -d rule show, every field.
      await assertRulesMatchIp(rt, "inet");
      for (const p of [1000, 1001, 1002, 1003]) await deleteRule(rt, { priority: p });
      for (const p of [1000, 1001, 1002, 1003]) assert.equal(rule4(p), undefined);
      await assert.rejects(deleteRule(rt, { priority: 1001 }), code("ENOENT"));
    } finally {
      for (const p of [1000, 1001, 1002, 1003]) {
        if (rule4(p)) await deleteRule(rt, { priority: p });
      }
    }
  },
);

test("listRules matches ip -j -d rule show field for field, IPv4 and IPv6", {
  skip: SKIP_KERNEL,
}, async () => {
  const dev = uniqueName("ru");
  sh("ip", ["link", "add", dev, "type", "veth", "peer", "name", `${dev}p`]);
  const v4 = [1100, 1101, 1102, 1103, 1104, 1105, 1106, 1107, 1108, 1109, 1110, 1111, 1112, 1113];
  const v6 = [2100, 2101, 2102, 2103];
  await using rt = await Rtnl.open();
  try {
    // Rules set up by ip itself, with as many selectors and actions as it can express.
    ipBatch([
      "rule add priority 1100 from 10.1.2.3 tos 0x10 fwmark 0x10/0xff iif lo table 70000",
      `rule add priority 1101 not to 198.51.100.0/24 oif ${dev} blackhole`,
      "rule add priority 1102 iif nosuch0 oif nosuch1 prohibit",
      "rule add priority 1103 goto 1105",
      "rule add priority 1104 goto 1199",
      "rule add priority 1105 table main suppress_prefixlength 0",
      "rule add priority 1106 uidrange 100-200 table 5 suppress_ifgroup 3",
      "rule add priority 1107 sport 1000-2000 dport 53 ipproto udp table local",
      "rule add priority 1108 fwmark 7 unreachable",
      "rule add priority 1109 from 10.1.0.0/16 to 10.2.3.4 realms 3/4 table 9 protocol static",
      `rule add priority 1110 iif ${dev} oif ${dev}p nop`,
      "rule add priority 1111 tun_id 42 table default",
      "rule add priority 1112 dport 1-1024 sport 80 ipproto tcp fwmark 0x20/0xffffffff prohibit",
      "rule add priority 1113 realms 5 ipproto 200 table 13",
    ]);
    sh(
      "ip",
      ["-6", "-batch", "-"],
      [
        "rule add priority 2100 from 2001:db8::/32 to 2001:db8:1::/48 table 200 fwmark 3/7 iif lo",
        "rule add priority 2101 not sport 1 ipproto tcp uidrange 1-2 unreachable",
        "rule add priority 2102 to 2001:db8::1 tos 0x28 table 5",
        "rule add priority 2103 table main suppress_prefixlength 64 protocol bird",
      ].join("\n") + "\n",
    );
    assert.equal(
      ipJson<IpRule[]>("rule", "show").filter((r) => v4.includes(r.priority)).length,
      14,
    );
    assert.equal(
      ipJson<IpRule[]>("-6", "rule", "show").filter((r) => v6.includes(r.priority)).length,
      4,
    );
    await assertRulesMatchIp(rt, "inet");
    await assertRulesMatchIp(rt, "inet6");
    // Both families by default: the two lists, IPv4 first (the kernel dumps by family).
    const both = await listRules(rt);
    assert.deepEqual(
      both.map((r) => [r.family, r.priority]),
      [
        ...(await listRules(rt, { family: "inet" })),
        ...(await listRules(rt, { family: "inet6" })),
      ].map((r) => [r.family, r.priority]),
    );
  } finally {
    deleteRulesByPriority("-4", v4);
    deleteRulesByPriority("-6", v6);
    sh("ip", ["link", "del", dev]);
  }
});

test("an l3mdev rule lists like ip -j -d rule show", {
  skip: SKIP_KERNEL || lacksConfig(["CONFIG_NET_L3_MASTER_DEV"]),
}, async () => {
  await using rt = await Rtnl.open();
  try {
    sh("ip", ["rule", "add", "priority", "1200", "l3mdev"]);
    assert.ok("l3mdev" in rule4(1200)!);
    await assertRulesMatchIp(rt, "inet");
  } finally {
    deleteRulesByPriority("-4", [1200]);
  }
});

test("IPv6 rules with from/to decode and read back", { skip: SKIP_KERNEL }, async () => {
  await using rt = await Rtnl.open();
  try {
    await addRule(rt, { priority: 2001, from: "2001:db8::/32", to: "2001:db8:1::/48", table: 200 });
    const r = rule6(2001)!;
    assert.equal(r.src, "2001:db8::");
    assert.equal(r.srclen, 32);
    assert.equal(r.dst, "2001:db8:1::");
    assert.equal(r.table, "200");
    const ours = (await listRules(rt, { family: "inet6" })).find((x) => x.priority === 2001)!;
    assert.equal(ours.from, "2001:db8::/32");
    assert.equal(ours.to, "2001:db8:1::/48");
    assert.equal(ours.table, 200);
    assert.equal(ours.tableId, 200);
    assert.equal(ours.action, "table");
    await deleteRule(rt, { family: "inet6", priority: 2001 });
    assert.equal(rule6(2001), undefined);
  } finally {
    if (rule6(2001)) await deleteRule(rt, { family: "inet6", priority: 2001 });
  }
});

test("rule misuse throws before any syscall", { skip: SKIP_KERNEL }, async () => {
  await using rt = await Rtnl.open();
  await assert.rejects(addRule(rt, { priority: 5 }), TypeError);
  await assert.rejects(
    addRule(rt, { from: "10.0.0.0/8", to: "2001:db8::/32", table: 1 }),
    TypeError,
  );
  await assert.rejects(addRule(rt, { table: 1, action: "nope" as "nop" }), TypeError);
  await assert.rejects(addRule(rt, { table: 1, from: "10.0.0.0/99" }), RangeError);
});
