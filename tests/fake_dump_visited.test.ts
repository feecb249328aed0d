// Datagram-level delivery with values out: NetlinkSocket.dumpVisited (the visitor runs in the
// receive loop and emits values), and Client.dump / dumpMapped on it (each datagram's messages
// copied once, decoded as taken; raw.keep() messages that outlive the receive buffer).
// Over fake kernels: no permission.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { NETLINK_ROUTE } from "../codec/constants.ts";
import { NetlinkDecodeError } from "../codec/errors.ts";
import { encodeMessage } from "../codec/message.ts";
import { FakeKernel } from "../testing/fake_kernel.ts";
import { replyPayload } from "../testing/fake_genl.ts";
import { Client } from "../client/client.ts";
import { NetlinkSocket } from "../socket/socket.ts";
import { RtnlError } from "../families/route/errors.ts";
import { Rtnl } from "../families/route/rtnl.ts";
import * as rtLink from "../families/generated/rt_link.ts";

const GET = 18, NEW = 16;

function req(type: number): Uint8Array {
  return encodeMessage({ type, flags: 0, seq: 0, pid: 0, payload: new Uint8Array(16) });
}

function body(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

/** The u32 payloads of the messages of `data[start, end)`. */
function values(data: Uint8Array, start: number, end: number): number[] {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: number[] = [];
  for (let off = start; off < end; off += (dv.getUint32(off, true) + 3) & ~3) {
    out.push(dv.getUint32(off + 16, true));
  }
  return out;
}

test("dumpVisited: values come in order, a datagram is read only when the last one's are taken", async () => {
  let endpoint: { readonly queued: number } | undefined;
  const kernel = new FakeKernel(NETLINK_ROUTE, (_r, k) => {
    k.dump(Array.from({ length: 7 }, (_, i) => ({ type: NEW, payload: body(i) })), {
      perDatagram: 3,
    });
    endpoint = k.endpoint;
  });
  await using sock = await kernel.open();
  const calls: number[][] = [];
  const it = sock.dumpVisited<number>(req(GET), (data, start, end, emit) => {
    const v = values(data, start, end);
    calls.push(v);
    for (const x of v) emit(x * 10);
  });
  const got: number[] = [];
  const queuedAfter: number[] = [];
  for await (const x of it) {
    got.push(x);
    queuedAfter.push(endpoint!.queued);
  }
  assert.deepEqual(got, [0, 10, 20, 30, 40, 50, 60]);
  assert.deepEqual(calls, [[0, 1, 2], [3, 4, 5], [6]]); // NLMSG_DONE never reaches the visitor
  // 3 datagrams: while values of one are queued, the next ones stay in the kernel.
  assert.deepEqual(queuedAfter, [2, 2, 2, 1, 1, 1, 0]);
  assert.equal(it.interrupted, false);
});

test("dumpVisited: a visitor that throws ends the iteration with its error; the socket goes on", async () => {
  const kernel = new FakeKernel(NETLINK_ROUTE, (_r, k) => {
    k.dump(Array.from({ length: 6 }, (_, i) => ({ type: NEW, payload: body(i) })), {
      perDatagram: 2,
    });
  });
  await using sock = await kernel.open();
  const got: number[] = [];
  await assert.rejects(
    (async () => {
      const it = sock.dumpVisited<number>(req(GET), (data, start, end, emit) => {
        for (const x of values(data, start, end)) {
          if (x === 3) throw new RangeError("no 3");
          emit(x);
        }
      });
      for await (const x of it) got.push(x);
    })(),
    /no 3/,
  );
  assert.deepEqual(got, [0, 1, 2]);
  const again: number[] = [];
  for await (
    const x of sock.dumpVisited<number>(req(GET), (d, s, e, emit) => values(d, s, e).forEach(emit))
  ) {
    again.push(x);
  }
  assert.deepEqual(again, [0, 1, 2, 3, 4, 5]);
  assert.throws(() => sock.dumpVisited(req(GET), 1 as never), TypeError);
});

test("dumpVisited: aborting stops at once, queued values included", async () => {
  const kernel = new FakeKernel(NETLINK_ROUTE, (_r, k) => {
    k.dump(Array.from({ length: 10 }, (_, i) => ({ type: NEW, payload: body(i) })), {
      perDatagram: 10,
    });
  });
  await using sock = await kernel.open();
  const ac = new AbortController();
  const got: number[] = [];
  await assert.rejects(
    (async () => {
      const it = sock.dumpVisited<number>(
        req(GET),
        (d, s, e, emit) => values(d, s, e).forEach(emit),
        { signal: ac.signal },
      );
      for await (const x of it) {
        got.push(x);
        ac.abort(new Error("enough"));
      }
    })(),
    /enough/,
  );
  assert.deepEqual(got, [0]);
});

/** A client over `kernel` (the constructor is protected: go through a subclass). */
class TestClient extends Client {
  static async over(kernel: FakeKernel) {
    const sock = await NetlinkSocket.fromTransport(kernel.endpoint(), kernel.protocol);
    return new TestClient(sock, [rtLink.family]);
  }
}

/** An Rtnl over `kernel`. */
class TestRtnl extends Rtnl {
  static async over(kernel: FakeKernel): Promise<TestRtnl> {
    const sock = await NetlinkSocket.fromTransport(kernel.endpoint(), NETLINK_ROUTE);
    return new TestRtnl(sock, [rtLink.family]);
  }
}

/** Links 1..n, `perDatagram` to a datagram, named `l<i>` with MTU 1000 + i. */
function linkKernel(n: number, perDatagram: number): FakeKernel {
  return new FakeKernel(NETLINK_ROUTE, (_r, k) => {
    k.dump(
      Array.from({ length: n }, (_, i) => ({
        type: rtLink.RTM_NEWLINK,
        payload: replyPayload(rtLink.operations.getlink, {
          header: { ifiIndex: i + 1, ifiFlags: i % 2 },
          attrs: { ifname: `l${i + 1}`, mtu: 1000 + i + 1 },
        }),
      })),
      { perDatagram },
    );
  });
}

test("Client.dumpMapped: map skips on undefined; kept messages outlive the receive buffer", async () => {
  const kernel = linkKernel(9, 2);
  await using rt = await TestClient.over(kernel);
  const all: { index: number; name?: string; mtu?: number }[] = [];
  for await (const m of rt.dump(rtLink.operations.getlink)) {
    all.push({ index: m.header.ifiIndex, name: m.attrs.ifname, mtu: m.attrs.mtu });
  }
  assert.equal(all.length, 9);
  const kept = rt.dumpMapped(
    rtLink.operations.getlink,
    (m, raw) => {
      assert.equal(
        raw.end - raw.start,
        new DataView(raw.data.buffer, raw.data.byteOffset).getUint32(raw.start, true),
      );
      return m.header.ifiFlags & 1 ? { index: m.header.ifiIndex, message: raw.keep() } : undefined;
    },
  );
  const up: { index: number; message: { header: rtLink.Ifinfomsg; attrs: rtLink.LinkAttrs } }[] =
    [];
  for await (const x of kept) up.push(x);
  assert.equal(kept.attempts, 1);
  // Read after the whole dump: every datagram since has overwritten the receive buffer.
  assert.deepEqual(
    up.map((x) => ({
      index: x.message.header.ifiIndex,
      name: x.message.attrs.ifname,
      mtu: x.message.attrs.mtu,
    })),
    all.filter((l) => l.index % 2 === 0),
  );
  assert.deepEqual(up.map((x) => x.index), [2, 4, 6, 8]);
  assert.equal(JSON.parse(JSON.stringify(up[0].message)).attrs.ifname, "l2");
});

test("Client.dumpMapped: consistent dumps and kernel errors go as with dump()", async () => {
  let n = 0;
  const kernel = new FakeKernel(NETLINK_ROUTE, (_r, k) => {
    n++;
    const payload = replyPayload(rtLink.operations.getlink, { header: { ifiIndex: n } });
    if (n === 3) k.dump([{ type: rtLink.RTM_NEWLINK, payload }], { error: 95 });
    else k.dump([{ type: rtLink.RTM_NEWLINK, payload }], { interrupted: n === 1 });
  });
  await using rt = await TestRtnl.over(kernel);
  const it = rt.dumpMapped(rtLink.operations.getlink, (m) => m.header.ifiIndex, {
    consistent: true,
  });
  const got: number[] = [];
  for await (const x of it) got.push(x);
  assert.deepEqual(got, [2]); // the interrupted first pass is not yielded
  assert.equal(it.attempts, 2);
  assert.equal(it.interrupted, false);
  const before: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const x of rt.dumpMapped(rtLink.operations.getlink, (m) => m.header.ifiIndex)) {
        before.push(x);
      }
    })(),
    (e: unknown) => e instanceof RtnlError && e.code === "EOPNOTSUPP",
  );
  assert.deepEqual(before, [3]); // what came before the error in NLMSG_DONE
  assert.throws(() => rt.dumpMapped(rtLink.operations.getlink, "x" as never), TypeError);
});

