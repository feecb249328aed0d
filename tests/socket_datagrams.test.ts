// Datagram-level delivery and subscription defaults against the real kernel (issue 12), inside
// tests/run.sh's namespace: `dumpDatagrams()` visits the same messages `dump()` yields and the
// routes `ip -j route show` lists; `subscribeDatagrams()` sees a link `ip` creates; a
// subscribing socket's receive buffer, read back with getsockopt(SO_RCVBUF), is
// 2 * SUBSCRIPTION_RECEIVE_BUFFER when privileged (above net.core.rmem_max: only
// SO_RCVBUFFORCE can do that) and 2 * min(that, rmem_max) as an unprivileged user; with it, a
// burst of 50k route notifications the consumer does not read meanwhile is kept whole.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isOverrun, NetlinkSocket, SUBSCRIPTION_RECEIVE_BUFFER } from "../socket/socket.ts";
import { forEachAttribute, readString } from "../codec/attrs.ts";
import { forEachMessage, MessageBuilder } from "../codec/message.ts";
import { NETLINK_ROUTE } from "../codec/constants.ts";
import { formatIp } from "../families/route/addr_text.ts";
import {
  ipBatch,
  ipJson,
  runtimeCommand,
  sh,
  SKIP_KERNEL,
  uniqueName,
  withTimeout,
} from "./helpers.ts";

// linux/rtnetlink.h
const RTM_NEWLINK = 16, RTM_NEWROUTE = 24, RTM_GETROUTE = 26;
const RTA_DST = 1, RTA_TABLE = 15, IFLA_IFNAME = 3, RTMSG_LEN = 12, IFINFOMSG_LEN = 16;

const proc = globalThis as unknown as {
  process: { getuid(): number; env: Record<string, string | undefined> };
};
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const rmemMax = () => Number(readFileSync("/proc/sys/net/core/rmem_max", "utf8").trim());

test("dumpDatagrams: the messages of dump() and the routes of ip -j route show", {
  skip: SKIP_KERNEL,
}, async () => {
  const dev = uniqueName("dg");
  ipBatch([
    `link add ${dev} type veth peer name ${dev}p`,
    `link set ${dev} up`,
    `address add 198.18.0.1/24 dev ${dev}`,
    ...Array.from(
      { length: 3000 },
      (_, i) =>
        `route add 10.${60 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 via 198.18.0.2 table ${
          200 + (i % 3)
        }`,
    ),
  ]);
  try {
    await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
    const req = () => new MessageBuilder(RTM_GETROUTE).raw(new Uint8Array(RTMSG_LEN)).finish();
    const visited: string[] = []; // type, flags, payload (hex) of each message
    const byTable = new Map<number, string[]>();
    let calls = 0;
    const summary = await sock.dumpDatagrams(req(), (data, start, end) => {
      calls++;
      forEachMessage(data.subarray(start, end), (type, flags, _seq, _pid, ps, pe) => {
        const p = data.subarray(start + ps, start + pe);
        visited.push(`${type} ${flags} ${hex(p)}`);
        assert.equal(type, RTM_NEWROUTE);
        let table = p[4], dst = "";
        forEachAttribute(p, RTMSG_LEN, p.length, (t, s, e) => {
          if (t === RTA_TABLE) table = new DataView(p.buffer, p.byteOffset + s).getUint32(0, true);
          if (t === RTA_DST) dst = formatIp(p.subarray(s, e));
        });
        if (table >= 200 && table <= 202 && p[0] === 2) {
          const l = byTable.get(table) ?? [];
          l.push(`${dst}/${p[1]}`);
          byTable.set(table, l);
        }
      });
    });
    assert.equal(summary.messages, visited.length);
    assert.equal(summary.datagrams, calls);
    assert.ok(calls > 5, `${calls} datagrams`); // up to 32 KiB, ~400 routes, each
    assert.equal(summary.interrupted, false);
    // Against iproute2: every route of each table.
    for (const t of [200, 201, 202]) {
      const theirs = ipJson<{ dst: string }[]>("-4", "route", "show", "table", String(t))
        .map((r) => r.dst.includes("/") ? r.dst : `${r.dst}/32`);
      assert.deepEqual([...(byTable.get(t) ?? [])].sort(), theirs.sort(), `table ${t}`);
    }
    // Against dump() on the same socket: the same messages, byte for byte, in order.
    const listed: string[] = [];
    for await (const m of sock.dump(req())) {
      listed.push(`${m.type} ${m.flags} ${hex(m.payload)}`);
    }
    assert.deepEqual(visited, listed);
  } finally {
    sh("ip", ["link", "del", dev]);
  }
});

