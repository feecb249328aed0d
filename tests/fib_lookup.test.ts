// NETLINK_FIB_LOOKUP against the kernel, in a namespace of its own: every answer is compared
// with `ip route get fibmatch` (the matching route's prefix, type, scope and table) for the
// same address, and the misses with the errors `ip route get` reports. Over a fake kernel that
// echoes as nl_fib_input() does: each lookup is a request without NLM_F_ACK and its own seq,
// answered out of order at once, and a kernel that says nothing makes a timeout, not a hang.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { sh, shFails, SKIP_KERNEL, uniqueName } from "./helpers.ts";
import { NETLINK_FIB_LOOKUP, NLM_F_REQUEST } from "../codec/constants.ts";
import { encodeMessage } from "../codec/message.ts";
import { FakeKernel } from "../testing/fake_kernel.ts";
import {
  decodeFibLookup,
  FibLookup,
  fibLookupRequest,
  fibResultNl,
} from "../families/fib_lookup/mod.ts";

test("fib_lookup: the request is nlmsghdr + struct fib_result_nl, seq 0, no ACK flag", () => {
  const b = fibLookupRequest({ address: "10.1.2.3", table: 100, mark: 7, tos: 0x10, scope: 253 });
  const dv = new DataView(b.buffer);
  assert.equal(dv.getUint32(0, true), 16 + 20); // nlmsg_len
  assert.equal(dv.getUint16(6, true), 1); // NLM_F_REQUEST only: the kernel never ACKs
  assert.equal(dv.getUint32(8, true), 0); // seq
  // struct fib_result_nl (include/net/ip_fib.h): __be32 fl_addr; u32 fl_mark; u8 fl_tos,
  // fl_scope, tb_id_in, tb_id, prefixlen, nh_sel, type, scope; int err.
  assert.deepEqual([...b.subarray(16, 20)], [10, 1, 2, 3]);
  assert.equal(dv.getUint32(20, true), 7);
  assert.deepEqual([...b.subarray(24, 27)], [0x10, 253, 100]);
  assert.equal(fibResultNl.size, 20);
  const reply = b.slice(16);
  reply.set([100, 24, 1, 1, 253], 11);
  new DataView(reply.buffer).setInt32(16, 0, true);
  const r = decodeFibLookup(reply);
  assert.deepEqual(
    [r.address, r.table, r.prefixlen, r.nhSel, r.typeName, r.scopeName, r.err, r.code],
    ["10.1.2.3", 100, 24, 1, "unicast", "link", 0, undefined],
  );
  assert.throws(() => fibLookupRequest({ address: "10.0.0.1", table: 1000 }), /0-255/);
  assert.throws(() => fibLookupRequest({ address: "fd00::1" }), /IPv4/);
});

test("fib_lookup: lookups at once each get their echo by seq; no ACK asked; silence times out (fake)", async () => {
  const kernel = new FakeKernel(NETLINK_FIB_LOOKUP, async (req, k) => {
    // nl_fib_input(): the same message back (header, seq and all), the struct filled in; the
    // first lookup is answered last. 10.0.0.99 is ignored, as a short request would be.
    const addr = [...req.payload.subarray(0, 4)].join(".");
    if (addr === "10.0.0.99") return;
    if (addr === "10.0.0.1") await new Promise((ok) => setTimeout(ok, 30));
    const filled = req.payload.slice();
    filled[12] = Number(addr.split(".")[3]); // prefixlen, to tell the answers apart
    filled[14] = 1; // RTN_UNICAST
    k.raw(
      encodeMessage({
        type: req.type,
        flags: req.flags,
        seq: req.seq,
        pid: req.pid,
        payload: filled,
      }),
    );
  });
  await using fib = FibLookup.fromSocket(await kernel.open());
  const results = await Promise.all(
    ["10.0.0.1", "10.0.0.2", "10.0.0.3"].map((address) => fib.lookup({ address })),
  );
  assert.deepEqual(results.map((r) => [r.address, r.prefixlen, r.typeName]), [
    ["10.0.0.1", 1, "unicast"],
    ["10.0.0.2", 2, "unicast"],
    ["10.0.0.3", 3, "unicast"],
  ]);
  const seqs = kernel.requests.map((r) => r.seq);
  assert.equal(new Set(seqs).size, 3, "each lookup has its own seq");
  assert.ok(seqs.every((s) => s !== 0));
  assert.ok(kernel.requests.every((r) => r.flags === NLM_F_REQUEST), "no NLM_F_ACK");
  const t0 = Date.now();
  await assert.rejects(
    fib.lookup({ address: "10.0.0.99" }, { timeoutMs: 50 }),
    /No NETLINK_FIB_LOOKUP answer for 10.0.0.99 within 50 ms/,
  );
  assert.ok(Date.now() - t0 < 1000);
  const r = await fib.lookup({ address: "10.0.0.4" });
  assert.equal(r.prefixlen, 4, "the socket is still usable");
});

