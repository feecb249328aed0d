// Hostile peers against the real kernel (issue 11, defect 7): a malformed datagram from a peer
// is dropped and counted without harming other requests or subscriptions; a malformed
// NLMSG_ERROR fails at most the request it names; a notification forged by another process
// (multicast or unicast, sender port id not 0) never appears as an event, in subscribe() or in
// watch(), and is counted in `dropped`; nor does a uevent sent to the monitor's port.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { NetlinkSocket } from "../socket/socket.ts";
import { parseAttributes, readString } from "../codec/attrs.ts";
import { encodeMessage, MessageBuilder, type NetlinkMessage } from "../codec/message.ts";
import {
  NETLINK_KOBJECT_UEVENT,
  NETLINK_ROUTE,
  NETLINK_USERSOCK,
  NLMSG_ERROR,
} from "../codec/constants.ts";
import { encodeUevent } from "../codec/uevent.ts";
import { UeventMonitor } from "../families/uevent.ts";
import { NetlinkDecodeError } from "../codec/errors.ts";
import { Rtnl } from "../families/route/rtnl.ts";
import { watch } from "../families/route/watch.ts";
import { sh, SKIP_KERNEL, sleep, uniqueName, withTimeout } from "./helpers.ts";

const RTM_NEWLINK = 16, IFLA_IFNAME = 3, RTNLGRP_LINK = 1;

function ifname(m: NetlinkMessage): string | undefined {
  const a = parseAttributes(m.payload, 16).find((a) => a.type === IFLA_IFNAME);
  return a && readString(a.data);
}

/** A datagram whose first header claims more bytes than there are. */
function malformed(seq: number): Uint8Array {
  const bad = encodeMessage({ type: 0x10, seq, payload: new Uint8Array(8) });
  new DataView(bad.buffer).setUint32(0, 4000, true);
  return bad;
}

test("peers: a malformed datagram is counted; a pending request and a subscription go on", {
  skip: SKIP_KERNEL,
}, async () => {
  await using server = await NetlinkSocket.open(NETLINK_USERSOCK);
  await using client = await NetlinkSocket.open(NETLINK_USERSOCK);
  await using hostile = await NetlinkSocket.open(NETLINK_USERSOCK);
  const requests = server.subscribe({ acceptFrom: [client.portId] });
  const inbox = client.subscribe({ acceptFrom: "any" });
  const answer = client.request(encodeMessage({ type: 0x10 }), { portId: server.portId });
  const { value: req } = await withTimeout(requests.next(), 5000, "the request at the server");
  // The hostile port sends garbage: once with an unrelated seq, once with the pending one.
  hostile.send(malformed(12345), { portId: client.portId });
  hostile.send(malformed(req!.seq), { portId: client.portId });
  hostile.send(encodeMessage({ type: 0x20, payload: new Uint8Array(4) }), {
    portId: client.portId,
  });
  const { value: ok } = await withTimeout(inbox.next(), 5000, "the well-formed message");
  assert.equal(ok!.type, 0x20);
  assert.equal(ok!.sender, hostile.portId);
  assert.equal(client.malformed, 2, "both malformed datagrams were counted");
  server.ack(req!);
  const ack = await withTimeout(answer, 5000, "the server's ACK");
  assert.equal(ack.type, NLMSG_ERROR);
  assert.equal(ack.seq, req!.seq);
  await requests.return!();
  await inbox.return!();
});

test("peers: a malformed NLMSG_ERROR from a USERSOCK peer fails only the request it names", {
  skip: SKIP_KERNEL,
}, async () => {
  await using server = await NetlinkSocket.open(NETLINK_USERSOCK);
  await using client = await NetlinkSocket.open(NETLINK_USERSOCK);
  const requests = server.subscribe({ acceptFrom: [client.portId] });
  const a = client.request(encodeMessage({ type: 0x10 }), {
    portId: server.portId,
    operation: "request A",
  });
  const b = client.request(encodeMessage({ type: 0x11 }), {
    portId: server.portId,
    operation: "request B",
  });
  const ra = (await withTimeout(requests.next(), 5000, "request A")).value!;
  const rb = (await withTimeout(requests.next(), 5000, "request B")).value!;
  // An NLMSG_ERROR too short for its struct nlmsgerr, naming A.
  server.send(encodeMessage({ type: NLMSG_ERROR, seq: ra.seq, payload: new Uint8Array(3) }), {
    portId: client.portId,
  });
  const err = await withTimeout(a.then(() => undefined, (e) => e), 5000, "request A to fail");
  assert.ok(err instanceof NetlinkDecodeError, String(err));
  assert.match(err.message, new RegExp(`^request A: malformed answer \\[seq ${ra.seq}\\]`));
  let bSettled = false;
  b.then(() => (bSettled = true), () => (bSettled = true));
  await sleep(50);
  assert.equal(bSettled, false, "request B is still waiting for its own answer");
  server.ack(rb);
  assert.equal((await withTimeout(b, 5000, "request B's ACK")).seq, rb.seq);
  await requests.return!();
});