test("subscribeDatagrams: sees the RTM_NEWLINK of a link ip creates", {
  skip: SKIP_KERNEL,
}, async () => {
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { join: [1 /* RTNLGRP_LINK */] });
  const name = uniqueName("sd");
  const ctl = new AbortController();
  let found: { group: number; sender: number; ifindex: number } | undefined;
  const done = sock.subscribeDatagrams((data, start, end, source) => {
    forEachMessage(data.subarray(start, end), (type, _f, _s, _p, ps, pe) => {
      if (type !== RTM_NEWLINK) return;
      const p = data.subarray(start + ps, start + pe);
      forEachAttribute(p, IFINFOMSG_LEN, p.length, (t, s, e) => {
        if (t === IFLA_IFNAME && readString(p.subarray(s, e)) === name) {
          const ifindex = new DataView(p.buffer, p.byteOffset).getInt32(4, true);
          found = { group: source.group, sender: source.sender, ifindex };
          ctl.abort(new Error("found"));
        }
      });
    });
  }, { signal: ctl.signal });
  sh("ip", ["link", "add", name, "type", "veth", "peer", "name", `${name}p`]);
  try {
    await withTimeout(done.catch(() => {}), 10000, `RTM_NEWLINK for ${name}`);
    assert.ok(found, "the notification was visited");
    assert.equal(found.group, 1);
    assert.equal(found.sender, 0);
    assert.equal(found.ifindex, ipJson<{ ifindex: number }[]>("link", "show", name)[0].ifindex);
  } finally {
    sh("ip", ["link", "del", name]);
  }
});

test("subscriptions get 2 * SUBSCRIPTION_RECEIVE_BUFFER by default, forced past rmem_max", {
  skip: SKIP_KERNEL,
}, async () => {
  const max = rmemMax();
  await using plain = await NetlinkSocket.open(NETLINK_ROUTE);
  const kernelDefault = plain.receiveBufferSize();
  assert.equal(
    kernelDefault,
    Number(readFileSync("/proc/sys/net/core/rmem_default", "utf8").trim()),
    "a socket that only dumps keeps the kernel default",
  );
  const it = plain.subscribe();
  assert.equal(plain.receiveBufferSize(), 2 * SUBSCRIPTION_RECEIVE_BUFFER);
  await it.return!();
  // More than SO_RCVBUF alone may set: only SO_RCVBUFFORCE (CAP_NET_ADMIN) gives this.
  if (SUBSCRIPTION_RECEIVE_BUFFER > max) {
    assert.ok(plain.receiveBufferSize() > 2 * max, "forced past net.core.rmem_max");
  }
  await using joined = await NetlinkSocket.open(NETLINK_ROUTE, { join: [1] });
  assert.equal(joined.receiveBufferSize(), 2 * SUBSCRIPTION_RECEIVE_BUFFER);
  await using chosen = await NetlinkSocket.open(NETLINK_ROUTE, { receiveBufferSize: 1 << 20 });
  chosen.join(1);
  chosen.subscribe();
  assert.equal(chosen.receiveBufferSize(), 2 << 20, "a chosen size is kept");
});

test("a subscription with the default buffer keeps a 50k-notification burst it did not read", {
  skip: SKIP_KERNEL,
  timeout: 60_000,
}, async () => {
  // The consumer is stalled for the whole burst (ip runs synchronously): everything must wait
  // in the kernel's queue. The kernel default buffer holds a few hundred route notifications.
  const N = 50_000, TABLE = 250;
  await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
  const it = sock.subscribe();
  sock.join(7); // RTNLGRP_IPV4_ROUTE
  ipBatch(
    Array.from(
      { length: N },
      (_, i) =>
        `route add blackhole 10.${70 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 table ${TABLE}`,
    ),
  );
  try {
    let routes = 0, overruns = 0;
    await withTimeout(
      (async () => {
        while (routes < N) {
          const r = await it.next();
          if (r.done) throw new Error("the subscription ended");
          if (isOverrun(r.value)) overruns++;
          else if (r.value.type === RTM_NEWROUTE) routes++;
          if (overruns > 0) break;
        }
      })(),
      30_000,
      `${N} RTM_NEWROUTE notifications`,
    );
    assert.equal(overruns, 0, `an overrun after ${routes} notifications`);
    assert.equal(routes, N);
    assert.equal(sock.overruns, 0);
  } finally {
    await it.return!();
    sh("ip", ["route", "flush", "table", String(TABLE)]);
  }
});

const SKIP_NOBODY = SKIP_KERNEL ||
  (proc.process.getuid() !== 0 ? "needs root to run a child as uid 65534" : false) ||
  (spawnSync("setpriv", ["--version"]).status !== 0 ? "needs setpriv (util-linux)" : false);

test("without CAP_NET_ADMIN a subscription falls back to SO_RCVBUF, capped by rmem_max", {
  skip: SKIP_NOBODY,
  timeout: 30_000,
}, () => {
  const home = mkdtempSync(join(tmpdir(), "nobody-"));
  chmodSync(home, 0o777);
  try {
    const fixture = new URL("./fixtures/subscription_buffer.ts", import.meta.url).pathname;
    const r = spawnSync("setpriv", [
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      "--inh-caps=-all",
      "--bounding-set=-all",
      ...runtimeCommand().argv,
      fixture,
    ], {
      encoding: "utf8",
      env: { ...proc.process.env, HOME: home, DENO_DIR: join(home, "deno") },
    });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    assert.equal(got.capEff, "0000000000000000", "the child has no capabilities");
    const want = 2 * Math.min(SUBSCRIPTION_RECEIVE_BUFFER, rmemMax());
    assert.equal(got.before, Number(readFileSync("/proc/sys/net/core/rmem_default", "utf8")));
    assert.equal(got.after, want, "SO_RCVBUF, capped by the kernel at rmem_max");
    assert.equal(got.joined, want);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
