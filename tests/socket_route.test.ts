// Real-kernel tests of the socket layer over NETLINK_ROUTE, inside tests/run.sh's namespace.
// Expected values come from iproute2 (`ip -j`) and the uAPI layouts, not from our encoder.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { NetlinkSocket } from "../socket/socket.ts";
import { parseAttributes, readString, readU32 } from "../codec/attrs.ts";
import { MessageBuilder, type NetlinkMessage } from "../codec/message.ts";
import { NETLINK_EXT_ACK, NETLINK_ROUTE, NLM_F_CREATE, NLM_F_EXCL } from "../codec/constants.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { formatIp } from "../families/route/addr_text.ts";
import {
  ipBatch,
  ipJson,
  iproute2Names,
  linkExists,
  recordSentSeqs,
  sh,
  shFails,
  SKIP_KERNEL,
  sleep,
  uniqueName,
  withTimeout,
} from "./helpers.ts";

// linux/rtnetlink.h
const RTM_NEWLINK = 16, RTM_GETLINK = 18, RTM_NEWROUTE = 24, RTM_GETROUTE = 26;
// linux/if_link.h
const IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_LINKINFO = 18, IFLA_INFO_KIND = 1;
// linux/if.h: the flags `ip` prints, by name
const IFF: Record<string, number> = {
  UP: 0x1,
  BROADCAST: 0x2,
  DEBUG: 0x4,
  LOOPBACK: 0x8,
  POINTOPOINT: 0x10,
  NOTRAILERS: 0x20,
  NOARP: 0x80,
  PROMISC: 0x100,
  ALLMULTI: 0x200,
  MASTER: 0x400,
  SLAVE: 0x800,
  MULTICAST: 0x1000,
  PORTSEL: 0x2000,
  AUTOMEDIA: 0x4000,
  DYNAMIC: 0x8000,
  LOWER_UP: 0x10000,
  DORMANT: 0x20000,
  ECHO: 0x40000,
};
const PRINTED = Object.values(IFF).reduce((a, b) => a | b, 0);

/** struct ifinfomsg { u8 family; u8 pad; u16 type; s32 index; u32 flags; u32 change; } */
function ifinfomsg(index = 0): Uint8Array {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setInt32(4, index, true);
  return b;
}

interface Link {
  ifindex: number;
  ifname: string;
  mtu: number;
  flags: number;
}

function decodeLink(m: NetlinkMessage): Link {
  const dv = new DataView(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength);
  const link: Link = {
    ifindex: dv.getInt32(4, true),
    flags: dv.getUint32(8, true),
    ifname: "",
    mtu: 0,
  };
  for (const a of parseAttributes(m.payload, 16)) {
    if (a.type === IFLA_IFNAME) link.ifname = readString(a.data);
    else if (a.type === IFLA_MTU) link.mtu = readU32(a.data);
  }
  return link;
}

// linux/rtnetlink.h: struct rtmsg, enum rtattr_type_t, the RTN_* names as `ip` prints them
const RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PRIORITY = 6, RTA_TABLE = 15;
const RTN_NAMES = [
  "none",
  "unicast",
  "local",
  "broadcast",
  "anycast",
  "multicast",
  "blackhole",
  "unreachable",
  "prohibit",
  "throw",
  "nat",
  "xresolve",
];
const RT_TABLE_MAIN = 254, RTPROT_BOOT = 3, RT_SCOPE_UNIVERSE = 0;
/** The route fields compared with `ip -j route show table all`. */
const ROUTE_KEYS = ["dst", "table", "type", "dev", "gateway", "protocol", "scope", "metric"];

/**
 * A route message (decoded here by hand from struct rtmsg and its attributes) as one line of
 * `ip -j route show table all`, restricted to {@link ROUTE_KEYS}, with ip's rules for what it
 * leaves out (iproute2 6.1 print_route: main table, unicast type, boot protocol, global scope).
 */
