import { test } from "./harness.ts";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type Attribute,
  AttributeWriter,
  decodeErrorMessage,
  decodeUevent,
  encodeAttributes,
  forEachAttribute,
  forEachMessage,
  formatExtendedAck,
  NetlinkDecodeError,
  NLA_F_NESTED,
  NLA_F_NET_BYTEORDER,
  NLA_TYPE_MASK,
  NLMSG_ERROR,
  parseAttributes,
  parseMessages,
  readFlag,
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
import { hex } from "./codec_helpers.ts";

const RUNS = 20000;

/** Run `fn`; a NetlinkDecodeError is an accepted outcome, any other throw fails the property. */
function decodeOrReject(fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (e instanceof NetlinkDecodeError) return false;
    throw e;
  }
}

const READERS = [
  readU8,
  readU16,
  readU32,
  readU64,
  readS8,
  readS16,
  readS32,
  readS64,
  readU16be,
  readU32be,
  readU64be,
  readS16be,
  readS32be,
  readUint,
  readSint,
  readString,
  readFlag,
];

/** Parse attributes and descend into every attribute that could hold a nest. */
function deepParse(bytes: Uint8Array, depth: number): void {
  const list = parseAttributes(bytes);
  for (const a of list) {
    for (const read of READERS) decodeOrReject(() => read(a.data));
    if (depth < 6 && a.data.length >= 4) decodeOrReject(() => deepParse(a.data, depth + 1));
  }
}

function decodeAll(datagram: Uint8Array): void {
  decodeOrReject(() => {
    const msgs = parseMessages(datagram);
    assert.equal(forEachMessage(datagram, () => {}), msgs.length);
    for (const m of msgs) {
      if (m.type === NLMSG_ERROR) {
        decodeOrReject(() => {
          const e = decodeErrorMessage(m.payload, m.flags);
          if (e.extAck) formatExtendedAck(e.extAck);
        });
      }
      // family header sizes seen in practice: none, genlmsghdr, rtmsg/ifaddrmsg, ifinfomsg
      for (const skip of [0, 4, 8, 12, 16]) {
        if (skip <= m.payload.length) decodeOrReject(() => deepParse(m.payload.subarray(skip), 0));
      }
    }
  });
  decodeOrReject(() => decodeUevent(datagram));
}

// Real datagrams captured from Linux 6.18 to mutate: an NLMSG_ERROR with extended ACK and
// policy, an RTM_NEWLINK request, NLMSG_DONE, and a kernel uevent.
const SEEDS: Uint8Array[] = [
  hex(`
    9c000000 0200 0002 34120000 03100000 deffffff
    34000000 1000 0506 34120000 00000000 00000000 00000000 00000000 00000000
    0c00 0300 6e6c7465737430 00 0600 0400 dc05 0000
    2700 0100 417474726962757465206661696c656420706f6c6963792076616c69646174696f6e00 00
    0800 0200 2c000000
    2400 0480 0c00 0400 0000000000000000 0c00 0500 ffffffff00000000 0800 0100 04000000
  `),
  hex(`
    40000000 1000 0506 35120000 00000000 00000000 00000000 00000000 00000000
    0c00 0300 6e6c7465737430 00 1400 1280 0f00 0100 6e6f737563686b696e6400 00
    14000000 0300 0200 9b000000 19110000 00000000
  `),
  hex(`
    24000000 0200 0003 9a000000 19110000 edffffff 2c000000 1200 0500 9a000000 00000000
    0800 0100 62616400 0800 0500 03000000
  `),
  new TextEncoder().encode(
    "add@/devices/virtual/net/nlt1\0ACTION=add\0DEVPATH=/devices/virtual/net/nlt1\0" +
      "SUBSYSTEM=net\0INTERFACE=nlt1\0IFINDEX=2\0SEQNUM=2659\0",
  ),
];

const mutatedSeed = fc.record({
  seed: fc.integer({ min: 0, max: SEEDS.length - 1 }),
  edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
    minLength: 1,
    maxLength: 6,
  }),
  cut: fc.option(fc.nat(), { nil: undefined }),
}).map(({ seed, edits, cut }) => {
  const b = SEEDS[seed].slice();
  for (const [i, v] of edits) b[i % b.length] = v;
  return cut === undefined ? b : b.subarray(0, cut % (b.length + 1));
});

