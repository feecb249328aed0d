// No datagram is too big (issue 11, defect 5), against the real kernel: a 67 KB RTM_NEWLINK
// (a veth with 496 altnames, the most the kernel allows) arrives whole as a reply, in a dump
// with the extended mask iproute2 uses, as a notification and through the typed getLink() and
// listLinks(); a 256 KiB USERSOCK message arrives whole at a subscriber and as a reply; a
// message longer than the send buffer fails naming the operation and both sizes.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { NetlinkSocket, type ReceivedMessage } from "../socket/socket.ts";
import { parseAttributes, readString } from "../codec/attrs.ts";
import { encodeMessage, MessageBuilder, type NetlinkMessage } from "../codec/message.ts";
import { NETLINK_ROUTE, NETLINK_USERSOCK, NLMSG_ERROR } from "../codec/constants.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { Rtnl } from "../families/route/rtnl.ts";
import { getLink, listLinks } from "../families/route/link.ts";
import { ipBatch, ipJson, sh, SKIP_KERNEL, uniqueName, withTimeout } from "./helpers.ts";

// linux/rtnetlink.h, linux/if_link.h
const RTM_NEWLINK = 16, RTM_GETLINK = 18, RTNLGRP_LINK = 1;
const IFLA_IFNAME = 3, IFLA_EXT_MASK = 29, IFLA_PROP_LIST = 52, IFLA_ALT_IFNAME = 53;
const RTEXT_FILTER_VF = 1;

function ifname(m: NetlinkMessage): string | undefined {
  const a = parseAttributes(m.payload, 16).find((a) => a.type === IFLA_IFNAME);
  return a && readString(a.data);
}

function altnames(m: NetlinkMessage): string[] {
  const list = parseAttributes(m.payload, 16).find((a) => a.type === IFLA_PROP_LIST);
  if (!list) return [];
  return parseAttributes(list.data).filter((a) => a.type === IFLA_ALT_IFNAME).map((a) =>
    readString(a.data)
  );
}

test("size: a 67 KB RTM_NEWLINK (496 altnames) arrives whole as reply, dump, event, getLink", {
  skip: SKIP_KERNEL,
  timeout: 60_000,
}, async () => {
  const dev = uniqueName("al");
  sh("ip", ["link", "add", dev, "type", "veth", "peer", "name", `${dev}p`]);
  try {
    // 496 altnames of 127 characters: the kernel's limit (the property list stays < 64 KiB).
    const names = Array.from({ length: 496 }, (_, i) => `${dev}.${i}.`.padEnd(127, "x"));
    ipBatch(names.map((n) => `link property add dev ${dev} altname ${n}`));
    const theirs = ipJson<{ altnames?: string[] }[]>("link", "show", "dev", dev)[0].altnames;
    assert.equal(theirs?.length, 496, "ip lists the 496 altnames");

    // The first request on a fresh socket, as iproute2 asks (IFLA_EXT_MASK = RTEXT_FILTER_VF).
    await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
    const get = new MessageBuilder(RTM_GETLINK).raw(new Uint8Array(16)).string(IFLA_IFNAME, dev)
      .u32(IFLA_EXT_MASK, RTEXT_FILTER_VF);
    const reply = await withTimeout(sock.request(get.finish()), 5000, "the RTM_GETLINK reply");
    assert.equal(reply.type, RTM_NEWLINK);
    assert.ok(reply.length > 65536, `the reply is ${reply.length} bytes`);
    assert.deepEqual(altnames(reply), theirs);

    // A link dump with the same mask: the kernel sizes its datagrams for the biggest link.
    const dump = new MessageBuilder(RTM_GETLINK).raw(new Uint8Array(16))
      .u32(IFLA_EXT_MASK, RTEXT_FILTER_VF);
    let mine: NetlinkMessage | undefined;
    let count = 0;
    for await (const m of sock.dump(dump.finish())) {
      count++;
      if (ifname(m) === dev) mine = m;
    }
    assert.equal(count, ipJson("link", "show").length);
    assert.ok(mine, `the dump has ${dev}`);
    assert.ok(mine.payload.buffer.byteLength > 65536, "its datagram is longer than 64 KiB");
    assert.deepEqual(altnames(mine), theirs);

    // The notification of a change carries the whole list too.
    await using watcher = await NetlinkSocket.open(NETLINK_ROUTE, { join: [RTNLGRP_LINK] });
    const events = watcher.subscribe();
    sh("ip", ["link", "set", "dev", dev, "mtu", "1400"]);
    const ntf = await withTimeout(
      (async () => {
        for await (const m of events) {
          if (m.type === RTM_NEWLINK && ifname(m) === dev) return m as ReceivedMessage;
        }
        throw new Error("the subscription ended");
      })(),
      5000,
      `the RTM_NEWLINK notification for ${dev}`,
    );
    await events.return!();
    assert.ok(ntf.length > 65536, `the notification is ${ntf.length} bytes`);
    assert.deepEqual(altnames(ntf), theirs);

    // The typed API, on a socket of its own.
    await using rt = await Rtnl.open();
    assert.deepEqual((await getLink(rt, dev)).altnames, theirs);
    const listed = (await listLinks(rt)).find((l) => l.name === dev);
    assert.deepEqual(listed?.altnames, theirs);
  } finally {
    sh("ip", ["link", "del", dev]);
  }
});