function routeAsIp(m: NetlinkMessage, devs: Map<number, string>): string {
  const p = m.payload;
  const family = p[0], dstLen = p[1], rtmTable = p[4], protocol = p[5], scope = p[6], type = p[7];
  const attrs = new Map(parseAttributes(p, 12).map((a) => [a.type, a.data]));
  const o: Record<string, unknown> = {};
  if (type !== 1) o.type = RTN_NAMES[type] ?? String(type);
  const dst = attrs.get(RTA_DST);
  if (dst) {
    o.dst = dstLen === (family === 2 ? 32 : 128) ? formatIp(dst) : `${formatIp(dst)}/${dstLen}`;
  } else o.dst = dstLen ? `0/${dstLen}` : "default";
  const table = attrs.has(RTA_TABLE) ? readU32(attrs.get(RTA_TABLE)!) : rtmTable;
  if (table !== RT_TABLE_MAIN) o.table = iproute2Names("rt_tables").get(table) ?? String(table);
  const oif = attrs.get(RTA_OIF);
  if (oif) o.dev = devs.get(readU32(oif)) ?? `if${readU32(oif)}`;
  const gw = attrs.get(RTA_GATEWAY);
  if (gw) o.gateway = formatIp(gw);
  if (protocol !== RTPROT_BOOT) {
    o.protocol = iproute2Names("rt_protos").get(protocol) ?? String(protocol);
  }
  if (scope !== RT_SCOPE_UNIVERSE) o.scope = iproute2Names("rt_scopes").get(scope) ?? String(scope);
  const metric = attrs.get(RTA_PRIORITY);
  if (metric) o.metric = readU32(metric);
  return JSON.stringify(Object.fromEntries(ROUTE_KEYS.filter((k) => k in o).map((k) => [k, o[k]])));
}

/** `ip -j -4|-6 route show table all`, each route restricted to {@link ROUTE_KEYS}, sorted. */
function ipRoutes(family: "-4" | "-6"): string[] {
  return ipJson<Record<string, unknown>[]>(family, "route", "show", "table", "all").map((r) =>
    JSON.stringify(Object.fromEntries(ROUTE_KEYS.filter((k) => k in r).map((k) => [k, r[k]])))
  ).sort();
}

/**
 * A full route dump on `sock` equals `ip route show table all` for both families, route for
 * route. ip is read before and after the dump; if it changed meanwhile (an IPv6 address
 * finishing DAD, say), everything is read again.
 */
async function assertRoutesMatchIp(sock: NetlinkSocket): Promise<NetlinkMessage[]> {
  for (let attempt = 1;; attempt++) {
    const before = [ipRoutes("-4"), ipRoutes("-6")];
    const devs = new Map(
      ipJson<{ ifindex: number; ifname: string }[]>("link", "show").map((l) => [
        l.ifindex,
        l.ifname,
      ]),
    );
    const msgs = await collect(
      sock.dump(new MessageBuilder(RTM_GETROUTE).raw(new Uint8Array(12)).finish()),
    );
    if (JSON.stringify([ipRoutes("-4"), ipRoutes("-6")]) !== JSON.stringify(before)) {
      assert.ok(attempt < 5, "the routing tables kept changing while being compared");
      await sleep(300);
      continue;
    }
    assert.ok(msgs.every((m) => m.type === RTM_NEWROUTE), "only RTM_NEWROUTE messages");
    const families = new Set(msgs.map((m) => m.payload[0]));
    assert.ok([...families].every((f) => f === 2 || f === 10), `families ${[...families]}`);
    for (const [i, f] of [2, 10].entries()) {
      const ours = msgs.filter((m) => m.payload[0] === f).map((m) => routeAsIp(m, devs)).sort();
      assert.deepEqual(ours, before[i], `family ${f} routes equal ip's`);
    }
    return msgs;
  }
}

async function collect(it: AsyncIterable<NetlinkMessage>): Promise<NetlinkMessage[]> {
  const out: NetlinkMessage[] = [];
  for await (const m of it) out.push(m);
  return out;
}

test("link dump matches ip -j link show", { skip: SKIP_KERNEL }, async () => {
  const names = [0, 1, 2, 3].map(() => uniqueName("ld"));
  ipBatch(names.map((n) => `link add ${n} type veth peer name ${n}p`));
  sh("ip", ["link", "set", names[0], "up", "mtu", "1400"]);
  try {
    await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
    const msgs = await collect(
      sock.dump(new MessageBuilder(RTM_GETLINK).raw(ifinfomsg()).finish()),
    );
    assert.ok(msgs.every((m) => m.type === RTM_NEWLINK));
    const ours = msgs.map(decodeLink);
    const theirs = ipJson<{ ifindex: number; ifname: string; mtu: number; flags: string[] }[]>(
      "link",
      "show",
    );
    assert.deepEqual(
      ours.map((l) => [l.ifindex, l.ifname, l.mtu]),
      theirs.map((l) => [l.ifindex, l.ifname, l.mtu]),
    );
    for (const [i, l] of theirs.entries()) {
      const want = l.flags.filter((f) => f in IFF).reduce((a, f) => a | IFF[f], 0);
      assert.equal(ours[i].flags & PRINTED, want, `flags of ${l.ifname}`);
    }
    for (const n of names) assert.ok(ours.some((l) => l.ifname === n), n);
  } finally {
    ipBatch(names.map((n) => `link del ${n}`));
  }
});

