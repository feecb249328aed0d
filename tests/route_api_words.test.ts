/**
 * The words iproute2 prints, given by the library (so `examples/ip` holds no table or decoder
 * of its own), against `ip -j`, `ip -d`, `tc -d` and `bridge` in a namespace of its own: link
 * flags in ip's order, operational states, address flags in ip's words (taken by addAddress),
 * a route's `via` and realms, a rule's realms, HTB's version, a class's link layer, mpu and
 * cells, u32 handle parts, bridge port states and group_fwd_mask names.
 */
import { lacksConfig, test } from "./harness.ts";
import assert from "node:assert/strict";
import * as api from "../families/route/mod.ts";
import { sh, SKIP_KERNEL, uniqueName } from "./helpers.ts";

const { Rtnl } = api;
type Rtnl = api.Rtnl;
type Json = Record<string, unknown>;

/** A namespace of its own, built from `ip -batch` lines; deleted after `fn`. */
async function withNs(lines: string[], fn: (rt: Rtnl, ns: string) => Promise<void>) {
  const ns = uniqueName("wrd");
  sh("ip", ["netns", "add", ns]);
  try {
    sh("ip", ["netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0"]);
    if (lines.length) sh("ip", ["-n", ns, "-batch", "-"], lines.join("\n") + "\n");
    await using rt = await Rtnl.open({ netns: ns });
    await fn(rt, ns);
  } finally {
    sh("ip", ["netns", "del", ns]);
  }
}

const json = (ns: string, cmd: "ip" | "tc", ...args: string[]): Json[] => {
  const out = sh(cmd, ["-n", ns, "-j", ...args]).trim();
  return out === "" ? [] : JSON.parse(out);
};

test("link flags, operstates and address flags in ip's words and order, as ip -j gives them", {
  skip: SKIP_KERNEL,
}, async () => {
  await withNs([
    "link set lo up",
    "link add wa type veth peer name wb",
    "link add wd type bridge",
    "link set wa up", // wb down: wa has no carrier (NO-CARRIER, LOWERLAYERDOWN)
    "link set wd up",
    "link set wd promisc on",
    "link set wd arp off",
  ], async (rt, ns) => {
    const theirs = new Map(json(ns, "ip", "link").map((l) => [l.ifname as string, l]));
    const ours = await api.listLinks(rt);
    assert.equal(ours.length, theirs.size);
    for (const l of ours) {
      const t = theirs.get(l.name)!;
      const f = l.message.header.ifiFlags;
      const names = api.linkFlagNames(f).filter((n) => n !== "RUNNING");
      const up = f & api.rtLink.IFINFO_FLAGS.UP, running = f & api.rtLink.IFINFO_FLAGS.RUNNING;
      if (up && !running) names.unshift("NO-CARRIER");
      // M-DOWN is the peer's state (ip adds it), not a bit of ifi_flags.
      const ip = (t.flags as string[]).filter((x) => x !== "M-DOWN");
      assert.deepEqual(names, ip, `${l.name} flags`);
      assert.equal(api.operstateName(l.message.attrs.operstate!), t.operstate, `${l.name} state`);
    }
    assert.ok((theirs.get("wa")!.flags as string[]).includes("NO-CARRIER"));
    assert.ok((theirs.get("wd")!.flags as string[]).includes("NOARP"));
    // Unnamed bits: one hexadecimal number, as ip prints them.
    assert.deepEqual(api.linkFlagNames(0x1 | 0x800000), ["UP", "800000"]);

    // ip's words for address flags go in as they are, and come back in ip -j under them.
    await api.addAddress(rt, {
      dev: "wd",
      address: "2001:db8::5/64",
      flags: ["mngtmpaddr", "noprefixroute", "home", "nodad"],
    });
    const [wd] = json(ns, "ip", "-6", "address", "show", "dev", "wd");
    const info = (wd.addr_info as Json[]).find((a) => a.local === "2001:db8::5")!;
    for (const w of ["mngtmpaddr", "noprefixroute", "home", "nodad"]) {
      assert.equal(info[w], true, `ip -j shows ${w}`);
    }
    const [a] = (await api.listAddresses(rt, { dev: "wd", family: "inet6" }))
      .filter((x) => x.address === "2001:db8::5");
    const bits = a.message.attrs.flags ?? a.message.header.ifaFlags;
    const words = Object.entries(api.ADDRESS_FLAG_WORDS).filter(([, b]) => bits & b).map(([w]) =>
      w
    );
    assert.deepEqual(
      words.filter((w) => w !== "permanent"),
      Object.keys(info).filter((k) => info[k] === true),
      "the words of the bits set are the ones ip -j prints, in ip's order",
    );
  });
});

