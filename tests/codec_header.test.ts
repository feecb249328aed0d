import { test } from "./harness.ts";
import assert from "node:assert/strict";
import {
  align,
  encodeMessage,
  flagNames,
  forEachMessage,
  messageTypeName,
  NETLINK_GENERIC,
  NETLINK_INET_DIAG,
  NETLINK_KOBJECT_UEVENT,
  NETLINK_ROUTE,
  NETLINK_SMC,
  NETLINK_SOCK_DIAG,
  NETLINK_UNUSED,
  NETLINK_W1,
  NLA_F_NESTED,
  NLA_F_NET_BYTEORDER,
  NLA_TYPE_MASK,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_ALIGNTO,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  parseMessages,
  PROTOCOL_NAMES,
  readHeader,
  writeHeader,
} from "../codec/mod.ts";
import { hex, isDecodeError } from "./codec_helpers.ts";

// NLMSG_DONE closing an RTM_GETLINK dump, captured from Linux 6.18: struct nlmsghdr
// { len 20, type 3, flags NLM_F_MULTI, seq 0x9b, pid 0x1119 } + int 0.
const DONE = hex("14000000 0300 0200 9b000000 19110000 00000000");

// struct nlmsghdr { len 24, type RTM_NEWLINK (16), flags NLM_F_MULTI, seq 0x9b, pid 0x1119 }
// + 8 bytes payload.
const SMALL = hex("18000000 1000 0200 9b000000 19110000 0102030405060708");

test("header constants and align", () => {
  assert.equal(NLMSG_HDRLEN, 16);
  assert.equal(NLMSG_ALIGNTO, 4);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 8, 13].map(align), [0, 4, 4, 4, 4, 8, 8, 16]);
  assert.equal(align(0xfffffffd), 0x100000000);
});

test("readHeader reads struct nlmsghdr little-endian", () => {
  assert.deepEqual(readHeader(DONE), { length: 20, type: 3, flags: 2, seq: 0x9b, pid: 0x1119 });
  const shifted = new Uint8Array(DONE.length + 4);
  shifted.set(DONE, 4);
  assert.deepEqual(readHeader(shifted, 4), readHeader(DONE));
  // all-ones fields stay unsigned
  assert.deepEqual(readHeader(new Uint8Array(16).fill(0xff)), {
    length: 0xffffffff,
    type: 0xffff,
    flags: 0xffff,
    seq: 0xffffffff,
    pid: 0xffffffff,
  });
});

test("readHeader rejects short input with NetlinkDecodeError", () => {
  assert.throws(() => readHeader(new Uint8Array(15)), isDecodeError(0));
  assert.throws(() => readHeader(DONE, 8), isDecodeError(8));
  assert.throws(() => readHeader(DONE, 100), isDecodeError(100));
  assert.throws(() => readHeader(DONE, -1), isDecodeError());
  assert.throws(() => readHeader(DONE, 1.5), isDecodeError());
});

test("writeHeader writes the exact bytes", () => {
  const b = new Uint8Array(20);
  writeHeader(b, 4, { length: 0x34, type: 16, flags: 0x605, seq: 0x1234, pid: 0x1003 });
  assert.deepEqual(b, hex("00000000 34000000 1000 0506 34120000 03100000"));
  assert.throws(() => writeHeader(new Uint8Array(15), 0, readHeader(DONE)), RangeError);
  assert.throws(() => writeHeader(b, 0, { ...readHeader(DONE), type: 0x10000 }), RangeError);
  assert.throws(() => writeHeader(b, 0, { ...readHeader(DONE), flags: -1 }), RangeError);
  assert.throws(() => writeHeader(b, 0, { ...readHeader(DONE), seq: 2 ** 32 }), RangeError);
  assert.throws(() => writeHeader(b, 0, { ...readHeader(DONE), pid: 1.5 }), RangeError);
});

