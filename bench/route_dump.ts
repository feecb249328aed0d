/**
 * Route-dump benchmark harness: the library under Deno and Bun against the libmnl peer
 * (`nl-dump`) and `ip -j route show`, in the same process tree and the same rounds.
 *
 * Run it through `bench/run.sh` (`npm run bench`), which builds `nl-dump`, creates a private
 * network namespace filled with routes, and starts this script inside it. Every tool below is
 * therefore a direct child of this process inside that namespace; nothing touches the host's.
 *
 * Each round runs every tool once as a whole process (exec to exit, wall time), then once with
 * `-i ITERS` for the in-process time per dump; the order rotates and reverses from round to
 * round so drift on a shared machine spreads over all tools. Ratios are per-round (paired)
 * against the libmnl parse loop, then the median over rounds.
 *
 * Environment: ROUTES (expected count), ROUNDS, ITERS, NL_DUMP, DENO, BUN, BENCH_OUT.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const env = (k: string, d: string) => Deno.env.get(k) ?? d;
const here = dirname(fileURLToPath(import.meta.url));
const ROUTES = Number(env("ROUTES", "100000"));
const ROUNDS = Number(env("ROUNDS", "15"));
const ITERS = Number(env("ITERS", "8"));
const NL_DUMP = env("NL_DUMP", join(here, "out", "nl-dump"));
const DENO = env("DENO", Deno.execPath());
const BUN = env("BUN", join(here, "..", "node_modules", ".bin", "bun"));
const OUT = env("BENCH_OUT", join(here, "out"));
const SCRIPT = join(here, "dump_routes.ts");

interface Tool {
  id: string;
  label: string;
  argv: string[];
  /** stdout to /dev/null (its size would distort the timing), counts checked separately. */
  quiet?: boolean;
}

const denoRun = (mode: string, ...rest: string[]) => [DENO, "run", "-A", SCRIPT, mode, ...rest];
const bunRun = (mode: string, ...rest: string[]) => [BUN, SCRIPT, mode, ...rest];

/** Whole process, exec to exit. The first one is the reference (= 1.0). */
const WHOLE: Tool[] = [
  { id: "mnl_parse", label: "libmnl parse (nl-dump)", argv: [NL_DUMP, "route", "parse"] },
  { id: "mnl_raw", label: "libmnl recv only (raw)", argv: [NL_DUMP, "route", "raw"] },
  {
    id: "ip_json",
    label: "ip -j route show",
    argv: ["ip", "-j", "route", "show"],
    quiet: true,
  },
  { id: "deno_walk", label: "deno walk", argv: denoRun("walk") },
  { id: "deno_batch", label: "deno batch walk", argv: denoRun("batch") },
  { id: "deno_parse", label: "deno parse", argv: denoRun("parse") },
  { id: "bun_walk", label: "bun walk", argv: bunRun("walk") },
  { id: "bun_batch", label: "bun batch walk", argv: bunRun("batch") },
  { id: "bun_parse", label: "bun parse", argv: bunRun("parse") },
];

/** In process, `-i ITERS`: nl-dump's mean ns/dump, our median of dumps 2..N. */
const IN_PROCESS: Tool[] = [
  { id: "mnl_parse", label: "libmnl parse", argv: [NL_DUMP, "route", "parse", "-i", `${ITERS}`] },
  { id: "mnl_raw", label: "libmnl recv only", argv: [NL_DUMP, "route", "raw", "-i", `${ITERS}`] },
  { id: "deno_count", label: "deno iterate only", argv: denoRun("count", "-i", `${ITERS}`) },
  { id: "deno_walk", label: "deno walk", argv: denoRun("walk", "-i", `${ITERS}`) },
  { id: "deno_batch", label: "deno batch walk", argv: denoRun("batch", "-i", `${ITERS}`) },
  { id: "deno_parse", label: "deno parse", argv: denoRun("parse", "-i", `${ITERS}`) },
  { id: "bun_count", label: "bun iterate only", argv: bunRun("count", "-i", `${ITERS}`) },
  { id: "bun_walk", label: "bun walk", argv: bunRun("walk", "-i", `${ITERS}`) },
  { id: "bun_batch", label: "bun batch walk", argv: bunRun("batch", "-i", `${ITERS}`) },
  { id: "bun_parse", label: "bun parse", argv: bunRun("parse", "-i", `${ITERS}`) },
];

