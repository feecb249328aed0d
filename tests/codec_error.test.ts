import { test } from "./harness.ts";
import assert from "node:assert/strict";
import {
  decodeErrorMessage,
  encodeErrorMessage,
  ERRNO_NAMES,
  errnoMessage,
  errnoName,
  formatExtendedAck,
  NL_POLICY_TYPE_ATTR_MAX_VALUE_U,
  NL_POLICY_TYPE_ATTR_MIN_VALUE_U,
  NL_POLICY_TYPE_ATTR_TYPE,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_ERROR,
  parseAttributes,
  parseMessages,
  readHeader,
  readU32,
  readU64,
} from "../codec/mod.ts";
import { hex, isDecodeError } from "./codec_helpers.ts";

// Captured from Linux 6.18 (NETLINK_EXT_ACK on, in a fresh network namespace, socket port
// id 0x1003). Request: RTM_NEWLINK, NLM_F_REQUEST|ACK|EXCL|CREATE, seq 0x1234, ifinfomsg,
// IFLA_IFNAME "nltest0", IFLA_MTU with only 2 bytes (offset 44).
const BAD_MTU_REQUEST = hex(`
  34000000 1000 0506 34120000 00000000
  00000000 00000000 00000000 00000000
  0c00 0300 6e6c7465737430 00
  0600 0400 dc05 0000
`);
// The kernel's answer: NLMSG_ERROR, NLM_F_ACK_TLVS, error -ERANGE, the echoed request, then
// NLMSGERR_ATTR_MSG "Attribute failed policy validation", NLMSGERR_ATTR_OFFS 44 and
// NLMSGERR_ATTR_POLICY { MIN_VALUE_U 0, MAX_VALUE_U 0xffffffff, TYPE NL_ATTR_TYPE_U32 }.
const BAD_MTU_REPLY = hex(`
  9c000000 0200 0002 34120000 03100000
  deffffff
  34000000 1000 0506 34120000 00000000
  00000000 00000000 00000000 00000000
  0c00 0300 6e6c7465737430 00
  0600 0400 dc05 0000
  2700 0100 417474726962757465206661696c656420706f6c6963792076616c69646174696f6e00 00
  0800 0200 2c000000
  2400 0480
    0c00 0400 0000000000000000
    0c00 0500 ffffffff00000000
    0800 0100 04000000
`);
// RTM_NEWLINK for an unknown IFLA_INFO_KIND: -EOPNOTSUPP with "Unknown device type".
const UNKNOWN_KIND_REQUEST = hex(`
  40000000 1000 0506 35120000 00000000
  00000000 00000000 00000000 00000000
  0c00 0300 6e6c7465737430 00
  1400 1280 0f00 0100 6e6f737563686b696e6400 00
`);
const UNKNOWN_KIND_REPLY = hex(`
  6c000000 0200 0002 35120000 03100000
  a1ffffff
  40000000 1000 0506 35120000 00000000
  00000000 00000000 00000000 00000000
  0c00 0300 6e6c7465737430 00
  1400 1280 0f00 0100 6e6f737563686b696e6400 00
  1800 0100 556e6b6e6f776e206465766963652074797065 00
`);
// RTM_GETLINK for a missing name, NLM_F_REQUEST|ACK: -ENODEV, no TLVs, request echoed.
const NODEV_REQUEST = hex(`
  2c000000 1200 0500 36120000 00000000
  00000000 00000000 00000000 00000000
  0c00 0300 6e6f7375636830 00
`);
const NODEV_REPLY = hex(`
  40000000 0200 0000 36120000 03100000
  edffffff
  2c000000 1200 0500 36120000 00000000
  00000000 00000000 00000000 00000000
  0c00 0300 6e6f7375636830 00
`);
// Success ACK to an RTM_SETLINK of 40 bytes (port id 0x1119): NLM_F_CAPPED, only the header.
const ACK_REPLY = hex(`
  24000000 0200 0001 99000000 19110000
  00000000
  28000000 1300 0500 99000000 00000000
`);
// -ENODEV with NETLINK_CAP_ACK set: NLM_F_CAPPED, only the request header.
const CAPPED_ERROR_REPLY = hex(`
  24000000 0200 0001 9a000000 19110000
  edffffff
  2c000000 1200 0500 9a000000 00000000
`);

