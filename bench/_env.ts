/**
 * Where the benchmark finds its tools and writes its output: paths from the environment that
 * `bench/run.sh` sets (it builds the C tools into `bench/out/`), with defaults for a run of
 * `bench/bench.ts` by hand.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The `bench/` directory. */
export const here: string = dirname(fileURLToPath(import.meta.url));
/** The repository's root. */
export const repo: string = join(here, "..");
const env = (k: string, d: string) => Deno.env.get(k) ?? d;
/** Where the C tools are built and `results.json` is written (`BENCH_OUT`, `bench/out/`). */
export const OUT: string = env("BENCH_OUT", join(here, "out"));
/** The Deno binary (`DENO`, this one by default). */
export const DENO: string = env("DENO", Deno.execPath());
/** The Bun binary (`BUN`, the repository's node_modules by default). */
export const BUN: string = env("BUN", join(repo, "node_modules", ".bin", "bun"));
/** `bench/c/nsrun.c`: joins a namespace, runs a tool, reports its time, peak RSS and CPU. */
export const NSRUN: string = env("NSRUN", join(OUT, "nsrun"));
/** `../shared/peers/nl-dump.c`: the libmnl dump loop, the in-process reference. */
export const NL_DUMP: string = env("NL_DUMP", join(OUT, "nl-dump"));
/** `../shared/peers/nl-monitor.c`: the libmnl notification counter. */
export const NL_MONITOR: string = env("NL_MONITOR", join(OUT, "nl-monitor"));
/** `bench/c/nl-latency.c`: the notification latency sender and C receiver. */
export const NL_LATENCY: string = env("NL_LATENCY", join(OUT, "nl-latency"));
/** The Python that runs pyroute2 (`PYTHON`). */
export const PYTHON: string = env("PYTHON", "/usr/bin/python3");
/** The prefix of this run's namespace names (`BENCH_PREFIX`, `bench-<pid>-`). */
export const PREFIX: string = env("BENCH_PREFIX", `bench-${Deno.pid}-`);