test("fuzz: random datagrams decode or throw NetlinkDecodeError", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
      decodeAll(bytes);
    }),
    { numRuns: RUNS },
  );
});

test("fuzz: mutated real messages decode or throw NetlinkDecodeError", () => {
  fc.assert(fc.property(mutatedSeed, (bytes) => decodeAll(bytes)), { numRuns: RUNS });
});

test("fuzz: attributes at any offset and range, recursively", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 64 }),
      fc.integer({ min: -2, max: 70 }),
      fc.integer({ min: -2, max: 70 }),
      (bytes, offset, end) => {
        const viaParse = decodeOrReject(() => parseAttributes(bytes, offset, end));
        const viaWalk = decodeOrReject(() => forEachAttribute(bytes, offset, end, () => {}));
        assert.equal(viaParse, viaWalk);
        decodeOrReject(() => deepParse(bytes, 0));
      },
    ),
    { numRuns: RUNS },
  );
});

test("fuzz: NLMSG_ERROR payloads with any flags", () => {
  // struct nlmsgerr-shaped prefix with a random echoed length, then random TLV bytes
  const payload = fc.tuple(
    fc.integer({ min: -200, max: 200 }),
    fc.integer({ min: 0, max: 80 }),
    fc.uint8Array({ maxLength: 64 }),
  ).map(([err, len, rest]) => {
    const b = new Uint8Array(20 + rest.length);
    new DataView(b.buffer).setInt32(0, err, true);
    new DataView(b.buffer).setUint32(4, len, true);
    b.set(rest, 20);
    return b;
  });
  fc.assert(
    fc.property(
      fc.oneof(payload, fc.uint8Array({ maxLength: 48 })),
      fc.integer({ min: 0, max: 0xffff }),
      (bytes, flags) => {
        decodeOrReject(() => {
          const e = decodeErrorMessage(bytes, flags);
          assert.ok(e.error >= 0);
          assert.ok(e.requestPayload.length <= bytes.length);
          if (e.extAck) assert.equal(typeof formatExtendedAck(e.extAck), "string");
        });
      },
    ),
    { numRuns: RUNS },
  );
});

test("fuzz: uevents, kernel and udev shaped", () => {
  const te = new TextEncoder();
  const prefixes = [
    new Uint8Array(0),
    te.encode("add@/devices/x\0"),
    te.encode("add@/x\0ACTION=add\0"),
    hex("6c69627564657600 feedcafe 28000000 28000000"),
    hex("6c69627564657600 feedcafe 28000000"),
  ];
  const datagram = fc.tuple(
    fc.integer({ min: 0, max: prefixes.length - 1 }),
    fc.uint8Array({ maxLength: 64 }),
    fc.constantFrom("", "A=1\0", "DEVPATH=/x\0ACTION=add\0", "SEQNUM=9\0", "=\0", "X"),
  ).map(([p, rest, tail]) => {
    const t = te.encode(tail);
    const b = new Uint8Array(prefixes[p].length + rest.length + t.length);
    b.set(prefixes[p], 0);
    b.set(rest, prefixes[p].length);
    b.set(t, prefixes[p].length + rest.length);
    return b;
  });
  fc.assert(
    fc.property(datagram, (bytes) => {
      decodeOrReject(() => {
        const ev = decodeUevent(bytes);
        assert.equal(typeof ev.action, "string");
        assert.ok(ev.source === "kernel" || ev.source === "udev");
      });
    }),
    { numRuns: RUNS },
  );
});

type Node =
  | { kind: "leaf"; type: number; nbo: boolean; data: Uint8Array }
  | { kind: "nest"; type: number; flag: boolean; children: Node[] };

const attrType = fc.integer({ min: 0, max: NLA_TYPE_MASK });
const { node: treeNode } = fc.letrec<{ node: Node; leaf: Node; nest: Node }>((tie) => ({
  node: fc.oneof({ depthSize: "small" }, tie("leaf"), tie("nest")),
  leaf: fc.record({
    kind: fc.constant("leaf" as const),
    type: attrType,
    nbo: fc.boolean(),
    data: fc.uint8Array({ maxLength: 13 }),
  }),
  nest: fc.record({
    kind: fc.constant("nest" as const),
    type: attrType,
    flag: fc.boolean(),
    children: fc.array(tie("node"), { maxLength: 4 }),
  }),
}));

