// Socket options against the real kernel: each one is shown to change what the kernel does.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { NetlinkSocket, type ReceivedMessage } from "../socket/socket.ts";
import { MessageBuilder, parseAttributes, readString } from "../codec/attrs.ts";
import {
  NETLINK_CAP_ACK,
  NETLINK_GET_STRICT_CHK,
  NETLINK_NO_ENOBUFS,
  NETLINK_PKTINFO,
  NETLINK_ROUTE,
} from "../codec/constants.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { ipBatch, sh, SKIP_KERNEL, uniqueName } from "./helpers.ts";

const RTM_NEWLINK = 16, RTM_GETLINK = 18, RTM_NEWMULTICAST = 56;
const IFLA_IFNAME = 3;
const RTNLGRP_LINK = 1, RTNLGRP_IPV4_ROUTE = 7, RTNLGRP_IPV4_MCADDR = 37;

function ifinfomsg(index = 0): Uint8Array {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setInt32(4, index, true);
  return b;
}

function ifname(m: ReceivedMessage): string | undefined {
  const a = parseAttributes(m.payload, 16).find((a) => a.type === IFLA_IFNAME);
  return a && readString(a.data);
}

test(
  "NETLINK_GET_STRICT_CHK makes the kernel reject a filtered link dump",
  { skip: SKIP_KERNEL },
  async () => {
    const req = () => new MessageBuilder(RTM_GETLINK).raw(ifinfomsg(1)).finish();
    await using lax = await NetlinkSocket.open(NETLINK_ROUTE);
    let n = 0;
    for await (const _ of lax.dump(req())) n++;
    assert.ok(n >= 1);
    await using strict = await NetlinkSocket.open(NETLINK_ROUTE, { strictCheck: true });
    assert.equal(strict.getOption(NETLINK_GET_STRICT_CHK), 1);
    await assert.rejects(
      (async () => {
        for await (const _ of strict.dump(req())) { /* drain */ }
      })(),
      (e) =>
        e instanceof NetlinkError && e.code === "EINVAL" && /index/i.test(e.extAck?.message ?? ""),
    );
  },
);

test(
  "NETLINK_CAP_ACK leaves the request payload out of error messages",
  { skip: SKIP_KERNEL },
  async () => {
    const req = new MessageBuilder(RTM_GETLINK).raw(ifinfomsg()).string(IFLA_IFNAME, "nosuch0")
      .finish();
    await using full = await NetlinkSocket.open(NETLINK_ROUTE);
    await using capped = await NetlinkSocket.open(NETLINK_ROUTE, { capAck: true });
    assert.equal(capped.getOption(NETLINK_CAP_ACK), 1);
    const e1 = await full.request(req).catch((e) => e);
    const e2 = await capped.request(req).catch((e) => e);
    assert.equal(e1.code, "ENODEV");
    assert.equal(e2.code, "ENODEV");
    assert.equal(e1.request.length, req.length); // the echoed header
    assert.equal(e2.request.length, req.length);
    assert.equal(e1.request.type, RTM_GETLINK);
  },
);

test("NETLINK_PKTINFO reports groups above 32, which the sender address cannot name", {
  skip: SKIP_KERNEL,
}, async () => {
  const dev = uniqueName("pk");
  sh("ip", ["link", "add", dev, "type", "veth", "peer", "name", `${dev}p`]);
  try {
    await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { join: [RTNLGRP_IPV4_MCADDR] });
    assert.equal(sock.getOption(NETLINK_PKTINFO), 1, "joining a group above 32 turns PKTINFO on");
    const it = sock.subscribe({ signal: AbortSignal.timeout(5000) });
    // An interface with IPv4 that comes up joins 224.0.0.1: RTM_NEWMULTICAST on group 37.
    ipBatch([`address add 198.21.0.1/24 dev ${dev}`, `link set ${dev} up`]);
    const { value } = await it.next();
    assert.equal(value!.type, RTM_NEWMULTICAST);
    assert.equal(value!.group, RTNLGRP_IPV4_MCADDR);
    assert.equal(value!.sender, 0);
    await it.return!();
  } finally {
    sh("ip", ["link", "del", dev]);
  }
});

test("a receive-buffer overrun fails the subscription with ENOBUFS; NO_ENOBUFS hides it", {
  skip: SKIP_KERNEL,
}, async () => {
  const dev = uniqueName("ob");
  ipBatch([
    `link add ${dev} type veth peer name ${dev}p`,
    `link set ${dev} up`,
    `address add 198.20.0.1/24 dev ${dev}`,
  ]);
  try {
    await using loud = await NetlinkSocket.open(NETLINK_ROUTE, {
      join: [RTNLGRP_IPV4_ROUTE],
      receiveBufferSize: 4096,
    });
    await using quiet = await NetlinkSocket.open(NETLINK_ROUTE, {
      join: [RTNLGRP_IPV4_ROUTE],
      receiveBufferSize: 4096,
      noEnobufs: true,
    });
    assert.equal(quiet.getOption(NETLINK_NO_ENOBUFS), 1);
    const loudIt = loud.subscribe();
    const quietIt = quiet.subscribe({ signal: AbortSignal.timeout(3000) });
    ipBatch(
      Array.from(
        { length: 2000 },
        (_, i) => `route add 10.201.${i >> 8}.${i & 255}/32 via 198.20.0.2`,
      ),
    );
    let received = 0;
    const err = await (async () => {
      for await (const _ of loudIt) received++;
    })().then(() => undefined, (e) => e);
    assert.ok(err instanceof NetlinkError, `expected ENOBUFS after ${received} messages`);
    assert.equal(err.code, "ENOBUFS");
    assert.ok(received < 2000);
    assert.equal(loud.overruns, 1);
    // The quiet socket lost messages too, silently: it reads what was kept, then times out.
    let quietCount = 0;
    await (async () => {
      for await (const _ of quietIt) quietCount++;
    })().catch((e) => assert.equal(e.name, "TimeoutError"));
    assert.ok(quietCount > 0 && quietCount < 2000, `quiet socket got ${quietCount}`);
    assert.equal(quiet.overruns, 0);
  } finally {
    sh("ip", ["link", "del", dev]);
  }
});

test("NETLINK_LISTEN_ALL_NSID reports the peer namespace of each notification", {
  skip: SKIP_KERNEL,
}, async () => {
  const ns = uniqueName("an");
  sh("ip", ["netns", "add", ns]);
  try {
    sh("ip", ["netns", "set", ns, "7"]);
    await using sock = await NetlinkSocket.open(NETLINK_ROUTE, {
      join: [RTNLGRP_LINK],
      listenAllNsid: true,
    });
    const it = sock.subscribe({ signal: AbortSignal.timeout(5000) });
    sh("ip", ["-n", ns, "link", "add", "peerns0", "type", "veth", "peer", "name", "peerns1"]);
    for await (const m of it) {
      if (m.type === RTM_NEWLINK && ifname(m) === "peerns0") {
        assert.equal(m.nsid, 7);
        break;
      }
    }
  } finally {
    sh("ip", ["netns", "del", ns]);
  }
});