function decodeOnly(reply: Uint8Array) {
  const msgs = parseMessages(reply);
  assert.equal(msgs.length, 1);
  assert.equal(msgs[0].type, NLMSG_ERROR);
  return decodeErrorMessage(msgs[0].payload, msgs[0].flags);
}

test("decodes a real policy-validation error with message, offset and policy", () => {
  const e = decodeOnly(BAD_MTU_REPLY);
  assert.equal(e.error, 34);
  assert.equal(errnoName(e.error), "ERANGE");
  assert.equal(e.capped, false);
  assert.deepEqual(e.request, readHeader(BAD_MTU_REQUEST));
  assert.deepEqual(e.requestPayload, BAD_MTU_REQUEST.subarray(16));
  assert.ok(e.extAck);
  assert.equal(e.extAck.message, "Attribute failed policy validation");
  assert.equal(e.extAck.offset, 44);
  // the offset counts from the request's nlmsghdr and lands on IFLA_MTU
  const [bad] = parseAttributes(BAD_MTU_REQUEST, e.extAck.offset!);
  assert.equal(bad.type, 4);
  const policy = e.extAck.policy!;
  assert.deepEqual(policy.map((a) => a.type), [
    NL_POLICY_TYPE_ATTR_MIN_VALUE_U,
    NL_POLICY_TYPE_ATTR_MAX_VALUE_U,
    NL_POLICY_TYPE_ATTR_TYPE,
  ]);
  assert.equal(readU64(policy[1].data), 0xffffffffn);
  assert.equal(readU32(policy[2].data), 4);
  assert.equal(e.extAck.cookie, undefined);
  assert.equal(
    formatExtendedAck(e.extAck),
    '"Attribute failed policy validation" (offset 44) policy: min 0, max 4294967295, type u32',
  );
});

test("decodes a real error with a message and no offset", () => {
  const e = decodeOnly(UNKNOWN_KIND_REPLY);
  assert.equal(e.error, 95);
  assert.equal(errnoName(e.error), "EOPNOTSUPP");
  assert.deepEqual(e.extAck, { message: "Unknown device type" });
  assert.deepEqual(e.requestPayload, UNKNOWN_KIND_REQUEST.subarray(16));
  assert.equal(formatExtendedAck(e.extAck!), '"Unknown device type"');
});

test("decodes a real error without TLVs, an ACK, and a capped error", () => {
  const nodev = decodeOnly(NODEV_REPLY);
  assert.equal(nodev.error, 19);
  assert.equal(nodev.extAck, undefined);
  assert.equal(nodev.capped, false);
  assert.deepEqual(nodev.requestPayload, NODEV_REQUEST.subarray(16));

  const ack = decodeOnly(ACK_REPLY);
  assert.deepEqual(ack, {
    error: 0,
    request: { length: 40, type: 19, flags: 5, seq: 0x99, pid: 0 },
    requestPayload: new Uint8Array(0),
    capped: true,
  });

  const capped = decodeOnly(CAPPED_ERROR_REPLY);
  assert.equal(capped.error, 19);
  assert.equal(capped.capped, true);
  assert.equal(capped.request.length, 0x2c);
  assert.equal(capped.requestPayload.length, 0);
});

test("capped TLVs follow the header directly", () => {
  // NLM_F_CAPPED|NLM_F_ACK_TLVS, error -EINVAL, request header (len 0x40), then MSG "bad"
  const payload = hex(`
    eaffffff
    40000000 1000 0506 01000000 00000000
    0800 0100 62616400
    0800 0300 deadbeef
  `);
  const e = decodeErrorMessage(payload, NLM_F_CAPPED | NLM_F_ACK_TLVS);
  assert.equal(e.error, 22);
  assert.equal(e.capped, true);
  assert.equal(e.extAck!.message, "bad");
  assert.deepEqual(e.extAck!.cookie, hex("deadbeef"));
  assert.notEqual(e.extAck!.cookie!.buffer, payload.buffer, "cookie is a copy");
  assert.equal(formatExtendedAck(e.extAck!), '"bad" cookie deadbeef');
});

