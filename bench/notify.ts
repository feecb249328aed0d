/**
 * Notification workloads of the benchmark (`bench/bench.ts` runs them inside a benchmark
 * namespace), under `deno run -A` and `bun`, on the typed API: `Rtnl.subscribe()` with its
 * defaults.
 *
 *     notify.ts monitor -e EXPECTED -R READY_FILE [-t IDLE_MS]
 *     notify.ts latency -n N -R READY_FILE [-t IDLE_MS]
 *     notify.ts idle -s SUBSCRIPTIONS -d SECONDS
 *
 * - `monitor`: count the `RTM_NEWROUTE` notifications of `rtnlgrp-ipv4-route` while something
 *   else adds EXPECTED routes; a receive-buffer overrun (ENOBUFS) ends the iterator, so it is
 *   counted and a new subscription taken at once (what a monitor would do). Prints received,
 *   lost, overruns and the CPU time spent from subscribing to the end.
 * - `latency`: stamp each notification of a `10.200.0.0/16` route (from `nl-latency send`)
 *   with CLOCK_MONOTONIC as the iterator yields it; prints `i t_ns` lines.
 * - `idle`: open SUBSCRIPTIONS sockets, each subscribed, then measure the CPU used over
 *   SECONDS of silence.
 *
 * READY_FILE is written once the subscription is joined, so the sender can start.
 *
 * @module
 */
import { Rtnl } from "../families/route/rtnl.ts";
import { cpuMs, monotonicNs } from "./_clock.ts";

const bun =
  (globalThis as { Bun?: { argv: string[]; write(p: string, s: string): Promise<number> } })
    .Bun;
const argv = bun ? bun.argv.slice(2) : Deno.args;
const exit = (code: number): never =>
  bun
    ? (globalThis as unknown as { process: { exit(c: number): never } }).process.exit(code)
    : Deno.exit(code);
const writeText = (path: string, s: string): Promise<unknown> =>
  bun ? bun.write(path, s) : Deno.writeTextFile(path, s);

const mode = argv[0];
const opt = (flag: string, d?: string): string => {
  const i = argv.indexOf(flag);
  if (i >= 0 && i + 1 < argv.length) return argv[i + 1];
  if (d !== undefined) return d;
  console.error(`notify.ts ${mode}: needs ${flag}`);
  return exit(2);
};

const GROUP = "rtnlgrp-ipv4-route";
const RTM_NEWROUTE = 24;

interface Event {
  family?: string;
  type?: number;
  attrs?: { dst?: Uint8Array };
  message?: { type: number; payload: Uint8Array };
}

const NLMSG_OVERRUN = 4;
/** The overrun marker (`isOverrun`), typed or raw: the kernel dropped notifications here. */
const isOverrunEvent = (e: Event): boolean =>
  (e.type ?? e.message?.type) === NLMSG_OVERRUN && e.family === undefined;

/** Iterate notifications until `done()` or `idleMs` without one; resubscribe after ENOBUFS. */
async function drain(
  rt: Rtnl,
  ready: string | undefined,
  idleMs: number,
  onEvent: (e: Event) => boolean,
): Promise<{ overruns: number; firstNs: number; lastNs: number }> {
  let overruns = 0;
  let firstNs = 0;
  let lastNs = 0;
  let first = true;
  for (;;) {
    const ctl = new AbortController();
    let timer = setTimeout(() => ctl.abort(), 60_000);
    const sub = await rt.subscribe([GROUP], { signal: ctl.signal });
    if (first && ready !== undefined) await writeText(ready, "ready\n");
    first = false;
    try {
      for await (const n of sub) {
        const t = monotonicNs();
        if (firstNs === 0) firstNs = t;
        lastNs = t;
        clearTimeout(timer);
        timer = setTimeout(() => ctl.abort(), idleMs);
        if (isOverrunEvent(n as Event)) {
          overruns++;
          continue;
        }
        if (onEvent(n as Event)) {
          clearTimeout(timer);
          return { overruns, firstNs, lastNs };
        }
      }
      clearTimeout(timer);
      return { overruns, firstNs, lastNs };
    } catch (e) {
      clearTimeout(timer);
      if (ctl.signal.aborted) return { overruns, firstNs, lastNs };
      if (
        (e as { code?: string; errno?: number }).code === "ENOBUFS" || /ENOBUFS/.test(String(e))
      ) {
        overruns++;
        continue;
      }
      throw e;
    }
  }
}

if (mode === "monitor") {
  const expected = Number(opt("-e"));
  const ready = opt("-R");
  const idle = Number(opt("-t", "1000"));
  const rt = await Rtnl.open();
  const cpu0 = await cpuMs();
  let received = 0;
  const r = await drain(rt, ready, idle, (e) => {
    if (e.type === RTM_NEWROUTE) received++;
    return received >= expected;
  });
  const cpu = (await cpuMs()) - cpu0;
  rt.close();
  console.log(
    `monitor runtime=${bun ? "bun" : "deno"} expected=${expected} received=${received} ` +
      `lost=${expected - received} overruns=${r.overruns} cpu_ms=${cpu} ` +
      `active_ms=${((r.lastNs - r.firstNs) / 1e6).toFixed(1)}`,
  );
} else if (mode === "latency") {
  const n = Number(opt("-n"));
  const ready = opt("-R");
  const idle = Number(opt("-t", "2000"));
  const stamps = new Float64Array(n);
  let got = 0;
  const rt = await Rtnl.open();
  await drain(rt, ready, idle, (e) => {
    const d = e.attrs?.dst;
    if (e.type !== RTM_NEWROUTE || d === undefined || d.length !== 4) return false;
    if (d[0] !== 10 || d[1] !== 200) return false;
    const i = (d[2] << 8) | d[3];
    if (i < n && stamps[i] === 0) {
      stamps[i] = monotonicNs();
      got++;
    }
    return got >= n;
  });
  rt.close();
  const lines: string[] = [];
  for (let i = 0; i < n; i++) if (stamps[i] !== 0) lines.push(`${i} ${stamps[i]}`);
  console.log(lines.join("\n"));
} else if (mode === "idle") {
  const subs = Number(opt("-s"));
  const seconds = Number(opt("-d"));
  const ctl = new AbortController();
  const clients: Rtnl[] = [];
  const loops: Promise<void>[] = [];
  for (let i = 0; i < subs; i++) {
    const rt = await Rtnl.open();
    clients.push(rt);
    const sub = await rt.subscribe([GROUP], { signal: ctl.signal });
    loops.push((async () => {
      try {
        for await (const _ of sub) { /* nothing comes */ }
      } catch { /* aborted */ }
    })());
  }
  await new Promise((r) => setTimeout(r, 300)); // settle
  const cpu0 = await cpuMs();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = (await cpuMs()) - cpu0;
  const wall = performance.now() - t0;
  ctl.abort();
  await Promise.all(loops);
  for (const rt of clients) rt.close();
  console.log(
    `idle runtime=${bun ? "bun" : "deno"} subscriptions=${subs} seconds=${
      (wall / 1000).toFixed(2)
    } ` +
      `cpu_ms=${cpu} cpu_ms_per_s=${(cpu / (wall / 1000)).toFixed(2)}`,
  );
} else {
  console.error("usage: notify.ts monitor|latency|idle …");
  exit(2);
}
