// Neighbour tables, netconf, nsid, link statistics, multicast/anycast addresses and prefix
// notifications against the real kernel, inside tests/run.sh's namespace. Ground truth is
// iproute2 (`ip -j`) and /proc/net.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Rtnl } from "../families/route/rtnl.ts";
import { listNeighTables, setNeighTable } from "../families/route/neightbl.ts";
import { getNetconf, listNetconf } from "../families/route/netconf.ts";
import { getNsid, listNsids, setNsid } from "../families/route/nsid.ts";
import { getLinkStats, listLinkStats } from "../families/route/stats.ts";
import {
  decodePrefix,
  listAnycast,
  listMulticast,
  prefixFlagsLayout,
} from "../families/route/mcast.ts";
import * as rtAddr from "../families/generated/rt_addr.ts";
import { decodeBody } from "../codec/ynl/mod.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { ipBatch, ipJson, sendUdp, setSysctl, sh, SKIP_KERNEL, uniqueName } from "./helpers.ts";

type Json = Record<string, unknown>;

function vethPair(prefix: string): [string, string, number, number] {
  const a = uniqueName(prefix);
  const b = `${a}p`;
  ipBatch([
    `link add ${a} type veth peer name ${b}`,
    `link set ${a} addrgenmode none`,
    `link set ${b} addrgenmode none`,
    `link set ${a} up`,
    `link set ${b} up`,
  ]);
  const ia = ipJson<{ ifindex: number }[]>("link", "show", a)[0].ifindex;
  const ib = ipJson<{ ifindex: number }[]>("link", "show", b)[0].ifindex;
  return [a, b, ia, ib];
}

function names(): Map<number, string> {
  return new Map(
    ipJson<{ ifindex: number; ifname: string }[]>("link", "show").map((l) => [
      l.ifindex,
      l.ifname,
    ]),
  );
}

test("neighbour tables list like ip ntable show, and change per device", {
  skip: SKIP_KERNEL,
}, async () => {
  const [dev, , ifindex] = vethPair("nt");
  try {
    await using rt = await Rtnl.open();
    const byName = names();
    const ours = await listNeighTables(rt);
    const theirs = ipJson<Json[]>("ntable", "show");
    const key = (family: string, name: string, devName: string | undefined) =>
      `${family}/${name}/${devName ?? ""}`;
    const ourMap = new Map(
      ours.map((t) => [
        key(String(t.family), t.name, byName.get(t.ifindex)),
        t,
      ]),
    );
    assert.ok(theirs.length >= 4);
    for (const t of theirs) {
      const o = ourMap.get(key(t.family as string, t.name as string, t.dev as string | undefined));
      assert.ok(o, `missing ${t.family} ${t.name} ${t.dev}`);
      assert.equal(o.parms.baseReachableTime, t.base_reachable);
      assert.equal(o.parms.retransTime, t.retrans);
      assert.equal(o.parms.gcStaletime, t.gc_stale);
      assert.equal(o.parms.delayProbeTime, t.delay_probe);
      assert.equal(o.parms.queueLen, t.queue);
      assert.equal(o.parms.ucastProbes, t.ucast_probes);
      assert.equal(o.parms.mcastProbes, t.mcast_probes);
      assert.equal(o.parms.proxyQlen, t.proxy_queue);
      assert.equal(o.parms.locktime, t.locktime);
      if (t.thresh1 !== undefined) {
        assert.equal(o.thresh1, t.thresh1);
        assert.equal(o.thresh2, t.thresh2);
        assert.equal(o.thresh3, t.thresh3);
        assert.equal(o.gcInterval, t.gc_interval);
      }
    }
    assert.ok(ours.some((t) => t.ifindex === ifindex && t.name === "arp_cache" && t.dev === dev));

    await setNeighTable(rt, "arp_cache", {
      dev,
      parms: { gcStaletime: 123000, baseReachableTime: 45000, ucastProbes: 5 },
    });
    const [after] = ipJson<Json[]>("ntable", "show", "dev", dev, "name", "arp_cache");
    assert.equal(after.gc_stale, 123000);
    assert.equal(after.base_reachable, 45000);
    assert.equal(after.ucast_probes, 5);
    const mine = (await listNeighTables(rt, { family: 2 })).find((t) => t.ifindex === ifindex);
    assert.equal(mine?.parms.gcStaletime, 123000);
    await assert.rejects(
      setNeighTable(rt, "no_such_cache", { family: 2, thresh1: 1 }),
      (e: unknown) => e instanceof NetlinkError && e.code === "ENOENT",
    );
  } finally {
    sh("ip", ["link", "del", dev]);
  }
});

