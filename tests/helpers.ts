/**
 * Test helpers: running iproute2 for ground truth, and the guard that keeps kernel tests inside
 * the private network namespace `tests/run.sh` creates.
 *
 * @module
 */
import { execFileSync, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { readFileSync, writeFileSync } from "node:fs";

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

/**
 * Whether network interface `name` exists (`ip link show dev NAME`). Only iproute2's
 * "does not exist" answer means false; any other failure is thrown.
 */
export function linkExists(name: string, ...ipOptions: string[]): boolean {
  try {
    sh("ip", [...ipOptions, "link", "show", "dev", name]);
    return true;
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? "");
    if (stderr.includes(`Device "${name}" does not exist`)) return false;
    throw e;
  }
}

/**
 * Write a sysctl through /proc/sys (`key` as in `sysctl`, e.g. `net.ipv4.conf.all.forwarding`)
 * and read it back; throws when the write fails or does not stick. Returns the previous value.
 */
export function setSysctl(key: string, value: string | number): string {
  const path = `/proc/sys/${key.replaceAll(".", "/")}`;
  const before = readFileSync(path, "utf8").trim();
  writeFileSync(path, String(value));
  const after = readFileSync(path, "utf8").trim();
  if (after !== String(value)) {
    throw new Error(`sysctl ${key}: wrote ${value}, reads back ${after}`);
  }
  return before;
}

/**
 * A number-to-name table of iproute2 (`/etc/iproute2/rt_tables`, `rt_protos`, `rt_scopes`,
 * `group`, `rt_realms`, `rt_dsfield`): the names `ip` prints. Numbers may be hex.
 */
export function iproute2Names(file: string): Map<number, string> {
  const names = new Map<number, string>();
  let text = "";
  try {
    text = readFileSync(`/etc/iproute2/${file}`, "utf8");
  } catch (e) {
    if ((e as { code?: string }).code !== "ENOENT") throw e;
  }
  for (const line of text.split("\n")) {
    const m = /^\s*(0x[0-9a-f]+|\d+)\s+(\S+)/i.exec(line);
    if (m && !names.has(Number(m[1]))) names.set(Number(m[1]), m[2]);
  }
  return names;
}

/**
 * Race `promise` against a time limit: rejects with "timed out after MS ms waiting for WHAT"
 * when it takes longer.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Record the seq of every message `sock.send()` puts on the wire (requests and dumps go
 * through it), so a test can compare replies and errors with the seq actually sent.
 */
export function recordSentSeqs(sock: { send(data: Uint8Array, options?: never): void }): number[] {
  const seqs: number[] = [];
  const send = sock.send.bind(sock);
  sock.send = (data: Uint8Array, options?: never) => {
    seqs.push(new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(8, true));
    send(data, options);
  };
  return seqs;
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
