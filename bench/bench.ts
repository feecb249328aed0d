/**
 * The benchmark (`npm run bench`, through `bench/run.sh`): the library under Deno and Bun against
 * the libmnl C loop, iproute2's `ip -j` and pyroute2, in the same rounds and in alternating
 * order, in network namespaces it creates (`ip netns add <prefix>…`) and always deletes. It
 * prints medians and the ratios measured in this run and writes `bench/RESULTS.md` and
 * `bench/out/results.json`.
 *
 *     bash bench/run.sh [--quick] [--rounds N] [--only GROUP,…]
 *
 * Groups: `dump` (100k routes, in process), `whole` (100k routes, whole processes), `links`
 * (1000 veth pairs), `startup`, `scale` (1k, 10k, 1M routes), `rss` (1M routes, peak RSS),
 * `monitor` (200k route adds), `latency`, `idle`, `pyroute2`, `micro` (decode of captured
 * messages). `--quick`: fewer rounds and no 1M-route namespace.
 *
 * Every timed tool is a child of `nsrun` (bench/c/nsrun.c), which joins the namespace with
 * setns(2) and times fork to exit with the child's peak RSS and CPU from wait4(2). In-process
 * times come from the tools themselves (`-i N`: libmnl's mean, ours the median of runs 2..N).
 * Ratios are per round (paired), then the median over rounds.
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..");
const env = (k: string, d: string) => Deno.env.get(k) ?? d;
const OUT = env("BENCH_OUT", join(here, "out"));
const DENO = env("DENO", Deno.execPath());
const BUN = env("BUN", join(repo, "node_modules", ".bin", "bun"));
const NSRUN = env("NSRUN", join(OUT, "nsrun"));
const NL_DUMP = env("NL_DUMP", join(OUT, "nl-dump"));
const NL_MONITOR = env("NL_MONITOR", join(OUT, "nl-monitor"));
const NL_LATENCY = env("NL_LATENCY", join(OUT, "nl-latency"));
const PYTHON = env("PYTHON", "/usr/bin/python3");
const PREFIX = env("BENCH_PREFIX", `bench-${Deno.pid}-`);

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

const GROUPS = [
  "dump",
  "whole",
  "links",
  "startup",
  "scale",
  "rss",
  "monitor",
  "latency",
  "idle",
  "pyroute2",
  "micro",
] as const;
type Group = (typeof GROUPS)[number];

let quick = false;
let roundsOpt: number | undefined;
let only: Set<Group> = new Set(GROUPS);
for (let i = 0; i < Deno.args.length; i++) {
  const a = Deno.args[i];
  if (a === "--quick") quick = true;
  else if (a === "--rounds") roundsOpt = Number(Deno.args[++i]);
  else if (a === "--only") {
    const names = (Deno.args[++i] ?? "").split(",");
    for (const n of names) {
      if (!(GROUPS as readonly string[]).includes(n)) {
        console.error(`bench: unknown group "${n}"; groups: ${GROUPS.join(", ")}`);
        Deno.exit(2);
      }
    }
    only = new Set(names as Group[]);
  } else {
    console.error(
      `bench: unknown argument ${a}\nusage: bench.ts [--quick] [--rounds N] [--only G,…]`,
    );
    Deno.exit(2);
  }
}
const ROUNDS = roundsOpt ?? (quick ? 3 : 9);
const SLOW_ROUNDS = quick ? 1 : 3; // pyroute2, monitor, latency, 1M
const ITERS = quick ? 4 : 8;
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error("--rounds needs a positive integer");
if (quick) only.delete("rss");

// ---------------------------------------------------------------------------
// Namespaces: created here, deleted on the way out whatever happens
// ---------------------------------------------------------------------------

const created = new Set<string>();
const tmp = Deno.makeTempDirSync({ prefix: "netlink-bench-" });

function run(cmd: string, args: string[]): string {
  const r = new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped" })
    .outputSync();
  if (!r.success) {
    throw new Error(
      `${cmd} ${args.join(" ")}: exit ${r.code}\n${new TextDecoder().decode(r.stderr).trim()}`,
    );
  }
  return new TextDecoder().decode(r.stdout);
}

function deleteNs(name: string): void {
  try {
    run("ip", ["netns", "delete", name]);
  } catch { /* already gone */ }
  created.delete(name);
}

function cleanup(): void {
  for (const n of [...created]) deleteNs(n);
  rmSync(tmp, { recursive: true, force: true });
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  Deno.addSignalListener(sig, () => {
    console.error(`\nbench: ${sig}: deleting the benchmark namespaces`);
    cleanup();
    Deno.exit(130);
  });
}

/**
 * A namespace `<prefix><tag>` with `routes` /32 routes and `links` veth pairs, built as
 * ../shared/peers/setup-netns.sh builds them: lo and bench0/bench0p (198.18.0.1/24) up, IPv6 off;
 * route i is 10.a.b.c/32 via 198.18.0.2 (every 4th a blackhole); pair i is va<i>/vb<i>, up.
 */