test("a route's via and realms, a rule's realms: what ip -j route and ip -j rule show", {
  skip: SKIP_KERNEL || lacksConfig(["CONFIG_IP_ROUTE_CLASSID"]),
}, async () => {
  await withNs([
    "link set lo up",
    "link add wa type veth peer name wx",
    "link set wa up",
    "addr add 10.0.0.1/24 dev wa",
    "addr add 2001:db8::1/64 dev wa",
    "route add 10.5.0.0/16 via inet6 2001:db8::9 dev wa",
    "route add 10.6.0.0/16 dev wa realms 3/4",
    "route add 10.7.0.0/16 dev wa realm 5",
    "rule add from 10.9.0.0/16 realms 2/3 table 5 pref 100",
  ], async (rt, ns) => {
    const theirs = new Map(json(ns, "ip", "route").map((r) => [r.dst as string, r]));
    const ours = new Map((await api.listRoutes(rt)).map((r) => [r.dst, r]));
    assert.deepEqual(ours.get("10.5.0.0/16")!.via, theirs.get("10.5.0.0/16")!.via);
    assert.deepEqual(ours.get("10.5.0.0/16")!.via, { family: "inet6", host: "2001:db8::9" });
    for (const dst of ["10.6.0.0/16", "10.7.0.0/16"]) {
      const r = ours.get(dst)!.realms!;
      const flow: Json = { to: String(r.to) };
      if (r.from !== undefined) flow.from = String(r.from);
      assert.deepEqual(flow, theirs.get(dst)!.flow, `${dst} realms`);
    }
    assert.equal(ours.get("10.7.0.0/16")!.realms!.from, undefined);
    // A route without either has neither.
    assert.equal(ours.get("10.0.0.0/24")!.via, undefined);
    assert.equal(ours.get("10.0.0.0/24")!.realms, undefined);
    const rule = json(ns, "ip", "rule").find((r) => r.priority === 100)!;
    const [ourRule] = (await api.listRules(rt)).filter((r) => r.priority === 100);
    const realms = api.realmsOf(ourRule.message.attrs.flow!);
    assert.deepEqual([String(realms.from), String(realms.to)], [rule.flow_from, rule.flow_to]);
  });
});

