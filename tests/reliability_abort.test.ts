// Abort against the real kernel (issue 11, defect 2): an already-aborted signal rejects at once
// everywhere and sends nothing; after abort() nothing more is yielded, even from a dump whose
// datagrams are already queued, and the socket stays usable.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { NetlinkSocket } from "../socket/socket.ts";
import { MessageBuilder } from "../codec/message.ts";
import { NETLINK_KOBJECT_UEVENT, NETLINK_ROUTE } from "../codec/constants.ts";
import { UeventMonitor } from "../families/uevent.ts";
import { watch } from "../families/route/watch.ts";
import { Rtnl } from "../families/route/rtnl.ts";
import { listRoutes } from "../families/route/route.ts";
import * as rtLink from "../families/generated/rt_link.ts";
import { ipBatch, recordSentSeqs, sh, SKIP_KERNEL, uniqueName, withTimeout } from "./helpers.ts";

const RTM_GETLINK = 18, RTM_GETROUTE = 26;
const getLinks = () => new MessageBuilder(RTM_GETLINK).raw(new Uint8Array(16)).finish();
const getRoutes = () => new MessageBuilder(RTM_GETROUTE).raw(new Uint8Array(12)).finish();

/** `p` rejects within 1 s with `reason` (by identity). */
async function rejectsWith(p: Promise<unknown>, reason: unknown, what: string): Promise<void> {
  const got = await withTimeout(p.then(() => "resolved", (e) => e), 1000, what);
  assert.equal(got, reason, `${what}: ${String(got)}`);
}

/** A table of 5000 routes via a veth, for long dumps; returns a cleanup. */
function manyRoutes(a: number): () => void {
  const dev = uniqueName("ab");
  ipBatch([
    `link add ${dev} type veth peer name ${dev}p`,
    `link set ${dev} up`,
    `address add 198.18.${a}.1/24 dev ${dev}`,
    ...Array.from(
      { length: 5000 },
      (_, i) => `route add 10.${a}.${i >> 8}.${i & 255}/32 via 198.18.${a}.2`,
    ),
  ]);
  return () => sh("ip", ["link", "del", dev]);
}

test("abort: an already-aborted signal rejects at once everywhere and sends nothing", {
  skip: SKIP_KERNEL,
}, async () => {
  const ac = new AbortController();
  const reason = new Error("aborted before the call");
  ac.abort(reason);
  const signal = ac.signal;
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { join: [1] });
  const sent = recordSentSeqs(sock);
  await rejectsWith(sock.request(getLinks(), { signal }), reason, "request()");
  await rejectsWith(sock.dump(getLinks(), { signal }).next(), reason, "dump()");
  await rejectsWith(sock.dumpBatches(getLinks(), { signal }).next(), reason, "dumpBatches()");
  await rejectsWith(sock.subscribe({ signal }).next(), reason, "subscribe()");
  assert.deepEqual(sent, [], "the socket sent nothing");
  await using usock = await NetlinkSocket.open(NETLINK_KOBJECT_UEVENT, { groups: 1 });
  await rejectsWith(usock.datagrams({ signal }).next(), reason, "datagrams()");

  await using rt = await Rtnl.open();
  const rtSent = recordSentSeqs(rt.socket);
  await rejectsWith(rt.call(rtLink.operations.getlink, { signal }), reason, "Client.call()");
  await rejectsWith(rt.dump(rtLink.operations.getlink, { signal }).next(), reason, "Client.dump()");
  await rejectsWith(rt.events(["rtnlgrp-link"], { signal }).next(), reason, "Client.events()");
  await rejectsWith(listRoutes(rt, { signal }), reason, "listRoutes()");
  await rejectsWith(watch(rt, { signal }), reason, "watch()");
  assert.deepEqual(rtSent, [], "the client sent nothing");
  assert.deepEqual(rt.socket.memberships(), [], "and joined no group");

  await using monitor = await UeventMonitor.open();
  await rejectsWith(monitor.events({ signal }).next(), reason, "UeventMonitor.events()");

  // Nothing is left pending: the sockets still work.
  const lo = new Uint8Array(16);
  new DataView(lo.buffer).setInt32(4, 1, true);
  assert.ok((await sock.request(new MessageBuilder(RTM_GETLINK).raw(lo).finish())).length > 0);
  assert.ok((await rt.get(rtLink.operations.getlink, { attrs: { ifname: "lo" } })).attrs.ifname);
});

test("abort: a dump aborted mid-way yields nothing more; the socket stays usable", {
  skip: SKIP_KERNEL,
}, async () => {
  const cleanup = manyRoutes(221);
  try {
    await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
    for (const batched of [false, true]) {
      const ac = new AbortController();
      const reason = new Error("enough");
      const it = batched
        ? sock.dumpBatches(getRoutes(), { signal: ac.signal })
        : sock.dump(getRoutes(), { signal: ac.signal });
      let before = 0, after = 0;
      const end = await withTimeout(
        (async () => {
          for (;;) {
            const r = await it.next();
            if (r.done) return "done";
            if (ac.signal.aborted) after++;
            else if (++before === 10) ac.abort(reason); // more is queued by now
          }
        })().then((v) => v, (e) => e),
        10000,
        "the aborted dump to end",
      );
      assert.equal(end, reason);
      assert.equal(after, 0, `${after} items after abort() (batched: ${batched})`);
      // The rest was drained in the background: a full dump follows on the same socket.
      let n = 0;
      for await (const _ of sock.dump(getRoutes())) n++;
      assert.ok(n >= 5000, `${n} routes`);
    }
  } finally {
    cleanup();
  }
});

test("abort: Client.dump and watch() aborted mid-way yield nothing more", {
  skip: SKIP_KERNEL,
}, async () => {
  const cleanup = manyRoutes(222);
  try {
    await using rt = await Rtnl.open();
    const ac = new AbortController();
    let before = 0, after = 0;
    const end = await (async () => {
      for await (const _ of rt.dump(rtLink.operations.getlink, { signal: ac.signal })) {
        if (ac.signal.aborted) after++;
        else if (++before === 1) ac.abort(new Error("stop the links"));
      }
    })().then(() => "ended", (e) => String(e));
    assert.match(end, /stop the links/);
    assert.equal(after, 0);

    // watch(): abort while notifications are queued.
    const wac = new AbortController();
    await using events = await watch(rt, { groups: ["ipv4-route"], signal: wac.signal });
    sh("ip", ["route", "flush", "root", "10.222.0.0/16"]); // thousands of RTM_DELROUTE
    let seen = 0, late = 0;
    const wend = await withTimeout(
      (async () => {
        for await (const _ of events) {
          if (wac.signal.aborted) late++;
          else if (++seen === 5) wac.abort(new Error("stop watching"));
        }
      })().then(() => "ended", (e) => String(e)),
      10000,
      "the aborted watch to end",
    );
    assert.match(wend, /stop watching/);
    assert.equal(late, 0);
  } finally {
    cleanup();
  }
});
