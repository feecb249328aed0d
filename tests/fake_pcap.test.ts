// CaptureTransport over the fake kernel, into memory: every datagram the socket sends and
// receives becomes one record, in order, with its direction, peer port, multicast flag and
// protocol; the socket behaves exactly as without capture, even when the capture cannot be
// written. No kernel and no permission (the no-permission pass of tests/run.sh runs it);
// tests/pcap.test.ts does the same over the kernel and reads the file with tshark.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { NETLINK_GENERIC, NETLINK_ROUTE } from "../codec/constants.ts";
import { encodeMessage, parseMessages } from "../codec/message.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { PcapWriter } from "../capture/pcap.ts";
import { CaptureTransport } from "../capture/transport.ts";
import { NetlinkSocket } from "../socket/socket.ts";
import type { ReceiveResult, Transport } from "../socket/transport.ts";
import { FakeKernel } from "../testing/fake_kernel.ts";

interface Rec {
  packetType: number;
  hatype: number;
  peer: number;
  protocol: number;
  captured: number;
  original: number;
  data: Uint8Array;
}

/** A writer into memory, and the records it holds, parsed at the offsets pcap defines. */
function memoryPcap(): { writer: PcapWriter; records(): Rec[] } {
  const chunks: Uint8Array[] = [];
  const writer = new PcapWriter((b) => chunks.push(b.slice()));
  return {
    writer,
    records: () =>
      chunks.slice(1).map((c) => {
        const v = new DataView(c.buffer);
        return {
          captured: v.getUint32(8, true),
          original: v.getUint32(12, true),
          packetType: v.getUint16(16),
          hatype: v.getUint16(18),
          peer: v.getUint32(22),
          protocol: v.getUint16(30),
          data: c.subarray(32),
        };
      }),
  };
}

const seqOf = (b: Uint8Array) => parseMessages(b.slice())[0].seq;
const typeOf = (b: Uint8Array) => parseMessages(b.slice())[0].type;

test("fake capture: a request, its error and a dump are recorded as sent and received", async () => {
  const kernel = new FakeKernel(NETLINK_GENERIC, (r, k) => {
    if (r.type === 20) k.error(95, { message: "no such thing" });
    else k.dump([{ type: 30 }, { type: 30 }, { type: 30 }], { perDatagram: 2 });
  });
  const pcap = memoryPcap();
  const t = new CaptureTransport(kernel.endpoint(), NETLINK_GENERIC, pcap.writer);
  await using sock = await NetlinkSocket.fromTransport(t, NETLINK_GENERIC);
  const err = await sock.request(encodeMessage({ type: 20 })).catch((e) => e);
  assert.ok(err instanceof NetlinkError && err.errno === 95, String(err));
  const dumped = await Array.fromAsync(sock.dump(encodeMessage({ type: 21 })));
  assert.equal(dumped.length, 3);

  const recs = pcap.records();
  // request, error; dump request, two datagrams (2 messages, then 1 and NLMSG_DONE)
  assert.deepEqual(recs.map((r) => r.packetType), [4, 0, 4, 0, 0]);
  assert.ok(recs.every((r) => r.hatype === 824 && r.protocol === NETLINK_GENERIC && r.peer === 0));
  assert.ok(recs.every((r) => r.captured === r.original && r.captured === 16 + r.data.length));
  assert.equal(typeOf(recs[0].data), 20);
  assert.equal(typeOf(recs[1].data), 2); // NLMSG_ERROR
  assert.equal(seqOf(recs[1].data), err.seq);
  assert.equal(seqOf(recs[0].data), err.seq);
  assert.equal(typeOf(recs[2].data), 21);
  const replies = recs.slice(3).flatMap((r) => parseMessages(r.data.slice()));
  assert.deepEqual(replies.map((m) => m.type), [30, 30, 30, 3]); // 3: NLMSG_DONE
  assert.ok(replies.every((m) => m.seq === seqOf(recs[2].data) && m.pid === sock.portId));
  // The extended ACK is in the recorded bytes as the socket received them.
  assert.ok(new TextDecoder().decode(recs[1].data).includes("no such thing"));
});

