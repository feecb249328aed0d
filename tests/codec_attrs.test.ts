import { test } from "./harness.ts";
import assert from "node:assert/strict";
import {
  type Attribute,
  attributeMap,
  AttributeWriter,
  encodeAttributes,
  forEachAttribute,
  MessageBuilder,
  NLA_F_NESTED,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  parseAttributes,
  parseMessages,
  readFlag,
  readIndexedArray,
  readNested,
  readS16,
  readS16be,
  readS32,
  readS32be,
  readS64,
  readS8,
  readSint,
  readString,
  readU16,
  readU16be,
  readU32,
  readU32be,
  readU64,
  readU64be,
  readU8,
  readUint,
} from "../codec/mod.ts";
import { hex, isDecodeError, LO_NEWLINK } from "./codec_helpers.ts";

// Hand-built from struct nlattr: IFLA_IFNAME "lo\0" (len 7, 1 byte pad), IFLA_MTU u32 65536,
// IFLA_LINKINFO|NLA_F_NESTED { IFLA_INFO_KIND "veth\0" (len 9, 3 pad) }.
const ATTRS = hex(`
  0700 0300 6c6f00 00
  0800 0400 00000100
  1000 1280 0900 0100 7665746800 000000
`);

test("parseAttributes splits struct nlattr records into views", () => {
  const attrs = parseAttributes(ATTRS);
  assert.equal(attrs.length, 3);
  assert.deepEqual(attrs.map((a) => [a.type, a.nested, a.netByteOrder, a.data.length]), [
    [3, false, false, 3],
    [4, false, false, 4],
    [18, true, false, 12],
  ]);
  assert.equal(readString(attrs[0].data), "lo");
  assert.equal(readU32(attrs[1].data), 65536);
  assert.equal(attrs[0].data.buffer, ATTRS.buffer, "data must not be copied");
  assert.equal(attrs[0].data.byteOffset, ATTRS.byteOffset + 4);
  const [kind] = readNested(attrs[2].data);
  assert.deepEqual([kind.type, readString(kind.data)], [1, "veth"]);
  // offset/end select a sub-range
  assert.deepEqual(parseAttributes(ATTRS, 8, 16).map((a) => a.type), [4]);
  assert.deepEqual(parseAttributes(ATTRS, 8, 8), []);
  assert.deepEqual(parseAttributes(new Uint8Array(0)), []);
});

test("parseAttributes decodes NLA_F_NET_BYTEORDER and masks the type", () => {
  const [a] = parseAttributes(hex("0800 0540 c0a80001"));
  assert.deepEqual([a.type, a.nested, a.netByteOrder], [5, false, true]);
  assert.equal(readU32be(a.data), 0xc0a80001);
  const [b] = parseAttributes(hex("0400 ffff"));
  assert.deepEqual([b.type, b.nested, b.netByteOrder, b.data.length], [0x3fff, true, true, 0]);
});

test("parseAttributes tolerates missing final padding and up to 3 trailing bytes", () => {
  assert.equal(parseAttributes(hex("0500 0100 07")).length, 1);
  assert.equal(parseAttributes(hex("0500 0100 07 000000")).length, 1);
  assert.equal(parseAttributes(hex("0800 0100 07000000 00")).length, 1);
  assert.equal(parseAttributes(hex("0800 0100 07000000 000000")).length, 1);
  assert.equal(parseAttributes(hex("0800 0100 07000000 ffffff")).length, 1);
});

