/**
 * Notification workloads of the benchmark (`bench/bench.ts` runs them inside a benchmark
 * namespace), under `deno run -A` and `bun`, on the typed API: `Rtnl.subscribe()` with its
 * defaults.
 *
 *     notify.ts monitor -e EXPECTED -R READY_FILE [-t IDLE_MS] [--datagrams]
 *     notify.ts latency -n N -R READY_FILE [-t IDLE_MS] [--datagrams]
 *     notify.ts idle -s SUBSCRIPTIONS -d SECONDS
 *
 * - `monitor`: count the `RTM_NEWROUTE` notifications of `rtnlgrp-ipv4-route` while something
 *   else adds EXPECTED routes; a receive-buffer overrun (ENOBUFS) ends the iterator, so it is
 *   counted and a new subscription taken at once (what a monitor would do). Prints received,
 *   lost, overruns and the CPU time spent from subscribing to the end. With `--datagrams`, a
 *   `subscribeDatagrams()` visitor counts them instead (socket level, no typed decode).
 * - `latency`: stamp each notification of a `10.200.0.0/16` route (from `nl-latency send`)
 *   with CLOCK_MONOTONIC as the iterator yields it; prints `i t_ns` lines. With `--datagrams`,
 *   as a `subscribeDatagrams()` visitor sees it instead (socket level, no typed decode).
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
    // A watchdog rather than a timer re-armed per event (which would cost more CPU per event
    // than the notification itself): at most 60 s before the first event, then idleMs after
    // the last.
    const started = monotonicNs();
    const timer = setInterval(() => {
      const quiet = (monotonicNs() - (lastNs || started)) / 1e6;
      if (quiet > (lastNs ? idleMs : 60_000)) ctl.abort();
    }, Math.max(10, Math.min(idleMs / 4, 250)));
    const sub = await rt.subscribe([GROUP], { signal: ctl.signal });
    if (first && ready !== undefined) await writeText(ready, "ready\n");
    first = false;
    try {
      for await (const n of sub) {
        const t = monotonicNs();
        if (firstNs === 0) firstNs = t;
        lastNs = t;
        if (isOverrunEvent(n as Event)) {
          overruns++;
          continue;
        }
        if (onEvent(n as Event)) {
          clearInterval(timer);
          return { overruns, firstNs, lastNs };
        }
      }
      clearInterval(timer);
      return { overruns, firstNs, lastNs };
    } catch (e) {
      clearInterval(timer);
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
  let received = 0;
  let r = { overruns: 0, firstNs: 0, lastNs: 0 };
  let cpu: number;
  if (argv.includes("--datagrams")) {
    // Socket level: a subscribeDatagrams() visitor counts RTM_NEWROUTE headers in the receive
    // buffer (no message objects, no typed decode), with the same default buffer.
    const { NetlinkSocket } = await import("../socket/socket.ts");
    const sock = await NetlinkSocket.open(0, { join: [7] }); // RTNLGRP_IPV4_ROUTE
    const ctl = new AbortController();
    const watchdog = setInterval(() => {
      const quiet = (monotonicNs() - (r.lastNs || r.firstNs)) / 1e6;
      if (received >= expected || quiet > (r.lastNs ? idle : 60_000)) ctl.abort();
    }, 50);
    const cpu0 = await cpuMs();
    r.firstNs = monotonicNs();
    const done = sock.subscribeDatagrams((data, start, end) => {
      const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
      for (let off = start; off < end; off += (dv.getUint32(off, true) + 3) & ~3) {
        if (dv.getUint16(off + 4, true) === RTM_NEWROUTE) received++;
      }
      r.lastNs = monotonicNs();
    }, { signal: ctl.signal, onOverrun: () => r.overruns++ });
    await writeText(ready, "ready\n");
    await done.catch(() => {});
    cpu = (await cpuMs()) - cpu0;
    clearInterval(watchdog);
    sock.close();
  } else {
    const rt = await Rtnl.open();
    const cpu0 = await cpuMs();
    r = await drain(rt, ready, idle, (e) => {
      if (e.type === RTM_NEWROUTE) received++;
      return received >= expected;
    });
    cpu = (await cpuMs()) - cpu0;
    rt.close();
  }
  console.log(
    `monitor runtime=${bun ? "bun" : "deno"} expected=${expected} received=${received} ` +
      `lost=${expected - received} overruns=${r.overruns} cpu_ms=${cpu.toFixed(1)} ` +
      `active_ms=${((r.lastNs - r.firstNs) / 1e6).toFixed(1)}`,
  );
} else if (mode === "latency") {
  const n = Number(opt("-n"));
  const ready = opt("-R");
  const idle = Number(opt("-t", "2000"));
  const stamps = new Float64Array(n);
  let got = 0;
  if (argv.includes("--datagrams")) {
    // Socket level: a subscribeDatagrams() visitor reads RTA_DST in the receive buffer (no
    // message objects, no typed decode): what the runtime's wake-up path costs by itself.
    const { NetlinkSocket } = await import("../socket/socket.ts");
    const RTNLGRP_IPV4_ROUTE = 7, RTA_DST = 1, RTMSG_LEN = 12;
    const sock = await NetlinkSocket.open(0, { join: [RTNLGRP_IPV4_ROUTE] });
    const ctl = new AbortController();
    let last = monotonicNs();
    const watchdog = setInterval(() => {
      if ((monotonicNs() - last) / 1e6 > (got ? idle : 60_000)) ctl.abort();
    }, 250);
    const done = sock.subscribeDatagrams((data, start, end) => {
      const t = monotonicNs();
      last = t;
      const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
      for (let off = start; off < end; off += (dv.getUint32(off, true) + 3) & ~3) {
        if (dv.getUint16(off + 4, true) !== RTM_NEWROUTE) continue;
        const stop = off + dv.getUint32(off, true);
        for (let a = off + 16 + RTMSG_LEN; a + 4 <= stop; a += (dv.getUint16(a, true) + 3) & ~3) {
          if (dv.getUint16(a + 2, true) !== RTA_DST || dv.getUint16(a, true) !== 8) continue;
          if (data[a + 4] !== 10 || data[a + 5] !== 200) break;
          const i = (data[a + 6] << 8) | data[a + 7];
          if (i < n && stamps[i] === 0) {
            stamps[i] = t;
            if (++got >= n) ctl.abort();
          }
          break;
        }
      }
    }, { signal: ctl.signal });
    await writeText(ready, "ready\n");
    await done.catch(() => {});
    clearInterval(watchdog);
    sock.close();
  } else {
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
  }
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
  await new Promise((r) => setTimeout(r, 1000)); // settle (start-up GC and JIT work done)
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
      `cpu_ms=${cpu.toFixed(2)} cpu_ms_per_s=${(cpu / (wall / 1000)).toFixed(2)}`,
  );
} else {
  console.error("usage: notify.ts monitor|latency|idle …");
  exit(2);
}