test("parseMessages walks every message and returns payload views", () => {
  const datagram = new Uint8Array(SMALL.length + DONE.length);
  datagram.set(SMALL, 0);
  datagram.set(DONE, SMALL.length);
  const msgs = parseMessages(datagram);
  assert.equal(msgs.length, 2);
  assert.deepEqual(
    msgs.map((m) => [m.length, m.type, m.flags, m.seq, m.pid]),
    [[24, 16, 2, 0x9b, 0x1119], [20, NLMSG_DONE, 2, 0x9b, 0x1119]],
  );
  assert.deepEqual(msgs[0].payload, hex("0102030405060708"));
  assert.equal(msgs[0].payload.buffer, datagram.buffer, "payload must not be copied");
  assert.equal(msgs[0].payload.byteOffset, 16);
  assert.equal(msgs[1].payload.byteOffset, 24 + 16);
  assert.deepEqual(msgs[1].payload, hex("00000000"));
  assert.deepEqual(parseMessages(new Uint8Array(0)), []);
});

test("parseMessages tolerates alignment padding present or missing after the last message", () => {
  // nlmsg_len 17: one payload byte, then 3 bytes of padding or none
  const unpadded = hex("11000000 1000 0000 01000000 00000000 aa");
  assert.deepEqual(parseMessages(unpadded)[0].payload, hex("aa"));
  const padded = hex("11000000 1000 0000 01000000 00000000 aa 000000");
  assert.equal(parseMessages(padded).length, 1);
  // an unaligned message followed by another at the aligned offset
  const two = new Uint8Array(20 + 20);
  two.set(padded, 0);
  two.set(DONE, 20);
  assert.deepEqual(parseMessages(two).map((m) => m.type), [16, 3]);
});

test("parseMessages rejects hostile lengths with NetlinkDecodeError", () => {
  // short header
  assert.throws(() => parseMessages(DONE.subarray(0, 12)), isDecodeError(0));
  // nlmsg_len 0 must not loop forever
  assert.throws(() => parseMessages(hex("00000000 0300 0200 00000000 00000000")), isDecodeError(0));
  // nlmsg_len 15, just under the header
  assert.throws(() => parseMessages(hex("0f000000 0300 0200 00000000 00000000")), isDecodeError(0));
  // nlmsg_len past the end of the datagram
  assert.throws(
    () => parseMessages(hex("15000000 0300 0200 00000000 00000000 00")),
    isDecodeError(0),
  );
  assert.throws(() => parseMessages(DONE.subarray(0, 19)), isDecodeError(0));
  assert.throws(() => parseMessages(hex("ffffffff 0300 0200 00000000 00000000")), isDecodeError(0));
  // second message broken
  const bad = new Uint8Array(20 + 16);
  bad.set(DONE, 0);
  bad.set(hex("01000000 0300 0200 00000000 00000000"), 20);
  assert.throws(() => parseMessages(bad), isDecodeError(20));
  // trailing garbage shorter than a header
  const trailing = new Uint8Array(20 + 8);
  trailing.set(DONE, 0);
  assert.throws(() => parseMessages(trailing), isDecodeError(20));
  const trailing4 = new Uint8Array(24 + 4);
  trailing4.set(SMALL, 0);
  assert.throws(() => parseMessages(trailing4), isDecodeError(24));
});

test("forEachMessage visits without allocating and can stop early", () => {
  const datagram = new Uint8Array(SMALL.length + DONE.length);
  datagram.set(SMALL, 0);
  datagram.set(DONE, SMALL.length);
  const seen: number[][] = [];
  const n = forEachMessage(datagram, (type, flags, seq, pid, start, end) => {
    seen.push([type, flags, seq, pid, start, end]);
  });
  assert.equal(n, 2);
  assert.deepEqual(seen, [[16, 2, 0x9b, 0x1119, 16, 24], [3, 2, 0x9b, 0x1119, 40, 44]]);
  assert.equal(forEachMessage(datagram, () => false), 1);
  assert.equal(forEachMessage(new Uint8Array(0), () => true), 0);
  assert.throws(
    () => forEachMessage(hex("00000000 0300 0200 00000000 00000000"), () => {}),
    isDecodeError(0),
  );
  const trailing = new Uint8Array(28);
  trailing.set(SMALL, 0);
  assert.throws(() => forEachMessage(trailing, () => {}), isDecodeError(24));
});