test("netconf lists like ip netconf show", { skip: SKIP_KERNEL }, async () => {
  const [dev, , ifindex] = vethPair("nc");
  try {
    // Change something (our own namespace's /proc/sys/net is ours to write).
    setSysctl(`net.ipv4.conf.${dev}.rp_filter`, 2);
    setSysctl(`net.ipv4.conf.${dev}.forwarding`, 1);
    await using rt = await Rtnl.open();
    const byName = names();
    const ours = await listNetconf(rt);
    const theirs = ipJson<Json[]>("netconf", "show");
    const label = (i: number) => (i === -1 ? "all" : i === -2 ? "default" : byName.get(i));
    for (const t of theirs) {
      const o = ours.find((c) => c.family === t.family && label(c.ifindex) === t.interface);
      assert.ok(o, `missing ${t.family} ${t.interface}`);
      assert.equal(o.dev, t.interface, "named as ip names it");
      assert.equal(o.forwarding, t.forwarding);
      assert.equal(o.mcForwarding, t.mc_forwarding);
      assert.equal(o.proxyNeigh, t.proxy_neigh);
      assert.equal(o.ignoreRoutesWithLinkdown, t.ignore_routes_with_linkdown);
      if (t.rp_filter !== undefined) {
        assert.equal(o.rpFilter, { off: 0, strict: 1, loose: 2 }[t.rp_filter as string]);
      }
    }
    assert.equal(ours.length, theirs.length);
    const one = await getNetconf(rt, 2, { dev });
    // (iproute2 6.1 prints `ip -j netconf show dev X` as text: use the dump's entries)
    const tOne = theirs.find((t) => t.family === "inet" && t.interface === dev)!;
    assert.equal(tOne.rp_filter, "loose", "ip sees the rp_filter we set");
    assert.equal(one.ifindex, ifindex);
    assert.equal(one.forwarding, true);
    assert.equal(one.forwarding, tOne.forwarding);
    assert.equal(one.rpFilter, { off: 0, strict: 1, loose: 2 }[tOne.rp_filter as string]);
    const all = await getNetconf(rt, "inet6", { dev: "all" });
    assert.equal(all.ifindex, -1);
    const tAll = theirs.find((t) => t.family === "inet6" && t.interface === "all")!;
    assert.equal(all.forwarding, tAll.forwarding);
  } finally {
    sh("ip", ["link", "del", dev]);
  }
});

test("nsid: set and get like ip netns set / list-id", { skip: SKIP_KERNEL }, async () => {
  const a = uniqueName("nsa"), b = uniqueName("nsb");
  sh("ip", ["netns", "add", a]);
  sh("ip", ["netns", "add", b]);
  try {
    await using rt = await Rtnl.open();
    assert.equal(await getNsid(rt, a), -1);
    await setNsid(rt, a, { nsid: 42 });
    sh("ip", ["netns", "set", b, "43"]);
    const theirs = ipJson<{ nsid: number; name?: string }[]>("netns", "list-id");
    assert.ok(theirs.some((x) => x.nsid === 42 && x.name === a), JSON.stringify(theirs));
    assert.equal(await getNsid(rt, a), 42);
    assert.equal(await getNsid(rt, b), 43);
    assert.equal(await getNsid(rt, `/run/netns/${b}`), 43);
    const ours = (await listNsids(rt)).map((x) => x.nsid).sort((x, y) => x - y);
    assert.deepEqual(ours, theirs.map((x) => x.nsid).sort((x, y) => x - y));
    await assert.rejects(
      setNsid(rt, a, { nsid: 44 }),
      (e: unknown) => e instanceof NetlinkError && e.code === "EEXIST",
    );
  } finally {
    sh("ip", ["netns", "del", a]);
    sh("ip", ["netns", "del", b]);
  }
});