function makeNs(tag: string, routes: number, links: number): string {
  const name = PREFIX + tag;
  deleteNs(name);
  run("ip", ["netns", "add", name]);
  created.add(name);
  run("ip", ["-n", name, "link", "set", "lo", "up"]);
  run("ip", [
    "netns",
    "exec",
    name,
    "sysctl",
    "-qw",
    "net.ipv6.conf.all.disable_ipv6=1",
    "net.ipv6.conf.default.disable_ipv6=1",
  ]);
  const lines = [
    "link add bench0 type veth peer name bench0p",
    "link set bench0 up",
    "link set bench0p up",
    "address add 198.18.0.1/24 dev bench0",
  ];
  for (let i = 0; i < links; i++) lines.push(`link add va${i} type veth peer name vb${i}`);
  for (let i = 0; i < links; i++) {
    lines.push(`link set va${i} up`, `link set vb${i} up`);
    lines.push(`address add 172.16.${Math.floor(i / 250)}.${(i % 250) + 1}/32 dev va${i}`);
  }
  batch(name, lines);
  if (routes > 0) batch(name, routeLines(routes, 10));
  return name;
}

function routeLines(n: number, first: number): string[] {
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const a = Math.floor(i / 65536), b = Math.floor(i / 256) % 256, c = i % 256;
    out[i] = i % 4 === 3
      ? `route add blackhole ${first}.${a}.${b}.${c}/32 proto static`
      : `route add ${first}.${a}.${b}.${c}/32 via 198.18.0.2 dev bench0 metric 100 proto static`;
  }
  return out;
}

function batch(ns: string, lines: string[]): void {
  const file = join(tmp, `batch-${ns}`);
  writeFileSync(file, lines.join("\n") + "\n");
  run("ip", ["-n", ns, "-batch", file]);
}

const nsPath = (ns: string) => `/run/netns/${ns}`;

// ---------------------------------------------------------------------------
// Running tools
// ---------------------------------------------------------------------------

interface Proc {
  ms: number;
  maxrssKb: number;
  userMs: number;
  sysMs: number;
  stdout: string;
}

/** Run `argv` in `ns` under nsrun; stdout to a file (read back) unless `discard`. */
function nsrun(ns: string | undefined, argv: string[], discard = false): Proc {
  const out = join(tmp, "stdout");
  const err = join(tmp, "stderr");
  const args = [...(ns ? ["-n", nsPath(ns)] : []), "-o", discard ? "/dev/null" : out, "-e", err];
  const r = new Deno.Command(NSRUN, { args: [...args, "--", ...argv], stdout: "piped" })
    .outputSync();
  const line = new TextDecoder().decode(r.stdout).trim();
  const f = fields(line);
  if (!r.success || f.status !== 0) {
    const e = existsSync(err) ? readFileSync(err, "utf8").trim().slice(-2000) : "";
    throw new Error(`${argv.join(" ")} (in ${ns ?? "no namespace"}) failed: ${line}\n${e}`);
  }
  return {
    ms: f.ms,
    maxrssKb: f.maxrss_kb,
    userMs: f.user_ms,
    sysMs: f.sys_ms,
    stdout: discard ? "" : readFileSync(out, "utf8"),
  };
}

/** key=value numbers of a line. */
function fields(line: string): Record<string, number> {
  const f: Record<string, number> = {};
  for (const m of line.matchAll(/([a-z_/]+)=(-?[0-9.]+)/g)) f[m[1]] = Number(m[2]);
  return f;
}

const deno = (
  script: string,
  ...rest: string[]
) => [DENO, "run", "-A", join(repo, script), ...rest];
const bun = (script: string, ...rest: string[]) => [BUN, join(repo, script), ...rest];
const RUNTIMES = [{ id: "deno", argv: deno }, { id: "bun", argv: bun }] as const;

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Round r's order of `xs`: rotated by r, reversed on odd rounds. */
function order<T>(xs: readonly T[], r: number): T[] {
  const rot = xs.map((_, i) => xs[(i + r) % xs.length]);
  return r % 2 ? rot.reverse() : rot;
}

/** Samples by tool id, and per-round ratios. */
class Samples {
  readonly by = new Map<string, number[]>();
  add(id: string, v: number): void {
    const xs = this.by.get(id) ?? [];
    xs.push(v);
    this.by.set(id, xs);
  }
  median(id: string): number {
    return median(this.by.get(id) ?? []);
  }
  /** Median over rounds of a[i] / b[i]. */
  ratio(a: string, b: string): number {
    const x = this.by.get(a) ?? [];
    const y = this.by.get(b) ?? [];
    const n = Math.min(x.length, y.length);
    return median(Array.from({ length: n }, (_, i) => x[i] / y[i]));
  }
}

const progress = (s: string) => Deno.stderr.writeSync(new TextEncoder().encode(s));
const log = (s: string) => console.log(s);

// ---------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------

/** Everything measured, for RESULTS.md and results.json. */
const R: Record<string, unknown> = {};
const inproc = new Samples(); // ms per dump, in process
const whole = new Samples(); // ms, whole process
const rss = new Samples(); // KiB
const counts: Record<string, number> = {};

/** Check a tool's message count against libmnl's. */
function same(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`${what}: ${got} messages, libmnl saw ${want}`);
}

// ---------------------------------------------------------------------------
// Groups
// ---------------------------------------------------------------------------

const t0 = performance.now();
const nss: Record<string, string> = {};
const needRoutes = (n: number, tag: string) => (nss[tag] ??= makeNs(tag, n, 0));

