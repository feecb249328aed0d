// Reliability of the socket's state machine over the fake kernel (testing/fake_kernel.ts, which
// models the kernel's receive-buffer accounting, its pending ENOBUFS and congestion, and the
// send buffer): every pending request settles on overload, overruns are part of the stream,
// abort stops at once, hostile peers harm nothing, bad arguments fail before any system call,
// refused operations name their capability. No kernel and no permission: this file runs in the
// no-permission pass of tests/run.sh (the real-kernel side is in tests/reliability_*.test.ts).
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import {
  NETLINK_AUDIT,
  NETLINK_KOBJECT_UEVENT,
  NETLINK_ROUTE,
  NETLINK_USERSOCK,
  NLM_F_ACK,
  NLMSG_ERROR,
} from "../codec/constants.ts";
import { NetlinkDecodeError } from "../codec/errors.ts";
import { encodeMessage, type NetlinkMessage } from "../codec/message.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { CapabilityError, isOverrun, NetlinkSocket, requiredCapability } from "../socket/socket.ts";
import { FakeKernel } from "../testing/fake_kernel.ts";

const GET = 18, NEW = 16, ROUTE_NTF = 24;

function body(n: number, size = 4): Uint8Array {
  const b = new Uint8Array(size);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

function req(type: number, n = 0): Uint8Array {
  return encodeMessage({ type, payload: body(n) });
}

function u32(m: NetlinkMessage): number {
  return new DataView(m.payload.buffer, m.payload.byteOffset).getUint32(0, true);
}

/** A kernel that answers GET with one NEW (echoing the payload) and the ACK it was asked for. */
function echoKernel(protocol = NETLINK_ROUTE) {
  return new FakeKernel(protocol, (r, k) => {
    if (r.type === GET) k.reply({ type: NEW, payload: r.payload.slice() });
    if (r.flags & NLM_F_ACK) k.ack();
  });
}

/** Notifications on group 7 until the endpoint refuses one (its buffer is full). */
function flood(kernel: FakeKernel, n = 200): void {
  for (let i = 0; i < n; i++) kernel.notify(7, { type: ROUTE_NTF, payload: new Uint8Array(100) });
}

test("fake overload: a request whose reply an overflow dropped rejects with ENOBUFS naming it", async () => {
  const kernel = echoKernel();
  // The reproducer: group 7, a small buffer, nobody reads, a flood, then a request.
  await using sock = await kernel.open({ join: [7], receiveBufferSize: 1024 });
  flood(kernel);
  const endpoint = kernel.endpoints()[0];
  assert.ok(endpoint.drops > 0, "the flood overflowed the buffer");
  const err = await sock.request(req(GET, 1), { operation: "RTM_GETLINK" }).then(
    () => assert.fail("the reply was dropped: the request cannot resolve"),
    (e) => e,
  );
  const seq = kernel.requests[0].seq;
  assert.ok(err instanceof NetlinkError, String(err));
  assert.equal(err.code, "ENOBUFS");
  assert.equal(err.operation, "RTM_GETLINK");
  assert.equal(err.seq, seq);
  assert.match(err.message, /^RTM_GETLINK failed: ENOBUFS \(.*\): .*reply may have been dropped/);
  assert.ok(err.message.endsWith(`[seq ${seq}]`), err.message);
  assert.equal(sock.overruns, 1);
  assert.ok(sock.dropped > 0, "the queued notifications nobody subscribed to were dropped");
  // Congestion ends once the queue was read empty: the next request is answered.
  assert.equal(u32(await sock.request(req(GET, 2))), 2);
});

test("fake overload: a reply queued before the overflow still resolves its request", async () => {
  const kernel = new FakeKernel(NETLINK_ROUTE, (r, k) => {
    k.reply({ type: NEW, payload: r.payload.slice() });
    k.ack();
    flood(kernel); // after the answer: the overrun is reported first, the answer is kept
  });
  await using sock = await kernel.open({ join: [7], receiveBufferSize: 1024 });
  assert.equal(u32(await sock.request(req(GET, 5))), 5);
  assert.equal(sock.overruns, 1);
});

test("fake overload: a dump the overflow cut short fails; the next dump is whole", async () => {
  let big = true;
  const kernel = new FakeKernel(NETLINK_ROUTE, (_r, k) => {
    const n = big ? 50 : 3;
    k.dump(
      Array.from({ length: n }, (_, i) => ({ type: NEW, payload: body(i, 200) })),
      { perDatagram: 1 },
    );
  });
  await using sock = await kernel.open({ receiveBufferSize: 1024 });
  const got: number[] = [];
  const err = await (async () => {
    for await (const m of sock.dump(req(GET), { operation: "RTM_GETLINK dump" })) got.push(u32(m));
  })().then(() => undefined, (e) => e);
  assert.ok(err instanceof NetlinkError, `the dump ended after ${got.length} messages`);
  assert.equal(err.code, "ENOBUFS");
  assert.match(err.message, /rest of the dump may have been dropped/);
  assert.ok(got.length > 0 && got.length < 50, `${got.length} messages arrived`);
  assert.deepEqual(got, got.map((_, i) => i), "what arrived is in order");
  big = false;
  const again: number[] = [];
  for await (const m of sock.dump(req(GET))) again.push(u32(m));
  assert.deepEqual(again, [0, 1, 2]);
});

test("fake overload: every notification lost comes before the marker; after it, all come", async () => {
  const kernel = echoKernel();
  await using sock = await kernel.open({ join: [7], receiveBufferSize: 1024 });
  const it = sock.subscribe();
  flood(kernel, 50); // nobody reads meanwhile
  const drops = kernel.endpoints()[0].drops;
  assert.ok(drops > 0);
  let kept = 0;
  for (;;) {
    const m = (await it.next()).value!;
    if (isOverrun(m)) break;
    kept++;
  }
  assert.equal(kept + drops, 50, "what was kept came before the marker");
  // The kernel drops silently until the queue is empty; the marker comes after that, so a
  // notification sent now is delivered (a re-read started at the marker misses nothing).
  for (let i = 0; i < 3; i++) kernel.notify(7, { type: ROUTE_NTF, payload: body(100 + i) });
  const after = [];
  for (let i = 0; i < 3; i++) after.push(u32((await it.next()).value!));
  assert.deepEqual(after, [100, 101, 102]);
  assert.equal(kernel.endpoints()[0].drops, drops);
  assert.equal(sock.overruns, 1);
  await it.return!();
});

test("fake overload: NO_ENOBUFS hides the overrun; the marker needs it reported", async () => {
  const kernel = echoKernel();
  await using quiet = await kernel.open({ join: [7], receiveBufferSize: 1024, noEnobufs: true });
  const it = quiet.subscribe();
  flood(kernel);
  const seen: boolean[] = [];
  for (let i = 0; i < 3; i++) seen.push(isOverrun((await it.next()).value!));
  assert.deepEqual(seen, [false, false, false]);
  assert.equal(quiet.overruns, 0);
  assert.ok(kernel.endpoints()[0].drops > 0);
  await it.return!();
});

test("fake abort: an already-aborted signal rejects everywhere and sends nothing", async () => {
  const kernel = echoKernel();
  await using sock = await kernel.open({ join: [1] });
  const ac = new AbortController();
  ac.abort(new Error("gave up before"));
  const reason = /gave up before/;
  await assert.rejects(sock.request(req(GET), { signal: ac.signal }), reason);
  await assert.rejects(sock.dump(req(GET), { signal: ac.signal }).next(), reason);
  await assert.rejects(sock.dumpBatches(req(GET), { signal: ac.signal }).next(), reason);
  const sub = sock.subscribe({ signal: ac.signal });
  kernel.notify(1, { type: NEW, payload: body(1) });
  await assert.rejects(sub.next(), reason);
  assert.deepEqual(await sub.next(), { value: undefined, done: true });
  assert.equal(kernel.requests.length, 0, "nothing was sent");
  // Unframed sockets too.
  const ue = new FakeKernel(NETLINK_KOBJECT_UEVENT, () => {});
  await using usock = await ue.open({ groups: 1 });
  await assert.rejects(usock.datagrams({ signal: ac.signal }).next(), reason);
  // The socket is unharmed.
  assert.equal(u32(await sock.request(req(GET, 4))), 4);
});

test("fake abort: aborting a dump mid-way yields nothing more; the socket stays usable", async () => {
  const kernel = new FakeKernel(NETLINK_ROUTE, (r, k) => {
    if (r.flags & 0x300) {
      // 1000 messages in one datagram: all queued in the stream at once.
      k.dump(Array.from({ length: 1000 }, (_, i) => ({ type: NEW, payload: body(i) })), {
        perDatagram: 1001,
      });
    } else {
      k.reply({ type: NEW, payload: body(77) });
      k.ack();
    }
  });
  await using sock = await kernel.open();
  for (const batched of [false, true]) {
    const ac = new AbortController();
    const it = batched
      ? sock.dumpBatches(req(GET), { signal: ac.signal })
      : sock.dump(req(GET), { signal: ac.signal });
    const first = await it.next();
    assert.equal(first.done, false);
    ac.abort(new Error("enough"));
    let after = 0;
    const end = await (async () => {
      for (;;) {
        const r = await it.next();
        if (r.done) return "done";
        after++;
      }
    })().catch((e) => e);
    assert.equal(after, 0, `${after} items came after abort() (batched: ${batched})`);
    assert.match(String(end), /enough/);
    assert.equal(u32(await sock.request(req(20))), 77, "the rest was drained");
  }
});

test("fake peers: a malformed datagram is counted; requests and subscriptions go on", async () => {
  const kernel = echoKernel();
  await using sock = await kernel.open({ join: [1] });
  const sub = sock.subscribe();
  const endpoint = kernel.endpoints()[0];
  const bad = encodeMessage({ type: NEW, seq: 4242, payload: body(1) });
  new DataView(bad.buffer).setUint32(0, 9999, true); // nlmsg_len past the end
  endpoint.deliver({ data: bad, sender: 0, group: 1 }); // a broken multicast
  endpoint.deliver({ data: bad.subarray(0, 10), sender: 0, group: 0 }); // shorter than a header
  kernel.notify(1, { type: NEW, payload: body(3) });
  assert.equal(u32((await sub.next()).value!), 3);
  assert.equal(u32(await sock.request(req(GET, 8))), 8);
  assert.equal(sock.malformed, 2);
  await sub.return!();
});

test("fake peers: a malformed NLMSG_ERROR from a peer fails only the request it names", async () => {
  const kernel = new FakeKernel(NETLINK_USERSOCK, () => {});
  await using client = await kernel.open();
  await using server = await kernel.open();
  const requests = server.subscribe({ acceptFrom: "any" });
  const a = client.request(req(0x10, 1), { portId: server.portId, operation: "request A" });
  const b = client.request(req(0x10, 2), { portId: server.portId, operation: "request B" });
  const ra = (await requests.next()).value!, rb = (await requests.next()).value!;
  assert.deepEqual([u32(ra), u32(rb)], [1, 2]);
  // An NLMSG_ERROR whose body is 2 bytes: the framing is fine, the error cannot be decoded.
  server.send(encodeMessage({ type: NLMSG_ERROR, seq: ra.seq, payload: new Uint8Array(2) }), {
    portId: client.portId,
  });
  await assert.rejects(a, (e: unknown) => {
    assert.ok(e instanceof NetlinkDecodeError, String(e));
    assert.match(e.message, new RegExp(`^request A: malformed answer \\[seq ${ra.seq}\\]`));
    return true;
  });
  server.ack(rb);
  assert.equal((await b).type, NLMSG_ERROR);
  await requests.return!();
});

test("fake peers: notifications from another port are dropped unless accepted", async () => {
  const kernel = echoKernel();
  await using sock = await kernel.open({ join: [1] });
  await using forger = await kernel.open();
  const sub = sock.subscribe();
  const open = sock.subscribe({ acceptFrom: "any" });
  const listed = sock.subscribe({ acceptFrom: [forger.portId] });
  const forged = (n: number) => encodeMessage({ type: NEW, payload: body(n) });
  forger.send(forged(100), { groups: 1 }); // a forged multicast
  forger.send(forged(101), { portId: sock.portId }); // a forged unicast, not a reply
  kernel.notify(1, { type: NEW, payload: body(1) }); // the kernel's own
  const first = (await sub.next()).value!;
  assert.deepEqual([u32(first), first.sender], [1, 0]);
  const fromAny = [(await open.next()).value!, (await open.next()).value!];
  assert.deepEqual(fromAny.map((m) => [u32(m), m.sender]), [
    [100, forger.portId],
    [101, forger.portId],
  ]);
  assert.deepEqual([u32((await listed.next()).value!), u32((await listed.next()).value!)], [
    100,
    101,
  ]);
  assert.equal(sock.dropped, 0, "each forged message was taken by a subscription that asked");
  await open.return!();
  await listed.return!();
  forger.send(forged(102), { portId: sock.portId });
  kernel.notify(1, { type: NEW, payload: body(2) });
  assert.equal(u32((await sub.next()).value!), 2);
  assert.equal(sock.dropped, 1, "the forged unicast nobody accepts is counted");
  await sub.return!();
});

test("fake: a message longer than the send buffer fails naming the operation and sizes", async () => {
  const kernel = echoKernel();
  await using sock = await kernel.open();
  const huge = encodeMessage({ type: NEW, payload: new Uint8Array(300_000) });
  await assert.rejects(sock.request(huge, { operation: "RTM_NEWLINK" }), (e: unknown) => {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, "EMSGSIZE");
    assert.equal(e.operation, "RTM_NEWLINK");
    assert.match(
      e.message,
      /the 300016-byte message does not fit the 212992-byte send buffer \(at most 212960 bytes\)/,
    );
    return true;
  });
  assert.equal(kernel.requests.length, 0);
  await using roomy = await kernel.open({ sendBufferSize: 1 << 20 });
  assert.equal((await roomy.request(huge)).type, NLMSG_ERROR);
});

