// The protocol table (families/protocols.ts): its names and numbers against linux/netlink.h and
// the names of the seed documents (netlink(7) of 1999 and later lists), and every number from
// 0 to 31 opened in a network namespace of its own: it opens exactly when the table and this
// kernel's configuration say it should, a kernel socket answers (or refuses from outside the
// initial namespace) as the table says, and every failure names its reason.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { kernelConfig } from "./harness.ts";
import { sh, SKIP_KERNEL, uniqueName } from "./helpers.ts";
import {
  explainProtocolError,
  InitialNamespaceOnlyError,
  openProtocol,
  type ProtocolInfo,
  protocolInfo,
  PROTOCOLS,
  ProtocolUnavailableError,
  unavailableReason,
} from "../families/protocols.ts";
import { encodeMessage, NLM_F_REQUEST, NLMSG_NOOP, PROTOCOL_NAMES } from "../codec/mod.ts";

test("protocols: the table has 32 entries whose names and numbers are linux/netlink.h's", () => {
  assert.equal(PROTOCOLS.length, 32);
  PROTOCOLS.forEach((p, i) => assert.equal(p.number, i));
  // Every protocol define of the installed header, up to MAX_LINKS.
  const header = readFileSync("/usr/include/linux/netlink.h", "utf8");
  const defs = [
    ...header.slice(0, header.indexOf("#define MAX_LINKS")).matchAll(
      /^#define\s+(NETLINK_\w+)\s+(\d+|NETLINK_\w+)/gm,
    ),
  ].map((m) => [m[1], m[2]] as const);
  assert.ok(defs.length >= 22, `only ${defs.length} defines found`);
  const value = new Map<string, number>();
  for (const [name, v] of defs) value.set(name, /^\d/.test(v) ? Number(v) : value.get(v)!);
  for (const [name, n] of value) {
    assert.equal(protocolInfo(name).number, n, name);
  }
  // Today's name is the one the library's codec constants use.
  for (const [n, name] of Object.entries(PROTOCOL_NAMES)) {
    assert.equal(PROTOCOLS[Number(n)].name, name);
  }
});