/** In-process dumps of `ns`: libmnl (parse, raw) and our workloads; returns libmnl's count. */
function inProcess(
  ns: string,
  key: string,
  modes: string[],
  rounds: number,
  iters: number,
  withRaw = true,
): void {
  const tools: { id: string; argv: string[] }[] = [
    { id: `${key}:mnl_parse`, argv: [NL_DUMP, "route", "parse", "-i", `${iters}`] },
  ];
  if (withRaw) {
    tools.push({ id: `${key}:mnl_raw`, argv: [NL_DUMP, "route", "raw", "-i", `${iters}`] });
  }
  for (const rt of RUNTIMES) {
    for (const m of modes) {
      tools.push({
        id: `${key}:${rt.id}_${m}`,
        argv: rt.argv("bench/workload.ts", m, "-i", `${iters}`),
      });
    }
  }
  // Warm-up (module caches, page cache) and the reference count.
  const ref = fields(nsrun(ns, tools[0].argv).stdout);
  counts[key] = ref.msgs;
  for (const t of tools.slice(1)) nsrun(ns, t.argv);
  for (let r = 0; r < rounds; r++) {
    for (const t of order(tools, r)) {
      const f = fields(nsrun(ns, t.argv).stdout);
      if (!t.id.endsWith("_raw")) same(t.id, f.msgs, ref.msgs);
      inproc.add(t.id, (f.steady ?? f["ns/dump"]) / 1e6);
    }
    progress(`\r  ${key}: round ${r + 1}/${rounds}   `);
  }
  progress("\n");
}

/** Whole processes in `ns`, paired with a reference, output discarded. */
function wholeProcess(
  ns: string,
  key: string,
  tools: { id: string; argv: string[] }[],
  rounds: number,
) {
  for (const t of tools) nsrun(ns, t.argv, true); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const t of order(tools, r)) {
      const p = nsrun(ns, t.argv, true);
      whole.add(`${key}:${t.id}`, p.ms);
      rss.add(`${key}:${t.id}`, p.maxrssKb);
    }
    progress(`\r  ${key}: round ${r + 1}/${rounds}   `);
  }
  progress("\n");
}

const ipts = "examples/ip.ts";

/** Our output agrees with `ip -j` on the number of entries (untimed). */
function sameOutput(ns: string, ipArgs: string[]): string | undefined {
  const theirs = JSON.parse(nsrun(ns, ["ip", ...ipArgs]).stdout) as unknown[];
  for (const rt of RUNTIMES) {
    const text = nsrun(ns, rt.argv(ipts, ...ipArgs)).stdout;
    let ours: unknown[];
    try {
      ours = JSON.parse(text);
    } catch {
      return `${rt.id} ip.ts ${ipArgs.join(" ")} printed no JSON`;
    }
    if (ours.length !== theirs.length) {
      return `${rt.id} ip.ts ${ipArgs.join(" ")}: ${ours.length} entries, ip ${theirs.length}`;
    }
  }
  return undefined;
}

const notes: string[] = [];

/**
 * Run one group; if it fails (a tool exits non-zero, a count differs), say so in the notes and
 * go on with the next group, so one broken tool does not cost the whole run.
 */
async function guard(name: string, fn: () => Promise<void> | void): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).split("\n").slice(0, 3).join(" ");
    console.error(`\nbench: group ${name} failed: ${why}`);
    notes.push(`group \`${name}\` failed: ${why.slice(0, 300)}`);
  }
}

