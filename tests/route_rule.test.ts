// Real-kernel tests of families/route/rule.ts; every change is read back with `ip -j rule`.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { Rtnl } from "../families/route/rtnl.ts";
import { addRule, deleteRule, listRules } from "../families/route/rule.ts";
import { ipJson, SKIP_KERNEL } from "./helpers.ts";

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
      // listRules matches ip -j rule show.
      const theirs = ipJson<IpRule[]>("rule", "show");
      const ours = await listRules(rt, { family: "inet" });
      assert.equal(ours.length, theirs.length);
      for (const t of theirs) {
        const o = ours.find((x) => x.priority === t.priority)!;
        assert.ok(o, `rule ${t.priority}`);
        if (t.srclen) assert.equal(o.from, `${t.src}/${t.srclen}`);
        if (t.iif) assert.equal(o.iif, t.iif);
      }
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