test("encodeMessage lays out nlmsghdr + payload + padding", () => {
  // RTM_GETLINK request, NLM_F_REQUEST|NLM_F_DUMP, with struct ifinfomsg (16 zero bytes)
  const msg = encodeMessage({
    type: 18,
    flags: NLM_F_REQUEST | NLM_F_DUMP,
    seq: 0x9b,
    payload: new Uint8Array(16),
  });
  assert.deepEqual(msg, hex("20000000 1200 0103 9b000000 00000000" + "00".repeat(16)));
  const odd = encodeMessage({ type: NLMSG_ERROR, payload: hex("aabbcc") });
  assert.deepEqual(odd, hex("13000000 0200 0000 00000000 00000000 aabbcc 00"));
  assert.deepEqual(encodeMessage({ type: 3, pid: 7 }), hex("10000000 0300 0000 00000000 07000000"));
  assert.throws(() => encodeMessage({ type: -1 }), RangeError);
});

test("protocol constants and names", () => {
  assert.equal(NETLINK_ROUTE, 0);
  assert.equal(NETLINK_UNUSED, 1);
  assert.equal(NETLINK_W1, 1);
  assert.equal(NETLINK_SOCK_DIAG, 4);
  assert.equal(NETLINK_INET_DIAG, 4);
  assert.equal(NETLINK_KOBJECT_UEVENT, 15);
  assert.equal(NETLINK_GENERIC, 16);
  assert.equal(NETLINK_SMC, 22);
  for (let i = 0; i <= 16; i++) assert.match(PROTOCOL_NAMES[i], /^NETLINK_[A-Z0-9_]+$/);
  assert.equal(PROTOCOL_NAMES[17], undefined);
  assert.equal(Object.keys(PROTOCOL_NAMES).length, 22);
  assert.equal(PROTOCOL_NAMES[0], "NETLINK_ROUTE");
  assert.equal(PROTOCOL_NAMES[15], "NETLINK_KOBJECT_UEVENT");
  assert.equal(PROTOCOL_NAMES[22], "NETLINK_SMC");
  assert.ok(Object.isFrozen(PROTOCOL_NAMES));
  assert.equal(NLA_F_NESTED, 0x8000);
  assert.equal(NLA_F_NET_BYTEORDER, 0x4000);
  assert.equal(NLA_TYPE_MASK, 0x3fff);
});

test("flagNames names bits in order, per request kind", () => {
  assert.deepEqual(flagNames(0x305, "get"), ["REQUEST", "ACK", "DUMP"]);
  assert.deepEqual(flagNames(0x105, "get"), ["REQUEST", "ACK", "ROOT"]);
  assert.deepEqual(flagNames(0x701, "get"), ["REQUEST", "DUMP", "ATOMIC"]);
  assert.deepEqual(flagNames(0x305), ["REQUEST", "ACK", "0x100", "0x200"]);
  assert.deepEqual(flagNames(0x605, "new"), ["REQUEST", "ACK", "EXCL", "CREATE"]);
  assert.deepEqual(flagNames(0xd01, "new"), ["REQUEST", "REPLACE", "CREATE", "APPEND"]);
  assert.deepEqual(flagNames(0x301, "delete"), ["REQUEST", "NONREC", "BULK"]);
  assert.deepEqual(flagNames(0x300, "ack"), ["CAPPED", "ACK_TLVS"]);
  assert.deepEqual(flagNames(0x3f), [
    "REQUEST",
    "MULTI",
    "ACK",
    "ECHO",
    "DUMP_INTR",
    "DUMP_FILTERED",
  ]);
  assert.deepEqual(flagNames(0x40 | 0x800, "get"), ["0x40", "0x800"]);
  assert.deepEqual(flagNames(0), []);
  assert.deepEqual(flagNames(NLM_F_REQUEST | NLM_F_ACK, "ack"), ["REQUEST", "ACK"]);
});

test("messageTypeName", () => {
  assert.deepEqual([1, 2, 3, 4].map(messageTypeName), ["NOOP", "ERROR", "DONE", "OVERRUN"]);
  assert.equal(messageTypeName(16), "16");
  assert.equal(messageTypeName(0), "0");
});