const BIG = 256 * 1024;

/** A USERSOCK message of type 0x10 with a 256 KiB payload of a known pattern. */
function bigMessage(seed: number, seq = 0): Uint8Array {
  const payload = new Uint8Array(BIG);
  for (let i = 0; i < BIG; i++) payload[i] = (i * 31 + seed) & 0xff;
  return encodeMessage({ type: 0x10, seq, payload });
}

test("size: a 256 KiB USERSOCK message arrives whole at a subscriber and as a reply", {
  skip: SKIP_KERNEL,
}, async () => {
  await using server = await NetlinkSocket.open(NETLINK_USERSOCK, { sendBufferSize: 1 << 20 });
  // The client takes the reply and the ACK: room for both (a peer sending to a full socket
  // gets EAGAIN).
  await using client = await NetlinkSocket.open(NETLINK_USERSOCK, {
    sendBufferSize: 1 << 20,
    receiveBufferSize: 1 << 20,
  });
  await using listener = await NetlinkSocket.open(NETLINK_USERSOCK, { join: [3] });
  const heard = listener.subscribe({ acceptFrom: [client.portId] });
  const requests = server.subscribe({ acceptFrom: [client.portId] });

  // To a subscriber, unicast and multicast (one at a time: each is longer than the default
  // receive buffer, which takes one datagram when empty, and drops the next meanwhile).
  for (const seed of [1, 2]) {
    if (seed === 1) client.send(bigMessage(seed), { portId: listener.portId });
    else client.send(bigMessage(seed), { groups: 1 << 2 });
    const { value } = await withTimeout(heard.next(), 5000, `big message ${seed}`);
    assert.equal(value!.length, 16 + BIG);
    assert.deepEqual(value!.payload, bigMessage(seed).subarray(16), `message ${seed} is intact`);
  }

  // As the reply to a request.
  const answer = client.request(encodeMessage({ type: 0x11 }), { portId: server.portId });
  const { value: req } = await withTimeout(requests.next(), 5000, "the request at the server");
  server.send(bigMessage(3, req!.seq), { portId: client.portId });
  server.ack(req!);
  const reply = await withTimeout(answer, 5000, "the 256 KiB reply");
  assert.equal(reply.type, 0x10);
  assert.equal(reply.seq, req!.seq);
  assert.deepEqual(reply.payload, bigMessage(3).subarray(16));
  await heard.return!();
  await requests.return!();
});

test("size: a message longer than the send buffer fails naming the operation and sizes", {
  skip: SKIP_KERNEL,
}, async () => {
  const wmem = Number(readFileSync("/proc/sys/net/core/wmem_default", "utf8"));
  await using server = await NetlinkSocket.open(NETLINK_USERSOCK);
  await using client = await NetlinkSocket.open(NETLINK_USERSOCK); // the default send buffer
  const message = bigMessage(4);
  assert.ok(message.length > wmem - 32, "longer than the default send buffer allows");
  const check = (operation: string, seq?: number) => (e: unknown) => {
    assert.ok(e instanceof NetlinkError, String(e));
    assert.equal(e.code, "EMSGSIZE");
    assert.equal(e.operation, operation);
    assert.match(
      e.message,
      new RegExp(
        `^${operation} failed: EMSGSIZE \\(.*\\): the ${message.length}-byte message does not fit ` +
          `the ${wmem}-byte send buffer \\(at most ${wmem - 32} bytes\\); raise it with the ` +
          `sendBufferSize option${seq === undefined ? "$" : ""}`,
      ),
    );
    return true;
  };
  assert.throws(() => client.send(message, { portId: server.portId }), check("send"));
  await assert.rejects(
    client.request(message, { portId: server.portId, operation: "big request" }),
    check("big request", 0),
  );
  // Raised, it goes through.
  assert.ok(client.setSendBufferSize(1 << 20) >= message.length + 32);
  const requests = server.subscribe({ acceptFrom: "any" });
  const answer = client.request(message, { portId: server.portId });
  const { value: req } = await withTimeout(requests.next(), 5000, "the big request");
  assert.equal(req!.length, message.length);
  server.ack(req!);
  assert.equal((await answer).type, NLMSG_ERROR);
  await requests.return!();
});
