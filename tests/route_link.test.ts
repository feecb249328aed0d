// Real-kernel tests of families/route/link.ts inside tests/run.sh's namespace. Every change is
// read back with `ip -j`, never with our own decoder alone.
import { lacksConfig, test } from "./harness.ts";
import assert from "node:assert/strict";
import { Rtnl } from "../families/route/rtnl.ts";
import {
  addAltNames,
  addLink,
  deleteAltNames,
  deleteLink,
  getLink,
  linkIndex,
  linkStats,
  listLinks,
  MACVLAN_MODES,
  setLink,
} from "../families/route/link.ts";
import {
  ipJson,
  linkExists,
  runtimeCommand,
  sendUdp,
  setSysctl,
  sh,
  SKIP_KERNEL,
  uniqueName,
} from "./helpers.ts";
import type { LinkCounters } from "../families/route/link.ts";

type IpLink = {
  ifindex: number;
  ifname: string;
  mtu: number;
  address?: string;
  flags: string[];
  master?: string;
  txqlen?: number;
  altnames?: string[];
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
  stats64?: { rx: { bytes: number; packets: number }; tx: { bytes: number; packets: number } };
};
const ipLink = (name: string, ...extra: string[]) =>
  ipJson<IpLink[]>(...extra, "link", "show", "dev", name)[0];
const exists = (name: string) => linkExists(name);
const cleanup = (...names: string[]) => {
  for (const n of names) if (exists(n)) sh("ip", ["link", "del", n]);
};
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;
test("addLink veth: name, peer, mtu, address, txqlen, up, altnames — read back by ip", {
  skip: SKIP_KERNEL,
}, async () => {
  const a = uniqueName("va"), b = uniqueName("vb");
  const alt = `alt-name-${a}-longer-than-ifnamsiz`;
  await using rt = await Rtnl.open();
  try {
    const link = await addLink(rt, {
      name: a,
      kind: "veth",
      peer: { name: b, mtu: 1400 },
      mtu: 1450,
      address: "02:11:22:33:44:55",
      txqlen: 77,
      up: true,
      altnames: [alt],
    });
    const ip = ipLink(a, "-d");
    assert.equal(link.index, ip.ifindex);
    assert.equal(link.name, a);
    assert.equal(ip.mtu, 1450);
    assert.equal(ip.address, "02:11:22:33:44:55");
    assert.equal(ip.txqlen, 77);
    assert.ok(ip.flags.includes("UP"));
    assert.equal(ip.linkinfo?.info_kind, "veth");
    assert.deepEqual(ip.altnames, [alt]);
    assert.equal(ipLink(b).mtu, 1400);
    // getLink by index, by name and by alternative name agree with ip.
    for (const ref of [{ index: ip.ifindex }, { name: a }, { name: alt }]) {
      const g = await getLink(rt, ref);
      assert.equal(g.index, ip.ifindex);
      assert.equal(g.address, ip.address);
      assert.equal(g.kind, "veth");
    }
    assert.equal(await linkIndex(rt, a), ip.ifindex);
  } finally {
    cleanup(a);
  }
  assert.equal(exists(a) || exists(b), false);
});

test("listLinks matches ip -j link show", { skip: SKIP_KERNEL }, async () => {
  const a = uniqueName("la"), b = uniqueName("lb");
  sh("ip", ["link", "add", a, "type", "veth", "peer", "name", b]);
  await using rt = await Rtnl.open();
  try {
    const ours = await listLinks(rt);
    const theirs = ipJson<IpLink[]>("link", "show");
    assert.equal(ours.length, theirs.length);
    for (const t of theirs) {
      const o = ours.find((l) => l.index === t.ifindex);
      assert.ok(o, `link ${t.ifname} listed`);
      assert.equal(o.name, t.ifname);
      assert.equal(o.mtu, t.mtu);
      if (t.address !== undefined) assert.equal(o.address, t.address);
      assert.equal(o.up, t.flags.includes("UP"));
      assert.equal(o.txqlen, t.txqlen);
    }
    assert.deepEqual(
      (await listLinks(rt, { kind: "veth" })).map((l) => l.name).sort(),
      [a, b].sort(),
    );
  } finally {
    cleanup(a);
  }
});