test("peers: a forged RTM_NEWLINK from another process never shows up as an event", {
  skip: SKIP_KERNEL,
}, async () => {
  await using rt = await Rtnl.open();
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { join: [RTNLGRP_LINK] });
  await using forger = await NetlinkSocket.open(NETLINK_ROUTE); // root: it may send to ports
  const events = sock.subscribe();
  await using watcher = await watch(rt, { groups: ["link"] });
  const forged = new MessageBuilder(RTM_NEWLINK).raw(new Uint8Array(16))
    .string(IFLA_IFNAME, "forged0").finish();
  forger.send(forged, { portId: sock.portId }); // unicast, not a reply
  forger.send(forged, { portId: rt.socket.portId });
  forger.send(forged, { groups: 1 << (RTNLGRP_LINK - 1) }); // multicast on RTNLGRP_LINK
  const name = uniqueName("fg");
  sh("ip", ["link", "add", name, "type", "veth", "peer", "name", `${name}p`]);
  try {
    const fromSocket = await withTimeout(
      (async () => {
        const seen: string[] = [];
        for await (const m of events) {
          const n = ifname(m) ?? "";
          seen.push(`${n}:${m.sender}`);
          if (n === name) return seen;
        }
        throw new Error("the subscription ended");
      })(),
      5000,
      `the kernel's RTM_NEWLINK for ${name}`,
    );
    assert.ok(!fromSocket.some((s) => s.startsWith("forged0")), fromSocket.join(", "));
    const fromWatch = await withTimeout(
      (async () => {
        const seen: string[] = [];
        for await (const e of watcher) {
          const n = e.kind === "link" ? ifname(e.message) ?? "" : e.kind;
          seen.push(n);
          if (n === name) return seen;
        }
        throw new Error("the watch ended");
      })(),
      5000,
      `the link event for ${name}`,
    );
    assert.ok(!fromWatch.includes("forged0"), fromWatch.join(", "));
    // Each socket dropped and counted both forgeries (the unicast and the multicast).
    assert.equal(sock.dropped, 2);
    assert.equal(rt.socket.dropped, 2);
    // Asked for, another process's messages are delivered, with its port id.
    const open = sock.subscribe({ acceptFrom: [forger.portId] });
    forger.send(forged, { portId: sock.portId });
    const { value } = await withTimeout(open.next(), 5000, "the accepted message");
    assert.equal(value!.sender, forger.portId);
    assert.equal(ifname(value!), "forged0");
    await open.return!();
  } finally {
    await events.return!();
    sh("ip", ["link", "del", name]);
  }
});

test("peers: the uevent monitor drops a forged event sent to its port, and counts it", {
  skip: SKIP_KERNEL,
}, async () => {
  await using monitor = await UeventMonitor.open();
  await using spoofer = await NetlinkSocket.open(NETLINK_KOBJECT_UEVENT);
  const events = monitor.events();
  const forged = "/devices/virtual/net/forged-unicast";
  spoofer.send(encodeUevent({ action: "add", devpath: forged, env: { SUBSYSTEM: "net" } }), {
    portId: monitor.socket.portId,
  });
  const name = uniqueName("fu");
  sh("ip", ["link", "add", name, "type", "veth", "peer", "name", `${name}p`]);
  try {
    const seen = await withTimeout(
      (async () => {
        const out: string[] = [];
        for await (const ev of events) {
          out.push(ev.devpath);
          if (ev.devpath === `/devices/virtual/net/${name}`) return out;
        }
        throw new Error("the monitor ended");
      })(),
      5000,
      `the kernel's add event for ${name}`,
    );
    assert.ok(!seen.includes(forged), seen.join(", "));
    assert.equal(monitor.spoofed, 1);
  } finally {
    void events.return(undefined);
    sh("ip", ["link", "del", name]);
  }
});