test("link statistics match ip -s link show after traffic", { skip: SKIP_KERNEL }, async () => {
  const [dev, peer, ia, ib] = vethPair("st");
  try {
    await sendUdp(dev, 7);
    await using rt = await Rtnl.open();
    const mine = await getLinkStats(rt, dev);
    const theirs = ipJson<{ stats64: { rx: Json; tx: Json } }[]>("-s", "link", "show", dev)[0];
    assert.equal(mine.ifindex, ia);
    assert.ok(mine.link64 !== undefined);
    assert.equal(mine.dev, dev);
    assert.ok(Number(mine.link64.txPackets) >= 7);
    assert.equal(mine.link64.txPackets, theirs.stats64.tx.packets);
    assert.equal(mine.link64.txBytes, theirs.stats64.tx.bytes);
    assert.equal(mine.link64.rxPackets, theirs.stats64.rx.packets);
    const all = await listLinkStats(rt);
    const p = all.find((s) => s.ifindex === ib);
    const tp = ipJson<{ stats64: { rx: Json } }[]>("-s", "link", "show", peer)[0];
    assert.equal(p?.link64?.rxPackets, tp.stats64.rx.packets);
    assert.equal(p?.link64?.rxBytes, tp.stats64.rx.bytes);
    assert.ok(Number(p!.link64!.rxPackets) >= 7);
    assert.deepEqual(
      all.map((s) => s.ifindex).sort((x, y) => x - y),
      [...names().keys()].sort((x, y) => x - y),
    );
  } finally {
    sh("ip", ["link", "del", dev]);
  }
});

function procLines(path: string): string[][] {
  return readFileSync(path, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) =>
    l.trim().split(/\s+/)
  );
}