test("protocols: every name of the seed documents resolves to its number", () => {
  // /work/shared/seeds: the 16 NETLINK_* defines of the Chinese articles and the netlink(7)
  // translations (which list NETLINK_ARPD, _ROUTE6, _TAPBASE and _SKIP of Linux 2.2/2.4).
  const seeds: Record<string, number> = {
    NETLINK_ROUTE: 0,
    NETLINK_W1: 1,
    NETLINK_SKIP: 1,
    NETLINK_USERSOCK: 2,
    NETLINK_FIREWALL: 3,
    NETLINK_INET_DIAG: 4,
    NETLINK_NFLOG: 5,
    NETLINK_XFRM: 6,
    NETLINK_SELINUX: 7,
    NETLINK_ISCSI: 8,
    NETLINK_ARPD: 8,
    NETLINK_AUDIT: 9,
    NETLINK_FIB_LOOKUP: 10,
    NETLINK_CONNECTOR: 11,
    NETLINK_ROUTE6: 11,
    NETLINK_NETFILTER: 12,
    NETLINK_IP6_FW: 13,
    NETLINK_DNRTMSG: 14,
    NETLINK_KOBJECT_UEVENT: 15,
    NETLINK_GENERIC: 16,
    NETLINK_TAPBASE: 16,
  };
  for (const [name, n] of Object.entries(seeds)) assert.equal(protocolInfo(name).number, n, name);
  assert.match(unavailableReason("NETLINK_ARPD"), /NETLINK_ARPD \(the ARP daemon/);
  assert.match(unavailableReason(25), /NETLINK_TAPBASE \+ 9: ethertap device 9/);
  assert.throws(() => protocolInfo(32), RangeError);
  assert.throws(() => protocolInfo("NETLINK_NOPE"), RangeError);
});

test("protocols: the reasons say removed-in, not-built (with the option), reserved", () => {
  assert.equal(
    unavailableReason(3),
    "NETLINK_FIREWALL (3) was removed from Linux in 3.5: ip_queue: IPv4 packets from netfilter to user space",
  );
  assert.match(unavailableReason(5), /was removed from Linux in 3\.17/);
  assert.match(unavailableReason(13), /was removed from Linux in 3\.5/);
  assert.match(unavailableReason(14), /was removed from Linux in 6\.1/);
  assert.match(unavailableReason(19), /was removed from Linux in 2\.6\.32/);
  assert.match(
    unavailableReason(21),
    /not built into this kernel: it needs CONFIG_CRYPTO_USER \(module crypto_user\)/,
  );
  assert.match(unavailableReason(22), /reserved and no kernel code registers it/);
  assert.match(unavailableReason(30), /not assigned to any kernel subsystem/);
  const e = explainProtocolError(21, new ProtocolUnavailableError(protocolInfo(21)));
  assert.ok(e instanceof ProtocolUnavailableError && e.errno === 93);
});

/** Whether this kernel should have a kernel socket for `p` (undefined: cannot tell). */
function expectOpen(p: ProtocolInfo, cfg: Map<string, string>): boolean {
  if (p.status === "user") return true;
  if (p.status !== "kernel") return false;
  return p.config === undefined || p.config.some((c) => cfg.has(c));
}

const CONFIG = kernelConfig();

test("protocols: opening every number 0-31 in a namespace does what the table says", {
  skip: SKIP_KERNEL ||
    (CONFIG ? false : "the kernel's configuration (/proc/config.gz) is unreadable"),
}, async () => {
  const ns = uniqueName("proto");
  sh("ip", ["netns", "add", ns]);
  const outcome: string[] = [];
  try {
    for (const p of PROTOCOLS) {
      const want = expectOpen(p, CONFIG!);
      let sock;
      try {
        sock = await openProtocol(p.number, { netns: ns });
      } catch (e) {
        assert.ok(!want, `${p.name} should open: ${e}`);
        assert.ok(e instanceof ProtocolUnavailableError, `${p.name}: ${e}`);
        assert.equal(e.code, "EPROTONOSUPPORT");
        assert.ok(e.message.endsWith(unavailableReason(p.number)), e.message);
        outcome.push(`${p.number} unavailable`);
        continue;
      }
      try {
        assert.ok(want, `${p.name} opened although the table says it should not`);
        // A message of a control type (NLMSG_NOOP, no ACK asked): a kernel socket takes it
        // without answering; with none in this namespace, sending is refused.
        let refused = false;
        try {
          sock.send(encodeMessage({ type: NLMSG_NOOP, flags: NLM_F_REQUEST }));
        } catch (e) {
          const x = explainProtocolError(p.number, e);
          if (p.status === "kernel") {
            assert.ok(x instanceof InitialNamespaceOnlyError, `${p.name}: ${x}`);
            assert.match(x.message, /initial network namespace only/);
          }
          refused = true;
        }
        // SELinux's kernel socket never takes messages (it only multicasts), so it refuses in
        // every namespace; the connector's is in the initial namespace only.
        assert.equal(
          refused,
          p.status === "user" || p.initialNamespaceOnly === true,
          `${p.name}: ${refused ? "refused" : "accepted"} a message`,
        );
        outcome.push(`${p.number} ${refused ? "refused" : "open"}`);
      } finally {
        sock.close();
      }
    }
  } finally {
    sh("ip", ["netns", "del", ns]);
  }
  assert.equal(outcome.length, 32);
  // The fixed part: what no configuration changes.
  for (const n of [1, 3, 5, 13, 14, 17, 19, 22, 23, 31]) {
    assert.ok(outcome.includes(`${n} unavailable`), `${n}: ${outcome}`);
  }
  for (const n of [0, 15, 16]) assert.ok(outcome.includes(`${n} open`), `${n}: ${outcome}`);
  assert.ok(outcome.includes("2 refused"), "NETLINK_USERSOCK has no kernel socket");
});