test("missing-attribute TLVs and unknown TLVs", () => {
  const payload = hex(`
    eaffffff
    14000000 1000 0506 01000000 00000000
    0800 0500 03000000
    0800 0600 14000000
    0800 6300 00000000
  `);
  const e = decodeErrorMessage(payload, NLM_F_CAPPED | NLM_F_ACK_TLVS);
  assert.deepEqual(e.extAck, { missingType: 3, missingNest: 20 });
  assert.equal(formatExtendedAck(e.extAck!), "missing attribute type 3 in the nest at offset 20");
  assert.equal(formatExtendedAck({}), "");
});

test("old kernels: a capped error without NLM_F_CAPPED is inferred", () => {
  const payload = hex("edffffff 2c000000 1200 0500 9a000000 00000000");
  const e = decodeErrorMessage(payload, 0);
  assert.equal(e.capped, true);
  assert.equal(e.requestPayload.length, 0);
});

test("a positive error value is read as errno too (libmnl does the same)", () => {
  const payload = hex("11000000 10000000 1000 0000 01000000 00000000");
  assert.equal(decodeErrorMessage(payload, 0).error, 17);
});

test("hostile NLMSG_ERROR payloads throw NetlinkDecodeError", () => {
  // shorter than struct nlmsgerr
  assert.throws(() => decodeErrorMessage(new Uint8Array(0), 0), isDecodeError(0));
  assert.throws(() => decodeErrorMessage(new Uint8Array(19), 0), isDecodeError(0));
  // echoed nlmsg_len below the header size
  assert.throws(
    () => decodeErrorMessage(hex("eaffffff 08000000 1000 0000 01000000 00000000"), 0),
    isDecodeError(4),
  );
  assert.throws(
    () => decodeErrorMessage(hex("eaffffff 00000000 1000 0000 01000000 00000000"), 0),
    isDecodeError(4),
  );
  // echoed request runs past the payload (with TLVs announced, no inference)
  const [m] = parseMessages(BAD_MTU_REPLY);
  assert.throws(
    () => decodeErrorMessage(m.payload.subarray(0, 40), m.flags),
    isDecodeError(4),
  );
  assert.throws(
    () => decodeErrorMessage(hex("eaffffff ff000000 1000 0000 01000000 00000000 00000000"), 0),
    isDecodeError(4),
  );
  // truncated extended ACK: the POLICY TLV cut short
  assert.throws(
    () => decodeErrorMessage(m.payload.subarray(0, m.payload.length - 4), m.flags),
    isDecodeError(),
  );
  // TLV with nla_len 0 after a capped header must not loop
  assert.throws(
    () =>
      decodeErrorMessage(
        hex("eaffffff 10000000 1000 0000 01000000 00000000 0000 0100"),
        NLM_F_CAPPED | NLM_F_ACK_TLVS,
      ),
    isDecodeError(20),
  );
  // OFFS with 2 bytes
  assert.throws(
    () =>
      decodeErrorMessage(
        hex("eaffffff 10000000 1000 0000 01000000 00000000 0600 0200 2c00 0000"),
        NLM_F_CAPPED | NLM_F_ACK_TLVS,
      ),
    isDecodeError(20),
  );
  // POLICY nest with a bad inner length
  assert.throws(
    () =>
      decodeErrorMessage(
        hex("eaffffff 10000000 1000 0000 01000000 00000000 0c00 0480 0900 0100 00000000"),
        NLM_F_CAPPED | NLM_F_ACK_TLVS,
      ),
    isDecodeError(24),
  );
});

