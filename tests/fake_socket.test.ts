// NetlinkSocket's state machine over the fake kernel (testing/fake_kernel.ts): seq and port
// matching, multipart reassembly across datagrams, DUMP_INTR, errors with extended ACKs,
// overruns, abort, notifications and close. No kernel and no permission: this file runs in
// the no-permission pass of tests/run.sh.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { NETLINK_ROUTE, NLM_F_DUMP_INTR, NLMSG_ERROR, NLMSG_OVERRUN } from "../codec/constants.ts";
import { encodeMessage, type NetlinkMessage } from "../codec/message.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { encodeErrorMessage } from "../codec/nlmsgerr.ts";
import { NetlinkDecodeError } from "../codec/errors.ts";
import { FakeKernel } from "../testing/fake_kernel.ts";
import { isOverrun } from "../socket/socket.ts";

const GET = 18, NEW = 16;

/** A request of type `type` with a 4-byte payload `n` (the fake echoes `n` back). */
function req(type: number, n = 0): Uint8Array {
  const payload = new Uint8Array(4);
  new DataView(payload.buffer).setUint32(0, n, true);
  return encodeMessage({ type, payload });
}

function u32(m: NetlinkMessage): number {
  return new DataView(m.payload.buffer, m.payload.byteOffset).getUint32(0, true);
}

function body(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

test("fake: a request resolves with its own reply; an ACK-only request with the ACK", async () => {
  const kernel = new FakeKernel(NETLINK_ROUTE, (r, k) => {
    if (r.type === GET) k.reply({ type: NEW, payload: r.payload.slice() });
    k.ack();
  });
  await using sock = await kernel.open();
  const reply = await sock.request(req(GET, 7));
  assert.equal(reply.type, NEW);
  assert.equal(u32(reply), 7);
  assert.equal(reply.seq, kernel.requests[0].seq);
  assert.equal(reply.pid, sock.portId);
  const ack = await sock.request(req(20));
  assert.equal(ack.type, NLMSG_ERROR);
  assert.equal(ack.seq, kernel.requests[1].seq);
  assert.notEqual(kernel.requests[0].seq, kernel.requests[1].seq);
  // NLM_F_REQUEST | NLM_F_ACK were added by the socket.
  assert.equal(kernel.requests[0].flags & 0x5, 0x5);
});

test("fake: concurrent requests answered out of order each get their own reply", async () => {
  const held: (() => void)[] = [];
  const kernel = new FakeKernel(NETLINK_ROUTE, (r, k) => {
    held.push(() => {
      k.reply({ type: NEW, payload: r.payload.slice() });
      k.ack(); // the request asked for one: it settles the request
    });
    if (held.length === 5) { for (const f of held.reverse()) f(); }
  });
  await using sock = await kernel.open();
  const replies = await Promise.all([1, 2, 3, 4, 5].map((n) => sock.request(req(GET, n))));
  assert.deepEqual(replies.map(u32), [1, 2, 3, 4, 5]);
  assert.deepEqual(replies.map((r) => r.seq), kernel.requests.map((r) => r.seq));
});

test("fake: a kernel error carries errno name, operation, seq and the extended ACK", async () => {
  const kernel = new FakeKernel(
    NETLINK_ROUTE,
    (_r, k) => k.error(22, { message: "Invalid value", offset: 20 }),
  );
  await using sock = await kernel.open();
  await assert.rejects(sock.request(req(GET), { operation: "RTM_GETLINK" }), (e: unknown) => {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, "EINVAL");
    assert.equal(e.operation, "RTM_GETLINK");
    assert.equal(e.seq, kernel.requests[0].seq);
    assert.equal(e.extAck?.message, "Invalid value");
    assert.equal(e.extAck?.offset, 20);
    assert.equal(e.request?.type, GET);
    return true;
  });
});

test("fake: a dump is reassembled across datagrams until NLMSG_DONE", async () => {
  let datagrams = 0;
  const kernel = new FakeKernel(NETLINK_ROUTE, (_r, k) => {
    const msgs = Array.from({ length: 7 }, (_, i) => ({ type: NEW, payload: body(i) }));
    k.dump(msgs, { perDatagram: 3 });
    datagrams = k.endpoint.queued;
  });
  await using sock = await kernel.open();
  const it = sock.dump(req(GET));
  const got: number[] = [];
  for await (const m of it) got.push(u32(m));
  assert.equal(datagrams, 3); // 7 messages + DONE, 3 per datagram
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(it.interrupted, false);
  assert.equal(kernel.requests[0].flags & 0x300, 0x300); // NLM_F_DUMP
});

