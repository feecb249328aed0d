// Overload against the real kernel (tests/run.sh's namespace): every pending request settles
// when the receive buffer overflows (issue 11, defect 1), and an overrun is part of the stream,
// not its end, for subscribe(), watch(), Client events and the uevent monitor (defect 3).
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isOverrun, NetlinkSocket, type ReceivedMessage } from "../socket/socket.ts";
import { MessageBuilder } from "../codec/message.ts";
import { parseAttributes, readString } from "../codec/attrs.ts";
import { NETLINK_ROUTE } from "../codec/constants.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { Client } from "../client/client.ts";
import { UeventMonitor } from "../families/uevent.ts";
import { watch } from "../families/route/watch.ts";
import * as rtRoute from "../families/generated/rt_route.ts";
import {
  ipBatch,
  recordSentSeqs,
  runtimeCommand,
  sh,
  SKIP_KERNEL,
  startScript,
  uniqueName,
  withTimeout,
} from "./helpers.ts";

const RTM_NEWLINK = 16, RTM_GETLINK = 18, RTM_NEWROUTE = 24;
const RTA_DST = 1, IFLA_IFNAME = 3;

function getLo(): Uint8Array {
  const ifi = new Uint8Array(16);
  new DataView(ifi.buffer).setInt32(4, 1, true);
  return new MessageBuilder(RTM_GETLINK).raw(ifi).finish();
}

/** A veth with an IPv4 subnet, for routes via `prefix.2`; returns a cleanup. */
function gateway(prefix: string): { dev: string; del(): void } {
  const dev = uniqueName("ov");
  ipBatch([
    `link add ${dev} type veth peer name ${dev}p`,
    `link set ${dev} up`,
    `address add ${prefix}.1/24 dev ${dev}`,
  ]);
  return { dev, del: () => sh("ip", ["link", "del", dev]) };
}

/** `n` `route add` lines for /32s in 10.`a`.x.y via `via`. */
function routeLines(a: number, n: number, via: string, op = "add"): string[] {
  return Array.from(
    { length: n },
    (_, i) => `route ${op} 10.${a}.${i >> 8}.${i & 255}/32 via ${via}`,
  );
}

/** The destination of an RTM_NEWROUTE, dotted. */
function routeDst(m: { payload: Uint8Array }): string | undefined {
  const a = parseAttributes(m.payload, 12).find((a) => a.type === RTA_DST);
  return a && [...a.data].join(".");
}

test("overload: a request on a flooded socket settles with ENOBUFS naming it; then works", {
  skip: SKIP_KERNEL,
}, async () => {
  const gw = gateway("203.0.113");
  try {
    // The reproducer: RTNLGRP_IPV4_ROUTE, an 8 KiB buffer, nobody reads, 200 routes.
    await using sock = await NetlinkSocket.open(NETLINK_ROUTE, {
      join: [7],
      receiveBufferSize: 8192,
    });
    ipBatch(routeLines(231, 200, "203.0.113.2"));
    const sent = recordSentSeqs(sock);
    const outcome = await withTimeout(
      sock.request(getLo(), { operation: "RTM_GETLINK lo" }).then((m) => m, (e) => e),
      5000,
      "the RTM_GETLINK request on the flooded socket to settle",
    );
    // The queue was full when the kernel answered: the answer was dropped, so it must reject.
    assert.ok(outcome instanceof NetlinkError, `settled with ${String(outcome)}`);
    assert.equal(outcome.code, "ENOBUFS");
    assert.equal(outcome.operation, "RTM_GETLINK lo");
    assert.equal(outcome.seq, sent[0]);
    assert.match(outcome.message, /^RTM_GETLINK lo failed: ENOBUFS .*reply may have been dropped/);
    assert.ok(outcome.message.endsWith(`[seq ${sent[0]}]`), outcome.message);
    assert.equal(sock.overruns, 1);
    assert.ok(sock.dropped > 0, "the notifications nobody subscribed to were counted");
    // The queue was read empty: the socket is usable again.
    const again = await withTimeout(sock.request(getLo()), 5000, "a second RTM_GETLINK");
    assert.equal(again.type, RTM_NEWLINK);
    const name = parseAttributes(again.payload, 16).find((a) => a.type === IFLA_IFNAME);
    assert.equal(readString(name!.data), "lo");
  } finally {
    gw.del();
  }
});