test("setLink: up, mtu, address, master, rename, alias, altnames, release — read back by ip", {
  skip: SKIP_KERNEL,
}, async () => {
  const br = uniqueName("br"), a = uniqueName("sa"), b = uniqueName("sb"), c = uniqueName("sc");
  const alt = `the-alternative-name-of-${a}`;
  await using rt = await Rtnl.open();
  try {
    await addLink(rt, { name: br, kind: "bridge", data: { stpState: 0 } });
    assert.equal(ipLink(br, "-d").linkinfo?.info_kind, "bridge");
    await addLink(rt, { name: a, kind: "veth", peer: b });
    await setLink(rt, { name: a }, {
      up: true,
      mtu: 1300,
      address: "02:00:00:aa:bb:cc",
      master: br,
    });
    let ip = ipLink(a);
    assert.ok(ip.flags.includes("UP"));
    assert.equal(ip.mtu, 1300);
    assert.equal(ip.address, "02:00:00:aa:bb:cc");
    assert.equal(ip.master, br);
    assert.deepEqual((await listLinks(rt, { master: br })).map((l) => l.name), [a]);
    await setLink(rt, { name: a }, { name: c, alias: "hello", altnames: { add: [alt] } });
    ip = ipLink(c);
    assert.equal(exists(a), false);
    assert.deepEqual(ip.altnames, [alt]);
    assert.equal((ipJson<{ ifalias?: string }[]>("link", "show", "dev", c))[0].ifalias, "hello");
    await setLink(rt, { index: ip.ifindex }, {
      master: null,
      up: false,
      txqlen: 12,
      altnames: { del: [alt] },
    });
    ip = ipLink(c);
    assert.equal(ip.master, undefined);
    assert.ok(!ip.flags.includes("UP"));
    assert.equal(ip.txqlen, 12);
    assert.equal(ip.altnames, undefined);
    await addAltNames(rt, { name: c }, [alt]);
    assert.deepEqual(ipLink(c).altnames, [alt]);
    await deleteAltNames(rt, { name: c }, [alt]);
    assert.equal(ipLink(c).altnames, undefined);
  } finally {
    cleanup(a, c, br);
  }
});

test("setLink netns moves a link into a named namespace", { skip: SKIP_KERNEL }, async () => {
  const ns = uniqueName("ns"), a = uniqueName("na"), b = uniqueName("nb");
  sh("ip", ["netns", "add", ns]);
  await using rt = await Rtnl.open();
  try {
    await addLink(rt, { name: a, kind: "veth", peer: b });
    await setLink(rt, { name: b }, { netns: ns });
    assert.equal(exists(b), false);
    assert.equal(ipJson<IpLink[]>("-n", ns, "link", "show", "dev", b)[0].ifname, b);
    await using there = await Rtnl.open({ netns: ns });
    assert.equal((await getLink(there, { name: b })).name, b);
  } finally {
    cleanup(a);
    sh("ip", ["netns", "del", ns]);
  }
});