test("parseAttributes rejects hostile lengths with NetlinkDecodeError", () => {
  // nla_len 0, 1, 3: below the 4-byte header (0 must not loop forever)
  assert.throws(() => parseAttributes(hex("0000 0100")), isDecodeError(0));
  assert.throws(() => parseAttributes(hex("0100 0100")), isDecodeError(0));
  assert.throws(() => parseAttributes(hex("0300 0100 00")), isDecodeError(0));
  assert.throws(() => parseAttributes(hex("0800 0100 07000000 0000 0200")), isDecodeError(8));
  // nla_len past the end
  assert.throws(() => parseAttributes(hex("0900 0100 07000000")), isDecodeError(0));
  assert.throws(() => parseAttributes(hex("ffff 0100 07000000")), isDecodeError(0));
  assert.throws(() => parseAttributes(ATTRS, 0, 12), isDecodeError(8));
  // nested with a bad inner length
  const nested = hex("0c00 1280 0900 0100 76657468");
  const [outer] = parseAttributes(nested);
  assert.throws(() => readNested(outer.data), isDecodeError(0));
  const nested2 = hex("0c00 1280 0200 0100 76657468");
  assert.throws(() => readNested(parseAttributes(nested2)[0].data), isDecodeError(0));
  // a range outside the buffer is a decode error too, never a RangeError
  assert.throws(() => parseAttributes(ATTRS, 0, ATTRS.length + 4), isDecodeError());
  assert.throws(() => parseAttributes(ATTRS, 12, 8), isDecodeError());
  assert.throws(() => parseAttributes(ATTRS, -4), isDecodeError());
});

test("forEachAttribute gives raw types and data ranges without allocating", () => {
  const seen: number[][] = [];
  forEachAttribute(ATTRS, 0, ATTRS.length, (type, start, end) => {
    seen.push([type, start, end]);
  });
  assert.deepEqual(seen, [[3, 4, 7], [4, 12, 16], [18 | NLA_F_NESTED, 20, 32]]);
  let n = 0;
  forEachAttribute(ATTRS, 0, ATTRS.length, () => (n++, false));
  assert.equal(n, 1);
  assert.throws(() => forEachAttribute(hex("0000 0100"), 0, 4, () => {}), isDecodeError(0));
  assert.throws(() => forEachAttribute(ATTRS, 0, 99, () => {}), isDecodeError());
});

test("attributeMap keys by masked type, last one wins", () => {
  const bytes = hex("0800 0400 01000000 0800 0400 02000000 0500 0180 07000000");
  const map = attributeMap(bytes);
  assert.equal(map.size, 2);
  assert.equal(readU32(map.get(4)!.data), 2);
  assert.equal(map.get(1)!.nested, true);
  assert.equal(attributeMap(bytes, 8).size, 2);
  assert.equal(attributeMap(bytes, 8, 16).size, 1);
});

test("scalar readers decode host and network order", () => {
  assert.equal(readU8(hex("ff")), 255);
  assert.equal(readS8(hex("ff")), -1);
  assert.equal(readU16(hex("3412")), 0x1234);
  assert.equal(readS16(hex("feff")), -2);
  assert.equal(readU32(hex("ffffffff")), 0xffffffff);
  assert.equal(readS32(hex("eaffffff")), -22);
  assert.equal(readU64(hex("0100000001000000")), 0x100000001n);
  assert.equal(readU64(hex("ffffffffffffffff")), 0xffffffffffffffffn);
  assert.equal(readU64(hex("0000000000002000")), 1n << 53n);
  assert.equal(readS64(hex("ffffffffffffffff")), -1n);
  assert.equal(readS64(hex("0000000000000080")), -(1n << 63n));
  assert.equal(readS64(hex("ffffffffffffff7f")), (1n << 63n) - 1n);
  assert.equal(readS64(hex("00000000 00000000")), 0n);
  assert.equal(readU16be(hex("0050")), 80);
  assert.equal(readS16be(hex("fffe")), -2);
  assert.equal(readU32be(hex("c0a80001")), 0xc0a80001);
  assert.equal(readS32be(hex("fffffffe")), -2);
  assert.equal(readU64be(hex("0000000100000002")), 0x100000002n);
  assert.equal(readU64be(hex("ffffffffffffffff")), 0xffffffffffffffffn);
});

