/**
 * Where the initial network namespace is, for the tests of protocols whose kernel socket lives
 * there only (the process events connector, the audit log multicast). tests/run.sh runs every
 * test in a private network namespace; the processes that started it live in the host's.
 * `/proc/1/ns/net` is the obvious handle, but reading it can be refused (EACCES has been seen
 * in sandboxes even for root), so the ancestors of this process are tried too: the top-most one
 * whose namespace can be read and differs from ours. Opening a socket there changes nothing in
 * it.
 *
 * @module
 */
import { readFileSync, readlinkSync } from "node:fs";
import process from "node:process";

function netnsOf(pid: number | "self"): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number {
  try {
    const m = /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * A path to the initial network namespace (`/proc/PID/ns/net`), or the reason none was found.
 */
export function initialNetns(): { path: string; reason?: undefined } | {
  path?: undefined;
  reason: string;
} {
  const own = netnsOf("self");
  if (own === undefined) return { reason: "cannot read /proc/self/ns/net" };
  const first = netnsOf(1);
  if (first !== undefined) {
    return first === own
      ? { reason: "this process is in the namespace of PID 1: not a private test namespace" }
      : { path: "/proc/1/ns/net" };
  }
  let best: string | undefined;
  const seen = new Set<number>();
  for (let pid = process.ppid; pid > 1 && !seen.has(pid); pid = parentOf(pid)) {
    seen.add(pid);
    const ns = netnsOf(pid);
    if (ns !== undefined && ns !== own) best = `/proc/${pid}/ns/net`;
  }
  return best !== undefined ? { path: best } : {
    reason: "the initial network namespace is unreachable: /proc/1/ns/net cannot be read " +
      "and no ancestor process lives in another network namespace",
  };
}