test("a 5000-route dump spans many datagrams and matches ip route show table all", {
  skip: SKIP_KERNEL,
}, async () => {
  const dev = uniqueName("rt");
  ipBatch([
    `link add ${dev} type veth peer name ${dev}p`,
    `link set ${dev} up`,
    `address add 198.18.0.1/24 dev ${dev}`,
  ]);
  const lines = [];
  for (let i = 0; i < 5000; i++) {
    lines.push(
      `route add 10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 via 198.18.0.2 table ${
        100 + (i % 3)
      }`,
    );
  }
  ipBatch(lines);
  try {
    await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
    const msgs = await assertRoutesMatchIp(sock);
    assert.ok(msgs.length >= 5000);
    const datagrams = new Set(msgs.map((m) => m.payload.buffer)).size;
    assert.ok(datagrams > 10, `only ${datagrams} datagrams`);
    // dumpBatches: the same messages, one array per datagram.
    const batches: NetlinkMessage[][] = [];
    const req = new MessageBuilder(RTM_GETROUTE).raw(new Uint8Array(12)).finish();
    for await (const b of sock.dumpBatches(req)) batches.push(b);
    assert.equal(batches.flat().length, msgs.length);
    assert.ok(batches.length > 1);
    for (const b of batches) assert.equal(new Set(b.map((m) => m.payload.buffer)).size, 1);
    assert.equal(new Set(batches.map((b) => b[0].payload.buffer)).size, batches.length);
    // Breaking out of a batched dump leaves the socket usable too.
    for await (const _ of sock.dumpBatches(req)) break;
    let n = 0;
    for await (const b of sock.dumpBatches(req)) n += b.length;
    assert.equal(n, msgs.length);
  } finally {
    sh("ip", ["link", "del", dev]);
  }
});

test("kernel errors carry the errno name and the extended ACK", { skip: SKIP_KERNEL }, async () => {
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
  assert.equal(sock.getOption(NETLINK_EXT_ACK), 1);
  const sent = recordSentSeqs(sock);
  const name = uniqueName("bad");
  // A link of a kind the kernel does not know: its message, as `ip` prints it.
  const ipError = shFails("ip", ["link", "add", name, "type", "bogus"]);
  const req = new MessageBuilder(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL)
    .raw(ifinfomsg())
    .string(IFLA_IFNAME, name)
    .nest(IFLA_LINKINFO, (w) => w.string(IFLA_INFO_KIND, "bogus"));
  const err = await sock.request(req.finish(), { operation: "RTM_NEWLINK" }).then(
    () => assert.fail("expected an error"),
    (e) => e,
  );
  assert.ok(err instanceof NetlinkError);
  assert.equal(err.code, "EOPNOTSUPP");
  assert.equal(err.errno, 95);
  assert.ok(err.extAck?.message, "extended ACK message");
  assert.equal(ipError.trim(), `Error: ${err.extAck!.message}.`);
  assert.match(err.message, /^RTM_NEWLINK failed: EOPNOTSUPP \(.*\): Unknown device type/);
  // The error names the seq its request went out with, as the kernel echoed it.
  assert.equal(sent.length, 1);
  assert.equal(err.seq, sent[0]);
  assert.equal(err.request?.seq, sent[0]);
  assert.equal(err.request?.type, RTM_NEWLINK);
  assert.ok(err.message.endsWith(`[seq ${sent[0]}]`), err.message);

  // An attribute of the wrong size: policy validation names its offset in our request.
  const bad = new MessageBuilder(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL)
    .raw(ifinfomsg())
    .string(IFLA_IFNAME, name);
  const mtuOffset = bad.length;
  bad.u16(IFLA_MTU, 1500);
  const e2 = await sock.request(bad.finish()).then(
    () => assert.fail("expected an error"),
    (e) => e,
  );
  assert.ok(e2 instanceof NetlinkError);
  assert.equal(e2.code, "ERANGE");
  assert.equal(e2.extAck?.message, "Attribute failed policy validation");
  assert.ok(e2.extAck?.policy?.length, "the violated policy is reported");
  assert.equal(e2.extAck?.offset, mtuOffset);
  assert.equal(e2.seq, sent[1]);
  assert.notEqual(sent[1], sent[0]);
  // Neither request created anything.
  assert.equal(linkExists(name), false);
});

test("EEXIST and ENOENT reach the caller", { skip: SKIP_KERNEL }, async () => {
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
  const req = new MessageBuilder(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL)
    .raw(ifinfomsg())
    .string(IFLA_IFNAME, "lo")
    .nest(IFLA_LINKINFO, (w) => w.string(IFLA_INFO_KIND, "veth"));
  await assert.rejects(
    sock.request(req.finish()),
    (e) => e instanceof NetlinkError && e.code === "EEXIST",
  );
  const get = new MessageBuilder(RTM_GETLINK).raw(ifinfomsg()).string(IFLA_IFNAME, "nosuchlink0");
  await assert.rejects(
    sock.request(get.finish()),
    (e) => e instanceof NetlinkError && e.code === "ENODEV",
  );
});