try {
  log(
    `benchmark: ${
      quick ? "quick" : "full"
    }, ${ROUNDS} rounds (${SLOW_ROUNDS} for the slow ones), ` +
      `-i ${ITERS}; groups: ${[...only].join(", ")}`,
  );

  if (only.has("dump") || only.has("whole") || only.has("pyroute2")) {
    progress("namespace: 100k routes\n");
    needRoutes(100_000, "r100k");
  }
  if (only.has("dump")) {
    await guard("dump", () => {
      log("in process, 100k routes");
      inProcess(
        nss.r100k,
        "100k",
        [
          "count",
          "walk",
          "batch",
          "visit",
          "visit-decode",
          "decode",
          "typed",
          "typed-table",
          "list",
          "list-table",
        ],
        ROUNDS,
        ITERS,
      );
    });
  }
  if (only.has("whole")) {
    await guard("whole", () => {
      log("whole process, 100k routes");
      const d = sameOutput(nss.r100k, ["-j", "route", "show"]);
      if (d) notes.push(`route show output differs: ${d}`);
      wholeProcess(nss.r100k, "100k", [
        { id: "ip", argv: ["ip", "-j", "route", "show"] },
        { id: "mnl_parse", argv: [NL_DUMP, "route", "parse"] },
        ...RUNTIMES.map((rt) => ({
          id: `${rt.id}_ipts`,
          argv: rt.argv(ipts, "-j", "route", "show"),
        })),
      ], ROUNDS);
    });
  }
  if (only.has("pyroute2")) {
    await guard("pyroute2", () => {
      log("pyroute2, 100k routes (whole process: list every IPv4 route)");
      const p = fields(nsrun(nss.r100k, [PYTHON, join(here, "pyroute2_dump.py")]).stdout);
      counts.pyroute2 = p.msgs;
      wholeProcess(nss.r100k, "py", [
        { id: "pyroute2", argv: [PYTHON, join(here, "pyroute2_dump.py")] },
        ...RUNTIMES.map((rt) => ({
          id: `${rt.id}_list`,
          argv: rt.argv("bench/workload.ts", "list"),
        })),
      ], SLOW_ROUNDS);
    });
  }
  if (only.has("links")) {
    await guard("links", () => {
      progress("namespace: 1000 veth pairs\n");
      const ns = nss.l1000 = makeNs("l1000", 0, 1000);
      log("links, 1000 veth pairs");
      const d = sameOutput(ns, ["-j", "-d", "link", "show"]);
      if (d) notes.push(`link show output differs: ${d}`);
      wholeProcess(ns, "l1000", [
        { id: "ip", argv: ["ip", "-j", "-d", "link", "show"] },
        ...RUNTIMES.map((rt) => ({
          id: `${rt.id}_ipts`,
          argv: rt.argv(ipts, "-j", "-d", "link", "show"),
        })),
        { id: "mnl_parse", argv: [NL_DUMP, "link", "parse"] },
      ], ROUNDS);
      // In process: the typed link dump against libmnl's.
      const tools = [
        { id: "l1000:mnl_parse", argv: [NL_DUMP, "link", "parse", "-i", `${ITERS}`] },
        ...RUNTIMES.flatMap((rt) =>
          ["links", "links-table"].map((m) => ({
            id: `l1000:${rt.id}_${m}`,
            argv: rt.argv("bench/workload.ts", m, "-i", `${ITERS}`),
          }))
        ),
      ];
      for (const t of tools) nsrun(ns, t.argv);
      for (let r = 0; r < ROUNDS; r++) {
        for (const t of order(tools, r)) {
          const f = fields(nsrun(ns, t.argv).stdout);
          inproc.add(t.id, (f.steady ?? f["ns/dump"]) / 1e6);
        }
      }
    });
  }
  if (only.has("startup")) {
    await guard("startup", () => {
      progress("namespace: 1k routes\n");
      const ns = needRoutes(1000, "r1k");
      log("start-up and import");
      const tools = [
        { id: "ip_lo", argv: ["ip", "link", "show", "lo"] },
        ...RUNTIMES.flatMap((rt) => [
          { id: `${rt.id}_ipts_lo`, argv: rt.argv(ipts, "link", "show", "lo") },
          { id: `${rt.id}_empty`, argv: rt.argv("bench/empty.ts") },
          { id: `${rt.id}_import`, argv: rt.argv("bench/import_mod.ts") },
        ]),
      ];
      for (const t of tools) nsrun(ns, t.argv, true);
      const reps = quick ? 5 : 11;
      for (let r = 0; r < ROUNDS * reps; r++) {
        for (const t of order(tools, r)) {
          const p = nsrun(ns, t.argv, true);
          whole.add(`start:${t.id}`, p.ms);
          rss.add(`start:${t.id}`, p.maxrssKb);
        }
      }
    });
  }
  if (only.has("scale")) {
    await guard("scale", () => {
      log("scaling: 1k, 10k, 1M routes");
      const sizes: [string, number][] = [["1k", 1000], ["10k", 10_000]];
      if (!quick) sizes.push(["1m", 1_000_000]);
      for (const [tag, n] of sizes) {
        progress(`namespace: ${tag} routes\n`);
        const ns = needRoutes(n, `r${tag}`);
        const big = n >= 1_000_000;
        inProcess(
          ns,
          tag,
          ["walk", "typed", "list"],
          big ? SLOW_ROUNDS : ROUNDS,
          big ? 3 : ITERS,
          false,
        );
        wholeProcess(ns, tag, [
          { id: "ip", argv: ["ip", "-j", "route", "show"] },
          ...RUNTIMES.map((rt) => ({
            id: `${rt.id}_ipts`,
            argv: rt.argv(ipts, "-j", "route", "show"),
          })),
        ], big ? SLOW_ROUNDS : ROUNDS);
      }
    });
  }
  if (only.has("rss")) {
    await guard("rss", () => {
      progress("namespace: 1M routes\n");
      const ns = needRoutes(1_000_000, "r1m");
      log("peak RSS, 1M routes");
      const tools = [
        ...RUNTIMES.flatMap((rt) => [
          { id: `${rt.id}_ipts`, argv: rt.argv(ipts, "-j", "route", "show") },
          { id: `${rt.id}_typed`, argv: rt.argv("bench/workload.ts", "typed-rss") },
          { id: `${rt.id}_empty`, argv: rt.argv("bench/empty.ts") },
        ]),
        { id: "ip", argv: ["ip", "-j", "route", "show"] },
      ];
      for (let r = 0; r < SLOW_ROUNDS; r++) {
        for (const t of order(tools, r)) {
          const p = nsrun(ns, t.argv, true);
          rss.add(`rss1m:${t.id}`, p.maxrssKb);
          whole.add(`rss1m:${t.id}`, p.ms);
        }
        progress(`\r  1M: round ${r + 1}/${SLOW_ROUNDS}   `);
      }
      progress("\n");
    });
  }
  if (only.has("monitor")) {
    await guard("monitor", async () => {
      log("monitor: 200k route adds, default receive buffers");
      const N = 200_000;
      const lines = Array.from(
        { length: N },
        (_, i) =>
          `route add blackhole 11.${Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${
            i % 256
          }/32 proto static`,
      );
      const file = join(tmp, "monitor.batch");
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
      for (let r = 0; r < SLOW_ROUNDS; r++) {
        for (const t of order(tools, r)) {
          const ns = makeNs(`mon`, 0, 0);
          const ready = join(tmp, "ready");
          rmSync(ready, { force: true });
          const out = join(tmp, `mon-${t.id}`);
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
          deleteNs(ns);
        }
        progress(`\r  monitor: round ${r + 1}/${SLOW_ROUNDS}   `);
      }
      progress("\n");
      R.monitor = Object.fromEntries([...mon.by].map(([k, v]) => [k, median(v)]));
    });
  }
  if (only.has("latency")) {
    await guard("latency", async () => {
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
      for (let r = 0; r < SLOW_ROUNDS; r++) {
        for (const t of order(tools, r)) {
          const ns = makeNs(`lat`, 0, 0);
          const ready = join(tmp, "ready");
          rmSync(ready, { force: true });
          const out = join(tmp, `lat-${t.id}`);
          const child = new Deno.Command(NSRUN, {
            args: ["-n", nsPath(ns), "-o", out, "--", ...t.argv, ready],
            stdout: "null",
            stderr: "piped",
          }).spawn();
          const sent =
            nsrun(ns, [NL_LATENCY, "send", "-n", `${N}`, "-i", "1000", "-w", ready]).stdout;
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
          deleteNs(ns);
        }
        progress(`\r  latency: round ${r + 1}/${SLOW_ROUNDS}   `);
      }
      progress("\n");
      R.latency = Object.fromEntries([...lat.by].map(([k, v]) => [k, median(v)]));
    });
  }
  if (only.has("idle")) {
    await guard("idle", () => {
      log("idle: 100 subscriptions");
      const ns = needRoutes(1000, "r1k");
      const idle = new Samples();
      for (let r = 0; r < SLOW_ROUNDS; r++) {
        for (const rt of order(RUNTIMES, r)) {
          // 100 subscriptions, and the runtime alone (no socket) for its own idle work.
          for (const subs of r % 2 ? ["0", "100"] : ["100", "0"]) {
            const f = fields(
              nsrun(ns, rt.argv("bench/notify.ts", "idle", "-s", subs, "-d", quick ? "2" : "5"))
                .stdout,
            );
            idle.add(subs === "0" ? `${rt.id}:empty` : rt.id, f.cpu_ms_per_s);
          }
        }
      }
      R.idle = Object.fromEntries([...idle.by].map(([k, v]) => [k, median(v)]));
    });
  }
  if (only.has("micro")) {
    await guard("micro", () => {
      log("decode microbenchmark (captured messages)");
      const samples = new Samples();
      for (let r = 0; r < SLOW_ROUNDS; r++) {
        for (const rt of order(RUNTIMES, r)) {
          const lines = nsrun(undefined, rt.argv("bench/decode_micro.ts")).stdout.trim().split(
            "\n",
          );
          for (const line of lines) {
            const name = line.split(" ")[1];
            const f = fields(line);
            samples.add(`${rt.id}:${name}:generated`, f.generated_ns);
            samples.add(`${rt.id}:${name}:table`, f.table_ns);
          }
        }
      }
      R.micro = Object.fromEntries([...samples.by.keys()].map((k) => [k, samples.median(k)]));
    });
  }
} finally {
  cleanup();
}

