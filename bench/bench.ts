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
 * Layout: this entry reads the options, runs the groups in a fixed order and writes the report;
 * `_env.ts` (paths and tools), `_ns.ts` (namespaces), `_proc.ts` (running tools under nsrun),
 * `_stats.ts` (medians, ratios), `_context.ts` (a run's settings and measurements),
 * `_measure.ts` (in-process and whole-process timing), `_groups_dump.ts` and
 * `_groups_notify.ts` (the groups), `_machine.ts`, `_format.ts`, `_rows.ts` and `_report.ts`
 * (RESULTS.md and results.json).
 *
 * @module
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { here, OUT, PREFIX } from "./_env.ts";
import { Context, log, progress, type Settings } from "./_context.ts";
import { dump, links, micro, pyroute2, rss, scale, startup, whole } from "./_groups_dump.ts";
import { idle, latency, monitor } from "./_groups_notify.ts";
import { machineInfo } from "./_machine.ts";
import { Namespaces } from "./_ns.ts";
import { writeReport } from "./_report.ts";

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

const settings: Settings = { quick, rounds: ROUNDS, slowRounds: SLOW_ROUNDS, iters: ITERS };

/** The groups in the order they run (pyroute2 reuses the 100k-route namespace of dump/whole). */
const RUN_ORDER: [Group, (c: Context) => Promise<void> | void][] = [
  ["dump", dump],
  ["whole", whole],
  ["pyroute2", pyroute2],
  ["links", links],
  ["startup", startup],
  ["scale", scale],
  ["rss", rss],
  ["monitor", monitor],
  ["latency", latency],
  ["idle", idle],
  ["micro", micro],
];

// ---------------------------------------------------------------------------
// Namespaces and the scratch directory: deleted on the way out whatever happens
// ---------------------------------------------------------------------------

const tmp = Deno.makeTempDirSync({ prefix: "netlink-bench-" });
const ctx = new Context(settings, tmp, new Namespaces(PREFIX, tmp));

function cleanup(): void {
  ctx.ns.deleteAll();
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
 * Run one group; if it fails (a tool exits non-zero, a count differs), say so in the notes and
 * go on with the next group, so one broken tool does not cost the whole run.
 */
async function guard(name: string, fn: () => Promise<void> | void): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).split("\n").slice(0, 3).join(" ");
    console.error(`\nbench: group ${name} failed: ${why}`);
    ctx.notes.push(`group \`${name}\` failed: ${why.slice(0, 300)}`);
  }
}

// ---------------------------------------------------------------------------
// Groups
// ---------------------------------------------------------------------------

const t0 = performance.now();
try {
  log(
    `benchmark: ${
      quick ? "quick" : "full"
    }, ${ROUNDS} rounds (${SLOW_ROUNDS} for the slow ones), ` +
      `-i ${ITERS}; groups: ${[...only].join(", ")}`,
  );
  if (only.has("dump") || only.has("whole") || only.has("pyroute2")) {
    progress("namespace: 100k routes\n");
    ctx.ns.needRoutes(100_000, "r100k");
  }
  for (const [name, fn] of RUN_ORDER) {
    if (only.has(name)) await guard(name, () => fn(ctx));
  }
} finally {
  cleanup();
}

// ---------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------

const elapsed = (performance.now() - t0) / 1000;
writeReport(ctx, elapsed, machineInfo(), {
  markdown: join(here, "RESULTS.md"),
  json: join(OUT, "results.json"),
});