function fail(msg: string): never {
  console.error(`\nbench: FAILED: ${msg}`);
  Deno.exit(1);
}

interface RunResult {
  ms: number;
  stdout: string;
}

async function run(t: Tool): Promise<RunResult> {
  const [cmd, ...args] = t.argv;
  const c = new Deno.Command(cmd, {
    args,
    stdin: "null",
    stdout: t.quiet ? "null" : "piped",
    stderr: "piped",
  });
  const t0 = performance.now();
  const out = await c.output();
  const ms = performance.now() - t0;
  const stderr = new TextDecoder().decode(out.stderr).trim();
  if (!out.success) fail(`${t.argv.join(" ")} exited with ${out.code}\n${stderr}`);
  return { ms, stdout: t.quiet ? "" : new TextDecoder().decode(out.stdout).trim() };
}

/** key=value fields of the one line nl-dump and dump_routes.ts print. */
function fields(t: Tool, line: string): Record<string, number> {
  const f: Record<string, number> = {};
  for (const m of line.matchAll(/([a-z_/]+)=([0-9.]+)/g)) f[m[1]] = Number(m[2]);
  if (!("msgs" in f)) fail(`${t.argv.join(" ")} printed no message count: ${JSON.stringify(line)}`);
  return f;
}

/** Every tool must see the same dump as libmnl parse. */
const expected = { msgs: 0, attrs: 0 };
function checkCounts(t: Tool, f: Record<string, number>): void {
  if (f.msgs !== expected.msgs) {
    fail(`${t.label}: ${f.msgs} messages, libmnl parse saw ${expected.msgs}`);
  }
  // raw and count do not walk attributes
  if (f.attrs !== 0 && f.attrs !== expected.attrs) {
    fail(`${t.label}: ${f.attrs} attributes, libmnl parse saw ${expected.attrs}`);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Round r's order: rotated by r, reversed on odd rounds. */
function order<T>(xs: T[], r: number): T[] {
  const rot = xs.map((_, i) => xs[(i + r) % xs.length]);
  return r % 2 ? rot.reverse() : rot;
}

// Only inside a benchmark namespace (bench/run.sh): elsewhere the counts mean nothing.
const nsName = new TextDecoder().decode(
  new Deno.Command("ip", { args: ["netns", "identify", `${Deno.pid}`] }).outputSync().stdout,
).trim();
if (!nsName.startsWith("bench-")) {
  fail(`not inside a bench-* network namespace (got "${nsName}"); run bench/run.sh instead`);
}

// ---------------------------------------------------------------------------
// 1. Ground truth and warm-up (page cache, Deno's module cache): one untimed run of each.
// ---------------------------------------------------------------------------
const t0 = performance.now();
const ref = fields(WHOLE[0], (await run(WHOLE[0])).stdout);
expected.msgs = ref.msgs;
expected.attrs = ref.attrs;
if (ref.msgs < ROUTES) fail(`libmnl saw ${ref.msgs} route messages, fewer than ROUTES=${ROUTES}`);
for (const t of WHOLE.slice(1)) {
  if (t.quiet) continue;
  checkCounts(t, fields(t, (await run(t)).stdout));
}
const ipOut = await new Deno.Command("ip", { args: ["-j", "route", "show"], stderr: "inherit" })
  .output();
if (!ipOut.success) fail("ip -j route show failed");
const ipRoutes = (JSON.parse(new TextDecoder().decode(ipOut.stdout)) as unknown[]).length;
// main table: ROUTES + the connected 198.18.0.0/24; libmnl also sees the local table (~5 more)
if (ipRoutes < ROUTES + 1 || ipRoutes > ROUTES + 3 || ipRoutes > ref.msgs) {
  fail(`ip -j route show listed ${ipRoutes} routes; expected ${ROUTES + 1} (libmnl: ${ref.msgs})`);
}
console.log(
  `counts agree: ${ref.msgs} route messages, ${ref.attrs} attributes ` +
    `(libmnl, deno, bun); ip -j route show: ${ipRoutes} routes (main table)`,
);

// ---------------------------------------------------------------------------
// 2. Rounds.
// ---------------------------------------------------------------------------
const whole: Record<string, number[]> = Object.fromEntries(WHOLE.map((t) => [t.id, []]));
const inproc: Record<string, number[]> = Object.fromEntries(IN_PROCESS.map((t) => [t.id, []]));
const rss: Record<string, number[]> = {};

for (let r = 0; r < ROUNDS; r++) {
  for (const t of order(WHOLE, r)) {
    const res = await run(t);
    whole[t.id].push(res.ms);
    if (!t.quiet) {
      const f = fields(t, res.stdout);
      checkCounts(t, f);
      if (f.maxrss_kb) (rss[t.id] ??= []).push(f.maxrss_kb);
    }
  }
  for (const t of order(IN_PROCESS, r)) {
    const f = fields(t, (await run(t)).stdout);
    checkCounts(t, f);
    inproc[t.id].push((f.steady ?? f["ns/dump"]) / 1e6);
  }
  Deno.stderr.writeSync(new TextEncoder().encode(`\rround ${r + 1}/${ROUNDS}`));
}
Deno.stderr.writeSync(new TextEncoder().encode("\n"));

// ---------------------------------------------------------------------------
// 3. Report.
// ---------------------------------------------------------------------------
interface Row {
  id: string;
  label: string;
  median_ms: number;
  min_ms: number;
  ratio: number;
  samples_ms: number[];
  maxrss_kb?: number;
}

function summarize(tools: Tool[], samples: Record<string, number[]>): Row[] {
  const base = samples[tools[0].id];
  return tools.map((t) => {
    const xs = samples[t.id];
    const ratios = xs.map((x, i) => x / base[i]);
    const row: Row = {
      id: t.id,
      label: t.label,
      median_ms: median(xs),
      min_ms: Math.min(...xs),
      ratio: median(ratios),
      samples_ms: xs.map((x) => Math.round(x * 1000) / 1000),
    };
    if (rss[t.id] && samples === whole) row.maxrss_kb = median(rss[t.id]);
    return row;
  });
}

const wholeRows = summarize(WHOLE, whole);
const inprocRows = summarize(IN_PROCESS, inproc);

function table(title: string, rows: Row[], withRss: boolean): string {
  const lines = [title, ""];
  const head = ["tool", "median ms", "min ms", "ratio"];
  if (withRss) head.push("max RSS MiB");
  const body = rows.map((r) => {
    const cells = [r.label, r.median_ms.toFixed(1), r.min_ms.toFixed(1), r.ratio.toFixed(2)];
    if (withRss) cells.push(r.maxrss_kb ? (r.maxrss_kb / 1024).toFixed(0) : "");
    return cells;
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (cells: string[]) =>
    "| " + cells.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join(" | ") +
    " |";
  lines.push(fmt(head));
  lines.push("|" + widths.map((w, i) => "-".repeat(w + 1) + (i ? ":" : "-")).join("|") + "|");
  for (const b of body) lines.push(fmt(b));
  return lines.join("\n");
}

const elapsed = (performance.now() - t0) / 1000;
const versions = {
  kernel: Deno.osRelease(),
  cpus: navigator.hardwareConcurrency,
  deno: Deno.version.deno,
  bun: new TextDecoder().decode(new Deno.Command(BUN, { args: ["--version"] }).outputSync().stdout)
    .trim(),
};
console.log(
  `\n${ROUTES} IPv4 /32 routes (${ref.msgs} messages, ${ref.attrs} attributes), ${ROUNDS} rounds; ` +
    `kernel ${versions.kernel}, ${versions.cpus} CPUs, deno ${versions.deno}, bun ${versions.bun}\n`,
);
console.log(
  table(
    "Whole process, exec to exit (ratio: median of per-round ratios to libmnl parse)",
    wholeRows,
    true,
  ),
);
console.log();
console.log(
  table(
    `In process, time per dump after warm-up (-i ${ITERS}; libmnl: mean of ${ITERS}, ours: median of dumps 2..${ITERS})`,
    inprocRows,
    false,
  ),
);
console.log(`\n(${elapsed.toFixed(0)} s of measuring)`);

mkdirSync(OUT, { recursive: true });
const file = join(OUT, "results.json");
writeFileSync(
  file,
  JSON.stringify(
    {
      benchmark: "route dump",
      date: new Date().toISOString(),
      routes: ROUTES,
      messages: ref.msgs,
      attributes: ref.attrs,
      ip_json_routes: ipRoutes,
      rounds: ROUNDS,
      iterations: ITERS,
      ...versions,
      reference: "mnl_parse",
      whole_process: wholeRows,
      in_process: inprocRows,
    },
    null,
    2,
  ) + "\n",
);
console.log(`results: ${file}`);
