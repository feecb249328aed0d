// Real-kernel tests of families/route/watch.ts: changes made by `ip` arrive, typed, in order.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { Rtnl } from "../families/route/rtnl.ts";
import { watch, type WatchEvent } from "../families/route/watch.ts";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import {
  ipJson,
  linkExists,
  setSysctl,
  sh,
  SKIP_KERNEL,
  uniqueName,
  withTimeout,
} from "./helpers.ts";

async function collect(
  it: AsyncIterator<WatchEvent>,
  until: (e: WatchEvent) => boolean,
  ms = 5000,
): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await Promise.race([
      it.next(),
      new Promise<"timeout">((res) => setTimeout(() => res("timeout"), deadline - Date.now())),
    ]);
    if (r === "timeout" || r.done) throw new Error(`timed out; got ${out.length} events`);
    out.push(r.value);
    if (until(r.value)) return out;
  }
}

test(
  "watch sees ip's link, address and route changes in order",
  { skip: SKIP_KERNEL },
  async () => {
    const a = uniqueName("wa"), b = uniqueName("wb");
    await using events = await watch({}, { groups: ["link", "ipv4-addr", "ipv4-route"] });
    try {
      sh("ip", ["link", "add", a, "type", "veth", "peer", "name", b]);
      sh("ip", ["link", "set", a, "up"]);
      sh("ip", ["addr", "add", "10.77.0.1/24", "dev", a]);
      sh("ip", ["route", "add", "10.78.0.0/16", "via", "10.77.0.2"]);
      sh("ip", ["route", "del", "10.78.0.0/16"]);
      sh("ip", ["addr", "del", "10.77.0.1/24", "dev", a]);
      sh("ip", ["link", "del", a]);
      const got = await collect(
        events,
        (e) => e.kind === "link" && e.action === "delete" && e.object.name === a,
      );
      const steps: string[] = [];
      for (const e of got) {
        if (e.kind === "link" && e.object.name === a) {
          // The first RTM_NEWLINK creates it; later ones (up, carrier) are changes.
          if (e.action === "delete" || !steps.includes("link new")) steps.push(`link ${e.action}`);
        } else if (e.kind === "address" && e.object.address === "10.77.0.1") {
          assert.equal(e.object.dev, a);
          steps.push(`address ${e.action}`);
        } else if (e.kind === "route" && e.object.dst === "10.78.0.0/16") {
          assert.equal(e.object.gateway, "10.77.0.2");
          assert.equal(e.object.dev, a);
          steps.push(`route ${e.action}`);
        }
      }
      assert.deepEqual(steps, [
        "link new",
        "address new",
        "route new",
        "route delete",
        "address delete",
        "link delete",
      ]);
    } finally {
      if (linkExists(a)) sh("ip", ["link", "del", a]);
    }
  },
);

test("watch on an open Rtnl, neighbour and rule events, raw for unknown types", {
  skip: SKIP_KERNEL,
}, async () => {
  const a = uniqueName("wn"), b = uniqueName("wm");
  sh("ip", ["link", "add", a, "type", "veth", "peer", "name", b]);
  await using rt = await Rtnl.open();
  const events = await watch(rt, { groups: ["neigh", "ipv4-rule", "netconf", "nexthop"] });
  try {
    sh("ip", ["neigh", "add", "192.0.2.44", "lladdr", "02:00:00:00:00:44", "dev", a]);
    sh("ip", ["rule", "add", "priority", "3333", "table", "33"]);
    sh("ip", ["rule", "del", "priority", "3333"]);
    setSysctl(`net.ipv4.conf.${a}.forwarding`, 1);
    sh("ip", ["nexthop", "add", "id", "4242", "blackhole"]);
    const got = await collect(events, (e) => e.kind === "raw" && e.message.type === 104);
    const n = got.find((e) => e.kind === "neighbour")!;
    assert.ok(n.kind === "neighbour" && n.action === "new");
    assert.equal(n.object.dst, "192.0.2.44");
    assert.equal(n.object.dev, a, "named though the link group was not asked for");
    const rules = got.filter((e) => e.kind === "rule");
    assert.deepEqual(rules.map((e) => e.action), ["new", "delete"]);
    assert.ok(rules.every((e) => e.kind === "rule" && e.object.priority === 3333));
    // Link events were not asked for, so none arrives (the watch follows them for names).
    assert.ok(!got.some((e) => e.kind === "link"));
    // RTM_NEWNETCONF for the device, typed.
    const index = ipJson<{ ifindex: number }[]>("link", "show", "dev", a)[0].ifindex;
    const nc = got.find((e) => e.kind === "netconf" && e.object.ifindex === index);
    assert.ok(nc && nc.kind === "netconf" && nc.object.forwarding === true);
    assert.equal(nc.object.dev, a);
    // RTM_NEWNEXTHOP (104) has no typed decoder here: it arrives raw, not dropped.
    assert.ok(got.some((e) => e.kind === "raw" && e.message.type === 104));
  } finally {
    await events.return!();
    sh("ip", ["link", "del", a]);
    sh("ip", ["nexthop", "flush"]);
  }
  // The caller's socket still works after the watch ends.
  assert.equal(rt.socket.closed, false);
  const lo = await rt.call((await import("../families/generated/rt_link.ts")).operations.getlink, {
    attrs: { ifname: "lo" },
  });
  assert.equal(lo?.attrs.ifname, "lo");
});