test("request returns the reply for a get", { skip: SKIP_KERNEL }, async () => {
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
  const reply = await sock.request(new MessageBuilder(RTM_GETLINK).raw(ifinfomsg(1)).finish());
  assert.equal(reply.type, RTM_NEWLINK);
  assert.equal(decodeLink(reply).ifname, ipJson("link", "show", "dev", "lo")[0].ifname);
});

test("breaking out of a dump leaves the socket usable", { skip: SKIP_KERNEL }, async () => {
  const dev = uniqueName("eb");
  ipBatch([
    `link add ${dev} type veth peer name ${dev}p`,
    `link set ${dev} up`,
    `address add 198.19.0.1/24 dev ${dev}`,
  ]);
  ipBatch(
    Array.from(
      { length: 3000 },
      (_, i) => `route add 10.200.${i >> 8}.${i & 255}/32 via 198.19.0.2`,
    ),
  );
  try {
    await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
    const dump = () => sock.dump(new MessageBuilder(RTM_GETROUTE).raw(new Uint8Array(12)).finish());
    let n = 0;
    for await (const _ of dump()) if (++n === 10) break;
    assert.equal(n, 10);
    // A plain request and then a full dump on the same socket.
    const reply = await sock.request(new MessageBuilder(RTM_GETLINK).raw(ifinfomsg(1)).finish());
    assert.equal(decodeLink(reply).ifname, "lo");
    assert.ok((await assertRoutesMatchIp(sock)).length >= 3000);
  } finally {
    sh("ip", ["link", "del", dev]);
  }
});

test("concurrent requests on one socket are matched by seq", { skip: SKIP_KERNEL }, async () => {
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
  const sent = recordSentSeqs(sock);
  const links = ipJson<{ ifindex: number; ifname: string }[]>("link", "show");
  const replies = await Promise.all(
    Array.from({ length: 200 }, (_, i) => {
      const l = links[i % links.length];
      return sock.request(new MessageBuilder(RTM_GETLINK).raw(ifinfomsg(l.ifindex)).finish())
        .then((m) => ({ seq: m.seq, got: decodeLink(m).ifname, want: l.ifname }));
    }),
  );
  assert.equal(sent.length, 200);
  assert.equal(new Set(sent).size, 200, "every request has its own seq");
  for (const [i, r] of replies.entries()) {
    assert.equal(r.seq, sent[i], `reply ${i} carries its request's seq`);
    assert.equal(r.got, r.want);
  }
});

test("notifications of link changes arrive on subscribe()", { skip: SKIP_KERNEL }, async () => {
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { join: [1 /* RTNLGRP_LINK */] });
  const it = sock.subscribe();
  const name = uniqueName("nt");
  sh("ip", ["link", "add", name, "type", "veth", "peer", "name", `${name}p`]);
  try {
    const m = await withTimeout(
      (async () => {
        for await (const m of it) {
          assert.equal(m.sender, 0);
          assert.equal(m.group, 1);
          if (m.type === RTM_NEWLINK && decodeLink(m).ifname === name) return m;
        }
        throw new Error("the subscription ended before the notification");
      })(),
      10000,
      `RTM_NEWLINK for ${name}`,
    ).finally(() => it.return!());
    assert.equal(
      decodeLink(m).ifindex,
      ipJson<{ ifindex: number }[]>("link", "show", name)[0].ifindex,
    );
  } finally {
    sh("ip", ["link", "del", name]);
  }
});

test(
  "a socket opened in another namespace sees that namespace only",
  { skip: SKIP_KERNEL },
  async () => {
    const ns = uniqueName("ns");
    sh("ip", ["netns", "add", ns]);
    try {
      sh("ip", ["-n", ns, "link", "add", "inner0", "type", "veth", "peer", "name", "inner1"]);
      const dump = async (netns?: string) => {
        await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { netns });
        const msgs = await collect(
          sock.dump(new MessageBuilder(RTM_GETLINK).raw(ifinfomsg()).finish()),
        );
        return msgs.map((m) => decodeLink(m).ifname);
      };
      const inner = ipJson<{ ifname: string }[]>("-n", ns, "link", "show").map((l) => l.ifname);
      assert.deepEqual(await dump(ns), inner);
      assert.deepEqual(await dump(`/run/netns/${ns}`), inner);
      // The rest of the process did not move.
      assert.deepEqual(
        await dump(),
        ipJson<{ ifname: string }[]>("link", "show").map((l) => l.ifname),
      );
      await assert.rejects(
        NetlinkSocket.open(NETLINK_ROUTE, { netns: "no-such-namespace" }),
        (e) => e instanceof NetlinkError && e.code === "ENOENT",
      );
    } finally {
      sh("ip", ["netns", "del", ns]);
    }
  },
);
