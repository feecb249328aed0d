// The uevent monitor against the real kernel: the example itself, as a subprocess, under both
// runtimes; and the library's spoofing filter.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { UeventMonitor } from "../families/uevent.ts";
import { NetlinkSocket } from "../socket/socket.ts";
import { encodeUevent } from "../codec/uevent.ts";
import { NETLINK_KOBJECT_UEVENT } from "../codec/constants.ts";
import { readFileSync } from "node:fs";
import {
  sh,
  SKIP_KERNEL,
  sleep,
  startScript,
  uniqueName,
  waitFor,
  withTimeout,
} from "./helpers.ts";

/** The kernel's last uevent sequence number. */
const ueventSeqnum = () => Number(readFileSync("/sys/kernel/uevent_seqnum", "utf8"));

const example = new URL("../examples/uevent_monitor.ts", import.meta.url).pathname;

// Under Deno with --env (indented KEY=VALUE lines), under Bun with --json (one object a line).
for (const [runtime, flag] of [["deno", "--env"], ["bun", "--json"]] as const) {
  test(`examples/uevent_monitor.ts ${flag} under ${runtime} reports a new veth`, {
    skip: SKIP_KERNEL,
  }, async () => {
    const argv = runtime === "deno" ? ["deno", "run", "-A", example] : ["bun", example];
    const child = startScript([...argv, flag]);
    const names: string[] = [];
    const isAdd = (l: string, n: string) => {
      if (flag === "--env") return l === `add@/devices/virtual/net/${n}`;
      if (!l.startsWith("{")) return false;
      const ev = JSON.parse(l);
      return ev.action === "add" && ev.devpath === `/devices/virtual/net/${n}`;
    };
    try {
      // The monitor needs a moment to start: add a veth each second until one is reported.
      let name: string | undefined;
      for (let tries = 0; !name && tries < 20; tries++) {
        const n = uniqueName("ue");
        names.push(n);
        sh("ip", ["link", "add", n, "type", "veth", "peer", "name", `${n}p`]);
        const seen = () => child.lines.some((l) => isAdd(l, n));
        name = await waitFor(seen, 1000, n).then(() => n, (e: Error) => {
          if (!e.message.startsWith("timed out")) throw e; // a broken line, not a slow start
          return undefined;
        });
      }
      assert.ok(name, `no event from ${runtime}; stderr: ${child.stderr()}`);
      const i = child.lines.findIndex((l) => isAdd(l, name!));
      if (flag === "--json") {
        const ev = JSON.parse(child.lines[i]);
        assert.equal(ev.source, "kernel");
        assert.equal(ev.subsystem, "net");
        assert.equal(ev.env.INTERFACE, name);
        assert.equal(ev.env.ACTION, "add");
        return;
      }
      // --env prints the properties under the line.
      await waitFor(
        () => child.lines.slice(i).includes(`    INTERFACE=${name}`),
        5000,
        "INTERFACE=",
      );
      assert.ok(child.lines.slice(i).includes("    ACTION=add"));
      assert.ok(child.lines.slice(i).includes("    SUBSYSTEM=net"));
    } finally {
      child.kill();
      await withTimeout(child.exited, 5000, `the ${runtime} monitor to exit after SIGTERM`);
      for (const n of names) sh("ip", ["link", "del", n]);
    }
  });
}

test(
  "the monitor decodes kernel events and drops spoofed ones",
  { skip: SKIP_KERNEL },
  async () => {
    await using monitor = await UeventMonitor.open();
    await using spoofer = await NetlinkSocket.open(NETLINK_KOBJECT_UEVENT);
    const events = monitor.events();
    const name = uniqueName("sp");
    // A forged event on group 1 from a user-space port: must not come out.
    spoofer.send(
      encodeUevent({
        action: "add",
        devpath: "/devices/virtual/net/forged",
        env: { SUBSYSTEM: "net" },
      }),
      {
        groups: 1,
      },
    );
    await sleep(50);
    const seqBefore = ueventSeqnum();
    sh("ip", ["link", "add", name, "type", "veth", "peer", "name", `${name}p`]);
    try {
      const ev = await withTimeout(
        (async () => {
          for await (const ev of events) {
            assert.notEqual(ev.devpath, "/devices/virtual/net/forged");
            assert.equal(ev.source, "kernel");
            if (ev.devpath === `/devices/virtual/net/${name}`) return ev;
          }
          throw new Error("the event stream ended before the veth's add event");
        })(),
        5000,
        `the kernel's add event for ${name}`,
      ).finally(() => void events.return(undefined)); // not awaited (as below)
      assert.equal(ev.action, "add");
      assert.equal(ev.subsystem, "net");
      assert.equal(ev.env.INTERFACE, name);
      // SEQNUM is the kernel's counter (/sys/kernel/uevent_seqnum) at the time of the event.
      assert.equal(ev.env.SEQNUM, String(ev.seqnum));
      assert.ok(
        ev.seqnum! > seqBefore && ev.seqnum! <= ueventSeqnum(),
        `SEQNUM ${ev.seqnum} after ${seqBefore}`,
      );
      assert.equal(monitor.spoofed, 1);
    } finally {
      sh("ip", ["link", "del", name]);
    }
  },
);

test(
  "with source 'udev', events from udev's port on group 2 are accepted",
  { skip: SKIP_KERNEL },
  async () => {
    await using monitor = await UeventMonitor.open({ source: "udev" });
    await using udevd = await NetlinkSocket.open(NETLINK_KOBJECT_UEVENT);
    const events = monitor.events();
    udevd.send(
      encodeUevent({
        action: "change",
        devpath: "/devices/virtual/net/x0",
        env: { SUBSYSTEM: "net" },
      }, {
        format: "udev",
      }),
      { groups: 2 },
    );
    const { value } = await withTimeout(events.next(), 5000, "the udev-format event")
      // Not awaited: a generator still busy in next() would only return after it (on timeout,
      // closing the monitor ends it).
      .finally(() => void events.return(undefined));
    assert.equal(value!.source, "udev");
    assert.equal(value!.action, "change");
    assert.equal(value!.devpath, "/devices/virtual/net/x0");
  },
);