function write(w: AttributeWriter, n: Node): void {
  if (n.kind === "leaf") w.attr(n.type | (n.nbo ? NLA_F_NET_BYTEORDER : 0), n.data);
  else w.nest(n.type, (inner) => n.children.forEach((c) => write(inner, c)), { flag: n.flag });
}

function check(a: Attribute, n: Node): void {
  assert.equal(a.type, n.type);
  if (n.kind === "leaf") {
    assert.equal(a.netByteOrder, n.nbo);
    assert.equal(a.nested, false);
    assert.deepEqual(a.data, n.data);
  } else {
    assert.equal(a.nested, n.flag);
    const children = readNested(a.data);
    assert.equal(children.length, n.children.length);
    children.forEach((c, i) => check(c, n.children[i]));
  }
}

test("roundtrip: attribute trees encode -> parse -> encode byte-identically", () => {
  fc.assert(
    fc.property(fc.array(treeNode, { maxLength: 5 }), (tree) => {
      const w = new AttributeWriter(8);
      for (const n of tree) write(w, n);
      const bytes = w.bytes();
      assert.equal(bytes.length % 4, 0);
      const parsed = parseAttributes(bytes);
      assert.equal(parsed.length, tree.length);
      parsed.forEach((a, i) => check(a, tree[i]));
      assert.deepEqual(encodeAttributes(parsed), bytes);
      // raw types from the allocation-free walk carry the same flags
      const raw: number[] = [];
      forEachAttribute(bytes, 0, bytes.length, (t) => void raw.push(t));
      assert.deepEqual(
        raw,
        parsed.map((a) =>
          a.type | (a.nested ? NLA_F_NESTED : 0) | (a.netByteOrder ? NLA_F_NET_BYTEORDER : 0)
        ),
      );
    }),
    { numRuns: RUNS },
  );
});

test("roundtrip: scalar writers and readers agree", () => {
  const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
  const s64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
  fc.assert(
    fc.property(
      fc.record({
        u8: fc.integer({ min: 0, max: 0xff }),
        s8: fc.integer({ min: -0x80, max: 0x7f }),
        u16: fc.integer({ min: 0, max: 0xffff }),
        s16: fc.integer({ min: -0x8000, max: 0x7fff }),
        u32: fc.integer({ min: 0, max: 0xffffffff }),
        s32: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        u64,
        s64,
        // Code points, but no lone surrogate (UTF-8 cannot carry one) and no NUL (the terminator).
        str: fc.string({ unit: "binary", maxLength: 20 }).filter((s) =>
          !s.includes("\0") && s === new TextDecoder().decode(new TextEncoder().encode(s))
        ),
      }),
      (v) => {
        const bytes = new AttributeWriter()
          .u8(1, v.u8)
          .s8(2, v.s8)
          .u16(3, v.u16)
          .s16(4, v.s16)
          .u32(5, v.u32)
          .s32(6, v.s32)
          .u64(7, v.u64)
          .s64(8, v.s64)
          .u16be(9, v.u16)
          .u32be(10, v.u32)
          .u64be(11, v.u64)
          .uint(12, v.u64)
          .sint(13, v.s64)
          .string(14, v.str)
          .u64(15, Number(v.u64 >> 12n))
          .bytes();
        const a = parseAttributes(bytes).map((x) => x.data);
        assert.equal(readU8(a[0]), v.u8);
        assert.equal(readS8(a[1]), v.s8);
        assert.equal(readU16(a[2]), v.u16);
        assert.equal(readS16(a[3]), v.s16);
        assert.equal(readU32(a[4]), v.u32);
        assert.equal(readS32(a[5]), v.s32);
        assert.equal(readU64(a[6]), v.u64);
        assert.equal(readS64(a[7]), v.s64);
        assert.equal(readU16be(a[8]), v.u16);
        assert.equal(readU32be(a[9]), v.u32);
        assert.equal(readU64be(a[10]), v.u64);
        assert.equal(BigInt(readUint(a[11])), v.u64);
        assert.equal(BigInt(readSint(a[12])), v.s64);
        assert.equal(readString(a[13]), v.str);
        assert.equal(readU64(a[14]), v.u64 >> 12n);
      },
    ),
    { numRuns: RUNS },
  );
});
