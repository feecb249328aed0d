// What the client gained for protocols that do not answer like rtnetlink, against the real
// kernel: a request answered without an ACK (`ack: false`, NETLINK_FIB_LOOKUP), and a reply of
// another message type decoded by its own type (xfrm answers XFRM_MSG_GETSA with
// XFRM_MSG_NEWSA). The fake-kernel side is in tests/fake_client.test.ts.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { NetlinkSocket } from "../socket/socket.ts";
import { encodeMessage } from "../codec/message.ts";
import { NETLINK_FIB_LOOKUP } from "../codec/constants.ts";
import { Client } from "../client/client.ts";
import { fibResultNl } from "../families/generated/fib_lookup.ts";
import * as xfrm from "../families/generated/xfrm.ts";
import { ipJson, sh, SKIP_KERNEL } from "./helpers.ts";

const RTN_NAMES = ["unspec", "unicast", "local", "broadcast", "anycast", "multicast"];

test("client: ack false takes NETLINK_FIB_LOOKUP's echo, which never comes with an ACK", {
  skip: SKIP_KERNEL,
}, async () => {
  await using sock = await NetlinkSocket.open(NETLINK_FIB_LOOKUP);
  const lookup = (addr: number) =>
    encodeMessage({ type: 0x10, payload: fibResultNl.encode({ flAddr: addr, tbIdIn: 255 }) });
  // Waiting for an ACK would wait forever: the kernel only echoes the request.
  await assert.rejects(
    sock.request(lookup(0x7f000001), { signal: AbortSignal.timeout(300) }),
    (e: Error) => e.name === "TimeoutError",
  );
  const reply = await sock.request(lookup(0x7f000001), {
    ack: false,
    signal: AbortSignal.timeout(5000),
    operation: "fib lookup 127.0.0.1",
  });
  const r = fibResultNl.decode(reply.payload);
  assert.equal(r.err, 0);
  assert.equal(r.flAddr, 0x7f000001);
  assert.equal(r.tbId, 255);
  // ip's answer for the same address: a local route, in table local.
  const ip = ipJson<{ type?: string; table?: string }[]>("route", "get", "127.0.0.1")[0];
  assert.equal(RTN_NAMES[r.type], ip.type ?? "unicast");
  assert.equal(r.prefixlen, 32);
});

test("client: a reply of another type is decoded by its own type (GETPOLICY → NEWPOLICY)", {
  skip: SKIP_KERNEL,
}, async () => {
  // (This kernel has no ESP for SAs; policies need none.) The kernel answers
  // XFRM_MSG_GETPOLICY (struct xfrm_userpolicy_id) with XFRM_MSG_NEWPOLICY (xfrm_userpolicy_info).
  const sel = ["src", "10.0.0.0/24", "dst", "10.1.0.0/24", "dir", "out"];
  sh("ip", ["xfrm", "policy", "add", ...sel, "priority", "321", "action", "block"]);
  try {
    await using c = await Client.open(xfrm.family);
    const addr = (a: number[]) => {
      const b = new Uint8Array(16);
      b.set(a);
      return b;
    };
    const got = await c.get(xfrm.operations.getpolicy, {
      header: {
        sel: {
          saddr: addr([10, 0, 0, 0]),
          daddr: addr([10, 1, 0, 0]),
          family: 2,
          prefixlenS: 24,
          prefixlenD: 24,
          dport: 0,
          dportMask: 0,
          sport: 0,
          sportMask: 0,
          proto: 0,
          ifindex: 0,
          user: 0,
        },
        dir: 1, // XFRM_POLICY_OUT
      },
    });
    assert.equal(got.operation, xfrm.family.operationFor(xfrm.XFRM_MSG_NEWPOLICY));
    const info = got.header as unknown as xfrm.XfrmUserpolicyInfo;
    // What ip shows for the same policy.
    const shown = sh("ip", ["-s", "xfrm", "policy", "list", ...sel]);
    assert.match(shown, new RegExp(`priority ${info.priority} `));
    assert.match(shown, new RegExp(`index ${info.index} `));
    assert.equal(info.priority, 321);
    assert.equal(info.action, 1, "XFRM_POLICY_BLOCK");
    assert.deepEqual([...info.sel.daddr.subarray(0, 4)], [10, 1, 0, 0]);
  } finally {
    sh("ip", ["xfrm", "policy", "delete", ...sel]);
  }
});