test("Client.dumpMapped: a map that throws, or a malformed message, ends the dump; the client goes on", async () => {
  let malformed = false;
  const kernel = new FakeKernel(NETLINK_ROUTE, (_r, k) => {
    const good = Array.from({ length: 4 }, (_, i) => ({
      type: rtLink.RTM_NEWLINK,
      payload: replyPayload(rtLink.operations.getlink, { header: { ifiIndex: i + 1 } }),
    }));
    // A 3-byte ifinfomsg (16 bytes are needed): a decode error when it is taken.
    if (malformed) good.splice(2, 0, { type: rtLink.RTM_NEWLINK, payload: new Uint8Array(3) });
    k.dump(good, { perDatagram: 10 });
  });
  await using rt = await TestClient.over(kernel);
  const seen: number[] = [];
  await assert.rejects(
    (async () => {
      const it = rt.dumpMapped(rtLink.operations.getlink, (m) => {
        if (m.header.ifiIndex === 3) throw new RangeError("no 3");
        return m.header.ifiIndex;
      });
      for await (const x of it) seen.push(x);
    })(),
    /no 3/,
  );
  assert.deepEqual(seen, [1, 2]);
  malformed = true;
  const before: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const m of rt.dump(rtLink.operations.getlink)) before.push(m.header.ifiIndex);
    })(),
    (e: unknown) => e instanceof NetlinkDecodeError,
  );
  assert.deepEqual(before, [1, 2]);
  malformed = false;
  const again: number[] = [];
  for await (const m of rt.dump(rtLink.operations.getlink)) again.push(m.header.ifiIndex);
  assert.deepEqual(again, [1, 2, 3, 4]);
});