test("readUint and readSint return numbers while safe, bigints beyond", () => {
  assert.equal(readUint(hex("07")), 7);
  assert.equal(readUint(hex("0701")), 0x107);
  assert.equal(readUint(hex("2a000000")), 42);
  assert.equal(readUint(hex("ffffffff ffff1f00")), Number.MAX_SAFE_INTEGER);
  assert.equal(readUint(hex("00000000 00002000")), 1n << 53n);
  assert.equal(readUint(hex("ffffffff ffffffff")), 0xffffffffffffffffn);
  assert.equal(readSint(hex("ff")), -1);
  assert.equal(readSint(hex("feff")), -2);
  assert.equal(readSint(hex("ffffffff")), -1);
  assert.equal(readSint(hex("fbffffff ffffffff")), -5);
  assert.equal(readSint(hex("01000000 0000e0ff")), -Number.MAX_SAFE_INTEGER);
  assert.equal(readSint(hex("00000000 0000e0ff")), -(1n << 53n));
  assert.equal(readSint(hex("00000000 00000080")), -(1n << 63n));
  for (const n of [0, 3, 5, 6, 7, 9]) {
    assert.throws(() => readUint(new Uint8Array(n)), isDecodeError(0));
    assert.throws(() => readSint(new Uint8Array(n)), isDecodeError(0));
  }
});

test("scalar readers reject the wrong length with NetlinkDecodeError", () => {
  const readers: [(d: Uint8Array) => unknown, number][] = [
    [readU8, 1],
    [readS8, 1],
    [readU16, 2],
    [readS16, 2],
    [readU16be, 2],
    [readS16be, 2],
    [readU32, 4],
    [readS32, 4],
    [readU32be, 4],
    [readS32be, 4],
    [readU64, 8],
    [readS64, 8],
    [readU64be, 8],
    [readFlag, 0],
  ];
  for (const [read, size] of readers) {
    for (const n of [0, 1, 2, 3, 4, 5, 8, 9]) {
      if (n === size) assert.doesNotThrow(() => read(new Uint8Array(n)));
      else assert.throws(() => read(new Uint8Array(n)), isDecodeError(0), `${read.name}(${n})`);
    }
  }
});

test("readString strips trailing NULs and decodes UTF-8 leniently", () => {
  assert.equal(readString(hex("6574683000")), "eth0");
  assert.equal(readString(hex("65746830000000")), "eth0");
  assert.equal(readString(hex("6574683000")), "eth0");
  assert.equal(readString(hex("65740030")), "et\u00000");
  assert.equal(readString(hex("")), "");
  assert.equal(readString(hex("00")), "");
  assert.equal(readString(hex("c3a9 00")), "\u00e9");
  assert.equal(readString(hex("ff fe 41 00")), "\ufffd\ufffdA");
  const long = "x".repeat(100) + "\u00e9";
  assert.equal(readString(new TextEncoder().encode(long + "\0")), long);
});

test("readFlag and readIndexedArray", () => {
  assert.equal(readFlag(new Uint8Array(0)), true);
  const data = hex("0800 0100 0a000000 0800 0200 14000000 0800 0300 1e000000");
  assert.deepEqual(readIndexedArray(data).map((e) => [e.type, readU32(e.data)]), [
    [1, 10],
    [2, 20],
    [3, 30],
  ]);
  assert.throws(() => readIndexedArray(hex("0900 0100 0a000000")), isDecodeError(0));
});

test("AttributeWriter scalars produce the exact struct nlattr bytes", () => {
  const w = new AttributeWriter()
    .u8(1, 0xff)
    .u16(2, 0x1234)
    .u32(3, 0xdeadbeef)
    .u64(4, 0x0102030405060708n)
    .s8(5, -1)
    .s16(6, -2)
    .s32(7, -22)
    .s64(8, -1n)
    .flag(9);
  assert.deepEqual(
    w.bytes(),
    hex(`
      0500 0100 ff000000
      0600 0200 34120000
      0800 0300 efbeadde
      0c00 0400 0807060504030201
      0500 0500 ff000000
      0600 0600 feff0000
      0800 0700 eaffffff
      0c00 0800 ffffffffffffffff
      0400 0900
    `),
  );
  assert.equal(w.length, 76);
  // numbers are accepted for 64-bit values, bigints for small ones
  assert.deepEqual(
    new AttributeWriter().u64(1, 2 ** 40).bytes(),
    hex("0c00 0100 0000000000010000"),
  );
  assert.deepEqual(
    new AttributeWriter().s64(1, -(2 ** 40)).bytes(),
    hex("0c00 0100 00000000 00ffffff"),
  );
  assert.deepEqual(new AttributeWriter().s64(1, -5).bytes(), hex("0c00 0100 fbffffff ffffffff"));
  assert.deepEqual(new AttributeWriter().u32(1, 7n).bytes(), hex("0800 0100 07000000"));
  assert.deepEqual(new AttributeWriter().s32(1, -1n).bytes(), hex("0800 0100 ffffffff"));
  assert.deepEqual(
    new AttributeWriter().u64(1, 0xffffffffffffffffn).bytes(),
    hex("0c00 0100 ffffffffffffffff"),
  );
  assert.deepEqual(
    new AttributeWriter().s64(1, -(1n << 63n)).bytes(),
    hex("0c00 0100 0000000000000080"),
  );
});