test("fake: EPERM from the kernel names the capability the request needed", async () => {
  const kernel = new FakeKernel(NETLINK_ROUTE, (r, k) => r.type === GET ? k.ack() : k.error(1));
  await using sock = await kernel.open();
  await assert.rejects(sock.request(req(NEW), { operation: "RTM_NEWLINK" }), (e: unknown) => {
    assert.ok(e instanceof CapabilityError, String(e));
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, "EPERM");
    assert.equal(e.capability, "CAP_NET_ADMIN");
    assert.match(e.message, /^RTM_NEWLINK failed: EPERM \(.*\): needs CAP_NET_ADMIN \[seq \d+\]$/);
    return true;
  });
  const audit = new FakeKernel(NETLINK_AUDIT, (_r, k) => k.error(1));
  await using asock = await audit.open();
  await assert.rejects(
    asock.request(encodeMessage({ type: 1000 /* AUDIT_GET */ })),
    (e: unknown) => e instanceof CapabilityError && e.capability === "CAP_AUDIT_CONTROL",
  );
  await assert.rejects(
    asock.request(encodeMessage({ type: 1107 /* AUDIT_USER_AVC */ })),
    (e: unknown) => e instanceof CapabilityError && e.capability === "CAP_AUDIT_WRITE",
  );
  assert.equal(
    requiredCapability({ kind: "join", protocol: NETLINK_AUDIT, group: 1 }),
    "CAP_AUDIT_READ",
  );
  assert.equal(requiredCapability({ kind: "netns" }), "CAP_SYS_ADMIN");
  assert.equal(requiredCapability({ kind: "force-buffer" }), "CAP_NET_ADMIN");
  assert.equal(
    requiredCapability({ kind: "request", protocol: NETLINK_KOBJECT_UEVENT, type: 0 }),
    "CAP_SYS_ADMIN",
  );
});

