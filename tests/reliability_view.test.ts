// Consistency against the real kernel (tests/run.sh's namespace; issue 11, defects 3 and 4):
// interrupted address dumps under churn are reported and re-read with `consistent`, and the
// result equals `ip -j address`; a route view (dump, notifications, resync after an overrun)
// kept through a flood of 100,000 route changes with a small receive buffer equals
// `ip -j route show table all` afterwards, field by field, having resynced at least once.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rtnl } from "../families/route/rtnl.ts";
import { type Address, listAddresses } from "../families/route/address.ts";
import type { Route } from "../families/route/route.ts";
import { routeView } from "../families/route/view.ts";
import {
  ipBatch,
  ipJson,
  sh,
  SKIP_KERNEL,
  sleep,
  startScript,
  uniqueName,
  waitFor,
} from "./helpers.ts";

/** `ip -j address` flattened: one entry per address. */
interface IpAddr {
  ifindex: number;
  addr_info: { family: string; local: string; prefixlen: number }[];
}

function ipAddresses(): string[] {
  return ipJson<IpAddr[]>("address", "show").flatMap((l) =>
    l.addr_info.map((a) => `${l.ifindex} ${a.family} ${a.local}/${a.prefixlen}`)
  ).sort();
}

function ours(list: Address[]): string[] {
  return list.map((a) => `${a.ifindex} ${a.family} ${a.address}/${a.prefixlen}`).sort();
}

test(
  "consistency: under address churn, listAddresses reports interrupted dumps, and with consistent equals ip -j address",
  { skip: SKIP_KERNEL },
  async () => {
    const dev = uniqueName("ch"), churn = `${dev}p`;
    // 2,000 stable addresses (a dump of several datagrams: only those can be flagged), and a
    // peer whose one address comes and goes.
    ipBatch([
      `link add ${dev} type veth peer name ${churn}`,
      `link set ${dev} up`,
      `link set ${churn} up`,
      ...Array.from(
        { length: 2000 },
        (_, i) => `address add 100.64.${i >> 8}.${i & 255}/32 dev ${dev}`,
      ),
    ]);
    // About one change every 5 ms: often enough to flag some dumps, seldom enough that a
    // dump read again soon comes through clean.
    const loop = startScript([
      "bash",
      "-c",
      `while :; do ip address add 100.65.0.1/32 dev ${churn} && ` +
      `ip address del 100.65.0.1/32 dev ${churn} || exit 1; sleep 0.005; done`,
    ]);
    try {
      await using rt = await Rtnl.open();
      const stable = ipJson<IpAddr[]>("-4", "address", "show", "dev", dev)[0].addr_info.length;
      assert.equal(stable, 2000);
      let interrupted = 0, attempts = 0, rounds = 0;
      // 40 rounds, and more (up to 400) until some plain dump was flagged and some consistent
      // one read again: how often depends on the machine's load.
      while (rounds < 40 || ((interrupted === 0 || attempts === rounds) && rounds < 400)) {
        rounds++;
        const plain = await listAddresses(rt);
        if (plain.interrupted) interrupted++;
        const exact = await listAddresses(rt, { consistent: { retries: 100 } });
        assert.equal(exact.interrupted, false);
        attempts += exact.attempts;
        // A consistent copy: every stable address once, the churning one at most once.
        const keys = ours(exact);
        assert.equal(new Set(keys).size, keys.length, "no address twice");
        assert.equal(exact.filter((a) => a.dev === dev && a.family === "inet").length, 2000);
        assert.ok(exact.filter((a) => a.dev === churn && a.family === "inet").length <= 1);
      }
      console.log(
        `address churn: ${interrupted} of ${rounds} plain dumps interrupted; ` +
          `consistent dumps took ${(attempts / rounds).toFixed(2)} passes on average`,
      );
      assert.ok(interrupted > 0, "the kernel flagged some dumps NLM_F_DUMP_INTR, and lists say so");
      assert.ok(attempts > rounds, "some consistent dumps were read again");
      loop.kill();
      await loop.exited;
      await sleep(50);
      const done = await listAddresses(rt, { consistent: true });
      assert.deepEqual(ours(done), ipAddresses());
    } finally {
      loop.kill();
      await loop.exited;
      sh("ip", ["link", "del", dev]);
    }
  },
);

/** `ip -j ARGS` parsed, for outputs of megabytes (20,000 routes). */
function bigIpJson<T>(...args: string[]): T {
  const out = execFileSync("ip", ["-j", ...args], { encoding: "utf8", maxBuffer: 256 << 20 });
  return (out.trim() === "" ? [] : JSON.parse(out)) as T;
}

/** `ip -j route` entry. */
type IpRoute = Record<string, unknown> & { dst: string; flags?: string[] };