test("encodeErrorMessage reproduces the kernel's bytes", () => {
  const request = { ...readHeader(NODEV_REQUEST), payload: NODEV_REQUEST.subarray(16) };
  assert.deepEqual(encodeErrorMessage(request, 19, { pid: 0x1003 }), NODEV_REPLY);

  const kind = { ...readHeader(UNKNOWN_KIND_REQUEST), payload: UNKNOWN_KIND_REQUEST.subarray(16) };
  assert.deepEqual(
    encodeErrorMessage(kind, 95, { pid: 0x1003, extAck: { message: "Unknown device type" } }),
    UNKNOWN_KIND_REPLY,
  );

  const setlink = { length: 40, type: 19, flags: 5, seq: 0x99, pid: 0 };
  assert.deepEqual(encodeErrorMessage(setlink, 0, { pid: 0x1119 }), ACK_REPLY);

  const getlink = { length: 0x2c, type: 18, flags: 5, seq: 0x9a, pid: 0 };
  assert.deepEqual(
    encodeErrorMessage(getlink, 19, { pid: 0x1119, capped: true }),
    CAPPED_ERROR_REPLY,
  );
});

test("encodeErrorMessage defaults, TLVs and round trip", () => {
  const request = { length: 20, type: 16, flags: 5, seq: 9, pid: 4242, payload: hex("01020304") };
  const bytes = encodeErrorMessage(request, 22, {
    capped: true,
    extAck: { message: "nope", offset: 16, cookie: hex("0102") },
  });
  assert.deepEqual(
    bytes,
    hex(`
      40000000 0200 0003 09000000 92100000
      eaffffff
      14000000 1000 0500 09000000 92100000
      0900 0100 6e6f706500 000000
      0800 0200 10000000
      0600 0300 0102 0000
    `),
  );
  const [m] = parseMessages(bytes);
  const e = decodeErrorMessage(m.payload, m.flags);
  assert.deepEqual(e.extAck, { message: "nope", offset: 16, cookie: hex("0102") });
  assert.equal(e.capped, true);

  // not capped: the payload is echoed and nlmsg_len follows it
  const full = encodeErrorMessage({ ...request, length: 99 }, 1, { seq: 5 });
  const [fm] = parseMessages(full);
  assert.equal(fm.seq, 5);
  assert.equal(fm.flags, 0);
  const fe = decodeErrorMessage(fm.payload, fm.flags);
  assert.equal(fe.request.length, 20);
  assert.deepEqual(fe.requestPayload, hex("01020304"));
  assert.equal(fe.error, 1);

  // an ACK is always capped; no TLVs without extAck fields
  const [am] = parseMessages(encodeErrorMessage(request, 0, { extAck: {} }));
  assert.equal(am.flags, NLM_F_CAPPED);
  assert.throws(() => encodeErrorMessage(request, -1), RangeError);
  assert.throws(() => encodeErrorMessage(request, 1.5), RangeError);
});

test("errno names and messages", () => {
  assert.equal(errnoName(1), "EPERM");
  assert.equal(errnoName(2), "ENOENT");
  assert.equal(errnoName(4), "EINTR");
  assert.equal(errnoName(11), "EAGAIN");
  assert.equal(errnoName(16), "EBUSY");
  assert.equal(errnoName(17), "EEXIST");
  assert.equal(errnoName(19), "ENODEV");
  assert.equal(errnoName(22), "EINVAL");
  assert.equal(errnoName(34), "ERANGE");
  assert.equal(errnoName(90), "EMSGSIZE");
  assert.equal(errnoName(93), "EPROTONOSUPPORT");
  assert.equal(errnoName(95), "EOPNOTSUPP");
  assert.equal(errnoName(105), "ENOBUFS");
  assert.equal(errnoName(111), "ECONNREFUSED");
  assert.equal(errnoName(133), "EHWPOISON");
  assert.equal(errnoName(524), "ENOTSUPP");
  assert.equal(errnoName(-2), "ENOENT");
  assert.equal(errnoName(0), "errno 0");
  assert.equal(errnoName(4000), "errno 4000");
  assert.equal(errnoName(41), "errno 41");
  // 1..133 minus the two unassigned numbers 41 and 58
  const generic = Object.keys(ERRNO_NAMES).map(Number).filter((n) => n <= 133);
  assert.equal(generic.length, 131);
  assert.equal(errnoMessage(17), "File exists");
  assert.equal(errnoMessage(-95), "Operation not supported");
  assert.equal(errnoMessage(105), "No buffer space available");
  assert.equal(errnoMessage(4000), "errno 4000");
});