// ---------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------

const elapsed = (performance.now() - t0) / 1000;
const cmdOut = (cmd: string, args: string[]) => {
  try {
    return run(cmd, args).trim();
  } catch {
    return "?";
  }
};
const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "?";
const memGiB = Number(/MemTotal:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0) /
  1048576;
const machine = {
  cpu: cpuModel,
  cpus: navigator.hardwareConcurrency,
  memory_gib: Math.round(memGiB),
  kernel: Deno.osRelease(),
  deno: Deno.version.deno,
  bun: cmdOut(BUN, ["--version"]),
  iproute2: cmdOut("ip", ["-V"]),
  libmnl: cmdOut("dpkg-query", ["-W", "-f", "${Version}", "libmnl0"]),
  pyroute2: cmdOut("dpkg-query", ["-W", "-f", "${Version}", "python3-pyroute2"]),
  python: cmdOut(PYTHON, ["--version"]),
  load: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
};

const x = (v: number) => Number.isFinite(v) ? `${v.toFixed(2)}×` : "–";
const ms = (v: number) => Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ms` : "–";
const mib = (kb: number) =>
  Number.isFinite(kb) ? `${Math.round(kb / 1024).toLocaleString("en")} MiB` : "–";
const pct = (v: number) =>
  v === undefined || !Number.isFinite(v) ? "–" : `${v.toFixed(v < 1 ? 2 : 1)} %`;
const num = (v: unknown) => typeof v === "number" && Number.isFinite(v) ? v : NaN;
const both = (f: (rt: string) => string) => [f("deno"), f("bun")];

interface Row {
  measure: string;
  deno: string;
  bun: string;
  target: string;
  /** Whether the target holds, Deno then Bun (undefined: not measured). */
  met?: [boolean | undefined, boolean | undefined];
}
const rows: Row[] = [];
/** `met(rt)`: the target holds for runtime `rt` (undefined when a figure is missing). */
const row = (
  measure: string,
  [d, b]: string[],
  target: string,
  met?: (rt: string) => boolean | undefined,
) => rows.push({ measure, deno: d, bun: b, target, met: met && [met("deno"), met("bun")] });
/** `v <= limit` when `v` was measured. */
const le = (v: number, limit: number) => Number.isFinite(v) ? v <= limit : undefined;
const lim = (rt: string, deno: number, bun: number) => rt === "deno" ? deno : bun;
const metText = (m: Row["met"]) =>
  m === undefined
    ? ""
    : `Deno ${m[0] === undefined ? "–" : m[0] ? "yes" : "no"}, Bun ${
      m[1] === undefined ? "–" : m[1] ? "yes" : "no"
    }`;

const mon = (R.monitor ?? {}) as Record<string, number>;
const lat = (R.latency ?? {}) as Record<string, number>;
const idleR = (R.idle ?? {}) as Record<string, number>;
const micro = (R.micro ?? {}) as Record<string, number>;

row(
  "in-process raw walk of a dump, `dump()` / `dumpBatches()` / `dumpDatagrams()`",
  both((rt) =>
    `${x(inproc.ratio(`100k:${rt}_walk`, "100k:mnl_parse"))} / ${
      x(inproc.ratio(`100k:${rt}_batch`, "100k:mnl_parse"))
    } / ${x(inproc.ratio(`100k:${rt}_visit`, "100k:mnl_parse"))}`
  ),
  "≤ 1.0× (met: judged on `dumpDatagrams()`, the public datagram-level way)",
  (rt) => le(inproc.ratio(`100k:${rt}_visit`, "100k:mnl_parse"), 1.0),
);
row(
  "in-process typed decode, streamed (`Rtnl.dump(getroute)`)",
  both((rt) => x(inproc.ratio(`100k:${rt}_typed`, "100k:mnl_parse"))),
  "≤ 1.5× Deno, ≤ 1.3× Bun",
  (rt) => le(inproc.ratio(`100k:${rt}_typed`, "100k:mnl_parse"), lim(rt, 1.5, 1.3)),
);
row(
  "`listRoutes()` (all kept as objects)",
  both((rt) => x(inproc.ratio(`100k:${rt}_list`, "100k:mnl_parse"))),
  "≤ 2.0×",
  (rt) => le(inproc.ratio(`100k:${rt}_list`, "100k:mnl_parse"), 2.0),
);
row(
  "whole process `examples/ip.ts -j route show` vs `ip -j route show`",
  both((rt) => x(whole.ratio(`100k:${rt}_ipts`, "100k:ip"))),
  "≤ 1.3× Deno, ≤ 1.0× Bun",
  (rt) => le(whole.ratio(`100k:${rt}_ipts`, "100k:ip"), lim(rt, 1.3, 1.0)),
);
row(
  "whole process `ip.ts -j -d link show` vs `ip -j -d link show`, 1000 veth pairs",
  both((rt) => x(whole.ratio(`l1000:${rt}_ipts`, "l1000:ip"))),
  "≤ 1.5× Deno, ≤ 1.2× Bun",
  (rt) => le(whole.ratio(`l1000:${rt}_ipts`, "l1000:ip"), lim(rt, 1.5, 1.2)),
);
row(
  "`ip.ts -j route show`, 1M routes: peak RSS",
  both((rt) =>
    `${mib(rss.median(`rss1m:${rt}_ipts`))} (+${
      mib(rss.median(`rss1m:${rt}_ipts`) - rss.median(`rss1m:${rt}_empty`))
    } over ${mib(rss.median(`rss1m:${rt}_empty`))})`
  ),
  "≤ 64 MiB above the runtime's empty script",
  (rt) => le(rss.median(`rss1m:${rt}_ipts`) - rss.median(`rss1m:${rt}_empty`), 64 * 1024),
);
row(
  "start-up: `ip.ts link show lo` vs `ip link show lo`",
  both((rt) =>
    `${ms(whole.median(`start:${rt}_ipts_lo`))} vs ${
      ms(whole.median("start:ip_lo"))
    } (empty script ${ms(whole.median(`start:${rt}_empty`))})`
  ),
  "≤ runtime empty script + 5 ms",
  (rt) => le(whole.median(`start:${rt}_ipts_lo`) - whole.median(`start:${rt}_empty`), 5),
);
row(
  "importing `mod.ts` over an empty script",
  both((rt) => `+${ms(whole.median(`start:${rt}_import`) - whole.median(`start:${rt}_empty`))}`),
  "≤ +3 ms",
  (rt) => le(whole.median(`start:${rt}_import`) - whole.median(`start:${rt}_empty`), 3),
);
row(
  "monitor, 200k route adds, `subscribe()` with the default buffer",
  both((rt) => `${pct(mon[`${rt}:lost_pct`])} lost`),
  `0 lost by default (C, kernel default buffer: ${pct(mon["c:lost_pct"])} lost; adds at ${
    Math.round(num(mon["c:rate"]) / 1000)
  }k/s)`,
  (rt) => le(num(mon[`${rt}:lost_pct`]), 0),
);
row(
  "notification latency p50 / p99 (kernel → iterator)",
  both((rt) => `${Math.round(num(lat[`${rt}:p50`]))} / ${Math.round(num(lat[`${rt}:p99`]))} µs`),
  `< 60 / < 300 µs (C: ${Math.round(num(lat["c:p50"]))} / ${Math.round(num(lat["c:p99"]))} µs)`,
  (rt) => {
    const p50 = le(num(lat[`${rt}:p50`]), 59.999), p99 = le(num(lat[`${rt}:p99`]), 299.999);
    return p50 === undefined || p99 === undefined ? undefined : p50 && p99;
  },
);
row(
  "vs pyroute2, same 100k dump, whole process (`listRoutes`)",
  both((rt) => `${whole.ratio("py:pyroute2", `py:${rt}_list`).toFixed(0)}× faster`),
  "≥ 100× faster",
  (rt) => le(-whole.ratio("py:pyroute2", `py:${rt}_list`), -100),
);

const extra: Row[] = [];
const xrow = (measure: string, [d, b]: string[], note: string) =>
  extra.push({ measure, deno: d, bun: b, target: note });
xrow(
  "typed decode streamed, through the tables (generated decoders off)",
  both((rt) => x(inproc.ratio(`100k:${rt}_typed-table`, "100k:mnl_parse"))),
  "before generated decoders",
);
xrow(
  "`listRoutes()` through the tables",
  both((rt) => x(inproc.ratio(`100k:${rt}_list-table`, "100k:mnl_parse"))),
  "before generated decoders",
);
xrow(
  "typed decode streamed: ms per 100k dump, generated / tables",
  both((rt) =>
    `${ms(inproc.median(`100k:${rt}_typed`))} / ${ms(inproc.median(`100k:${rt}_typed-table`))}`
  ),
  `libmnl parse ${ms(inproc.median("100k:mnl_parse"))}, recv only ${
    ms(inproc.median("100k:mnl_raw"))
  }`,
);
xrow(
  "`decodeBody` per message over `dumpBatches()` (no client in between)",
  both((rt) => x(inproc.ratio(`100k:${rt}_decode`, "100k:mnl_parse"))),
  "the generated decoders over the raw batch walk",
);
xrow(
  "`decodeBody` per message from a `dumpDatagrams()` visitor",
  both((rt) => x(inproc.ratio(`100k:${rt}_visit-decode`, "100k:mnl_parse"))),
  "the generated decoders over datagram-level delivery",
);
xrow(
  "iterate only (`dump()`, no attribute walk)",
  both((rt) => x(inproc.ratio(`100k:${rt}_count`, "100k:mnl_parse"))),
  `libmnl recv only: ${x(inproc.ratio("100k:mnl_raw", "100k:mnl_parse"))}`,
);
xrow(
  "typed link dump, 1000 veth pairs, in process (generated / tables)",
  both((rt) =>
    `${x(inproc.ratio(`l1000:${rt}_links`, "l1000:mnl_parse"))} / ${
      x(inproc.ratio(`l1000:${rt}_links-table`, "l1000:mnl_parse"))
    }`
  ),
  `libmnl link parse ${ms(inproc.median("l1000:mnl_parse"))}`,
);
xrow(
  "streaming typed dump of 1M routes: peak RSS",
  both((rt) =>
    `${mib(rss.median(`rss1m:${rt}_typed`))} (+${
      mib(rss.median(`rss1m:${rt}_typed`) - rss.median(`rss1m:${rt}_empty`))
    })`
  ),
  "",
);
xrow(
  "monitor: CPU per event",
  both((rt) => `${num(mon[`${rt}:cpu_us_per_event`]).toFixed(2)} µs`),
  `C: ${num(mon["c:cpu_us_per_event"]).toFixed(2)} µs; overruns Deno/Bun/C: ${
    mon["deno:overruns"] ?? "–"
  }/${mon["bun:overruns"] ?? "–"}/${mon["c:overruns"] ?? "–"}`,
);
xrow(
  "monitor, socket level (`subscribeDatagrams()`): lost / CPU per event",
  both((rt) =>
    `${pct(mon[`${rt}_dg:lost_pct`])} / ${num(mon[`${rt}_dg:cpu_us_per_event`]).toFixed(2)} µs`
  ),
  "the same default buffer, no message objects",
);
xrow(
  "notification latency p50 / p99, socket level (`subscribeDatagrams()`, no typed decode)",
  both((rt) =>
    `${Math.round(num(lat[`${rt}_dg:p50`]))} / ${Math.round(num(lat[`${rt}_dg:p99`]))} µs`
  ),
  "the runtime's wake-up path alone",
);
xrow(
  "idle CPU with 100 subscriptions (the runtime alone, no socket)",
  both((rt) => `${num(idleR[rt]).toFixed(2)} ms/s (${num(idleR[`${rt}:empty`]).toFixed(2)})`),
  "0 over the runtime alone is the goal",
);
for (const name of ["RTM_NEWROUTE", "RTM_NEWLINK(veth)"]) {
  xrow(
    `decode of a captured ${name}: generated / tables`,
    both((rt) =>
      `${num(micro[`${rt}:${name}:generated`]).toFixed(0)} / ${
        num(micro[`${rt}:${name}:table`]).toFixed(0)
      } ns`
    ),
    `bench/decode_micro.ts`,
  );
}

function table(rs: Row[], head: string[]): string {
  const withMet = rs.some((r) => r.met !== undefined);
  const cells = rs.map((
    r,
  ) => [r.measure, r.deno, r.bun, r.target, ...(withMet ? [metText(r.met)] : [])]);
  return [
    `| ${[...head, ...(withMet ? ["met"] : [])].join(" | ")} |`,
    `|---|---:|---:|---|${withMet ? "---|" : ""}`,
    ...cells.map((c) => `| ${c.join(" | ")} |`),
  ].join("\n");
}

// Scaling and every median, for the record.
const scale: string[] = [];
for (const tag of ["1k", "10k", "100k", "1m"]) {
  if (!inproc.by.has(`${tag}:mnl_parse`)) continue;
  scale.push(
    `| ${tag} | ${counts[tag]} | ${ms(inproc.median(`${tag}:mnl_parse`))} | ` +
      ["deno", "bun"].map((rt) =>
        `${x(inproc.ratio(`${tag}:${rt}_walk`, `${tag}:mnl_parse`))} / ${
          x(inproc.ratio(`${tag}:${rt}_typed`, `${tag}:mnl_parse`))
        } / ${x(inproc.ratio(`${tag}:${rt}_list`, `${tag}:mnl_parse`))}`
      ).join(" | ") +
      ` | ${ms(whole.median(`${tag}:ip`))} | ` +
      ["deno", "bun"].map((rt) => x(whole.ratio(`${tag}:${rt}_ipts`, `${tag}:ip`))).join(" | ") +
      " |",
  );
}
const medians = (s: Samples, unit: (v: number) => string) =>
  [...s.by.keys()].sort().map((k) => `| ${k} | ${unit(s.median(k))} | ${s.by.get(k)!.length} |`)
    .join("\n");

const report = `# Benchmark results