test(
  "watch misuse is a TypeError or RangeError before any socket",
  { skip: SKIP_KERNEL },
  async () => {
    await assert.rejects(watch({}, { groups: ["bogus" as "link"] }), TypeError);
    await assert.rejects(watch({}, { groups: [0] }), RangeError);
    await assert.rejects(watch({}, { groups: [] }), TypeError);
  },
);

/** This process's NETLINK_ROUTE sockets that joined RTNLGRP_LINK (from /proc/net/netlink). */
function linkGroupSockets(): number {
  const mine = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") continue; // closed meanwhile
      throw e;
    }
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) mine.add(m[1]);
  }
  // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
  return readFileSync("/proc/net/netlink", "utf8").trim().split("\n").slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1] === "0" && (parseInt(f[3], 16) & 1) !== 0 && mine.has(f[9])).length;
}

// Cancellation, as documented (watch: "Ends on signal, return(), close() or await using";
// socket/stream.ts: an aborted signal fails the stream with the signal's reason, return()
// ends it). Aborting rejects the pending next() with exactly signal.reason; return() and
// close() end it normally with { done: true }. Either way the watch's own socket is closed.
test("watch: aborting the signal rejects the pending next() with signal.reason", {
  skip: SKIP_KERNEL,
}, async () => {
  const ac = new AbortController();
  const sockets = linkGroupSockets();
  const events = await watch({}, { groups: ["link"], signal: ac.signal });
  assert.equal(linkGroupSockets(), sockets + 1, "watch opened a socket in RTNLGRP_LINK");
  const dev = uniqueName("wc");
  const seen: string[] = [];
  const loop = (async () => {
    for await (const e of events) if (e.kind === "link") seen.push(e.object.name);
  })();
  sh("ip", ["link", "add", dev, "type", "veth", "peer", "name", `${dev}p`]);
  try {
    // Events flow until the abort.
    await withTimeout(
      (async () => {
        while (!seen.includes(dev)) await new Promise((r) => setTimeout(r, 10));
      })(),
      5000,
      `RTM_NEWLINK for ${dev}`,
    );
    ac.abort();
    const outcome = await withTimeout(
      loop.then(() => "ended normally", (e) => e),
      5000,
      "the watch to stop after abort()",
    );
    assert.equal(outcome, ac.signal.reason, `expected the signal's reason, got ${outcome}`);
    assert.equal((outcome as Error).name, "AbortError");
    // Stopped for good: no more events, even though the kernel has more to say.
    sh("ip", ["link", "set", dev, "up"]);
    assert.deepEqual(await events.next(), { done: true, value: undefined });
    assert.equal(linkGroupSockets(), sockets, "the aborted watch closed its socket");
  } finally {
    sh("ip", ["link", "del", dev]);
  }
});

test("watch: return() and close() end a pending next() with done", {
  skip: SKIP_KERNEL,
}, async () => {
  for (const how of ["return", "close"] as const) {
    await using rt = await Rtnl.open();
    const events = await watch(rt, { groups: ["link"] });
    const pending = events.next();
    await new Promise((r) => setTimeout(r, 20));
    if (how === "return") await events.return!();
    else events.close();
    assert.deepEqual(
      await withTimeout(pending, 5000, `the pending next() to end after ${how}()`),
      { done: true, value: undefined },
      how,
    );
    assert.deepEqual(await events.next(), { done: true, value: undefined }, how);
    // A watch on the caller's Rtnl leaves that socket open and usable.
    assert.equal(rt.socket.closed, false, how);
  }
  // A watch that opened its own socket closes it.
  const sockets = linkGroupSockets();
  const own = await watch({}, { groups: ["link"] });
  assert.equal(linkGroupSockets(), sockets + 1);
  const pending = own.next();
  await own.return!();
  assert.deepEqual(await pending, { done: true, value: undefined });
  assert.equal(linkGroupSockets(), sockets, "return() closed the watch's own socket");
});
