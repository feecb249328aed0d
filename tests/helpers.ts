/**
 * Test helpers: running iproute2 for ground truth, and the guard that keeps kernel tests inside
 * the private network namespace `tests/run.sh` creates.
 *
 * @module
 */
import { execFileSync, spawn } from "node:child_process";
import { createSocket } from "node:dgram";

/** True when running inside the private network namespace made by `tests/run.sh`. */
export const IN_NETNS: boolean = (globalThis as unknown as {
  process?: { env: Record<string, string | undefined> };
}).process?.env.NETLINK_TEST_NETNS === "1";

/** Skip reason for kernel tests run outside `tests/run.sh` (they would touch the host). */
export const SKIP_KERNEL: string | false = IN_NETNS
  ? false
  : "needs the private network namespace of tests/run.sh (npm test)";

/** Run a command; return stdout. Throws with stderr on failure. */
export function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, {
    encoding: "utf8",
    input,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Run a command expected to fail; return its stderr. */
export function shFails(cmd: string, args: string[]): string {
  try {
    execFileSync(cmd, args, { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? "");
  }
  throw new Error(`${cmd} ${args.join(" ")} unexpectedly succeeded`);
}

/** `ip -j ARGS` parsed. */
export function ipJson<T = Record<string, unknown>[]>(...args: string[]): T {
  const out = sh("ip", ["-j", ...args]).trim();
  return (out === "" ? [] : JSON.parse(out)) as T;
}

/** `ip -batch -` with the given lines. */
export function ipBatch(lines: string[]): void {
  sh("ip", ["-batch", "-"], lines.join("\n") + "\n");
}

let counter = 0;
/** A short interface name unique within this process (IFNAMSIZ is 16 with the NUL). */
export function uniqueName(prefix: string): string {
  const pid = (globalThis as unknown as { process: { pid: number } }).process.pid % 1000;
  return `${prefix}${pid}x${counter++}`.slice(0, 15);
}

/** The runtime running the tests, and how to run a script with it. */
export function runtimeCommand(): { name: "deno" | "bun"; argv: string[] } {
  const g = globalThis as unknown as { Bun?: unknown };
  return g.Bun !== undefined
    ? { name: "bun", argv: ["bun"] }
    : { name: "deno", argv: ["deno", "run", "-A"] };
}

/** Start a script under the given runtime; collect stdout lines. */
export function startScript(
  argv: string[],
): { pid: number; lines: string[]; exited: Promise<number>; kill(): void; stderr(): string } {
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let partial = "";
  let err = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    partial += chunk;
    const parts = partial.split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => (err += chunk));
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
  return { pid: child.pid!, lines, exited, kill: () => child.kill(), stderr: () => err };
}

/** Resolve after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Wait until `fn()` returns a truthy value, or fail after `ms`. */
export async function waitFor<T>(fn: () => T, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Send `n` UDP datagrams out of `dev` to a static neighbour (no ARP), for traffic counters. */
export async function sendUdp(dev: string, n: number): Promise<void> {
  ipBatch([
    `address add 198.51.100.1/24 dev ${dev}`,
    `neigh replace 198.51.100.2 lladdr 02:00:00:00:00:02 dev ${dev} nud permanent`,
  ]);
  const s = createSocket("udp4");
  try {
    for (let i = 0; i < n; i++) {
      await new Promise<void>((resolve, reject) =>
        s.send(new Uint8Array(100), 9, "198.51.100.2", (e) => (e ? reject(e) : resolve()))
      );
    }
  } finally {
    s.close();
  }
}