Written by \`npm run bench\` (\`bench/run.sh\` → \`bench/bench.ts\`) on ${new Date().toISOString()}:
${quick ? "**quick mode** (fewer rounds, no 1M-route namespace)" : "full run"}, ${ROUNDS} rounds
(${SLOW_ROUNDS} for pyroute2, the monitor, latency and 1M routes), in-process dumps repeated
${ITERS} times, ${elapsed.toFixed(0)} s. Ratios are medians of per-round ratios measured in this
run (same rounds, alternating order); the reference is the libmnl parse loop
(\`../shared/peers/nl-dump.c\`, in process) unless the row says otherwise.

Machine: ${machine.cpu}, ${machine.cpus} CPUs, ${machine.memory_gib} GiB, Linux ${machine.kernel},
load average at the end ${machine.load}. Versions: Deno ${machine.deno}, Bun ${machine.bun},
${machine.iproute2}, libmnl ${machine.libmnl}, pyroute2 ${machine.pyroute2} (${machine.python}).

${table(rows, ["measure (100k IPv4 routes unless said)", "Deno", "Bun", "target"])}

More measures:

${table(extra, ["measure", "Deno", "Bun", "note"])}
${notes.length ? `\nNotes: ${notes.join("; ")}.\n` : ""}
Scaling (in process: walk / typed / listRoutes as ratios to libmnl parse; whole process:
\`ip.ts -j route show\` as a ratio to \`ip -j route show\`):

| routes | messages | libmnl parse | Deno walk / typed / list | Bun walk / typed / list | \`ip -j\` | Deno ip.ts | Bun ip.ts |
|---|---:|---:|---:|---:|---:|---:|---:|
${scale.join("\n")}

<details><summary>Every median</summary>

In process (ms per dump):

| tool | median | samples |
|---|---:|---:|
${medians(inproc, (v) => v.toFixed(2))}

Whole process (ms, exec to exit):

| tool | median | samples |
|---|---:|---:|
${medians(whole, (v) => v.toFixed(1))}

Peak RSS (MiB):

| tool | median | samples |
|---|---:|---:|
${medians(rss, (v) => (v / 1024).toFixed(1))}

</details>

How: every tool runs as a child of \`bench/c/nsrun\` (setns into the benchmark namespace, fork,
exec, wait4: wall time, peak RSS, CPU), output to /dev/null. In-process rows time \`-i N\`
dumps on one socket inside the tool (\`bench/workload.ts\`; libmnl: \`nl-dump -i N\`). The monitor
counts \`RTM_NEWROUTE\` notifications while \`ip -batch\` adds 200k routes in a fresh namespace
(\`bench/notify.ts monitor\`, C: \`nl-monitor\`); latency is CLOCK_MONOTONIC from just before the
sender's \`sendto()\` (\`bench/c/nl-latency.c send\`, 1000 routes 1 ms apart) to the iterator
yielding the notification (\`bench/notify.ts latency\`, C: \`nl-latency recv\`). Namespaces are
\`${PREFIX.replace(/-$/, "")}-…\`, deleted at the end.
`;

mkdirSync(OUT, { recursive: true });
writeFileSync(join(here, "RESULTS.md"), report);
// As the repository formats Markdown (tools/check.sh runs deno fmt --check).
new Deno.Command(DENO, { args: ["fmt", "--quiet", join(here, "RESULTS.md")], cwd: repo })
  .outputSync();
writeFileSync(
  join(OUT, "results.json"),
  JSON.stringify(
    {
      date: new Date().toISOString(),
      quick,
      rounds: ROUNDS,
      machine,
      counts,
      rows,
      extra,
      in_process_ms: Object.fromEntries(inproc.by),
      whole_process_ms: Object.fromEntries(whole.by),
      rss_kb: Object.fromEntries(rss.by),
      ...R,
    },
    null,
    2,
  ) + "\n",
);
log("\n" + table(rows, ["measure (100k IPv4 routes unless said)", "Deno", "Bun", "target"]));
log("\n" + table(extra, ["measure", "Deno", "Bun", "note"]));
if (notes.length) log(`\nNotes: ${notes.join("; ")}`);
log(`\n(${elapsed.toFixed(0)} s) wrote bench/RESULTS.md and ${join(OUT, "results.json")}`);