test("fake: ack false sends no NLM_F_ACK and resolves on the first answer", async () => {
  const kernel = echoKernel();
  await using sock = await kernel.open();
  const reply = await sock.request(req(GET, 9), { ack: false });
  assert.equal(reply.type, NEW);
  assert.equal(u32(reply), 9);
  assert.equal(kernel.requests[0].flags & NLM_F_ACK, 0);
  // An error answer still settles it.
  const failing = new FakeKernel(NETLINK_ROUTE, (_r, k) => k.error(22));
  await using f = await failing.open();
  await assert.rejects(f.request(req(GET), { ack: false }), /EINVAL/);
});

test("fake: bad arguments fail with TypeError or RangeError before any system call", async () => {
  // NetlinkSocket.open validates before loading libc: in the no-permission pass a call that
  // got as far as FFI would fail with a permission error instead.
  const bad: [Record<string, unknown>, ErrorConstructor][] = [
    [{ sendBufferSize: 0 }, RangeError],
    [{ sendBufferSize: 2 ** 31 }, RangeError],
    [{ sendBufferSize: 1.5 }, RangeError],
    [{ receiveBufferSize: -1 }, RangeError],
    [{ messageBufferSize: 2 ** 40 }, RangeError],
    [{ messageBufferSize: 100 }, RangeError],
    [{ portId: -1 }, RangeError],
    [{ portId: 2 ** 32 }, RangeError],
    [{ groups: 1.5 }, RangeError],
    [{ join: 3 }, TypeError],
    [{ join: [0] }, RangeError],
    [{ join: ["1"] }, TypeError],
    [{ extAck: "yes" }, TypeError],
    [{ noEnobufs: 1 }, TypeError],
    [{ framed: "no" }, TypeError],
    [{ netns: "" }, TypeError],
    [{ netns: -1 }, TypeError],
    [{ netns: 1.5 }, TypeError],
    [{ type: "stream" }, TypeError],
  ];
  for (const [options, type] of bad) {
    await assert.rejects(
      NetlinkSocket.open(NETLINK_ROUTE, options),
      type,
      `open(${JSON.stringify(options)})`,
    );
  }
  await assert.rejects(NetlinkSocket.open(32), RangeError);
  await assert.rejects(NetlinkSocket.open("0" as unknown as number), RangeError);
  await assert.rejects(NetlinkSocket.open(0, null as unknown as undefined), TypeError);
  // On an open socket: nothing reaches the transport.
  const kernel = echoKernel();
  await using sock = await kernel.open();
  const endpoint = kernel.endpoints()[0];
  const optionsBefore = new Map(endpoint.options);
  assert.throws(() => sock.setOption(5, 2 ** 33), RangeError);
  assert.throws(() => sock.setOption(5, "1" as unknown as number), TypeError);
  assert.throws(() => sock.setOption(0, 1), RangeError);
  assert.throws(() => sock.getOption(-1), RangeError);
  assert.throws(() => sock.setReceiveBufferSize(0), RangeError);
  assert.throws(() => sock.setSendBufferSize(2 ** 31), RangeError);
  assert.throws(() => sock.join(0), RangeError);
  assert.throws(() => sock.leave(1025), RangeError);
  assert.throws(() => sock.send(req(GET), { portId: -1 }), RangeError);
  assert.throws(() => sock.request(req(GET), { portId: 2 ** 32 }), RangeError);
  assert.throws(() => sock.request(req(GET), { signal: {} as AbortSignal }), TypeError);
  assert.throws(() => sock.request(req(GET), { ack: "no" as unknown as boolean }), TypeError);
  assert.throws(() => sock.dump(req(GET), { operation: 7 as unknown as string }), TypeError);
  assert.throws(() => sock.subscribe({ overrun: "skip" as "mark" }), TypeError);
  assert.throws(() => sock.subscribe({ acceptFrom: "nobody" as "any" }), TypeError);
  assert.throws(() => sock.subscribe({ acceptFrom: [-1] }), RangeError);
  assert.throws(() => sock.ack({} as never), TypeError);
  assert.equal(kernel.requests.length, 0);
  assert.deepEqual(endpoint.options, optionsBefore);
});