/** The fields `ip -j route` prints, with its defaults filled in, as one comparable line. */
function fromIp(r: IpRoute): string {
  const host = r.dst.includes(":") ? "/128" : "/32";
  return JSON.stringify({
    type: r.type ?? "unicast",
    dst: r.dst === "default" || r.dst.includes("/") ? r.dst : r.dst + host,
    gateway: r.gateway,
    dev: r.dev,
    table: String(r.table ?? "main"),
    protocol: String(r.protocol ?? "boot"),
    scope: String(r.scope ?? "global"),
    prefsrc: r.prefsrc,
    metric: r.metric,
    flags: [...(r.flags ?? [])].sort(),
    pref: r.pref,
  });
}

/** The same fields of one of our routes. */
function fromOurs(r: Route): string {
  return JSON.stringify({
    type: r.type,
    dst: r.dst,
    gateway: r.gateway,
    dev: r.dev,
    table: String(r.table),
    protocol: String(r.protocol),
    scope: String(r.scope),
    prefsrc: r.prefsrc,
    metric: r.metric,
    flags: [...r.flags].sort(),
    pref: r.pref,
  });
}

test(
  "view: routeView through a flood of 100,000 route changes with a small receive buffer resyncs and equals ip -j route show table all",
  { skip: SKIP_KERNEL },
  async () => {
    const started = Date.now();
    const dev = uniqueName("fl");
    ipBatch([
      `link add ${dev} type veth peer name ${dev}p`,
      `link set ${dev} up`,
      `link set ${dev}p up`,
      `address add 198.18.77.1/24 dev ${dev}`,
    ]);
    // 60,000 adds, then 40,000 deletes: 100,000 notifications, 20,000 routes left.
    const adds = 60_000, dels = 40_000;
    const dst = (i: number) => `10.${240 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`;
    const dir = mkdtempSync(join(tmpdir(), "flood-"));
    const batch = join(dir, "flood.batch");
    writeFileSync(
      batch,
      Array.from({ length: adds }, (_, i) => `route add ${dst(i)} via 198.18.77.2\n`).join("") +
        Array.from({ length: dels }, (_, i) => `route del ${dst(i)} via 198.18.77.2\n`).join(""),
    );
    const stop = new AbortController();
    try {
      await using rt = await Rtnl.open();
      const view = await routeView(rt, { receiveBufferSize: 16 << 10, signal: stop.signal });
      let events = 0, last = Date.now(), syncs = 0;
      const consumer = (async () => {
        for await (const e of view) {
          events++;
          last = Date.now();
          if (e.type === "sync") syncs++;
        }
      })().catch((e) => {
        if (!stop.signal.aborted) throw e;
      });
      await waitFor(() => syncs >= 1, 10_000, "the first dump");
      const flood = startScript(["ip", "-batch", batch]);
      const floodStart = Date.now();
      assert.equal(await flood.exited, 0, `ip -batch failed: ${flood.stderr()}`);
      const floodMs = Date.now() - floodStart;
      sh("ip", ["route", "add", "10.255.77.1/32", "via", "198.18.77.2"]); // a last change
      // Wait until the view is quiet and holds what ip lists (bounded).
      const want = () => bigIpJson<IpRoute[]>("route", "show", "table", "all").map(fromIp).sort();
      const have = () => [...view.table.values()].map(fromOurs).sort();
      // Both read together: the kernel may still add a route of its own meanwhile (the veth's
      // IPv6 link-local address comes with its carrier), which the view learns a moment later.
      const deadline = Date.now() + 40_000;
      let got = have(), expected = want();
      while (JSON.stringify(got) !== JSON.stringify(expected) && Date.now() < deadline) {
        await sleep(250);
        if (Date.now() - last < 500) continue;
        expected = want();
        got = have();
      }
      assert.ok(expected.length > dels / 2, `ip lists ${expected.length} routes`);
      const gotSet = new Set(got), wantSet = new Set(expected);
      assert.deepEqual(
        {
          missing: expected.filter((r) => !gotSet.has(r)).slice(0, 10),
          extra: got.filter((r) => !wantSet.has(r)).slice(0, 10),
        },
        { missing: [], extra: [] },
        "the view holds what ip lists",
      );
      assert.deepEqual(got, expected);
      assert.ok(view.resyncs >= 1, `resyncs: ${view.resyncs}`);
      assert.ok(view.overruns >= 1);
      console.log(
        `route flood: ${adds + dels} changes in ${floodMs} ms; view: ${view.resyncs} resyncs ` +
          `(${view.overruns} overruns, ${view.failedDumps} failed dumps), ${events} events, ` +
          `${view.table.size} routes; ${Date.now() - started} ms in all`,
      );
      stop.abort();
      await view.close();
      await consumer;
    } finally {
      stop.abort();
      rmSync(dir, { recursive: true, force: true });
      sh("ip", ["link", "del", dev]); // its routes go with it
    }
  },
);
