/**
 * What the benchmark's groups share in one run: its settings (rounds, repetitions), its scratch
 * directory and namespaces, and everything measured (the samples, message counts, notes and the
 * per-group results), which the report reads at the end. Plus the terminal output of a run.
 *
 * @module
 */
import type { Namespaces } from "./_ns.ts";
import { Samples } from "./_stats.ts";

/** How much a run measures (from the command line). */
export interface Settings {
  /** `--quick`: fewer rounds, no 1M-route namespace. */
  readonly quick: boolean;
  /** Rounds of the fast groups. */
  readonly rounds: number;
  /** Rounds of pyroute2, the monitor, latency and 1M routes. */
  readonly slowRounds: number;
  /** In-process dumps per tool run (`-i N`). */
  readonly iters: number;
}

/** One run's settings, workspace and measurements, handed to every group. */
export class Context {
  /** ms per dump, in process. */
  readonly inproc: Samples = new Samples();
  /** ms, whole process. */
  readonly whole: Samples = new Samples();
  /** KiB, peak RSS of whole processes. */
  readonly rss: Samples = new Samples();
  /** Messages per dump, by namespace key (libmnl's count), and pyroute2's. */
  readonly counts: Record<string, number> = {};
  /** What went wrong or differed, for the report. */
  readonly notes: string[] = [];
  /** Per-group results (monitor, latency, idle, micro), copied into results.json. */
  readonly results: Record<string, unknown> = {};

  /** `scratch`: a directory for tool output and batch files; `ns`: the run's namespaces. */
  constructor(
    readonly settings: Settings,
    readonly scratch: string,
    readonly ns: Namespaces,
  ) {}
}

/** Write progress to stderr, without a newline. */
export const progress = (s: string): number => Deno.stderr.writeSync(new TextEncoder().encode(s));
/** Print a line to stdout. */
export const log = (s: string): void => console.log(s);
