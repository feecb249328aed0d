/**
 * Named network namespaces (socket/netns.ts) against `ip netns`: made by the library, seen and
 * entered by ip, and the other way round; the calling thread back in its own namespace
 * afterwards; errors as ip words them. And `UeventMonitor`'s `netns` option: a namespace's
 * device events reach a monitor opened there (and not one outside), and the sender check
 * still drops forged events.
 */
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readlinkSync } from "node:fs";
import { addNetns, deleteNetns, listNetns, openNetns, runInNetns } from "../socket/netns.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { NetlinkSocket } from "../socket/socket.ts";
import { NETLINK_KOBJECT_UEVENT } from "../codec/constants.ts";
import { encodeUevent } from "../codec/uevent.ts";
import { UeventMonitor } from "../families/uevent.ts";
import type { Uevent } from "../codec/uevent.ts";
import { Rtnl } from "../families/route/rtnl.ts";
import { listLinks } from "../families/route/link.ts";
import { ipJson, sh, SKIP_KERNEL, sleep, uniqueName, withTimeout } from "./helpers.ts";

const ipNetns = () =>
  sh("ip", ["netns", "list"]).split("\n").filter((l) => l).map((l) => l.split(" ")[0]);

test("addNetns makes a namespace ip netns lists and enters; deleteNetns removes it", {
  skip: SKIP_KERNEL,
}, async () => {
  const a = uniqueName("lna"), b = uniqueName("lnb");
  const home = readlinkSync("/proc/thread-self/ns/net");
  try {
    await addNetns(a);
    // The calling thread is back home: a new socket lists this namespace's links, as ip does.
    assert.equal(readlinkSync("/proc/thread-self/ns/net"), home);
    await using here = await Rtnl.open();
    assert.deepEqual(
      (await listLinks(here)).map((l) => l.name),
      ipJson<{ ifname: string }[]>("link", "show").map((l) => l.ifname),
    );
    assert.ok(ipNetns().includes(a), "ip netns list shows it");
    // ip enters it: a fresh namespace with only lo, down; and it is not this one.
    const theirs = ipJson<{ ifname: string; flags: string[] }[]>("-n", a, "link", "show");
    assert.deepEqual(theirs.map((l) => l.ifname), ["lo"]);
    sh("ip", ["-n", a, "link", "add", "inside0", "type", "veth", "peer", "name", "inside1"]);
    assert.equal(spawnSync("ip", ["link", "show", "dev", "inside0"]).status, 1, "not here");
    await using there = await Rtnl.open({ netns: a });
    assert.deepEqual(
      (await listLinks(there)).map((l) => l.name).sort(),
      ["inside0", "inside1", "lo"],
    );
    // One made by ip is listed by us, in ip's order.
    sh("ip", ["netns", "add", b]);
    const ours = await listNetns();
    assert.deepEqual(
      ours.filter((n) => n === a || n === b),
      ipNetns().filter((n) => n === a || n === b),
    );
    // Errors: the step that failed, with the errno, as ip says it.
    await assert.rejects(addNetns(a), (e: unknown) => {
      assert.ok(e instanceof NetlinkError);
      assert.equal(e.code, "EEXIST");
      assert.equal(e.operation, `Cannot create namespace file "/run/netns/${a}"`);
      return true;
    });
    await assert.rejects(addNetns("bad/name"), TypeError);
    await deleteNetns(a);
    assert.ok(!ipNetns().includes(a), "gone for ip too");
    await assert.rejects(deleteNetns(a), (e: unknown) => {
      assert.ok(e instanceof NetlinkError && e.code === "ENOENT");
      assert.equal(e.operation, `Cannot remove namespace file "/run/netns/${a}"`);
      return true;
    });
    // …and the sockets opened there live on until closed (a lazy unmount).
    assert.ok((await listLinks(there)).some((l) => l.name === "inside0"));
  } finally {
    spawnSync("ip", ["netns", "del", a]);
    spawnSync("ip", ["netns", "del", b]);
  }
});

test("runInNetns: what the function creates lives there; the thread comes back", {
  skip: SKIP_KERNEL,
}, async () => {
  const a = uniqueName("rin");
  sh("ip", ["netns", "add", a]);
  const home = readlinkSync("/proc/thread-self/ns/net");
  try {
    const seen = await runInNetns(a, () => readlinkSync("/proc/thread-self/ns/net"));
    assert.notEqual(seen, home, "inside, the thread is in the other namespace");
    using ns = await openNetns(a);
    const viaFd = await runInNetns(ns.fd, () => readlinkSync("/proc/thread-self/ns/net"));
    assert.equal(viaFd, seen);
    assert.equal(readlinkSync("/proc/thread-self/ns/net"), home, "back home");
    await assert.rejects(
      runInNetns(a, () => {
        throw new Error("boom");
      }),
      /boom/,
    );
    assert.equal(readlinkSync("/proc/thread-self/ns/net"), home, "back home after a throw");
    await assert.rejects(
      runInNetns(`${a}-nosuch`, () => 0),
      (e: unknown) => e instanceof NetlinkError && e.code === "ENOENT",
    );
  } finally {
    sh("ip", ["netns", "del", a]);
  }
});

/** Events of `monitor` until `until` (bounded by `ms`), in order. */
async function collect(monitor: UeventMonitor, until: (e: Uevent) => boolean, ms: number) {
  const out: Uevent[] = [];
  const it = monitor.events();
  await withTimeout(
    (async () => {
      for await (const e of it) {
        out.push(e);
        if (until(e)) return;
      }
    })(),
    ms,
    "the uevent",
  ).finally(() => void it.return(undefined));
  return out;
}

test("UeventMonitor in another namespace: its device events, and the sender check", {
  skip: SKIP_KERNEL,
}, async () => {
  const ns = uniqueName("uev");
  const inner = uniqueName("ui"), outer = uniqueName("uo");
  sh("ip", ["netns", "add", ns]);
  try {
    await using there = await UeventMonitor.open({ netns: ns });
    await using here = await UeventMonitor.open();
    // A forged event on group 1, sent from a user-space port inside that namespace.
    await using spoofer = await NetlinkSocket.open(NETLINK_KOBJECT_UEVENT, { netns: ns });
    const forged = `/devices/virtual/net/${inner}-forged`;
    spoofer.send(encodeUevent({ action: "add", devpath: forged, env: { SUBSYSTEM: "net" } }), {
      groups: 1,
    });
    await sleep(50);
    // A device made there, then one made here.
    sh("ip", ["-n", ns, "link", "add", inner, "type", "veth", "peer", "name", `${inner}p`]);
    sh("ip", ["link", "add", outer, "type", "veth", "peer", "name", `${outer}p`]);
    try {
      const seenThere = await collect(
        there,
        (e) => e.devpath === `/devices/virtual/net/${inner}`,
        5000,
      );
      const add = seenThere.at(-1)!;
      assert.equal(add.action, "add");
      assert.equal(add.env.INTERFACE, inner);
      assert.ok(!seenThere.some((e) => e.devpath === forged), "the forged event is dropped");
      assert.equal(there.spoofed, 1, "…and counted");
      // Here: this namespace's device, and none of the other's before it (the kernel sent
      // that one first, to the other namespace's sockets only).
      const seenHere = await collect(
        here,
        (e) => e.devpath === `/devices/virtual/net/${outer}`,
        5000,
      );
      assert.ok(!seenHere.some((e) => e.devpath.includes(inner)), "not delivered here");
    } finally {
      spawnSync("ip", ["link", "del", outer]);
    }
  } finally {
    sh("ip", ["netns", "del", ns]);
  }
});
