// NetlinkSocket.requestBatch over the fake kernel: several requests in one datagram, one seq
// each (consecutive), and each message's own answer — ACK, error with extended ACK, replies,
// echoed notifications — matched by seq whatever order the answers come in; a barrier that
// settles the batch with the messages nobody answered marked; overruns, aborts and bad
// arguments. No kernel and no permission: this file runs in the no-permission pass of
// tests/run.sh (the real kernel's side is in tests/nft.test.ts).
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import {
  NETLINK_ROUTE,
  NLM_F_ACK,
  NLM_F_ECHO,
  NLM_F_REQUEST,
  NLMSG_NOOP,
} from "../codec/constants.ts";
import { encodeMessage } from "../codec/message.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { answered, CapabilityError, isOverrun, NetlinkSocket } from "../socket/socket.ts";
import { type FakeHandler, FakeKernel } from "../testing/fake_kernel.ts";

const A = 0x20, B = 0x21, C = 0x22, SILENT = 0x23;
const EINVAL = 22;

function msg(type: number, flags = NLM_F_ACK, n = 0): Uint8Array {
  const payload = new Uint8Array(4);
  new DataView(payload.buffer).setUint32(0, n, true);
  return encodeMessage({ type, flags, payload });
}

/** A fake kernel and a socket over an endpoint whose datagrams are recorded. */
async function setUp(handler: FakeHandler, options = {}) {
  const kernel = new FakeKernel(NETLINK_ROUTE, handler);
  const endpoint = kernel.endpoint();
  const datagrams: Uint8Array[] = [];
  const send = endpoint.send.bind(endpoint);
  endpoint.send = (data, portId, groups) => {
    datagrams.push(data.slice());
    send(data, portId, groups);
  };
  const sock = await NetlinkSocket.fromTransport(endpoint, NETLINK_ROUTE, options);
  return { kernel, endpoint, datagrams, sock };
}

test("batch: one datagram, consecutive seqs, flags kept; each message gets its ACK, error or replies", async () => {
  const { kernel, datagrams, sock } = await setUp((r, k) => {
    if (r.type === B) return k.error(EINVAL, { message: "bad B", offset: 16 });
    if (r.type === C) k.reply({ type: C + 1, payload: r.payload.slice() });
    if (r.flags & NLM_F_ACK) k.ack();
  });
  await using _ = sock;
  const answers = await sock.requestBatch([msg(A), msg(B), msg(C, NLM_F_ACK, 7), msg(A, 0)]);
  assert.equal(datagrams.length, 1, "the whole batch is one datagram");
  const seqs = kernel.requests.map((r) => r.seq);
  assert.equal(seqs.length, 4);
  seqs.forEach((s, i) => assert.equal(s, (seqs[0] + i) >>> 0, "consecutive seqs"));
  assert.notEqual(seqs[0], 0);
  assert.deepEqual(kernel.requests.map((r) => r.flags), [
    NLM_F_REQUEST | NLM_F_ACK,
    NLM_F_REQUEST | NLM_F_ACK,
    NLM_F_REQUEST | NLM_F_ACK,
    NLM_F_REQUEST,
  ]);
  assert.deepEqual(answers.map((a) => [a.seq, a.type, a.acked]), [
    [seqs[0], A, true],
    [seqs[1], B, false],
    [seqs[2], C, true],
    [seqs[3], A, false],
  ]);
  const err = answers[1].error!;
  assert.ok(err instanceof NetlinkError);
  assert.equal(err.code, "EINVAL");
  assert.equal(err.seq, seqs[1]);
  assert.equal(err.extAck?.message, "bad B");
  assert.equal(err.extAck?.offset, 16);
  assert.match(err.message, /message 2 \(type 33\)/);
  assert.equal(answers[2].replies.length, 1);
  assert.equal(answers[2].replies[0].type, C + 1);
  const echoed = answers[2].replies[0].payload;
  assert.equal(new DataView(echoed.buffer, echoed.byteOffset).getUint32(0, true), 7);
  assert.deepEqual(answers.map((a) => a.replies.length), [0, 0, 1, 0]);
  assert.deepEqual(answers.map(answered), [true, true, true, false]);
  assert.equal(sock.dropped, 0);
});

test("batch: answers that come out of order land on their own message, named as asked", async () => {
  const { sock } = await setUp(async (r, k) => {
    // The first message is answered last, after a delay.
    if (r.type === A) await new Promise((ok) => setTimeout(ok, 20));
    if (r.type === B) k.error(EINVAL);
    else k.ack();
  });
  await using _ = sock;
  const answers = await sock.requestBatch([msg(A), msg(B), msg(C)], {
    operation: "demo batch",
    operations: ["first", "second"],
  });
  assert.deepEqual(answers.map((a) => [a.type, a.acked, a.error?.code]), [
    [A, true, undefined],
    [B, false, "EINVAL"],
    [C, true, undefined],
  ]);
  assert.match(answers[1].error!.message, /^second failed: EINVAL/);
});

test("batch: a notification echoed with this port and seq goes to the message that asked for NLM_F_ECHO, and to subscribers", async () => {
  const GROUP = 5;
  const { sock } = await setUp((r, k) => {
    // As nlmsg_notify() with report: the multicast copy, group set, unicast to the requester.
    const echo = (pid: number) =>
      k.endpoint.deliver({
        data: encodeMessage({ type: r.type + 1, seq: r.seq, pid, payload: r.payload.slice() }),
        sender: 0,
        group: GROUP,
      });
    echo(k.endpoint.portId);
    if (r.type === B) echo(k.endpoint.portId + 1); // another socket's change: not ours
    k.ack();
  }, { join: [GROUP] });
  await using _ = sock;
  const sub = sock.subscribe();
  const answers = await sock.requestBatch([msg(A, NLM_F_ACK | NLM_F_ECHO), msg(B), msg(C)]);
  assert.deepEqual(answers.map((a) => a.replies.map((m) => m.type)), [[A + 1], [], []]);
  assert.equal(answers[0].replies[0].pid, sock.portId);
  // The subscription saw every notification, the echo included, in order.
  const seen: number[] = [];
  for await (const m of sub) {
    assert.ok(!isOverrun(m));
    seen.push(m.type);
    if (seen.length === 4) break;
  }
  assert.deepEqual(seen, [A + 1, B + 1, B + 1, C + 1]);
});

