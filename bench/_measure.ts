/**
 * The benchmark's two ways of timing tools against a reference, in rounds and alternating order:
 * in process (each tool times `-i N` dumps on one socket and prints the time per dump) and whole
 * processes (nsrun's exec-to-exit time and peak RSS); and the untimed check that `ip.ts` prints
 * as many entries as `ip -j`.
 *
 * @module
 */
import { NL_DUMP } from "./_env.ts";
import { type Context, progress } from "./_context.ts";
import { fields, nsrun, RUNTIMES } from "./_proc.ts";
import { order } from "./_stats.ts";

/** A timed tool: its id in the samples and its argv. */
export interface Tool {
  /** Sample id (a key prefix is added by some groups). */
  id: string;
  /** What runs. */
  argv: string[];
}

/** The iproute2-compatible example CLI, relative to the repository. */
export const ipts = "examples/ip.ts";

/** Check a tool's message count against libmnl's. */
function same(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`${what}: ${got} messages, libmnl saw ${want}`);
}

/**
 * In-process dumps of `ns`: libmnl (parse, and raw unless `withRaw` is false) and our workloads
 * `modes` of bench/workload.ts, as `<key>:<tool>` in `c.inproc`; libmnl's message count goes
 * to `c.counts[key]` and every other tool's count must match it.
 */
export function inProcess(
  c: Context,
  ns: string,
  key: string,
  modes: string[],
  rounds: number,
  iters: number,
  withRaw = true,
): void {
  const tools: Tool[] = [
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
  const ref = fields(nsrun(c.scratch, ns, tools[0].argv).stdout);
  c.counts[key] = ref.msgs;
  for (const t of tools.slice(1)) nsrun(c.scratch, ns, t.argv);
  for (let r = 0; r < rounds; r++) {
    for (const t of order(tools, r)) {
      const f = fields(nsrun(c.scratch, ns, t.argv).stdout);
      if (!t.id.endsWith("_raw")) same(t.id, f.msgs, ref.msgs);
      c.inproc.add(t.id, (f.steady ?? f["ns/dump"]) / 1e6);
    }
    progress(`\r  ${key}: round ${r + 1}/${rounds}   `);
  }
  progress("\n");
}

/**
 * Whole processes in `ns`, paired with a reference, output discarded: `<key>:<id>` in `c.whole`
 * (ms) and `c.rss` (KiB).
 */
export function wholeProcess(
  c: Context,
  ns: string,
  key: string,
  tools: Tool[],
  rounds: number,
): void {
  for (const t of tools) nsrun(c.scratch, ns, t.argv, true); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const t of order(tools, r)) {
      const p = nsrun(c.scratch, ns, t.argv, true);
      c.whole.add(`${key}:${t.id}`, p.ms);
      c.rss.add(`${key}:${t.id}`, p.maxrssKb);
    }
    progress(`\r  ${key}: round ${r + 1}/${rounds}   `);
  }
  progress("\n");
}

/**
 * Our output agrees with `ip -j` on the number of entries (untimed): undefined when it does,
 * else what differs.
 */
export function sameOutput(c: Context, ns: string, ipArgs: string[]): string | undefined {
  const theirs = JSON.parse(nsrun(c.scratch, ns, ["ip", ...ipArgs]).stdout) as unknown[];
  for (const rt of RUNTIMES) {
    const text = nsrun(c.scratch, ns, rt.argv(ipts, ...ipArgs)).stdout;
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
