// User-space endpoints over NETLINK_USERSOCK, socket options, and misuse errors.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { NetlinkSocket } from "../socket/socket.ts";
import { encodeMessage } from "../codec/message.ts";
import { encodeErrorMessage } from "../codec/nlmsgerr.ts";
import { NETLINK_ROUTE, NETLINK_USERSOCK, NLMSG_ERROR } from "../codec/constants.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { SKIP_KERNEL, withTimeout } from "./helpers.ts";

const MY_REQUEST = 0x10;

test(
  "USERSOCK: a request to a user-space port is answered with its ACK",
  { skip: SKIP_KERNEL },
  async () => {
    await using server = await NetlinkSocket.open(NETLINK_USERSOCK);
    await using client = await NetlinkSocket.open(NETLINK_USERSOCK);
    assert.notEqual(server.portId, 0);
    assert.notEqual(server.portId, client.portId);
    const served: number[] = [];
    const seqs: number[] = []; // the seq of each request, as the server received it
    const serving = (async () => {
      for await (const req of server.subscribe({ acceptFrom: "any" })) {
        assert.equal(req.sender, client.portId);
        assert.equal(req.group, 0);
        served.push(req.payload[0]);
        seqs.push(req.seq);
        if (req.payload[0] === 2) server.ack(req, 22, { message: "value two is not allowed" });
        else server.ack(req);
        if (served.length === 2) break;
      }
    })();
    const payload = (v: number) =>
      encodeMessage({ type: MY_REQUEST, payload: new Uint8Array([v, 0, 0, 0]) });
    const ack = await withTimeout(
      client.request(payload(1), { portId: server.portId }),
      5000,
      "the ACK of request 1",
    );
    assert.equal(ack.type, NLMSG_ERROR);
    const err = await withTimeout(
      client.request(payload(2), { portId: server.portId, operation: "my request" }),
      5000,
      "the error answer to request 2",
    ).then(() => assert.fail("expected an error"), (e) => e);
    assert.ok(err instanceof NetlinkError, String(err));
    assert.equal(err.code, "EINVAL");
    assert.equal(err.extAck?.message, "value two is not allowed");
    assert.equal(err.operation, "my request");
    await withTimeout(serving, 5000, "the server to answer both requests");
    assert.deepEqual(served, [1, 2]);
    // Each answer names the seq its request arrived with.
    assert.notEqual(seqs[0], seqs[1]);
    assert.equal(ack.seq, seqs[0]);
    assert.equal(err.seq, seqs[1]);
    assert.equal(err.request?.seq, seqs[1]);
  },
);

test("USERSOCK: multicast to a group reaches a second socket", { skip: SKIP_KERNEL }, async () => {
  await using listener = await NetlinkSocket.open(NETLINK_USERSOCK, { groups: 1 << 4 }); // group 5
  await using other = await NetlinkSocket.open(NETLINK_USERSOCK, { join: [7] });
  await using sender = await NetlinkSocket.open(NETLINK_USERSOCK);
  // User-space senders: taken only when asked for (by default only the kernel's messages are).
  const got = listener.subscribe({ acceptFrom: [sender.portId] });
  const got7 = other.subscribe({ acceptFrom: "any" });
  sender.send(encodeMessage({ type: 0x20, payload: new TextEncoder().encode("hi!\0") }), {
    groups: 1 << 4,
  });
  sender.send(encodeMessage({ type: 0x21, payload: new Uint8Array(4) }), { groups: 1 << 6 });
  const first = await withTimeout(got.next(), 5000, "the multicast on group 5");
  assert.equal(first.done, false);
  assert.equal(first.value.type, 0x20);
  assert.equal(first.value.group, 5);
  assert.equal(first.value.sender, sender.portId);
  assert.equal(new TextDecoder().decode(first.value.payload), "hi!\0");
  const second = await withTimeout(got7.next(), 5000, "the multicast on group 7");
  assert.equal(second.value.type, 0x21);
  assert.equal(second.value.group, 7);
  await got.return!();
  await got7.return!();
});

test("join, leave and memberships, including groups above 32", { skip: SKIP_KERNEL }, async () => {
  // rtnetlink has more than 32 groups (RTNLGRP_BRVLAN = 33, RTNLGRP_STATS = 36).
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { groups: 1, join: [36] });
  assert.deepEqual(sock.memberships(), [1, 36]);
  sock.leave(1);
  sock.join(33);
  assert.deepEqual(sock.memberships(), [33, 36]);
  // USERSOCK has 32 groups: the kernel refuses 40.
  await using user = await NetlinkSocket.open(NETLINK_USERSOCK);
  assert.throws(() => user.join(40), (e) => e instanceof NetlinkError && e.code === "EINVAL");
});