test("batch: with a barrier, messages the kernel never answers come back unanswered", async () => {
  // The kernel handles a datagram inside sendmsg(), so it answers the barrier after the whole
  // batch; the fake kernel awaits between messages and would start on the barrier first: hold
  // its answer until the batch's last message (type A here) was handled.
  let held: (() => void) | undefined, batchDone = false;
  const { kernel, datagrams, sock } = await setUp((r, k) => {
    if (r.type === NLMSG_NOOP && !batchDone) held = () => k.ack();
    else if (r.type !== SILENT) k.ack();
    if (r.type === A) {
      batchDone = true;
      held?.();
    }
  });
  await using _ = sock;
  const answers = await sock.requestBatch([msg(SILENT, 0), msg(SILENT), msg(A)], {
    barrier: true,
  });
  assert.deepEqual(answers.map(answered), [false, false, true]);
  assert.equal(datagrams.length, 2, "the batch, then the barrier on its own");
  const barrier = kernel.requests.find((r) => r.type === NLMSG_NOOP)!;
  assert.equal(barrier.flags, NLM_F_REQUEST | NLM_F_ACK);
  assert.equal(barrier.seq, (answers[2].seq + 1) >>> 0);
  assert.deepEqual(kernel.requests.filter((r) => r.type !== NLMSG_NOOP).map((r) => r.seq), [
    answers[0].seq,
    answers[1].seq,
    answers[2].seq,
  ]);
  // Without the barrier the same batch would wait for the silent message's ACK forever.
  const pending = sock.requestBatch([msg(SILENT), msg(A)], { signal: AbortSignal.timeout(100) });
  await assert.rejects(pending, (e: unknown) => (e as Error).name === "TimeoutError");
  assert.equal((await sock.request(msg(A))).type, 2, "the socket is still usable");
});

test("batch: an overrun while it waits rejects with ENOBUFS saying it may have been applied", async () => {
  const { sock } = await setUp((r, k) => {
    if (r.type === C) k.endpoint.overflow(); // the answers so far are dropped, ENOBUFS pending
    else k.ack();
  });
  await using _ = sock;
  const err = await sock.requestBatch([msg(A), msg(B), msg(C)], { operation: "demo" }).then(
    () => assert.fail("answers were lost: the batch cannot resolve"),
    (e) => e,
  );
  assert.ok(err instanceof NetlinkError, String(err));
  assert.equal(err.code, "ENOBUFS");
  assert.match(err.message, /^demo failed: ENOBUFS.*may or may not have been applied/);
  assert.equal(sock.overruns, 1);
});

test("batch: aborting drops its late answers and leaves the socket usable", async () => {
  const { sock } = await setUp(async (r, k) => {
    if (r.type === B) await new Promise((ok) => setTimeout(ok, 30));
    k.ack();
  });
  await using _ = sock;
  const ac = new AbortController();
  const pending = sock.requestBatch([msg(A), msg(B)], { signal: ac.signal });
  ac.abort(new Error("stop"));
  await assert.rejects(pending, /stop/);
  await new Promise((ok) => setTimeout(ok, 60));
  assert.equal((await sock.request(msg(C))).type, 2);
  assert.ok(sock.dropped >= 1, "the late answers were dropped");
  const aborted = AbortSignal.abort(new Error("before"));
  await assert.rejects(sock.requestBatch([msg(A)], { signal: aborted }), /before/);
});

test("batch: a refused message's EPERM names the capability; bad arguments fail before sending", async () => {
  const { kernel, sock } = await setUp((r, k) => (r.type === A ? k.error(1) : k.ack()));
  await using _ = sock;
  const [perm, fine] = await sock.requestBatch([msg(A), msg(B)]);
  assert.ok(perm.error instanceof CapabilityError, String(perm.error));
  assert.equal(perm.error.code, "EPERM");
  assert.match(perm.error.message, /CAP_NET_ADMIN/);
  assert.equal(fine.acked, true);
  const before = kernel.requests.length;
  assert.throws(() => sock.requestBatch([]), TypeError);
  assert.throws(() => sock.requestBatch([msg(A, 0)]), /needs barrier: true/);
  assert.throws(() => sock.requestBatch([new Uint8Array(8)]), RangeError);
  assert.throws(() => sock.requestBatch([msg(A)], { barrier: 1 as never }), TypeError);
  assert.equal(kernel.requests.length, before, "nothing was sent");
});

test("batch: a datagram longer than the send buffer fails with EMSGSIZE naming the batch", async () => {
  const { sock } = await setUp((_r, k) => k.ack(), { sendBufferSize: 1024 });
  await using _ = sock;
  const big = encodeMessage({ type: A, flags: NLM_F_ACK, payload: new Uint8Array(3000) });
  const err = await sock.requestBatch([msg(A), big], { operation: "big batch" }).catch((e) => e);
  assert.ok(err instanceof NetlinkError, String(err));
  assert.equal(err.code, "EMSGSIZE");
  assert.match(err.message, /^big batch failed: EMSGSIZE/);
  assert.equal((await sock.request(msg(A))).type, 2, "the socket is still usable");
});
