/**
 * The benchmark's notification groups: loss and CPU of a monitor while 200k routes are added
 * (`monitor`), kernel-to-iterator latency (`latency`) and the idle CPU of 100 subscriptions
 * (`idle`), the library under Deno and Bun against the libmnl C tools. Each records its medians
 * into the run's {@link Context} `results`.
 *
 * @module
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NL_LATENCY, NL_MONITOR, NSRUN } from "./_env.ts";
import { type Context, log, progress } from "./_context.ts";
import { fields, nsPath, nsrun, run, RUNTIMES } from "./_proc.ts";
import { median, order, percentile, Samples } from "./_stats.ts";

/**
 * `monitor`: each monitor subscribes in a fresh namespace with the default receive buffer while
 * `ip -batch` adds 200k routes; lost %, add rate, CPU per event and overruns.
 */
export async function monitor(c: Context): Promise<void> {
  const { scratch, settings: { slowRounds } } = c;
  log("monitor: 200k route adds, default receive buffers");
  const N = 200_000;
  const lines = Array.from(
    { length: N },
    (_, i) =>
      `route add blackhole 11.${Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${
        i % 256
      }/32 proto static`,
  );
  const file = join(scratch, "monitor.batch");
  writeFileSync(file, lines.join("\n") + "\n");
  const tools = [
    { id: "c", argv: [NL_MONITOR, "-e", `${N}`, "-t", "1000", "-R"] },
    ...RUNTIMES.map((rt) => ({
      id: rt.id,
      argv: rt.argv("bench/notify.ts", "monitor", "-e", `${N}`, "-t", "1000", "-R"),
    })),
    ...RUNTIMES.map((rt) => ({
      id: `${rt.id}_dg`,
      argv: rt.argv(
        "bench/notify.ts",
        "monitor",
        "--datagrams",
        "-e",
        `${N}`,
        "-t",
        "1000",
        "-R",
      ),
    })),
  ];
  const mon = new Samples();
  for (let r = 0; r < slowRounds; r++) {
    for (const t of order(tools, r)) {
      const ns = c.ns.make(`mon`, 0, 0);
      const ready = join(scratch, "ready");
      rmSync(ready, { force: true });
      const out = join(scratch, `mon-${t.id}`);
      const child = new Deno.Command(NSRUN, {
        args: ["-n", nsPath(ns), "-o", out, "--", ...t.argv, ready],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const deadline = Date.now() + 20_000;
      while (!existsSync(ready)) {
        if (Date.now() > deadline) throw new Error(`${t.id} monitor never got ready`);
        await new Promise((res) => setTimeout(res, 10));
      }
      const a0 = performance.now();
      run("ip", ["-n", ns, "-batch", file]);
      const addMs = performance.now() - a0;
      const st = await child.output();
      const p = fields(new TextDecoder().decode(st.stdout));
      const f = fields(readFileSync(out, "utf8"));
      if (!st.success) {
        throw new Error(`${t.id} monitor failed: ${new TextDecoder().decode(st.stderr)}`);
      }
      const received = t.id === "c" ? f.total : f.received;
      mon.add(`${t.id}:lost_pct`, (100 * (N - received)) / N);
      mon.add(`${t.id}:rate`, N / (addMs / 1000));
      const cpu = t.id === "c" ? p.user_ms + p.sys_ms : f.cpu_ms;
      mon.add(`${t.id}:cpu_us_per_event`, (cpu * 1000) / Math.max(1, received));
      mon.add(`${t.id}:overruns`, t.id === "c" ? f.enobufs : f.overruns);
      c.ns.delete(ns);
    }
    progress(`\r  monitor: round ${r + 1}/${slowRounds}   `);
  }
  progress("\n");
  c.results.monitor = Object.fromEntries([...mon.by].map(([k, v]) => [k, median(v)]));
}

/**
 * `latency`: 1000 route adds 1 ms apart by `nl-latency send`, each receiver's p50 and p99 from
 * the sender's `sendto()` to the notification (the first 10 are warm-up).
 */
export async function latency(c: Context): Promise<void> {
  const { scratch, settings: { slowRounds } } = c;
  log("notification latency: 1000 route adds, 1 ms apart");
  const N = 1000;
  const tools = [
    { id: "c", argv: [NL_LATENCY, "recv", "-n", `${N}`, "-R"] },
    ...RUNTIMES.map((rt) => ({
      id: rt.id,
      argv: rt.argv("bench/notify.ts", "latency", "-n", `${N}`, "-R"),
    })),
    ...RUNTIMES.map((rt) => ({
      id: `${rt.id}_dg`,
      argv: rt.argv("bench/notify.ts", "latency", "--datagrams", "-n", `${N}`, "-R"),
    })),
  ];
  const lat = new Samples();
  for (let r = 0; r < slowRounds; r++) {
    for (const t of order(tools, r)) {
      const ns = c.ns.make(`lat`, 0, 0);
      const ready = join(scratch, "ready");
      rmSync(ready, { force: true });
      const out = join(scratch, `lat-${t.id}`);
      const child = new Deno.Command(NSRUN, {
        args: ["-n", nsPath(ns), "-o", out, "--", ...t.argv, ready],
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const sent =
        nsrun(scratch, ns, [NL_LATENCY, "send", "-n", `${N}`, "-i", "1000", "-w", ready]).stdout;
      const st = await child.output();
      if (!st.success) {
        throw new Error(`${t.id} latency failed: ${new TextDecoder().decode(st.stderr)}`);
      }
      const at = new Map<number, number>();
      for (const l of sent.trim().split("\n")) {
        const [i, ns_] = l.split(" ");
        at.set(Number(i), Number(ns_));
      }
      const us: number[] = [];
      for (const l of readFileSync(out, "utf8").trim().split("\n")) {
        const [i, ns_] = l.split(" ");
        const s = at.get(Number(i));
        if (s !== undefined && Number(i) >= 10) us.push((Number(ns_) - s) / 1000); // skip warm-up
      }
      lat.add(`${t.id}:p50`, percentile(us, 50));
      lat.add(`${t.id}:p99`, percentile(us, 99));
      lat.add(`${t.id}:received`, us.length + 10);
      c.ns.delete(ns);
    }
    progress(`\r  latency: round ${r + 1}/${slowRounds}   `);
  }
  progress("\n");
  c.results.latency = Object.fromEntries([...lat.by].map(([k, v]) => [k, median(v)]));
}

/** `idle`: CPU per second of 100 idle subscriptions, and of the runtime alone (no socket). */
export function idle(c: Context): void {
  const { quick, slowRounds } = c.settings;
  log("idle: 100 subscriptions");
  const ns = c.ns.needRoutes(1000, "r1k");
  const idle = new Samples();
  for (let r = 0; r < slowRounds; r++) {
    for (const rt of order(RUNTIMES, r)) {
      // 100 subscriptions, and the runtime alone (no socket) for its own idle work.
      for (const subs of r % 2 ? ["0", "100"] : ["100", "0"]) {
        const f = fields(
          nsrun(
            c.scratch,
            ns,
            rt.argv("bench/notify.ts", "idle", "-s", subs, "-d", quick ? "2" : "5"),
          ).stdout,
        );
        idle.add(subs === "0" ? `${rt.id}:empty` : rt.id, f.cpu_ms_per_s);
      }
    }
  }
  c.results.idle = Object.fromEntries([...idle.by].map(([k, v]) => [k, median(v)]));
}