function hexToIp6(h: string): string {
  const groups = h.match(/.{4}/g)!.map((g) => parseInt(g, 16).toString(16));
  // Same compression as formatIp: the longest run of zero groups (≥ 2) becomes "::"
  let best = -1, len = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > len && j - i >= 2) [best, len] = [i, j - i];
    i = j;
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + len).join(":")}`;
}

test("multicast and anycast addresses match /proc/net/igmp6, anycast6 and ip maddr", {
  skip: SKIP_KERNEL,
}, async () => {
  const [dev, , ifindex] = vethPair("mc");
  sh("ip", ["link", "set", dev, "addrgenmode", "eui64"]);
  let forwarding: string | undefined;
  try {
    ipBatch([
      `address add 2001:db8:7::1/64 dev ${dev} nodad`,
      `maddr add 33:33:00:00:12:34 dev ${dev}`,
    ]);
    // Forwarding adds the subnet-router anycast address 2001:db8:7::.
    forwarding = setSysctl("net.ipv6.conf.all.forwarding", 1);
    await using rt = await Rtnl.open();
    const byIndex = names();
    const m6 = await listMulticast(rt, { family: 10 });
    const igmp6 = procLines("/proc/net/igmp6").map((f) => `${f[0]} ${hexToIp6(f[2])}`).sort();
    assert.deepEqual(m6.map((m) => `${m.ifindex} ${m.address}`).sort(), igmp6);
    assert.ok(m6.every((m) => m.dev === byIndex.get(m.ifindex)), "devices named");
    assert.ok(m6.some((m) => m.ifindex === ifindex && m.address === "ff02::1"));

    const m4 = await listMulticast(rt, { family: 2, dev });
    const maddr = ipJson<{ ifindex: number; maddr: { family?: string; address?: string }[] }[]>(
      "maddr",
      "show",
      "dev",
      dev,
    )[0];
    assert.deepEqual(
      m4.map((m) => m.address).sort(),
      maddr.maddr.filter((x) => x.family === "inet").map((x) => x.address).sort(),
    );
    assert.deepEqual(
      (await listMulticast(rt, { dev })).filter((m) => m.family === "inet6").map((m) => m.address)
        .sort(),
      maddr.maddr.filter((x) => x.family === "inet6").map((x) => x.address).sort(),
    );

    const ac = await listAnycast(rt);
    const proc = procLines("/proc/net/anycast6").map((f) => `${f[0]} ${hexToIp6(f[2])}`).sort();
    assert.deepEqual(ac.map((a) => `${a.ifindex} ${a.address}`).sort(), proc);
    assert.ok(ac.some((a) => a.ifindex === ifindex && a.address === "2001:db8:7::"));
  } finally {
    if (forwarding !== undefined) setSysctl("net.ipv6.conf.all.forwarding", forwarding);
    sh("ip", ["link", "del", dev]);
  }
});

/**
 * An RTM_NEWPREFIX body written byte by byte as linux/rtnetlink.h lays it out: struct prefixmsg
 * (family 10, pad, ifindex 3, type 3, len 64, `flags`, pad), PREFIX_ADDRESS 2001:db8:1:: and
 * PREFIX_CACHEINFO (preferred 1800 s, valid 3600 s).
 */
function prefixBody(flags: number): Uint8Array {
  return new Uint8Array([
    ...[10, 0, 0, 0, 3, 0, 0, 0, 3, 64, flags, 0],
    ...[20, 0, 1, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ...[12, 0, 2, 0, 0x08, 0x07, 0, 0, 0x10, 0x0e, 0, 0],
  ]);
}

test("RTM_NEWPREFIX bodies decode (struct prefixmsg, PREFIX_ADDRESS, PREFIX_CACHEINFO)", () => {
  const m = decodeBody(rtAddr.operations.newprefix, prefixBody(0x03));
  assert.equal(m.header.ifindex, 3);
  assert.equal(m.header.flags, 0x03);
  assert.deepEqual(decodePrefix(m), {
    ifindex: 3,
    prefix: "2001:db8:1::/64",
    onLink: true,
    autoconf: true,
    preferredTime: 1800,
    validTime: 3600,
  });
});

test("RTM_NEWPREFIX flags: before 6.7 IF_PREFIX_ONLINK/AUTOCONF, since 6.7 the RA's L/A byte", () => {
  // [prefix_flags as the kernel sent it, layout, on-link, autoconf]. Before Linux 6.7 the
  // kernel wrote IF_PREFIX_ONLINK 0x01 | IF_PREFIX_AUTOCONF 0x02 (net/if_inet6.h); since, the
  // option's flags byte: L 0x80, A 0x40, and R 0x20 or reserved bits as the router set them.
  const cases: [number, string, boolean, boolean][] = [
    [0x00, "legacy", false, false],
    [0x01, "legacy", true, false],
    [0x02, "legacy", false, true],
    [0x03, "legacy", true, true],
    [0xc0, "option", true, true],
    [0x80, "option", true, false],
    [0x40, "option", false, true],
    [0x20, "option", false, false], // R only: not the legacy bits
    [0x61, "option", false, true], // A with R and a reserved low bit
  ];
  for (const [flags, layout, onLink, autoconf] of cases) {
    const what = `flags 0x${flags.toString(16)}`;
    assert.equal(prefixFlagsLayout(flags), layout, what);
    const p = decodePrefix(decodeBody(rtAddr.operations.newprefix, prefixBody(flags)));
    assert.deepEqual({ onLink: p.onLink, autoconf: p.autoconf }, { onLink, autoconf }, what);
  }
  // A known sender kernel overrides the guess: 0x01 from a 6.7+ kernel is a reserved bit.
  const m = decodeBody(rtAddr.operations.newprefix, prefixBody(0x01));
  assert.deepEqual(
    [decodePrefix(m, { layout: "option" }).onLink, decodePrefix(m).onLink],
    [false, true],
  );
});