test(
  "addLink vxlan, macvlan, ifb: kind data read back by ip -d",
  { skip: SKIP_KERNEL },
  async () => {
    const vx = uniqueName("vx"), p = uniqueName("pa"), q = uniqueName("pb"), mv = uniqueName("mv");
    const ifb = uniqueName("ifb");
    await using rt = await Rtnl.open();
    try {
      await addLink(rt, {
        name: vx,
        kind: "vxlan",
        data: { id: 4242, port: 4789, local: "10.1.2.3", ttl: 9, learning: false },
      });
      const d = ipLink(vx, "-d").linkinfo!.info_data!;
      assert.equal(d.id, 4242);
      assert.equal(d.port, 4789);
      assert.equal(d.local, "10.1.2.3");
      assert.equal(d.ttl, 9);
      assert.equal(d.learning, false);
      // …and the library decodes the same IFLA_INFO_DATA as the typed vxlan sub-message.
      const ours = (await getLink(rt, { name: vx })).message.attrs.linkinfo!;
      assert.equal(ours.kind, "vxlan");
      const vd = ours.data as Record<string, unknown>;
      assert.deepEqual([vd.id, vd.port, vd.ttl, vd.learning], [d.id, d.port, d.ttl, 0]);
      assert.equal([...(vd.local as Uint8Array)].join("."), d.local);
      await addLink(rt, { name: p, kind: "veth", peer: q });
      await addLink(rt, { name: mv, kind: "macvlan", link: p, data: { mode: "bridge" } });
      const m = ipLink(mv, "-d");
      assert.equal(m.linkinfo?.info_kind, "macvlan");
      assert.equal(m.linkinfo?.info_data?.mode, "bridge");
      const md = (await getLink(rt, { name: mv })).message.attrs.linkinfo!.data as {
        mode?: number;
      };
      assert.equal(md.mode, MACVLAN_MODES.bridge);
      const parent = await getLink(rt, { name: mv });
      assert.equal(parent.linkIndex, ipLink(p).ifindex);
      assert.equal(parent.link, p);
      await addLink(rt, { name: ifb, kind: "ifb", up: true });
      assert.equal(ipLink(ifb, "-d").linkinfo?.info_kind, "ifb");
    } finally {
      cleanup(vx, mv, p, ifb);
    }
  },
);

test("addLink vlan, read back by ip -d", {
  skip: SKIP_KERNEL || lacksConfig(["CONFIG_VLAN_8021Q"]),
}, async () => {
  const p = uniqueName("pa"), q = uniqueName("pb"), v = uniqueName("vl");
  sh("ip", ["link", "add", p, "type", "veth", "peer", "name", q]);
  await using rt = await Rtnl.open();
  try {
    await addLink(rt, { name: v, kind: "vlan", link: p, data: { id: 42, protocol: "802.1ad" } });
    const d = ipLink(v, "-d").linkinfo!.info_data!;
    assert.equal(d.id, 42);
    assert.equal(d.protocol, "802.1ad");
  } finally {
    cleanup(v, p);
  }
});

test("addLink bond, read back by ip -d", {
  skip: SKIP_KERNEL || lacksConfig(["CONFIG_BONDING"]),
}, async () => {
  await using rt = await Rtnl.open();
  const bo = uniqueName("bo");
  try {
    await addLink(rt, { name: bo, kind: "bond", data: { mode: "active-backup" } });
    assert.equal(ipLink(bo, "-d").linkinfo?.info_data?.mode, "active-backup");
  } finally {
    cleanup(bo);
  }
});

/** Our IFLA_STATS64 in the shape of `ip -j -s -s link show`'s `stats64` (iproute2 6.1). */
function asIpStats(c: LinkCounters): { rx: Record<string, bigint>; tx: Record<string, bigint> } {
  // Counters are numbers (or decimal strings past 2^53): as bigints, to compare with ip's.
  const s = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, BigInt(v)])) as Record<
    keyof LinkCounters,
    bigint
  >;
  const rx: Record<string, bigint> = {
    bytes: s.rxBytes,
    packets: s.rxPackets,
    errors: s.rxErrors,
    dropped: s.rxDropped,
    over_errors: s.rxOverErrors,
    multicast: s.multicast,
  };
  if (s.rxCompressed) rx.compressed = s.rxCompressed;
  Object.assign(rx, {
    length_errors: s.rxLengthErrors,
    crc_errors: s.rxCrcErrors,
    frame_errors: s.rxFrameErrors,
    fifo_errors: s.rxFifoErrors,
    missed_errors: s.rxMissedErrors,
  });
  if (s.rxNohandler) rx.nohandler = s.rxNohandler;
  if (s.rxOtherhostDropped) rx.otherhost = s.rxOtherhostDropped;
  const tx: Record<string, bigint> = {
    bytes: s.txBytes,
    packets: s.txPackets,
    errors: s.txErrors,
    dropped: s.txDropped,
    carrier_errors: s.txCarrierErrors,
    collisions: s.collisions,
  };
  if (s.txCompressed) tx.compressed = s.txCompressed;
  Object.assign(tx, {
    aborted_errors: s.txAbortedErrors,
    fifo_errors: s.txFifoErrors,
    window_errors: s.txWindowErrors,
    heartbeat_errors: s.txHeartbeatErrors,
  });
  return { rx, tx };
}