test(
  "a chosen port id is bound, and a taken one fails with EADDRINUSE",
  { skip: SKIP_KERNEL },
  async () => {
    const port = 0x7e000000 + (Math.random() * 0xffff | 0);
    await using a = await NetlinkSocket.open(NETLINK_USERSOCK, { portId: port });
    assert.equal(a.portId, port);
    await assert.rejects(
      NetlinkSocket.open(NETLINK_USERSOCK, { portId: port }),
      (e) => e instanceof NetlinkError && e.code === "EADDRINUSE" && e.operation === "bind",
    );
  },
);

test("a protocol the kernel lacks fails with EPROTONOSUPPORT", { skip: SKIP_KERNEL }, async () => {
  await assert.rejects(
    NetlinkSocket.open(1 /* NETLINK_UNUSED */),
    (e) => e instanceof NetlinkError && e.code === "EPROTONOSUPPORT" && e.operation === "socket",
  );
});

test("misuse is a TypeError or RangeError before any syscall", async () => {
  await assert.rejects(NetlinkSocket.open(32), RangeError);
  await assert.rejects(NetlinkSocket.open(-1), RangeError);
  await assert.rejects(NetlinkSocket.open(NETLINK_ROUTE, { groups: -1 }), RangeError);
  await assert.rejects(
    NetlinkSocket.open(NETLINK_ROUTE, { join: [0] }),
    /groups are numbered from 1/,
  );
  await assert.rejects(
    NetlinkSocket.open(NETLINK_ROUTE, { type: "stream" as "raw" }),
    TypeError,
  );
});

test("a closed socket refuses work with a TypeError", { skip: SKIP_KERNEL }, async () => {
  const sock = await NetlinkSocket.open(NETLINK_ROUTE);
  assert.throws(() => sock.join(0), RangeError);
  assert.throws(() => sock.join(2000), RangeError);
  sock.close();
  sock.close();
  assert.ok(sock.closed);
  assert.throws(() => sock.join(1), TypeError);
  assert.throws(() => sock.send(encodeMessage({ type: 18 })), TypeError);
  assert.throws(() => sock.request(encodeMessage({ type: 18 })), TypeError);
});

test(
  "close() ends a pending subscription and fails a pending request",
  { skip: SKIP_KERNEL },
  async () => {
    const server = await NetlinkSocket.open(NETLINK_USERSOCK);
    const client = await NetlinkSocket.open(NETLINK_USERSOCK);
    const sub = server.subscribe({ acceptFrom: "any" });
    const pending = sub.next();
    const req = client.request(encodeMessage({ type: 0x10 }), { portId: server.portId });
    const received = await withTimeout(pending, 5000, "the request at the server");
    assert.equal(received.value.type, 0x10);
    const next = sub.next();
    server.close();
    assert.deepEqual(await next, { value: undefined, done: true });
    client.close();
    await assert.rejects(req, TypeError);
  },
);

test("an aborted request rejects with the signal's reason", { skip: SKIP_KERNEL }, async () => {
  await using server = await NetlinkSocket.open(NETLINK_USERSOCK);
  await using client = await NetlinkSocket.open(NETLINK_USERSOCK);
  const ac = new AbortController();
  const req = client.request(encodeMessage({ type: 0x10 }), {
    portId: server.portId,
    signal: ac.signal,
  });
  const reason = new Error("gave up");
  ac.abort(reason);
  await assert.rejects(req, (e) => e === reason);
});

test(
  "an answer from an unexpected sender is not taken as the reply",
  { skip: SKIP_KERNEL },
  async () => {
    await using server = await NetlinkSocket.open(NETLINK_USERSOCK, { type: "dgram" });
    await using client = await NetlinkSocket.open(NETLINK_USERSOCK);
    await using forger = await NetlinkSocket.open(NETLINK_USERSOCK);
    const requests = server.subscribe({ acceptFrom: [client.portId] });
    const answer = client.request(encodeMessage({ type: MY_REQUEST }), { portId: server.portId });
    const { value: req } = await withTimeout(requests.next(), 5000, "the request at the server");
    // A third port sends an ACK with the right seq: it must be ignored (and counted).
    forger.send(encodeErrorMessage(req!, 0, { pid: client.portId }), { portId: client.portId });
    let settled = false;
    answer.then(() => (settled = true), () => (settled = true));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(settled, false, "the forged ACK resolved the request");
    server.ack(req!, 0);
    const ack = await withTimeout(answer, 5000, "the server's ACK");
    assert.equal(ack.pid, client.portId);
    assert.equal(ack.seq, req!.seq);
    assert.equal(client.dropped, 1);
    await requests.return!();
  },
);
