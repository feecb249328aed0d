// The pcap writer's bytes against the formats it claims, with no permission at all: the classic
// pcap file and record headers (tcpdump's pcap-savefile(5): magic 0xa1b2c3d4 in the writer's byte
// order, version 2.4, thiszone, sigfigs, snaplen, link type; per record ts_sec, ts_usec,
// incl_len, orig_len) and the LINKTYPE_NETLINK cooked header
// (tcpdump.org/linktypes/LINKTYPE_NETLINK.html: ARPHRD_ type at 2, protocol at 14, both big-endian;
// the other fields as in LINKTYPE_LINUX_SLL: packet type at 0, address length at 4, address at 6).
// The expected bytes are written out by hand from those documents, not produced by the writer.
// tests/pcap.test.ts reads real captures back with tshark.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import {
  type CapturedDatagram,
  pcapHeader,
  pcapRecord,
  pcapTimestamp,
  PcapWriter,
} from "../capture/pcap.ts";

const hex = (s: string) =>
  Uint8Array.from(s.replace(/\s+/g, "").match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

// 2024-01-02T03:04:05.678901Z: 1704164645 s = 0x65937d25, 678901 µs = 0x000a5bf5.
const T = Date.UTC(2024, 0, 2, 3, 4, 5) + 678.901;
// An RTM_GETLINK dump request: len 32, type 18, flags REQUEST|DUMP (0x301), seq 7, pid 0,
// then a zeroed struct ifinfomsg.
const GETLINK = hex(`20000000 1200 0103 07000000 00000000 ${"00".repeat(16)}`);

test("pcap writer: the file header is pcap 2.4, microseconds, UTC, snaplen, LINKTYPE_NETLINK", () => {
  assert.equal(
    toHex(pcapHeader()),
    "d4c3b2a1" + "0200" + "0400" + "00000000" + "00000000" + "00000400" + "fd000000",
  );
  assert.equal(toHex(pcapHeader(65535)).slice(32, 40), "ffff0000");
});

test("pcap writer: a sent datagram's record header, cooked header and bytes", () => {
  const rec = pcapRecord({ data: GETLINK, protocol: 0, direction: "sent", peer: 0, time: T });
  assert.equal(
    toHex(rec),
    // ts_sec, ts_usec, incl_len = orig_len = 16 + 32 = 48
    "257d9365" + "f55b0a00" + "30000000" + "30000000" +
      // packet type 4 (PACKET_OUTGOING: sent by us), ARPHRD_NETLINK 824 = 0x0338, address
      // length 4, address = peer port 0, 4 unused bytes, protocol NETLINK_ROUTE (0)
      "0004" + "0338" + "0004" + "00000000" + "00000000" + "0000" +
      toHex(GETLINK),
  );
});

test("pcap writer: received datagrams record unicast or multicast and the sender's port", () => {
  const unicast = pcapRecord({
    data: GETLINK,
    protocol: 16, // NETLINK_GENERIC = 0x10
    direction: "received",
    peer: 0x12345678,
    time: T,
  });
  assert.equal(
    toHex(unicast.subarray(16, 32)),
    "0000" + "0338" + "0004" + "12345678" + "00000000" + "0010",
  );
  const multicast = pcapRecord({
    data: GETLINK,
    protocol: 0,
    direction: "received",
    peer: 0,
    multicast: true,
    time: T,
  });
  assert.equal(toHex(multicast.subarray(16, 18)), "0002"); // PACKET_MULTICAST
});

test("pcap writer: a datagram's head records its real length; snaplen cuts the stored bytes", () => {
  const head: CapturedDatagram = {
    data: GETLINK.subarray(0, 20),
    protocol: 0,
    direction: "received",
    length: 70000,
    time: T,
  };
  const truncated = pcapRecord(head);
  // incl_len = 16 + 20 = 36 = 0x24, orig_len = 16 + 70000 = 70016 = 0x11180
  assert.equal(toHex(truncated.subarray(8, 16)), "24000000" + "80110100");
  assert.equal(truncated.length, 16 + 36);
  const cut = pcapRecord({ ...head, length: undefined }, 24);
  assert.equal(toHex(cut.subarray(8, 16)), "18000000" + "24000000"); // 24 of 36 bytes
  assert.equal(toHex(cut.subarray(32)), toHex(GETLINK.subarray(0, 8)));
});

test("pcap writer: timestamps split into seconds and microseconds, carrying at 1e6", () => {
  assert.deepEqual(pcapTimestamp(T), { seconds: 1704164645, micros: 678901 });
  assert.deepEqual(pcapTimestamp(1000.0004), { seconds: 1, micros: 0 });
  assert.deepEqual(pcapTimestamp(1999.9996), { seconds: 2, micros: 0 });
  assert.deepEqual(pcapTimestamp(0.001), { seconds: 0, micros: 1 });
});

test("pcap writer: the header goes out at once, then one sink call per record, in order", () => {
  const chunks: Uint8Array[] = [];
  let now = T;
  const w = new PcapWriter((b) => chunks.push(b.slice()), { clock: () => (now += 0.5) });
  assert.equal(chunks.length, 1);
  assert.equal(toHex(chunks[0].subarray(0, 4)), "d4c3b2a1");
  w.write({ data: GETLINK, protocol: 0, direction: "sent" });
  w.write({ data: GETLINK, protocol: 0, direction: "received", peer: 99 });
  assert.equal(w.records, 2);
  assert.equal(chunks.length, 3);
  // clock: T + 0.5 ms and T + 1 ms
  assert.equal(toHex(chunks[1].subarray(0, 8)), "257d9365" + "e95d0a00"); // 679401 µs
  assert.equal(toHex(chunks[2].subarray(0, 8)), "257d9365" + "dd5f0a00"); // 679901 µs
  assert.equal(toHex(chunks[1].subarray(16, 18)), "0004");
  assert.equal(toHex(chunks[2].subarray(16, 18)), "0000");
  assert.throws(() => new PcapWriter(() => {}, { snaplen: 8 }), RangeError);
});
