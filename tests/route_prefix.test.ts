// RTM_NEWPREFIX from a real Router Advertisement, inside tests/run.sh's namespace: a veth pair
// with one end in a second named namespace, from which python3 sends an RA (raw ICMPv6 socket,
// hop limit 255, to ff02::1) with two Prefix Information options; the other end accepts RAs.
// Ground truth: what the RA contained, and `ip -6 monitor prefix` for the same notifications.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { decodePrefix } from "../families/route/mcast.ts";
import * as rtAddr from "../families/generated/rt_addr.ts";
import { watch, type WatchEvent } from "../families/route/watch.ts";
import { decodeBody, type DecodedMessage } from "../codec/ynl/mod.ts";
import { sh, SKIP_KERNEL, startScript, uniqueName, waitFor } from "./helpers.ts";

function hasPython(): boolean {
  try {
    execFileSync("python3", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const SKIP = SKIP_KERNEL || (hasPython() ? false : "python3 (to send the Router Advertisement)");

/** argv: interface, JSON list of {prefix, len, flags, valid, preferred}. */
const SEND_RA = `
import json, socket, struct, sys
ifname, pis = sys.argv[1], json.loads(sys.argv[2])
idx = socket.if_nametoindex(ifname)
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
# type 134, code 0, checksum (the kernel fills it in), hop limit 64, no M/O flags,
# router lifetime 0 (not a default router), reachable 0, retransmit 0
ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 0, 0, 0)
for p in pis:
    # Prefix Information: type 3, length 4 (x 8 bytes), prefix length, flags, valid, preferred
    ra += struct.pack("!BBBBIII", 3, 4, p["len"], p["flags"], p["valid"], p["preferred"], 0)
    ra += socket.inet_pton(socket.AF_INET6, p["prefix"])
s.sendto(ra, ("ff02::1", 0, 0, idx))
`;

/** RFC 4861 Prefix Information flags. */
const L = 0x80, A = 0x40;
const RA = [
  { prefix: "2001:db8:1:2::", len: 64, flags: L | A, valid: 3600, preferred: 1800 },
  { prefix: "2001:db8:9::", len: 48, flags: L, valid: 7200, preferred: 600 },
  { prefix: "2001:db8:7:7::", len: 64, flags: A, valid: 900, preferred: 300 },
];

/** The running kernel is at least major.minor. */
function kernelAtLeast(major: number, minor: number): boolean {
  const [a, b] = sh("uname", ["-r"]).trim().split(/[.-]/).map(Number);
  return a > major || (a === major && b >= minor);
}

test("RTM_NEWPREFIX from a real Router Advertisement, as the RA said and ip monitor prints", {
  skip: SKIP,
}, async () => {
  const ns = uniqueName("pfx");
  const rx = uniqueName("prx");
  const tx = uniqueName("ptx");
  sh("ip", ["netns", "add", ns]);
  const monitor = startScript(["ip", "-6", "monitor", "prefix"]);
  const w = await watch({}, { groups: ["ipv6-prefix"] });
  try {
    sh("ip", ["link", "add", "dev", rx, "type", "veth", "peer", "name", tx, "netns", ns]);
    sh("sysctl", ["-qw", `net.ipv6.conf.${rx}.accept_ra=2`, `net.ipv6.conf.${rx}.accept_dad=0`]);
    sh("ip", ["netns", "exec", ns, "sysctl", "-qw", `net.ipv6.conf.${tx}.accept_dad=0`]);
    sh("ip", ["link", "set", "dev", rx, "up"]);
    sh("ip", ["-n", ns, "link", "set", "dev", tx, "up"]);
    const ifindex = JSON.parse(sh("ip", ["-j", "link", "show", "dev", rx]))[0].ifindex as number;
    // The sender needs its link-local address (the RA's source) before it can send.
    await waitFor(
      () => /fe80::/.test(sh("ip", ["-n", ns, "-6", "addr", "show", "dev", tx, "scope", "link"])),
      5000,
      `a link-local address on ${tx}`,
    );

    const events: WatchEvent[] = [];
    const reading = (async () => {
      for await (const ev of w) {
        events.push(ev);
        if (events.length === RA.length) break;
      }
    })();
    sh("ip", ["netns", "exec", ns, "python3", "-c", SEND_RA, tx, JSON.stringify(RA)]);
    await waitFor(() => events.length === RA.length, 5000, `${RA.length} RTM_NEWPREFIX`);
    await reading;
    await waitFor(
      () => monitor.lines.length >= RA.length,
      5000,
      `${RA.length} lines of ip -6 monitor prefix`,
    );
    const lines = monitor.lines;

    // Since Linux 6.7 the kernel copies the option's flags byte into prefixmsg.prefix_flags;
    // before, it wrote IF_PREFIX_ONLINK (0x01) and IF_PREFIX_AUTOCONF (0x02).
    const rawFlags = kernelAtLeast(6, 7)
      ? (f: number) => f
      : (f: number) => ((f & L) ? 1 : 0) | ((f & A) ? 2 : 0);
    for (const [i, sent] of RA.entries()) {
      const ev = events[i];
      assert.equal(ev.kind, "prefix", JSON.stringify(ev));
      assert.equal(ev.message.group, 18, "RTNLGRP_IPV6_PREFIX");
      assert.equal(ev.message.sender, 0);
      // The raw message, as received; the event's object is what decodePrefix makes of it.
      const m: DecodedMessage<rtAddr.Prefixmsg, rtAddr.PrefixAttrs> = decodeBody(
        rtAddr.operations.newprefix,
        ev.message.payload,
      );
      assert.deepEqual(ev.object, { dev: rx, ...decodePrefix(m) }, "the event's object");
      assert.equal(m.header.family, 10);
      assert.equal(m.header.type, 3, "ND_OPT_PREFIX_INFORMATION");
      assert.equal(m.header.flags, rawFlags(sent.flags), "prefix_flags as the kernel sends them");

      // What the library reports, against what the RA said.
      assert.deepEqual(decodePrefix(m), {
        ifindex,
        prefix: `${sent.prefix}/${sent.len}`,
        onLink: (sent.flags & L) !== 0,
        autoconf: (sent.flags & A) !== 0,
        preferredTime: sent.preferred,
        validTime: sent.valid,
      }, `prefix ${i}`);

      // And against iproute2 (6.1 prints "…/64dev rx0": no space; and no flags on kernels that
      // send the raw option byte, so only the prefix, device and lifetimes are compared).
      const t = /^prefix (\S+?)\/(\d+)\s*dev (\S+) .*valid (\d+) preferred (\d+)/.exec(lines[i]);
      assert.ok(t, lines[i]);
      const p = decodePrefix(m);
      assert.deepEqual(
        [p.prefix, rx, p.validTime, p.preferredTime],
        [`${t[1]}/${t[2]}`, t[3], Number(t[4]), Number(t[5])],
        lines[i],
      );
    }
  } finally {
    w.close();
    monitor.kill();
    sh("ip", ["link", "del", "dev", rx]);
    sh("ip", ["netns", "del", ns]);
  }
});
