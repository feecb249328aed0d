/**
 * `npm run fuzz`: feed every decoder the package exports (tests/fuzz/targets.ts) random bytes,
 * shaped messages and mutations of captured ones, and count what throws anything but a
 * NetlinkDecodeError or hangs. Prints `N cases, N failures` last; exits 1 on a failure.
 *
 * ```sh
 * deno run --allow-read tools/fuzz.ts [--cases N] [--seed S] [--start I] [--only REGEX] [--case I]
 * bun tools/fuzz.ts [same options]
 * npm run fuzz [-- [deno|bun] options]   # Deno then Bun, or the one named (tools/fuzz.sh)
 * ```
 *
 * `--case I` runs case I alone and prints its target and bytes (to reproduce a failure; give
 * the same `--seed` and `--only` as the run that found it). The
 * run goes in a worker; if a case has not returned after `--hang-ms` (default 10 s) the worker
 * is stopped and the case is reported as a hang.
 *
 * @module
 */
import { fuzz, fuzzCase, type FuzzResult, runCase } from "../tests/fuzz/run.ts";
import { inventory } from "../tests/fuzz/targets.ts";

const args = typeof Deno !== "undefined" ? Deno.args : (globalThis as unknown as {
  process: { argv: string[] };
}).process.argv.slice(2);
const runtime = typeof Deno !== "undefined"
  ? `deno ${Deno.version.deno}`
  : `bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}`;

function option(name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

function exit(code: number): never {
  if (typeof Deno !== "undefined") Deno.exit(code);
  return (globalThis as unknown as { process: { exit(c: number): never } }).process.exit(code);
}

const cases = Number((option("cases") ?? "1000000").replace(/_/g, ""));
const seed = Number(option("seed") ?? "1");
const start = Number(option("start") ?? "0");
const only = option("only") === undefined ? undefined : new RegExp(option("only")!);
const hangMs = Number(option("hang-ms") ?? "10000");
const single = option("case");

const bun = (globalThis as unknown as { Bun?: { isMainThread: boolean } }).Bun;
const workerScope = (globalThis as { WorkerGlobalScope?: typeof EventTarget }).WorkerGlobalScope;
const inWorker = bun !== undefined
  ? !bun.isMainThread
  : workerScope !== undefined && self instanceof workerScope;
const SLICE = 100; // the worker reports every SLICE cases

if (inWorker) {
  // Run the slice the main thread asks for, reporting each case index before running it.
  self.onmessage = (e: MessageEvent) => {
    const o = e.data as { cases: number; seed: number; start: number; only?: string };
    const result = fuzz({
      cases: o.cases,
      seed: o.seed,
      start: o.start,
      only: o.only === undefined ? undefined : new RegExp(o.only),
      hangMs: 2000,
      every: SLICE,
      progress: (done, failures) => self.postMessage({ progress: done, failures }),
    });
    self.postMessage({ result });
  };
} else if (single !== undefined) {
  if (only !== undefined) fuzz({ cases: 0, only }); // select the same targets as that run
  const c = fuzzCase(seed, Number(single));
  console.log(
    `case ${single} of seed ${seed}: ${c.target.name}, ${c.kind}, ${c.bytes.length} bytes`,
  );
  console.log(Array.from(c.bytes, (x) => x.toString(16).padStart(2, "0")).join(""));
  const f = runCase(c, hangMs);
  console.log(f === undefined ? "decoded" : f === "rejected" ? "NetlinkDecodeError" : f.error);
  exit(f === undefined || f === "rejected" ? 0 : 1);
} else {
  const problems = inventory();
  for (const p of problems) console.error(`inventory: ${p}`);
  console.log(`${runtime}: fuzzing from seed ${seed}, cases ${start}..${start + cases - 1}`);
  const result = await runInWorker();
  const secs = (result.ms / 1000).toFixed(1);
  for (const f of result.kept) {
    console.log(`FAIL case ${f.index} (${f.target}, ${f.kind}): ${f.error}`);
    if (f.hex !== "") console.log(`  bytes ${f.hex}`);
  }
  console.log(
    `${runtime}: ${result.targets} targets; ${result.kinds.random} random, ${result.kinds.shaped} shaped, ${result.kinds.mutated} mutated; ${result.rejected} rejected with NetlinkDecodeError; ${secs} s`,
  );
  console.log(`${result.cases} cases, ${result.failures} failures`);
  exit(result.failures > 0 || problems.length > 0 ? 1 : 0);
}

/** Run the whole range in a worker, restarting after a hang (the hung case is a failure). */
async function runInWorker(): Promise<FuzzResult> {
  const total: FuzzResult = {
    seed,
    cases: 0,
    failures: 0,
    kept: [],
    kinds: { random: 0, shaped: 0, mutated: 0 },
    rejected: 0,
    targets: 0,
    ms: 0,
  };
  let next = start;
  const end = start + cases;
  const t0 = performance.now();
  while (next < end) {
    const from = next;
    const outcome = await new Promise<FuzzResult | { hungAt: number }>((resolve, reject) => {
      const w = new Worker(import.meta.url, { type: "module" });
      let done = from;
      let last = performance.now();
      const timer = setInterval(() => {
        if (performance.now() - last > hangMs) {
          clearInterval(timer);
          w.terminate();
          resolve({ hungAt: done });
        }
      }, 250);
      w.onmessage = (e: MessageEvent) => {
        last = performance.now();
        if (e.data.progress !== undefined) {
          done = from + e.data.progress;
          if (e.data.progress % 100_000 === 0) {
            console.error(`  ${done - start} cases, ${total.failures + e.data.failures} failures`);
          }
        } else {
          clearInterval(timer);
          w.terminate();
          resolve(e.data.result);
        }
      };
      w.onerror = (e) => {
        clearInterval(timer);
        w.terminate();
        reject(e);
      };
      w.postMessage({ cases: end - from, seed, start: from, only: only?.source });
    });
    if ("hungAt" in outcome) {
      // One of the SLICE cases after the last report never returned: count it, name the
      // slice, and go on after it in a new worker.
      total.failures++;
      total.cases += outcome.hungAt - from + SLICE;
      total.kept.push({
        index: outcome.hungAt,
        target: "?",
        kind: "random",
        error: `hang: no progress for ${hangMs} ms in cases ${outcome.hungAt}..${
          outcome.hungAt + SLICE - 1
        } (rerun each with --case)`,
        hex: "",
      });
      next = outcome.hungAt + SLICE;
      continue;
    }
    total.cases += outcome.cases;
    total.failures += outcome.failures;
    total.rejected += outcome.rejected;
    total.targets = outcome.targets;
    for (const k of ["random", "shaped", "mutated"] as const) total.kinds[k] += outcome.kinds[k];
    total.kept.push(...outcome.kept);
    next = end;
  }
  total.ms = performance.now() - t0;
  return total;
}