/** `ip -j -s -s link show dev NAME`'s counters as bigints (carrier_changes is IFLA_CARRIER_CHANGES, not IFLA_STATS64). */
function ipStats(name: string): { rx: Record<string, bigint>; tx: Record<string, bigint> } {
  const raw = ipJson<{ stats64: Record<"rx" | "tx", Record<string, number>> }[]>(
    "-s",
    "-s",
    "link",
    "show",
    "dev",
    name,
  )[0].stats64;
  const big = (o: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(o).filter(([k]) => k !== "carrier_changes").map(([k, v]) => {
        assert.ok(Number.isSafeInteger(v), `${name} ${k} = ${v} is exact in JSON`);
        return [k, BigInt(v)];
      }),
    );
  return { rx: big(raw.rx), tx: big(raw.tx) };
}

test("linkStats equals ip -s -s link's counters after traffic", { skip: SKIP_KERNEL }, async () => {
  const a = uniqueName("ta"), b = uniqueName("tb");
  const n = 25;
  sh("ip", ["link", "add", a, "type", "veth", "peer", "name", b]);
  await using rt = await Rtnl.open();
  try {
    // No IPv6 on the pair (no router solicitations, MLD or DAD): only our datagrams move, so the
    // counters hold still while we and ip read them.
    for (const dev of [a, b]) setSysctl(`net.ipv6.conf.${dev}.disable_ipv6`, 1);
    sh("ip", ["link", "set", a, "up"]);
    sh("ip", ["link", "set", b, "up"]);
    await sendUdp(a, n); // to a static neighbour through a, received (and dropped) by b
    for (const dev of [a, b]) {
      const before = ipStats(dev);
      const ours = asIpStats(await linkStats(rt, { name: dev }));
      assert.deepEqual(ipStats(dev), before, `${dev}'s counters moved while being read`);
      assert.deepEqual(ours, before, `IFLA_STATS64 of ${dev}`);
    }
    const sa = await linkStats(rt, { name: a }), sb = await linkStats(rt, { name: b });
    // Each datagram: 100 bytes of data + UDP 8 + IPv4 20 + Ethernet 14.
    // Counters are plain numbers while they are exact (and JSON-safe).
    for (const v of [sa.txPackets, sa.txBytes, sb.rxPackets, sb.rxBytes]) {
      assert.equal(typeof v, "number");
    }
    assert.ok(Number(sa.txPackets) >= n, `${a} sent ${sa.txPackets} packets, expected >= ${n}`);
    assert.ok(Number(sa.txBytes) >= n * 142, `${a} sent ${sa.txBytes} bytes`);
    assert.ok(Number(sb.rxPackets) >= n, `${b} received ${sb.rxPackets} packets`);
    assert.ok(Number(sb.rxBytes) >= n * 142, `${b} received ${sb.rxBytes} bytes`);
  } finally {
    cleanup(a);
  }
});