test("fake: NLM_F_DUMP_INTR is reported; an error in NLMSG_DONE fails the dump", async () => {
  let mode = "intr";
  const kernel = new FakeKernel(NETLINK_ROUTE, (_r, k) => {
    if (mode === "intr") k.dump([{ type: NEW, payload: body(1) }], { interrupted: true });
    else k.dump([{ type: NEW, payload: body(1) }], { error: 16 });
  });
  await using sock = await kernel.open();
  const it = sock.dump(req(GET));
  const flags: number[] = [];
  for await (const m of it) flags.push(m.flags & NLM_F_DUMP_INTR);
  assert.deepEqual(flags, [NLM_F_DUMP_INTR]);
  assert.equal(it.interrupted, true);
  mode = "error";
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (const m of sock.dump(req(GET), { operation: "RTM_GETLINK dump" })) seen.push(u32(m));
  }, (e: unknown) => e instanceof NetlinkError && e.code === "EBUSY");
  assert.deepEqual(seen, [1]);
});

test("fake: dumps on one socket run one after another", async () => {
  let running = 0, maxRunning = 0;
  const finish: (() => void)[] = [];
  const kernel = new FakeKernel(NETLINK_ROUTE, (r, k) => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    finish.push(() => {
      running--;
      k.dump([{ type: NEW, payload: r.payload.slice() }]);
    });
    queueMicrotask(() => finish.shift()!());
  });
  await using sock = await kernel.open();
  const collect = async (n: number) => {
    const out: number[] = [];
    for await (const m of sock.dump(req(GET, n))) out.push(u32(m));
    return out;
  };
  assert.deepEqual(await Promise.all([collect(1), collect(2), collect(3)]), [[1], [2], [3]]);
  assert.equal(maxRunning, 1);
  assert.equal(kernel.requests.length, 3);
});

test("fake: breaking out of a dump drains it; the socket stays usable", async () => {
  const kernel = new FakeKernel(NETLINK_ROUTE, (r, k) => {
    if (r.type === GET && r.flags & 0x300) {
      k.dump(Array.from({ length: 10 }, (_, i) => ({ type: NEW, payload: body(i) })), {
        perDatagram: 1,
      });
    } else {
      k.reply({ type: NEW, payload: body(99) });
      k.ack();
    }
  });
  await using sock = await kernel.open();
  for await (const m of sock.dump(req(GET))) if (u32(m) === 2) break;
  assert.equal(u32(await sock.request(req(20))), 99);
  const all: number[] = [];
  for await (const m of sock.dump(req(GET))) all.push(u32(m));
  assert.equal(all.length, 10);
});

test("fake: a reply from another port is not taken for the kernel's", async () => {
  const kernel = new FakeKernel(NETLINK_ROUTE, () => {});
  await using sock = await kernel.open();
  await using other = await kernel.open();
  const pending = sock.request(req(GET));
  const forged = encodeMessage({ type: NEW, seq: kernel.requests[0].seq, payload: body(666) });
  other.send(forged, { portId: sock.portId });
  const genuine = encodeMessage({
    type: NEW,
    seq: kernel.requests[0].seq,
    pid: sock.portId,
    payload: body(1),
  });
  // The kernel's own answer comes after the forgery.
  await new Promise((r) => setTimeout(r, 10));
  kernel.endpoints()[0].deliver({ data: genuine, sender: 0, group: 0 });
  const ack = encodeErrorMessage(kernel.requests[0], 0, { pid: sock.portId });
  kernel.endpoints()[0].deliver({ data: ack, sender: 0, group: 0 });
  assert.equal(u32(await pending), 1);
  assert.equal(sock.dropped, 1);
});

