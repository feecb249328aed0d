// families/route/addr_text.ts: pure functions, checked against glibc inet_ntop's output.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import {
  formatIp,
  formatMac,
  maskPrefix,
  parseIp,
  parseMac,
  parsePrefix,
} from "../families/route/addr_text.ts";

// Pairs printed by glibc inet_ntop (python3 socket.inet_ntop) for the edge cases of RFC 5952.
const V6: [string, string][] = [
  ["0:0:0:0:0:0:0:1", "::1"],
  ["0:0:0:0:0:0:0:0", "::"],
  ["fe80:0:0:0:0:0:0:1", "fe80::1"],
  ["0:0:0:0:0:ffff:102:304", "::ffff:1.2.3.4"],
  ["0:0:0:0:0:0:102:304", "::1.2.3.4"],
  ["0:0:0:0:0:0:0:102", "::102"],
  ["0:0:0:0:0:ffff:0:1", "::ffff:0.0.0.1"],
  ["1:0:0:2:0:0:0:0", "1:0:0:2::"],
  ["1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"],
  ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
  ["2001:DB8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
  ["0:0:0:2:3:4:5:6", "::2:3:4:5:6"],
];

test("formatIp prints IPv6 exactly as inet_ntop, parseIp reads it back", () => {
  for (const [full, want] of V6) {
    const bytes = parseIp(full);
    assert.equal(formatIp(bytes), want, full);
    assert.deepEqual(parseIp(want), bytes, want);
  }
  assert.equal(formatIp(new Uint8Array([192, 0, 2, 255])), "192.0.2.255");
});

test("parsePrefix, maskPrefix and bad text", () => {
  assert.deepEqual(parsePrefix("10.0.0.0/24"), {
    family: 2,
    bytes: new Uint8Array([10, 0, 0, 0]),
    prefixlen: 24,
  });
  assert.equal(parsePrefix("2001:db8::/32").prefixlen, 32);
  assert.equal(parsePrefix("::1").prefixlen, 128);
  assert.deepEqual(maskPrefix(parseIp("10.1.2.3"), 12), new Uint8Array([10, 0, 0, 0]));
  assert.throws(() => parsePrefix("10.0.0.0/33"), RangeError);
  assert.throws(() => parsePrefix("10.0.0/8"), TypeError);
  assert.throws(() => parsePrefix("10.0.0.0/x"), TypeError);
  for (const bad of ["1:2:3:4:5:6:7:8:9", "1::2::3", "::g", "256.1.1.1", "1.2.3.4.5", "", ":::"]) {
    assert.throws(() => parseIp(bad), TypeError, bad);
  }
});

test("MAC text round trip", () => {
  assert.deepEqual(parseMac("02:AB:cd:00:00:01"), new Uint8Array([2, 0xab, 0xcd, 0, 0, 1]));
  assert.equal(formatMac(new Uint8Array([2, 0xab, 0xcd, 0, 0, 1])), "02:ab:cd:00:00:01");
  assert.throws(() => parseMac("02:00:zz"), TypeError);
});
