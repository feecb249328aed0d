/**
 * The benchmark's report: bench/RESULTS.md (the targets, more measures, scaling and every
 * median, with the machine and how it was measured) and results.json (every sample), written at
 * the end of a run, and the two tables printed to the terminal.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { DENO, repo } from "./_env.ts";
import { type Context, log } from "./_context.ts";
import { ms, type Row, table, x } from "./_format.ts";
import type { Machine } from "./_machine.ts";
import { extraRows, targetRows } from "./_rows.ts";
import type { Samples } from "./_stats.ts";

/** Where the report goes. */
export interface ReportPaths {
  /** bench/RESULTS.md. */
  markdown: string;
  /** bench/out/results.json. */
  json: string;
}

const medians = (s: Samples, unit: (v: number) => string) =>
  [...s.by.keys()].sort().map((k) => `| ${k} | ${unit(s.median(k))} | ${s.by.get(k)!.length} |`)
    .join("\n");

/**
 * RESULTS.md (before `deno fmt`) of a run that took `elapsed` seconds on `machine`, with its
 * `rows` and `extra` rows.
 */
export function resultsMarkdown(
  c: Context,
  elapsed: number,
  machine: Machine,
  rows: Row[],
  extra: Row[],
): string {
  const { inproc, whole, rss, counts, notes } = c;
  const { quick, rounds: ROUNDS, slowRounds: SLOW_ROUNDS, iters: ITERS } = c.settings;
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

  return `# Benchmark results

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
\`${c.ns.prefix.replace(/-$/, "")}-…\`, deleted at the end.
`;
}

/**
 * Write RESULTS.md (formatted as the repository formats Markdown) and results.json, and print
 * the tables and notes.
 */
export function writeReport(
  c: Context,
  elapsed: number,
  machine: Machine,
  paths: ReportPaths,
): void {
  const rows = targetRows(c);
  const extra = extraRows(c);
  const report = resultsMarkdown(c, elapsed, machine, rows, extra);
  mkdirSync(dirname(paths.json), { recursive: true });
  writeFileSync(paths.markdown, report);
  // As the repository formats Markdown (tools/check.sh runs deno fmt --check).
  new Deno.Command(DENO, { args: ["fmt", "--quiet", paths.markdown], cwd: repo })
    .outputSync();
  writeFileSync(
    paths.json,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        quick: c.settings.quick,
        rounds: c.settings.rounds,
        machine,
        counts: c.counts,
        rows,
        extra,
        in_process_ms: Object.fromEntries(c.inproc.by),
        whole_process_ms: Object.fromEntries(c.whole.by),
        rss_kb: Object.fromEntries(c.rss.by),
        ...c.results,
      },
      null,
      2,
    ) + "\n",
  );
  log("\n" + table(rows, ["measure (100k IPv4 routes unless said)", "Deno", "Bun", "target"]));
  log("\n" + table(extra, ["measure", "Deno", "Bun", "note"]));
  if (c.notes.length) log(`\nNotes: ${c.notes.join("; ")}`);
  log(`\n(${elapsed.toFixed(0)} s) wrote bench/RESULTS.md and ${paths.json}`);
}