test("fake: an already-aborted or aborted request rejects with the reason", async () => {
  const kernel = new FakeKernel(NETLINK_ROUTE, () => {}); // never answers
  await using sock = await kernel.open();
  const before = new AbortController();
  before.abort(new Error("before"));
  await assert.rejects(sock.request(req(GET), { signal: before.signal }), /before/);
  assert.equal(kernel.requests.length, 0, "nothing was sent");
  const during = new AbortController();
  const p = sock.request(req(GET), { signal: during.signal });
  during.abort(new Error("during"));
  await assert.rejects(p, /during/);
  assert.equal(kernel.requests.length, 1);
});

test("fake: notifications of joined groups only, with their group; leave stops them", async () => {
  const kernel = new FakeKernel(NETLINK_ROUTE, () => {});
  await using sock = await kernel.open({ join: [3] });
  const ac = new AbortController();
  const got: [number, number][] = [];
  const done = (async () => {
    for await (const m of sock.subscribe({ signal: ac.signal })) {
      got.push([m.group, u32(m)]);
      if (got.length === 2) break;
    }
  })();
  kernel.notify(5, { type: NEW, payload: body(1) }); // not joined
  kernel.notify(3, { type: NEW, payload: body(2) });
  sock.join(40);
  assert.deepEqual(sock.memberships(), [3, 40]);
  kernel.notify(40, { type: NEW, payload: body(3) });
  await done;
  assert.deepEqual(got, [[3, 2], [40, 3]]);
  sock.leave(3);
  assert.deepEqual(sock.memberships(), [40]);
});

test("fake: an overrun is a marker in the subscription, which goes on; counted", async () => {
  const kernel = new FakeKernel(NETLINK_ROUTE, () => {});
  await using sock = await kernel.open({ join: [1] });
  const it = sock.subscribe();
  kernel.notify(1, { type: NEW, payload: body(1) });
  kernel.endpoints()[0].overrun();
  kernel.notify(1, { type: NEW, payload: body(2) });
  // The kernel reports the pending error before what is still queued, and drops silently
  // until the queue is read empty: the marker comes then, after what was kept.
  assert.deepEqual([u32((await it.next()).value!), u32((await it.next()).value!)], [1, 2]);
  const marker = (await it.next()).value!;
  assert.equal(marker.type, NLMSG_OVERRUN);
  assert.ok(isOverrun(marker));
  assert.deepEqual(
    [marker.payload.length, marker.sender, marker.group, marker.seq],
    [0, 0, 0, 0],
  );
  kernel.notify(1, { type: NEW, payload: body(3) });
  assert.equal(u32((await it.next()).value!), 3, "the subscription goes on");
  assert.equal(sock.overruns, 1);
  await it.return!();
});

test("fake: with overrun 'throw' an overrun fails the subscription with ENOBUFS", async () => {
  const kernel = new FakeKernel(NETLINK_ROUTE, () => {});
  await using sock = await kernel.open({ join: [1] });
  const it = sock.subscribe({ overrun: "throw" });
  kernel.endpoints()[0].overrun();
  await assert.rejects(it.next(), (e: unknown) => {
    assert.ok(e instanceof NetlinkError);
    assert.equal(e.code, "ENOBUFS");
    assert.match(e.message, /notifications were lost/);
    return true;
  });
  assert.equal(sock.overruns, 1);
});

test("fake: a malformed reply fails the request it names with NetlinkDecodeError", async () => {
  const kernel = new FakeKernel(NETLINK_ROUTE, (r, k) => {
    const bad = encodeMessage({ type: NEW, seq: r.seq, pid: k.endpoint.portId, payload: body(1) });
    new DataView(bad.buffer).setUint32(0, 4000, true); // nlmsg_len past the datagram
    k.raw(bad);
  });
  await using sock = await kernel.open();
  await assert.rejects(sock.request(req(GET)), NetlinkDecodeError);
});

test("fake: close fails pending requests and ends iterators", async () => {
  const kernel = new FakeKernel(NETLINK_ROUTE, () => {});
  const sock = await kernel.open({ join: [1] });
  const pending = sock.request(req(GET));
  const sub = sock.subscribe();
  const next = sub.next();
  sock.close();
  await assert.rejects(pending, TypeError);
  assert.deepEqual(await next, { value: undefined, done: true });
  assert.throws(() => sock.send(req(GET)), TypeError);
  assert.equal(kernel.endpoints().length, 0);
});
