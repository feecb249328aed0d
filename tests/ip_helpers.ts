/**
 * What the `ip.ts` tests share: running `ip`/`tc` and `ip.ts` in a named namespace, building
 * namespaces from `ip -batch` lines (fixed MAC addresses, no duplicate address detection, so
 * two built alike are alike), and comparing the two tools' outputs.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { runtimeCommand, sh, startScript, waitFor } from "./helpers.ts";

/** The script under test. */
export const IP_TS: string = new URL("../examples/ip.ts", import.meta.url).pathname;

/** What a command printed and its exit status. */
export interface Run {
  /** Standard output. */
  out: string;
  /** Standard error. */
  err: string;
  /** Exit status. */
  code: number;
}

/** Run ip.ts under the current runtime in namespace `ns` (`""`: this one). */
export function ipts(ns: string, ...args: string[]): Run {
  const rt = runtimeCommand();
  const n = ns === "" ? [] : ["-n", ns];
  const r = spawnSync(rt.argv[0], [...rt.argv.slice(1), IP_TS, ...n, ...args], {
    encoding: "utf8",
  });
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
}

/** Run `ip` or `tc` in namespace `ns`. */
export function tool(cmd: "ip" | "tc", ns: string, ...args: string[]): Run {
  const r = spawnSync(cmd, ["-n", ns, ...args], { encoding: "utf8" });
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
}

/** JSON output, `[]` for none. */
export function parse(s: string): unknown {
  return s.trim() === "" ? [] : JSON.parse(s);
}

/** Create namespace `ns` (deleted when the process exits) and run `ip -batch` lines in it. */
export function makeNs(ns: string, lines: string[]): void {
  sh("ip", ["netns", "add", ns]);
  (globalThis as unknown as { process: { on(e: string, f: () => void): void } }).process.on(
    "exit",
    () => spawnSync("ip", ["netns", "del", ns]),
  );
  // No duplicate address detection: IPv6 addresses are final at once.
  sh("ip", ["netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0"]);
  sh("ip", ["-n", ns, "-batch", "-"], lines.join("\n") + "\n");
}

/** Delete namespace `ns` (no error if it is gone). */
export function deleteNs(ns: string): void {
  spawnSync("ip", ["netns", "del", ns]);
}

/** ip (or tc) and ip.ts, the same arguments, the same JSON (parsed) and exit status. */
export function sameJson(cmd: "ip" | "tc", ns: string, ...args: string[]): void {
  const want = tool(cmd, ns, "-j", ...args);
  const got = ipts(ns, "-j", ...args);
  assert.equal(got.code, want.code, `exit status of ${args.join(" ")}: ${got.err}`);
  assert.deepEqual(parse(got.out), parse(want.out), `${cmd} -j ${args.join(" ")}`);
}

/** ip (or tc) and ip.ts, the same text on both outputs and the same exit status. */
export function sameText(cmd: "ip" | "tc", ns: string, ...args: string[]): void {
  const want = tool(cmd, ns, ...args);
  const got = ipts(ns, ...args);
  assert.equal(got.err, want.err, `stderr of ${args.join(" ")}`);
  assert.equal(got.code, want.code, `exit status of ${args.join(" ")}`);
  assert.deepEqual(got.out.split("\n"), want.out.split("\n"), `${cmd} ${args.join(" ")}`);
}

/** A JSON value with object keys sorted and arrays sorted by their JSON, for set equality. */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) {
    return v.map(canonical).sort((a, b) =>
      JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0
    );
  }
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as never)[k])]));
  }
  return v;
}

/**
 * `ip monitor ARGS` and `ip.ts monitor ARGS` in `ns`, side by side: both are listening once
 * both print the marker that `mark(k)` makes (`isMark(k, line)`; made again until they do);
 * then `changes()`, then an end marker. Returns the lines each printed from the first marker
 * to the end one.
 */
export async function monitorLines(
  ns: string,
  args: string[],
  mark: (k: number) => void,
  isMark: (k: number, line: string) => boolean,
  changes: () => void,
): Promise<{ want: string[]; got: string[] }> {
  const theirs = startScript(["ip", "-n", ns, "monitor", ...args]);
  const ours = startScript([...runtimeCommand().argv, IP_TS, "-n", ns, "monitor", ...args]);
  try {
    const at = (lines: string[], k: number) => lines.findIndex((l) => isMark(k, l));
    const both = (k: number) => () => at(theirs.lines, k) >= 0 && at(ours.lines, k) >= 0;
    let k = 0;
    for (; k < 20; k++) {
      mark(k);
      if (await waitFor(both(k), 1000, `marker ${k}`).then(() => true, () => false)) break;
    }
    assert.ok(k < 20, `no marker seen; ip.ts stderr: ${ours.stderr()}`);
    const start = k;
    changes();
    mark(++k);
    await waitFor(both(k), 5000, `the end marker`);
    return {
      want: theirs.lines.slice(at(theirs.lines, start), at(theirs.lines, k)),
      got: ours.lines.slice(at(ours.lines, start), at(ours.lines, k)),
    };
  } finally {
    theirs.kill();
    ours.kill();
  }
}
