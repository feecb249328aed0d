// Socket options against the real kernel: each one is shown to change what the kernel does.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { NetlinkSocket, type ReceivedMessage } from "../socket/socket.ts";
import { parseAttributes, readString } from "../codec/attrs.ts";
import { MessageBuilder } from "../codec/message.ts";
import {
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
  NETLINK_NO_ENOBUFS,
  NETLINK_PKTINFO,
  NETLINK_ROUTE,
  NLM_F_ACK,
  NLM_F_CAPPED,
  NLM_F_REQUEST,
  NLMSG_ERROR,
} from "../codec/constants.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { decodeErrorMessage } from "../codec/nlmsgerr.ts";
import {
  ipBatch,
  ipJson,
  recordSentSeqs,
  sh,
  SKIP_KERNEL,
  uniqueName,
  withTimeout,
} from "./helpers.ts";

const RTM_NEWLINK = 16, RTM_GETLINK = 18, RTM_NEWMULTICAST = 56;
const IFLA_IFNAME = 3;
const ENODEV = 19; // asm-generic/errno-base.h
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
    // Without strict checking the kernel ignores the filter: every link comes back.
    assert.equal(n, ipJson("link", "show").length);
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
    // A request with a payload (ifinfomsg + IFLA_IFNAME), a known seq, and the raw reply read
    // from an unframed socket, so the kernel's bytes are compared, not our decoding of them.
    const SEQ = 0x5eed1234;
    const req = new MessageBuilder(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, { seq: SEQ })
      .raw(ifinfomsg()).string(IFLA_IFNAME, "nosuch0").finish();
    assert.ok(req.length > 16 + 16, "the request has a payload to echo");
    const rawReply = async (capAck: boolean) => {
      await using s = await NetlinkSocket.open(NETLINK_ROUTE, { framed: false });
      s.setOption(NETLINK_EXT_ACK, false); // no TLVs: the lengths below are exact
      if (capAck) s.setOption(NETLINK_CAP_ACK, true);
      assert.equal(s.getOption(NETLINK_CAP_ACK), capAck ? 1 : 0);
      const it = s.datagrams();
      s.send(req);
      const r = await withTimeout(it.next(), 5000, `the NLMSG_ERROR reply (capAck ${capAck})`);
      await it.return!();
      assert.equal(r.done, false);
      const data = r.value!.data;
      const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
      const hdr = (off: number) => ({
        len: dv.getUint32(off, true),
        type: dv.getUint16(off + 4, true),
        flags: dv.getUint16(off + 6, true),
        seq: dv.getUint32(off + 8, true),
        pid: dv.getUint32(off + 12, true),
      });
      const outer = hdr(0);
      assert.equal(outer.len, data.length, "one message in the datagram");
      assert.equal(outer.type, NLMSG_ERROR);
      assert.equal(outer.seq, SEQ);
      assert.equal(outer.pid, s.portId);
      assert.equal(dv.getInt32(16, true), -ENODEV);
      // The echoed request header, as we sent it.
      assert.deepEqual(hdr(20), {
        len: req.length,
        type: RTM_GETLINK,
        flags: NLM_F_REQUEST | NLM_F_ACK,
        seq: SEQ,
        pid: 0,
      });
      return { data, outer };
    };
    const full = await rawReply(false);
    const capped = await rawReply(true);
    // Without CAP_ACK: error + the whole request, payload included, byte for byte.
    assert.equal(full.outer.flags & NLM_F_CAPPED, 0);
    assert.equal(full.outer.len, 16 + 4 + req.length);
    assert.deepEqual(full.data.subarray(20), req);
    // With CAP_ACK: error + the request's header only, and NLM_F_CAPPED says so.
    assert.equal(capped.outer.flags & NLM_F_CAPPED, NLM_F_CAPPED);
    assert.equal(capped.outer.len, 36);
    assert.deepEqual(capped.data.subarray(20), req.subarray(0, 16));
    // Our decoder reads both as the kernel wrote them.
    const dFull = decodeErrorMessage(full.data.subarray(16), full.outer.flags);
    assert.equal(dFull.capped, false);
    assert.deepEqual(dFull.requestPayload, req.subarray(16));
    const dCapped = decodeErrorMessage(capped.data.subarray(16), capped.outer.flags);
    assert.equal(dCapped.capped, true);
    assert.equal(dCapped.requestPayload.length, 0);
    // And through request() with { capAck }: the same errno; the error names the seq the
    // request went out with, which the kernel echoed.
    await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { capAck: true });
    assert.equal(sock.getOption(NETLINK_CAP_ACK), 1);
    const sent = recordSentSeqs(sock);
    const e = await sock.request(req).then(() => assert.fail("expected ENODEV"), (e) => e);
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, "ENODEV");
    assert.equal(sent.length, 1);
    assert.equal(e.seq, sent[0]);
    assert.deepEqual(
      [e.request!.length, e.request!.type, e.request!.seq],
      [req.length, RTM_GETLINK, sent[0]],
    );
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
    const it = sock.subscribe();
    // An interface with IPv4 that comes up joins 224.0.0.1: RTM_NEWMULTICAST on group 37.
    ipBatch([`address add 198.21.0.1/24 dev ${dev}`, `link set ${dev} up`]);
    const { value } = await withTimeout(it.next(), 5000, "RTM_NEWMULTICAST on group 37");
    assert.equal(value!.type, RTM_NEWMULTICAST);
    assert.equal(value!.group, RTNLGRP_IPV4_MCADDR);
    assert.equal(value!.sender, 0);
    await it.return!();
  } finally {
    sh("ip", ["link", "del", dev]);
  }
});

test("with overrun 'throw' a receive-buffer overrun fails the subscription; NO_ENOBUFS hides it", {
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
    const loudIt = loud.subscribe({ overrun: "throw" });
    const quietIt = quiet.subscribe({ signal: AbortSignal.timeout(3000) });
    ipBatch(
      Array.from(
        { length: 2000 },
        (_, i) => `route add 10.201.${i >> 8}.${i & 255}/32 via 198.20.0.2`,
      ),
    );
    let received = 0;
    const err = await withTimeout(
      (async () => {
        for await (const _ of loudIt) received++;
      })().then(() => undefined, (e) => e),
      10000,
      "ENOBUFS on the socket with a 4 KiB receive buffer",
    );
    assert.ok(err instanceof NetlinkError, `expected ENOBUFS after ${received} messages`);
    assert.equal(err.code, "ENOBUFS");
    assert.match(err.message, /notifications were lost/);
    assert.ok(received < 2000);
    assert.equal(loud.overruns, 1);
    // The quiet socket lost messages too, silently: it reads what was kept, then times out.
    let quietCount = 0;
    const quietEnd = await (async () => {
      for await (const _ of quietIt) quietCount++;
    })().then(() => "ended without an error", (e) => e);
    assert.equal((quietEnd as Error).name, "TimeoutError", String(quietEnd));
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
    const it = sock.subscribe();
    sh("ip", ["-n", ns, "link", "add", "peerns0", "type", "veth", "peer", "name", "peerns1"]);
    const seen = await withTimeout(
      (async () => {
        for await (const m of it) {
          if (m.type === RTM_NEWLINK && ifname(m) === "peerns0") return m;
        }
        throw new Error("the subscription ended before RTM_NEWLINK peerns0");
      })(),
      5000,
      "RTM_NEWLINK peerns0 from the other namespace",
    ).finally(() => it.return!());
    assert.equal(seen.nsid, 7);
  } finally {
    sh("ip", ["netns", "del", ns]);
  }
});
