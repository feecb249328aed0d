/**
 * Running the tools the benchmark times: a command for its output (`run`), a tool in a namespace
 * under `nsrun` with its wall time, peak RSS and CPU (`nsrun`), the `key=value` lines the tools
 * print (`fields`), and how a script is started under each runtime (`RUNTIMES`).
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BUN, DENO, NSRUN, repo } from "./_env.ts";

/** Run `cmd` and return its stdout; throws with its stderr when it exits non-zero. */
export function run(cmd: string, args: string[]): string {
  const r = new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped" })
    .outputSync();
  if (!r.success) {
    throw new Error(
      `${cmd} ${args.join(" ")}: exit ${r.code}\n${new TextDecoder().decode(r.stderr).trim()}`,
    );
  }
  return new TextDecoder().decode(r.stdout);
}

/** The file `ip netns add` binds namespace `ns` to (what `nsrun -n` opens). */
export const nsPath = (ns: string): string => `/run/netns/${ns}`;

/** What `nsrun` measured of one tool run. */
export interface Proc {
  /** Wall time, fork to exit. */
  ms: number;
  /** Peak RSS (wait4). */
  maxrssKb: number;
  /** User CPU time. */
  userMs: number;
  /** System CPU time. */
  sysMs: number;
  /** The tool's output ("" when discarded). */
  stdout: string;
}

/**
 * Run `argv` in `ns` under nsrun; stdout to a file in `scratch` (read back) unless `discard`.
 * Throws when the tool exits non-zero, with the end of its stderr.
 */
export function nsrun(
  scratch: string,
  ns: string | undefined,
  argv: string[],
  discard = false,
): Proc {
  const out = join(scratch, "stdout");
  const err = join(scratch, "stderr");
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
export function fields(line: string): Record<string, number> {
  const f: Record<string, number> = {};
  for (const m of line.matchAll(/([a-z_/]+)=(-?[0-9.]+)/g)) f[m[1]] = Number(m[2]);
  return f;
}

const deno = (
  script: string,
  ...rest: string[]
) => [DENO, "run", "-A", join(repo, script), ...rest];
const bun = (script: string, ...rest: string[]) => [BUN, join(repo, script), ...rest];

/** A runtime the library runs under: its id and the argv that runs a repository script. */
export interface Runtime {
  /** `deno` or `bun`. */
  readonly id: "deno" | "bun";
  /** The argv running `script` (relative to the repository) with arguments `rest`. */
  readonly argv: (script: string, ...rest: string[]) => string[];
}

/** Deno, then Bun. */
export const RUNTIMES: readonly Runtime[] = [{ id: "deno", argv: deno }, { id: "bun", argv: bun }];