test("AttributeWriter network-order writers", () => {
  assert.deepEqual(new AttributeWriter().u16be(2, 443).bytes(), hex("0600 0200 01bb0000"));
  assert.deepEqual(new AttributeWriter().u16be(2, 443, true).bytes(), hex("0600 0240 01bb0000"));
  assert.deepEqual(
    new AttributeWriter().u32be(1, 0xc0a80001, true).bytes(),
    hex("0800 0140 c0a80001"),
  );
  assert.deepEqual(
    new AttributeWriter().u64be(1, 0x0102030405060708n).bytes(),
    hex("0c00 0100 0102030405060708"),
  );
});

test("AttributeWriter uint/sint pick 4 or 8 bytes like nla_put_uint/nla_put_sint", () => {
  assert.deepEqual(new AttributeWriter().uint(1, 7).bytes(), hex("0800 0100 07000000"));
  assert.deepEqual(
    new AttributeWriter().uint(1, 2 ** 32).bytes(),
    hex("0c00 0100 0000000001000000"),
  );
  assert.deepEqual(new AttributeWriter().sint(1, -5).bytes(), hex("0800 0100 fbffffff"));
  assert.deepEqual(new AttributeWriter().sint(1, -5n).bytes(), hex("0800 0100 fbffffff"));
  assert.deepEqual(
    new AttributeWriter().sint(1, 2 ** 31).bytes(),
    hex("0c00 0100 0000008000000000"),
  );
  assert.deepEqual(new AttributeWriter().sint(1, -(2 ** 31)).bytes(), hex("0800 0100 00000080"));
  assert.deepEqual(
    new AttributeWriter().sint(1, -(2n ** 31n) - 1n).bytes(),
    hex("0c00 0100 ffffff7f ffffffff"),
  );
});

test("AttributeWriter range-checks values and types", () => {
  const w = new AttributeWriter();
  assert.throws(() => w.u8(1, 256), RangeError);
  assert.throws(() => w.u8(1, -1), RangeError);
  assert.throws(() => w.u16(1, 0x10000), RangeError);
  assert.throws(() => w.u32(1, 2 ** 32), RangeError);
  assert.throws(() => w.u32(1, 1.5), RangeError);
  assert.throws(() => w.u32(1, NaN), RangeError);
  assert.throws(() => w.u64(1, -1), RangeError);
  assert.throws(() => w.u64(1, 1n << 64n), RangeError);
  assert.throws(() => w.s8(1, 128), RangeError);
  assert.throws(() => w.s16(1, -32769), RangeError);
  assert.throws(() => w.s32(1, 2 ** 31), RangeError);
  assert.throws(() => w.s64(1, 1n << 63n), RangeError);
  assert.throws(() => w.s64(1, 2 ** 63), RangeError);
  assert.throws(() => w.u32(0x10000, 1), RangeError);
  assert.throws(() => w.u32(-1, 1), RangeError);
  assert.throws(() => w.binary(1, new Uint8Array(65532)), RangeError);
  assert.throws(() => w.string(1, "x".repeat(65531)), RangeError);
  assert.equal(w.length, 0, "failed writes leave nothing behind");
  assert.equal(new AttributeWriter().binary(1, new Uint8Array(65531)).length, 65536);
});