test("fake capture: notifications are multicast from their sender; peers' ports are recorded", () => {
  const kernel = new FakeKernel(NETLINK_ROUTE, (_r, k) => k.ack());
  const a = memoryPcap(), b = memoryPcap();
  const ta = new CaptureTransport(kernel.endpoint(), NETLINK_ROUTE, a.writer);
  const tb = new CaptureTransport(kernel.endpoint(), NETLINK_ROUTE, b.writer);
  const pa = ta.bind(0, 1 << (3 - 1)); // group 3
  const pb = tb.bind(0, 0);
  kernel.notify(3, { type: 24 }, 0);
  tb.send(encodeMessage({ type: 0x1234 }), pa, 0);
  const got = [ta.receive(), ta.receive(), ta.receive()];
  assert.deepEqual(got.map((r) => r.kind), ["datagram", "datagram", "empty"]);

  const ra = a.records(), rb = b.records();
  assert.deepEqual(ra.map((r) => [r.packetType, r.peer]), [[2, 0], [0, pb]]);
  assert.deepEqual(rb.map((r) => [r.packetType, r.peer]), [[4, pa]]);
  assert.deepEqual(ra.map((r) => typeOf(r.data)), [24, 0x1234]);
  assert.equal(typeOf(rb[0].data), 0x1234);
});

/** A transport that yields the given results, then nothing. */
function scripted(results: ReceiveResult[]): Transport {
  return {
    scope: "scripted",
    bind: () => 1,
    send: () => {},
    receive: () => results.shift() ?? { kind: "empty" },
    readable: () => Promise.resolve(),
    cancelWait: () => {},
    setInt: () => {},
    getInt: () => 0,
    getBytes: (_l, _n, size) => new Uint8Array(size),
    close: () => {},
  };
}

test("fake capture: overruns and empty receives pass through and record nothing", () => {
  const data = encodeMessage({ type: 16, payload: new Uint8Array(48) });
  const datagram: ReceiveResult = { kind: "datagram", datagram: { data, sender: 7, group: 0 } };
  const pcap = memoryPcap();
  const t = new CaptureTransport(scripted([{ kind: "overrun" }, datagram]), 0, pcap.writer);
  assert.deepEqual(t.receive(), { kind: "overrun" });
  assert.equal(t.receive(), datagram); // passed through as is
  assert.deepEqual(t.receive(), { kind: "empty" });
  const [r, ...rest] = pcap.records();
  assert.equal(rest.length, 0);
  assert.deepEqual([r.packetType, r.peer, r.original], [0, 7, 16 + data.length]);
  assert.deepEqual(r.data, data);
});

test("fake capture: a capture that cannot be written stops; the socket carries on", async () => {
  const kernel = new FakeKernel(NETLINK_ROUTE, (_r, k) => k.ack());
  let writes = 0;
  const writer = new PcapWriter(() => {
    if (++writes > 1) throw new Error("ENOSPC: no space left on device");
  });
  const t = new CaptureTransport(kernel.endpoint(), NETLINK_ROUTE, writer);
  const logged: unknown[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => logged.push(args.join(" "));
  try {
    await using sock = await NetlinkSocket.fromTransport(t, NETLINK_ROUTE);
    await sock.request(encodeMessage({ type: 18 }));
    await sock.request(encodeMessage({ type: 18 }));
  } finally {
    console.error = original;
  }
  assert.match(String(t.error), /ENOSPC/);
  assert.equal(writes, 2); // the header, then the first record failed; no retry after that
  assert.equal(logged.length, 1);
  assert.match(String(logged[0]), /pcap capture stopped/);
  assert.equal(kernel.requests.length, 2);
});