const TABLES: Record<string, number> = { main: 254, local: 255, default: 253 };

test("fib_lookup: matches, misses and tables equal `ip route get fibmatch`", {
  skip: SKIP_KERNEL,
}, async () => {
  const ns = uniqueName("fib");
  sh("ip", ["netns", "add", ns]);
  try {
    const ip = (...a: string[]) => sh("ip", ["-n", ns, ...a]);
    ip("link", "set", "lo", "up");
    ip("link", "add", "f0", "type", "veth", "peer", "name", "f1");
    ip("link", "set", "f0", "up");
    ip("link", "set", "f1", "up");
    ip("addr", "add", "192.0.2.1/24", "dev", "f0");
    ip("route", "add", "10.1.0.0/16", "via", "192.0.2.254", "dev", "f0");
    ip("route", "add", "10.1.4.0/22", "via", "192.0.2.253", "dev", "f0", "scope", "global");
    ip("route", "add", "blackhole", "10.1.2.0/24");
    ip("route", "add", "unreachable", "10.9.0.0/16");
    ip("route", "add", "prohibit", "10.8.0.0/16");
    ip("route", "add", "10.7.0.0/16", "dev", "f0", "table", "100");
    ip("rule", "add", "fwmark", "7", "lookup", "100", "pref", "100");
    await using fib = await FibLookup.open({ netns: ns });
    const cases: [string, string[]][] = [
      ["10.1.3.4", []],
      ["10.1.5.6", []],
      ["192.0.2.7", []],
      ["192.0.2.1", []],
      ["127.0.0.1", []],
      ["10.7.1.1", ["mark", "7"]],
    ];
    let compared = 0;
    for (const [address, extra] of cases) {
      const [truth] = JSON.parse(
        ip("-j", "-d", "route", "get", "fibmatch", address, ...extra),
      ) as { dst: string; type: string; table: string; scope: string }[];
      const table = TABLES[truth.table] ?? Number(truth.table);
      const r = await fib.lookup({ address, table, mark: extra.length ? 7 : 0 });
      const plen = truth.dst.includes("/") ? Number(truth.dst.split("/")[1]) : 32;
      assert.deepEqual(
        [r.err, r.table, r.prefixlen, r.typeName, r.scopeName],
        [0, table, plen, truth.type, truth.scope],
        `${address}: ${JSON.stringify(truth)}`,
      );
      compared++;
    }
    assert.equal(compared, cases.length);
    // Routes that refuse: the errors `ip route get` reports, from the same lookup.
    for (
      const [address, code, text] of [
        ["10.1.2.3", "EINVAL", "Invalid argument"],
        ["10.9.1.1", "EHOSTUNREACH", "No route to host"],
        ["10.8.1.1", "EACCES", "Permission denied"],
      ]
    ) {
      assert.match(shFails("ip", ["-n", ns, "route", "get", address]), new RegExp(text));
      const r = await fib.lookup({ address, table: 254 });
      assert.equal(r.code, code, address);
    }
    // No route at all: `ip route get` says ENETUNREACH after trying every table; one table's
    // lookup says EAGAIN ("try the next table").
    assert.match(shFails("ip", ["-n", ns, "route", "get", "8.8.8.8"]), /Network is unreachable/);
    assert.equal((await fib.lookup({ address: "8.8.8.8", table: 254 })).code, "EAGAIN");
    // A table that does not exist.
    const none = await fib.lookup({ address: "10.1.3.4", table: 42 });
    assert.deepEqual([none.code, none.table], ["ENOENT", 0]);
    // Lookups one after another and at once on the same socket each get their own answer.
    const many = await Promise.all(
      ["10.1.3.4", "192.0.2.7", "127.0.0.1"].map((address) =>
        fib.lookup({ address, table: address === "127.0.0.1" ? 255 : 254 })
      ),
    );
    assert.deepEqual(many.map((r) => [r.address, r.prefixlen]), [
      ["10.1.3.4", 16],
      ["192.0.2.7", 24],
      ["127.0.0.1", 32],
    ]);
  } finally {
    sh("ip", ["netns", "del", ns]);
  }
});