test("AttributeWriter strings, raw bytes and binary", () => {
  assert.deepEqual(
    new AttributeWriter().string(3, "eth0").bytes(),
    hex("0900 0300 6574683000 000000"),
  );
  assert.deepEqual(new AttributeWriter().string(3, "").bytes(), hex("0500 0300 00000000"));
  assert.deepEqual(
    new AttributeWriter().string(1, "\u00e9\u4e2d").bytes(),
    hex("0a00 0100 c3a9 e4b8ad 00 0000"),
  );
  assert.deepEqual(
    new AttributeWriter().string(1, "\u{1f600}").bytes(),
    hex("0900 0100 f09f9880 00 000000"),
  );
  assert.deepEqual(
    new AttributeWriter().raw(hex("0a0b0c")).u8(1, 2).bytes(),
    hex("0a0b0c00 0500 0100 02000000"),
  );
  assert.deepEqual(new AttributeWriter().attr(1, [1, 2]).bytes(), hex("0600 0100 0102 0000"));
  assert.deepEqual(
    new AttributeWriter().binary(1 | NLA_F_NESTED, hex("")).bytes(),
    hex("0400 0180"),
  );
  const long = "ab\u00e9".repeat(9000);
  const w = new AttributeWriter(8).string(1, long);
  assert.equal(readString(parseAttributes(w.bytes())[0].data), long);
});

test("AttributeWriter nest patches nla_len and sets NLA_F_NESTED", () => {
  const bytes = new AttributeWriter()
    .string(3, "lo")
    .nest(18, (w) => w.string(1, "veth").nest(2, (w) => w.u16(1, 100)))
    .bytes();
  assert.deepEqual(
    bytes,
    hex(`
      0700 0300 6c6f00 00
      1c00 1280
        0900 0100 7665746800 000000
        0c00 0280 0600 0100 64000000
    `),
  );
  assert.deepEqual(new AttributeWriter().nest(5, () => {}).bytes(), hex("0400 0580"));
  assert.deepEqual(
    new AttributeWriter().nest(5, (w) => w.flag(1), { flag: false }).bytes(),
    hex("0800 0500 0400 0100"),
  );
  assert.throws(
    () => new AttributeWriter().nest(1, (w) => w.binary(2, new Uint8Array(65531))),
    RangeError,
  );
});

test("AttributeWriter array writes nests typed 1..n", () => {
  const bytes = new AttributeWriter().array(7, [(w) => w.u32(1, 10), (w) => w.u32(1, 20)]).bytes();
  assert.deepEqual(
    bytes,
    hex("1c00 0780 0c00 0180 0800 0100 0a000000 0c00 0280 0800 0100 14000000"),
  );
  const entries = readIndexedArray(parseAttributes(bytes)[0].data);
  assert.deepEqual(entries.map((e) => readU32(readNested(e.data)[0].data)), [10, 20]);
});

test("AttributeWriter grows its buffer past the initial capacity", () => {
  const w = new AttributeWriter(1);
  for (let i = 0; i < 1000; i++) w.u32(i & 0x3fff, i);
  const attrs = parseAttributes(w.bytes());
  assert.equal(attrs.length, 1000);
  assert.deepEqual(attrs.map((a) => readU32(a.data)), Array.from({ length: 1000 }, (_, i) => i));
  // a nest whose inner writes reallocate the buffer
  const n = new AttributeWriter(1).nest(1, (w) => {
    for (let i = 0; i < 100; i++) w.u64(2, i);
  });
  const [outer] = parseAttributes(n.bytes());
  assert.equal(readNested(outer.data).length, 100);
});