test("overload: the flooded process settles its request and exits by itself", {
  skip: SKIP_KERNEL,
}, async () => {
  const gw = gateway("203.0.114");
  const dir = mkdtempSync(join(tmpdir(), "overload-"));
  try {
    const batch = join(dir, "routes");
    writeFileSync(batch, routeLines(232, 200, "203.0.114.2").join("\n") + "\n");
    const fixture = new URL("./fixtures/overload_exit.ts", import.meta.url).pathname;
    const child = startScript([...runtimeCommand().argv, fixture, batch]);
    const timer = setTimeout(() => child.kill(), 15000);
    const code = await child.exited;
    clearTimeout(timer);
    assert.equal(code, 0, `exit code ${code} (killed after 15 s?); stderr: ${child.stderr()}`);
    const out = JSON.parse(child.lines[0]);
    assert.equal(out.settled, "rejected", JSON.stringify(out));
    assert.equal(out.code, "ENOBUFS");
    assert.match(
      out.message,
      /^RTM_GETLINK lo failed: ENOBUFS .*may have been dropped.*\[seq \d+\]$/,
    );
    assert.equal(out.overruns, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    gw.del();
  }
});

/** Read `it` until `until` holds for a message; returns the messages read, the last included. */
async function readUntil<T>(
  it: AsyncIterator<T>,
  until: (m: T) => boolean,
  ms: number,
  what: string,
): Promise<T[]> {
  const out: T[] = [];
  await withTimeout(
    (async () => {
      for (;;) {
        const r = await it.next();
        if (r.done) throw new Error(`the iterator ended before ${what}`);
        out.push(r.value);
        if (until(r.value)) return;
      }
    })(),
    ms,
    what,
  );
  return out;
}

test(
  "overload: subscribe() yields an overrun marker and goes on",
  { skip: SKIP_KERNEL },
  async () => {
    const gw = gateway("203.0.115");
    try {
      await using sock = await NetlinkSocket.open(NETLINK_ROUTE, {
        join: [7],
        receiveBufferSize: 4096,
      });
      const it = sock.subscribe();
      ipBatch(routeLines(233, 2000, "203.0.115.2")); // nobody reads meanwhile
      const before = await readUntil(it, isOverrun, 10000, "the overrun marker");
      const marker = before.at(-1)!;
      assert.deepEqual(
        [marker.type, marker.payload.length, marker.sender, marker.group, marker.seq],
        [4, 0, 0, 0, 0],
      );
      assert.ok(before.length < 2000, `${before.length} messages before the marker`);
      // The subscription goes on: a change made now is delivered after the marker.
      sh("ip", ["route", "add", "10.234.0.1/32", "via", "203.0.115.2"]);
      const after = await readUntil(
        it,
        (m: ReceivedMessage) => m.type === RTM_NEWROUTE && routeDst(m) === "10.234.0.1",
        10000,
        "RTM_NEWROUTE 10.234.0.1 after the overrun",
      );
      assert.ok(after.length >= 1);
      assert.ok(sock.overruns >= 1);
      await it.return!();
    } finally {
      gw.del();
    }
  },
);

test("overload: watch() yields an overrun event and goes on", { skip: SKIP_KERNEL }, async () => {
  const gw = gateway("203.0.116");
  try {
    await using events = await watch({ receiveBufferSize: 4096 }, { groups: ["ipv4-route"] });
    ipBatch(routeLines(235, 2000, "203.0.116.2"));
    const seen = await readUntil(events, (e) => e.kind === "overrun", 10000, "the overrun event");
    assert.ok(seen.slice(0, -1).every((e) => e.kind === "route"), "routes, then the overrun");
    sh("ip", ["route", "add", "10.236.0.1/32", "via", "203.0.116.2"]);
    const after = await readUntil(
      events,
      (e) => e.kind === "route" && routeDst(e.message) === "10.236.0.1",
      10000,
      "the route event for 10.236.0.1 after the overrun",
    );
    assert.ok(after.length >= 1);
  } finally {
    gw.del();
  }
});

test(
  "overload: Client events yield { overrun: true } and go on",
  { skip: SKIP_KERNEL },
  async () => {
    const gw = gateway("203.0.117");
    try {
      await using rt = await Client.open(rtRoute.family, { receiveBufferSize: 4096 });
      await using events = await rt.subscribe(["rtnlgrp-ipv4-route"]);
      ipBatch(routeLines(237, 2000, "203.0.117.2"));
      const seen = await readUntil(events, (n) => n.overrun === true, 10000, "the overrun item");
      const marker = seen.at(-1)!;
      assert.equal(marker.family, undefined);
      assert.ok(seen.slice(0, -1).every((n) => n.family === "rt-route"));
      sh("ip", ["route", "add", "10.238.0.1/32", "via", "203.0.117.2"]);
      const after = await readUntil(
        events,
        (n) =>
          n.family === "rt-route" &&
          (n.attrs as rtRoute.RouteAttrs).dst?.join?.(".") === "10.238.0.1",
        10000,
        "the decoded route 10.238.0.1 after the overrun",
      );
      assert.ok(after.length >= 1);
    } finally {
      gw.del();
    }
  },
);

test("overload: the uevent monitor yields an overrun marker and goes on", {
  skip: SKIP_KERNEL,
}, async () => {
  await using monitor = await UeventMonitor.open({ receiveBufferSize: 4096 });
  const events = monitor.events();
  const names = Array.from({ length: 60 }, () => uniqueName("uo"));
  try {
    // Each veth pair makes several uevents; nobody reads meanwhile.
    ipBatch(names.map((n) => `link add ${n} type veth peer name ${n}p`));
    const seen = await readUntil(events, (e) => "overrun" in e, 10000, "the overrun marker");
    const marker = seen.at(-1)!;
    assert.equal(marker.action, "overrun");
    assert.ok(monitor.overruns >= 1);
    const last = uniqueName("uo");
    names.push(last);
    sh("ip", ["link", "add", last, "type", "veth", "peer", "name", `${last}p`]);
    const after = await readUntil(
      events,
      (e) => e.action === "add" && e.devpath === `/devices/virtual/net/${last}`,
      10000,
      `the add event of ${last} after the overrun`,
    );
    assert.ok(after.length >= 1);
  } finally {
    void events.return(undefined);
    ipBatch(names.map((n) => `link del ${n}`));
  }
});

test("overload: a route dump on a flooded socket is whole", { skip: SKIP_KERNEL }, async () => {
  // Dump datagrams are never dropped (the kernel waits for room, reporting ENOBUFS while it
  // cannot continue), so the dump completes although notifications overflow the same small
  // buffer meanwhile.
  const gw = gateway("203.0.118");
  try {
    ipBatch(routeLines(239, 3000, "203.0.118.2"));
    await using sock = await NetlinkSocket.open(NETLINK_ROUTE, {
      join: [7],
      receiveBufferSize: 8192,
    });
    ipBatch(routeLines(239, 500, "203.0.118.2", "del")); // a flood nobody reads
    const want = sh("ip", ["-4", "route", "show", "table", "all"]).trim().split("\n").length;
    let n = 0;
    const req = new MessageBuilder(26).raw(new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    await withTimeout(
      (async () => {
        for await (const m of sock.dump(req.finish())) if (m.type === RTM_NEWROUTE) n++;
      })(),
      10000,
      "the route dump on the flooded socket",
    );
    assert.equal(n, want, "every IPv4 route, as ip lists them");
    assert.ok(n > 2500);
    assert.ok(sock.overruns >= 1, "the notifications overflowed the buffer");
  } finally {
    gw.del();
  }
});