test(
  "errors: EEXIST with exclusive, ENODEV for a missing link",
  { skip: SKIP_KERNEL },
  async () => {
    const br = uniqueName("ex");
    await using rt = await Rtnl.open();
    try {
      await addLink(rt, { name: br, kind: "bridge" });
      await assert.rejects(addLink(rt, { name: br, kind: "bridge" }), code("EEXIST"));
      await addLink(rt, { name: br, kind: "bridge" }, { exclusive: false }); // no-op
      await deleteLink(rt, { name: br });
      assert.equal(exists(br), false);
      await assert.rejects(deleteLink(rt, { name: br }), code("ENODEV"));
      await assert.rejects(getLink(rt, { name: br }), code("ENODEV"));
      await assert.rejects(setLink(rt, { name: br }, { mtu: 1000 }), code("ENODEV"));
    } finally {
      cleanup(br);
    }
  },
);

test("tun and tap devices: created through /dev/net/tun, as ip tuntap shows them", {
  skip: SKIP_KERNEL,
}, async () => {
  await using rt = await Rtnl.open();
  const tun = uniqueName("tu"), tap = uniqueName("ta");
  try {
    await addLink(rt, { name: tun, kind: "tun", mtu: 1400 });
    const link = await addLink(rt, {
      name: tap,
      kind: "tap",
      up: true,
      data: { multiQueue: true },
    });
    assert.equal(link.name, tap);
    type Shown = {
      mtu: number;
      flags: string[];
      link_type: string;
      linkinfo: { info_kind: string; info_data: Record<string, unknown> };
    };
    const [t] = ipJson<Shown[]>("-d", "link", "show", "dev", tun);
    assert.equal(t.mtu, 1400);
    assert.equal(t.link_type, "none");
    assert.equal(t.linkinfo.info_kind, "tun");
    assert.deepEqual(
      [t.linkinfo.info_data.type, t.linkinfo.info_data.persist, t.linkinfo.info_data.pi],
      ["tun", true, false],
    );
    const [p] = ipJson<Shown[]>("-d", "link", "show", "dev", tap);
    assert.ok(p.flags.includes("UP"));
    assert.equal(p.link_type, "ether");
    assert.equal(p.linkinfo.info_data.type, "tap");
    assert.equal(p.linkinfo.info_data.multi_queue, true);
    await assert.rejects(addLink(rt, { name: tap, kind: "tap" }), code("EEXIST"));
  } finally {
    cleanup(tun);
    cleanup(tap);
  }
});

test("misuse throws before any syscall", { skip: SKIP_KERNEL }, async () => {
  await using rt = await Rtnl.open();
  await assert.rejects(addLink(rt, { name: "a-name-much-too-long", kind: "bridge" }), RangeError);
  await assert.rejects(addLink(rt, { name: "", kind: "bridge" }), TypeError);
  await assert.rejects(addLink(rt, { name: "x0", kind: "" }), TypeError);
  await assert.rejects(addLink(rt, { name: "t0", kind: "tun", peer: "x" as never }), TypeError);
  await assert.rejects(
    addLink(rt, { name: "x0", kind: "mystery", data: { a: 1 } as unknown as Uint8Array }),
    TypeError,
  );
  await assert.rejects(addLink(rt, { name: "x0", kind: "vlan", data: { id: 1 } }), TypeError);
  await assert.rejects(addLink(rt, { name: "x0", kind: "bridge", address: "zz:zz" }), TypeError);
  await assert.rejects(getLink(rt, { index: -1 }), RangeError);
  await assert.rejects(setLink(rt, { name: "lo" }, { name: "bad/name" }), TypeError);
});

test("without CAP_NET_ADMIN every change fails with EPERM", { skip: SKIP_KERNEL }, () => {
  const { argv } = runtimeCommand();
  const script = new URL("./fixtures/route_eperm.ts", import.meta.url).pathname;
  // A nested user namespace without a mapping for root: no capability over this netns.
  const out = sh("unshare", ["-U", ...argv, script]).trim().split("\n").pop()!;
  assert.deepEqual(JSON.parse(out), {
    link: "EPERM",
    address: "EPERM",
    route: "EPERM",
    neigh: "EPERM",
    rule: "EPERM",
  });
});