test("attributes() and encodeAttributes re-encode losslessly", () => {
  const list = parseAttributes(hex("0800 0540 c0a80001 0400 0180 0600 0100 0102 0000"));
  assert.deepEqual(encodeAttributes(list), hex("0800 0540 c0a80001 0400 0180 0600 0100 0102 0000"));
  assert.deepEqual(encodeAttributes(parseAttributes(ATTRS)), ATTRS);
  const literal: Attribute[] = [{
    type: 2,
    nested: true,
    netByteOrder: false,
    data: hex("0500 0100 07"),
  }];
  assert.deepEqual(
    new AttributeWriter().attributes(literal).bytes(),
    hex("0900 0280 0500 0100 07 000000"),
  );
  // the real kernel message: parse -> encode is byte-identical
  const [msg] = parseMessages(LO_NEWLINK);
  const attrs = msg.payload.subarray(16);
  assert.deepEqual(encodeAttributes(parseAttributes(attrs)), attrs);
  // and so is a full rebuild through MessageBuilder
  const rebuilt = new MessageBuilder(msg.type, msg.flags, { seq: msg.seq, pid: msg.pid })
    .raw(msg.payload.subarray(0, 16))
    .attributes(parseAttributes(msg.payload, 16))
    .finish();
  assert.deepEqual(rebuilt, LO_NEWLINK);
});

test("the captured lo RTM_NEWLINK decodes to known values", () => {
  const [msg] = parseMessages(LO_NEWLINK);
  assert.deepEqual([msg.length, msg.type, msg.flags, msg.seq], [1468, 16, 2, 0x9b]);
  const map = attributeMap(msg.payload, 16);
  assert.equal(readString(map.get(3)!.data), "lo"); // IFLA_IFNAME
  assert.equal(readU32(map.get(4)!.data), 65536); // IFLA_MTU
  assert.equal(readU32(map.get(13)!.data), 1000); // IFLA_TXQLEN
  assert.equal(readU8(map.get(16)!.data), 2); // IFLA_OPERSTATE: IF_OPER_DOWN in a new netns
  assert.deepEqual(map.get(1)!.data, new Uint8Array(6)); // IFLA_ADDRESS 00:00:00:00:00:00
  // nests flagged NLA_F_NESTED parse recursively (two empty ones in this message)
  let nests = 0;
  const walk = (list: Attribute[]) => {
    for (const a of list) if (a.nested) (nests++, walk(readNested(a.data)));
  };
  walk(parseAttributes(msg.payload, 16));
  assert.equal(nests, 2);
  // rtnetlink still sends legacy nests without the flag: IFLA_AF_SPEC { AF_INET, AF_INET6 }
  const afSpec = map.get(26)!;
  assert.equal(afSpec.nested, false);
  assert.deepEqual(readNested(afSpec.data).map((a) => a.type), [2, 10]);
});

test("MessageBuilder reserves and fills struct nlmsghdr", () => {
  // RTM_NEWLINK create dummy0: nlmsghdr + ifinfomsg + IFLA_IFNAME + IFLA_LINKINFO{KIND}
  const b = new MessageBuilder(16, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, {
    seq: 0x1234,
  })
    .raw(new Uint8Array(16))
    .string(3, "dummy0")
    .nest(18, (w) => w.string(1, "dummy"));
  const msg = b.finish();
  assert.deepEqual(
    msg,
    hex(`
      3c000000 1000 0506 34120000 00000000
      00000000 00000000 00000000 00000000
      0b00 0300 64756d6d793000 00
      1000 1280 0a00 0100 64756d6d7900 0000
    `),
  );
  assert.equal(b.length, 60);
  assert.deepEqual(b.bytes(), msg);
  b.seq = 0x1235;
  b.pid = 77;
  b.u32(4, 1400);
  const again = b.finish();
  assert.deepEqual(
    again.subarray(0, 16),
    hex("44000000 1000 0506 35120000 4d000000"),
  );
  assert.deepEqual(msg.subarray(0, 4), hex("3c000000"), "earlier result is a copy");
  assert.deepEqual(
    new MessageBuilder(18, NLM_F_REQUEST | NLM_F_DUMP).finish(),
    hex("10000000 1200 0103 00000000 00000000"),
  );
  const bad = new MessageBuilder(18);
  bad.type = 0x10000;
  assert.throws(() => bad.finish(), RangeError);
});