test("tc's words from the library: HTB version, class link layer, mpu and cells, u32 handles", {
  skip: SKIP_KERNEL,
}, async () => {
  await withNs([
    "link add wa type veth peer name wx",
    "link set wa up",
  ], async (rt, ns) => {
    await api.addQdisc(rt, "wa", { handle: "1:", kind: "htb", defaultClass: "1:10" });
    // linklayer atm, overhead and mpu: by tc (the library writes ethernet tables only).
    sh("tc", [
      "-n",
      ns,
      ..."class add dev wa parent 1: classid 1:10 htb rate 1mbit overhead 20 linklayer atm mpu 64"
        .split(" "),
    ]);
    await api.addClass(rt, "wa", { parent: "1:", classid: "1:20", kind: "htb", rate: "2mbit" });
    sh("tc", [
      "-n",
      ns,
      ..."filter add dev wa parent 1: protocol ip prio 1 u32 divisor 16".split(" "),
    ]);
    await api.addFilter(rt, "wa", {
      parent: "1:",
      protocol: "ip",
      priority: 2,
      kind: "u32",
      match: { ip: { dst: "10.0.0.0/8" } },
      classid: "1:10",
    });

    const [tq] = json(ns, "tc", "-d", "qdisc", "show", "dev", "wa");
    const [q] = await api.listQdiscs(rt, { dev: "wa" });
    const c = q.config as api.HtbQdiscConfig;
    assert.equal(c.version, (tq.options as Json).ver);
    assert.equal(c.offload, undefined);

    // tc -d: "class htb 1:10 root prio 0 quantum 12500 rate 1Mbit overhead 20 ceil 1Mbit
    // linklayer atm burst 1600b/1 mpu 64b cburst 1600b/1 mpu 64b level 0"
    const text = sh("tc", ["-n", ns, "-d", "class", "show", "dev", "wa"]);
    for (const cl of await api.listClasses(rt, { dev: "wa" })) {
      const o = cl.config as api.HtbClassConfig;
      const line = text.split("\n").find((l) => l.startsWith(`class htb ${cl.handle} `))!;
      const m = /linklayer (\w+) burst \S+\/(\d+) mpu (\d+)b cburst \S+\/(\d+) mpu (\d+)b/
        .exec(line);
      assert.ok(m, line);
      assert.deepEqual(
        [o.linklayer, o.cell, o.mpu, o.ceilCell, o.ceilMpu],
        [m[1], Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])],
        line,
      );
      const overhead = /overhead (\d+)/.exec(line);
      assert.equal(o.overhead, overhead ? Number(overhead[1]) : 0, line);
    }
    assert.equal(
      ((await api.listClasses(rt, { dev: "wa" })).find((x) => x.handle === "1:10")!
        .config as api.HtbClassConfig).linklayer,
      "atm",
    );

    // u32: "fh 800::800 order 2048 key ht 800 bkt 0", "fh 1: ht divisor 16".
    const ftext = sh("tc", ["-n", ns, "filter", "show", "dev", "wa", "parent", "1:"]);
    const filters = await api.listFilters(rt, { dev: "wa", parent: "1:" });
    let keyed = 0;
    for (const f of filters) {
      if (f.kind !== "u32" || f.handle === "none") continue;
      const line = ftext.split("\n").find((l) => l.includes(` fh ${f.handle} `))!;
      assert.ok(line, `tc shows fh ${f.handle}: ${ftext}`);
      const { node } = api.u32HandleParts(f.handle);
      assert.equal(api.parseU32Handle(f.handle), f.message.header.handle);
      const order = /order (\d+)/.exec(line);
      assert.equal(node, order ? Number(order[1]) : 0, line);
      const cfg = f.config as api.U32FilterConfig;
      if (cfg.hash === undefined) continue;
      const k = api.u32HandleParts(cfg.hash);
      const m = /key ht (\w+) bkt (\w+)/.exec(line)!;
      assert.deepEqual([k.htid.toString(16), k.hash.toString(16)], [m[1], m[2]], line);
      keyed++;
    }
    assert.ok(keyed > 0, `a filter with a key ht: ${ftext}`);

    // VLAN protocols as tc (ll_proto_n2a, which ip -d link uses too) prints them.
    for (const [i, proto] of ["802.1q", "802.1ad"].entries()) {
      sh("tc", [
        ...["-n", ns, "filter", "add", "dev", "wa", "parent", "1:", "protocol", proto],
        ...["prio", String(10 + i), "u32", "match", "u32", "0", "0", "flowid", "1:10"],
      ]);
      const [t] = json(
        ns,
        "tc",
        "filter",
        "show",
        "dev",
        "wa",
        "parent",
        "1:",
        "prio",
        `${10 + i}`,
      );
      assert.equal(api.vlanProtocolName(api.ETH_P[proto]), t.protocol, proto);
    }
    assert.equal(api.vlanProtocolName(0x9100), "0x9100");
  });
});

test("bridge port states and group_fwd_mask names, as ip -d -j link shows them", {
  skip: SKIP_KERNEL,
}, async () => {
  await withNs([
    "link add wbr type bridge",
    "link add wa type veth peer name wb",
    "link set wa master wbr",
    "link set wa type bridge_slave group_fwd_mask 0x4005",
    "link set wbr up",
    "link set wa up",
  ], async (rt, ns) => {
    const [port] = json(ns, "ip", "-d", "link", "show", "dev", "wa");
    const a = (await api.getLink(rt, "wa")).message.attrs.linkinfo!;
    const slave = a.slaveData as api.rtLink.LinkinfoBrportAttrs;
    const pd = (port.linkinfo as Json).info_slave_data as Json;
    assert.equal(api.nameIn(api.BRIDGE_PORT_STATES, slave.state!), pd.state);
    assert.equal(api.groupFwdMaskText(slave.groupFwdMask!), pd.group_fwd_mask_str);
    assert.equal(pd.group_fwd_mask_str, "stp,lacp,lldp");
    assert.equal(api.groupFwdMaskText(0), "0x0");
    assert.equal(api.groupFwdMaskText(0x2), "0x2");
    // A mode of a macvlan by name and back.
    assert.equal(api.nameIn(api.MACVLAN_MODES, api.MACVLAN_MODES.bridge), "bridge");
  });
});
