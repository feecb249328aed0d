// Datagram-level delivery over the fake kernel (issue 12): `dumpDatagrams()` and
// `subscribeDatagrams()` hand a synchronous visitor each datagram's messages where they lie in
// the receive buffer. The transport here lends its buffer as the libc one does (one buffer,
// scribbled over before every receive), so anything that kept a view of it instead of a copy
// would read garbage. Also: the receive buffer a subscription gets by default. No kernel and no
// permission: this file runs in the no-permission pass of tests/run.sh.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { NETLINK_ROUTE } from "../codec/constants.ts";
import { encodeMessage, forEachMessage, type NetlinkMessage } from "../codec/message.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { type FakeEndpoint, FakeKernel } from "../testing/fake_kernel.ts";
import {
  type DatagramSource,
  isOverrun,
  NetlinkSocket,
  SUBSCRIPTION_RECEIVE_BUFFER,
} from "../socket/socket.ts";
import type { ReceiveResult, Transport } from "../socket/transport.ts";

const GET = 18, NEW = 16;
const SOL_SOCKET = 1, SO_RCVBUF = 8;

/**
 * The fake endpoint, lending one reused buffer when asked to borrow (as LibcTransport does),
 * filled with 0xee before each receive. Counts borrowed receives.
 */
class LendingTransport implements Transport {
  borrowed = 0;
  #buf = new Uint8Array(1 << 16);
  constructor(readonly inner: FakeEndpoint) {}
  get scope(): unknown {
    return this.inner.scope;
  }
  receive(borrow = false): ReceiveResult {
    this.#buf.fill(0xee);
    const r = this.inner.receive();
    if (!borrow || r.kind !== "datagram") return r;
    this.borrowed++;
    const d = r.datagram;
    this.#buf.set(d.data);
    return { kind: "datagram", datagram: { ...d, data: this.#buf.subarray(0, d.data.length) } };
  }
  bind(p: number, g: number): number {
    return this.inner.bind(p, g);
  }
  send(d: Uint8Array, p: number, g: number): void {
    this.inner.send(d, p, g);
  }
  readable(): Promise<void> {
    return this.inner.readable();
  }
  cancelWait(): void {
    this.inner.cancelWait();
  }
  setInt(l: number, n: number, v: number): void {
    this.inner.setInt(l, n, v);
  }
  getInt(l: number, n: number): number {
    return this.inner.getInt(l, n);
  }
  getBytes(l: number, n: number, s: number): Uint8Array {
    return this.inner.getBytes(l, n, s);
  }
  close(): void {
    this.inner.close();
  }
}

async function lending(kernel: FakeKernel, options = {}) {
  const t = new LendingTransport(kernel.endpoint());
  const sock = await NetlinkSocket.fromTransport(t, NETLINK_ROUTE, options);
  return { t, sock };
}

function body(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, n, true);
  b[4] = n & 0xff;
  return b;
}

/** A fake kernel that dumps `n` messages (payload: their index), `per` to a datagram. */
function dumper(n: number, per: number, options: { interrupted?: boolean; error?: number } = {}) {
  return new FakeKernel(NETLINK_ROUTE, (r, k) => {
    if (r.type !== GET) return k.ack();
    k.dump(Array.from({ length: n }, (_, i) => ({ type: NEW, payload: body(i) })), {
      perDatagram: per,
      ...options,
    });
  });
}

/** Copy out every message of a visited run: [type, seq, payload bytes]. */
function collect(out: [number, number, number[]][], calls: number[][]) {
  return (data: Uint8Array, start: number, end: number) => {
    calls.push([start, end]);
    forEachMessage(data.subarray(start, end), (type, _f, seq, _pid, ps, pe) => {
      out.push([type, seq, [...data.subarray(start + ps, start + pe)]]);
    });
  };
}

const req = () => encodeMessage({ type: GET, payload: new Uint8Array(4) });

test("fake: dumpDatagrams visits the same messages dump() yields, one call per datagram", async () => {
  const kernel = dumper(7, 3);
  const { t, sock } = await lending(kernel);
  await using _ = sock;
  const seen: [number, number, number[]][] = [];
  const calls: number[][] = [];
  const summary = await sock.dumpDatagrams(req(), collect(seen, calls));
  // 7 messages + DONE, 3 a datagram: [3] [3] [1 + DONE]; DONE never reaches the visitor.
  assert.deepEqual(summary, { messages: 7, datagrams: 3, interrupted: false });
  assert.equal(calls.length, 3);
  assert.deepEqual(calls[2], [0, 16 + 8], "the last run stops before NLMSG_DONE");
  assert.ok(t.borrowed >= 3, "the visitor read the lent buffer");
  const seq = kernel.requests[0].seq;
  const list: NetlinkMessage[] = [];
  for await (const m of sock.dump(req())) list.push(m);
  assert.equal(seen.length, list.length);
  for (let i = 0; i < list.length; i++) {
    assert.deepEqual(seen[i], [list[i].type, seq, [...list[i].payload]]);
    assert.equal(seen[i][2][0], i);
  }
});

test("fake: dumpDatagrams reports NLM_F_DUMP_INTR and rejects with the error in NLMSG_DONE", async () => {
  await using a = (await lending(dumper(4, 2, { interrupted: true }))).sock;
  const r = await a.dumpDatagrams(req(), () => {});
  assert.deepEqual(r, { messages: 4, datagrams: 2, interrupted: true });

  await using b = (await lending(dumper(3, 2, { error: 16 }))).sock; // EBUSY
  let visited = 0;
  await assert.rejects(
    b.dumpDatagrams(req(), (data, start, end) => {
      visited += forEachMessage(data.subarray(start, end), () => {});
    }),
    (e: unknown) => e instanceof NetlinkError && e.code === "EBUSY",
  );
  assert.equal(visited, 3, "the messages before the error were visited");
});

test("fake: a visitor that throws stops its dump; the socket goes on to the next dump", async () => {
  const { sock } = await lending(dumper(6, 1));
  await using _ = sock;
  let calls = 0;
  const boom = new Error("visitor failed");
  await assert.rejects(
    sock.dumpDatagrams(req(), () => {
      if (++calls === 2) throw boom;
    }),
    (e: unknown) => e === boom,
  );
  assert.equal(calls, 2, "nothing visited after the throw");
  // The rest of the first dump was drained: this one gets its own 6 messages, not EBUSY.
  let n = 0;
  for await (const _m of sock.dump(req())) n++;
  assert.equal(n, 6);
  const again = await sock.dumpDatagrams(req(), () => {});
  assert.equal(again.messages, 6);
});

test("fake: dumpDatagrams rejects with the signal's reason (before or mid-way) and a bad visitor", async () => {
  const { sock } = await lending(dumper(3, 1));
  await using _ = sock;
  const ctl = new AbortController();
  const reason = new Error("stop");
  ctl.abort(reason);
  await assert.rejects(
    sock.dumpDatagrams(req(), () => {}, { signal: ctl.signal }),
    (e) => e === reason,
  );
  await assert.rejects(
    sock.dumpDatagrams(req(), 42 as unknown as () => void),
    /takes a visitor function/,
  );
  assert.equal((await sock.dumpDatagrams(req(), () => {})).messages, 3);
  // Aborted mid-way (here from inside the visitor): nothing more is visited.
  const mid = new AbortController();
  let calls = 0;
  await assert.rejects(
    sock.dumpDatagrams(req(), () => {
      if (++calls === 1) mid.abort(reason);
    }, { signal: mid.signal }),
    (e) => e === reason,
  );
  assert.equal(calls, 1);
  assert.equal((await sock.dumpDatagrams(req(), () => {})).messages, 3, "the socket goes on");
});

test("fake: subscribeDatagrams sees each notification in place, beside an iterator and a dump", async () => {
  const kernel = dumper(5, 2);
  const { t, sock } = await lending(kernel);
  await using _ = sock;
  sock.join(3);
  const visited: number[] = [];
  const sources: DatagramSource[] = [];
  const ctl = new AbortController();
  const done = sock.subscribeDatagrams((data, start, end, source) => {
    sources.push({ sender: source.sender, group: source.group });
    forEachMessage(data.subarray(start, end), (type, _f, _s, _p, ps) => {
      assert.equal(type, NEW);
      visited.push(data[start + ps]);
    });
  }, { signal: ctl.signal });
  const it = sock.subscribe();
  for (let i = 0; i < 4; i++) kernel.notify(3, { type: NEW, payload: body(100 + i) });
  // A forged notification from another port: neither subscription takes it.
  kernel.notify(3, { type: NEW, payload: body(199) }, 4242);
  const fromIterator: number[] = [];
  for (let i = 0; i < 4; i++) {
    const m = (await it.next()).value!;
    fromIterator.push(m.payload[0]);
  }
  // The iterator's messages are copies: the lent buffer was scribbled over since.
  assert.deepEqual(fromIterator, [100, 101, 102, 103]);
  assert.deepEqual(visited, [100, 101, 102, 103]);
  assert.deepEqual(sources[0], { sender: 0, group: 3 });
  assert.equal(sock.dropped, 1, "the forged one was dropped");
  // A dump on the same socket meanwhile still works.
  let n = 0;
  for await (const _m of sock.dump(req())) n++;
  assert.equal(n, 5);
  assert.ok(t.borrowed > 0);
  await it.return!();
  const reason = new Error("enough");
  ctl.abort(reason);
  await assert.rejects(done, (e) => e === reason);
});

test("fake: subscribeDatagrams calls onOverrun where subscribe() yields its marker; close resolves it", async () => {
  const kernel = dumper(0, 1);
  const { t, sock } = await lending(kernel, { join: [2] });
  let events = 0, overruns = 0;
  const order: string[] = [];
  const done = sock.subscribeDatagrams(() => {
    events++;
    order.push("event");
  }, {
    onOverrun: () => {
      overruns++;
      order.push("overrun");
    },
  });
  const it = sock.subscribe();
  kernel.notify(2, { type: NEW, payload: body(1) });
  assert.equal((await it.next()).value!.payload[0], 1);
  t.inner.overflow(); // what was queued is lost; the marker comes once the queue is empty
  assert.ok(isOverrun((await it.next()).value!), "the iterator got its marker");
  kernel.notify(2, { type: NEW, payload: body(2) });
  assert.equal((await it.next()).value!.payload[0], 2);
  assert.deepEqual(order, ["event", "overrun", "event"]);
  assert.equal(overruns, 1);
  assert.equal(events, 2);
  sock.close();
  await done; // resolves on close
});

test("fake: an onOverrun or visitor that throws ends its subscription with that error", async () => {
  const kernel = dumper(0, 1);
  const { sock } = await lending(kernel, { join: [2] });
  await using _ = sock;
  const boom = new Error("visitor");
  const failed = sock.subscribeDatagrams(() => {
    throw boom;
  });
  const other = sock.subscribe();
  kernel.notify(2, { type: NEW, payload: body(1) });
  await assert.rejects(failed, (e) => e === boom);
  assert.equal((await other.next()).value!.payload[0], 1, "the others go on");
  kernel.notify(2, { type: NEW, payload: body(2) });
  assert.equal((await other.next()).value!.payload[0], 2);
});

test("fake: a subscribing socket gets SUBSCRIPTION_RECEIVE_BUFFER unless a size was chosen", async () => {
  const kernel = dumper(1, 1);
  const rcvbuf = (e: FakeEndpoint) => e.options.get(`${SOL_SOCKET}:${SO_RCVBUF}`);
  // Requests and dumps only: the kernel default stays.
  const plain = await kernel.open();
  for await (const _ of plain.dump(req())) { /* drain */ }
  assert.equal(rcvbuf(kernel.endpoints().at(-1)!), undefined);
  plain.subscribe();
  assert.equal(rcvbuf(kernel.endpoints().at(-1)!), 2 * SUBSCRIPTION_RECEIVE_BUFFER);
  plain.close();
  // join at open, join() and subscribeDatagrams() do it too; a chosen size is kept.
  const joined = await kernel.open({ join: [1] });
  assert.equal(rcvbuf(kernel.endpoints().at(-1)!), 2 * SUBSCRIPTION_RECEIVE_BUFFER);
  joined.close();
  const chosen = await kernel.open({ receiveBufferSize: 65536 });
  chosen.join(1);
  chosen.subscribe();
  assert.equal(rcvbuf(kernel.endpoints().at(-1)!), 2 * 65536);
  chosen.close();
  const later = await kernel.open();
  later.setReceiveBufferSize(1 << 20);
  void later.subscribeDatagrams(() => {}).catch(() => {});
  assert.equal(rcvbuf(kernel.endpoints().at(-1)!), 2 << 20);
  later.close();
  assert.equal(SUBSCRIPTION_RECEIVE_BUFFER, 32 << 20, "the size the JSDoc names");
});

test("fake: subscribeDatagrams on an unframed socket visits each whole datagram", async () => {
  const NETLINK_KOBJECT_UEVENT = 15;
  const kernel = new FakeKernel(NETLINK_KOBJECT_UEVENT, () => {});
  const t = new LendingTransport(kernel.endpoint());
  await using sock = await NetlinkSocket.fromTransport(t, NETLINK_KOBJECT_UEVENT, { groups: 1 });
  const seen: string[] = [];
  const ctl = new AbortController();
  const done = sock.subscribeDatagrams((data, start, end, source) => {
    seen.push(`${source.group} ${new TextDecoder().decode(data.subarray(start, end))}`);
  }, { signal: ctl.signal });
  const it = sock.datagrams();
  const enc = new TextEncoder();
  kernel.notify(1, enc.encode("add@/devices/a\0ACTION=add\0"));
  kernel.notify(1, enc.encode("remove@/devices/b\0ACTION=remove\0"));
  const copies = [(await it.next()).value!, (await it.next()).value!];
  assert.deepEqual(seen, [
    "1 add@/devices/a\0ACTION=add\0",
    "1 remove@/devices/b\0ACTION=remove\0",
  ]);
  // The iterator's datagrams are copies, intact after the lent buffer was reused.
  assert.deepEqual(
    copies.map((d) => new TextDecoder().decode(d.data)),
    ["add@/devices/a\0ACTION=add\0", "remove@/devices/b\0ACTION=remove\0"],
  );
  assert.ok(t.borrowed >= 2);
  await it.return!();
  ctl.abort(new Error("done"));
  await assert.rejects(done, /done/);
});
