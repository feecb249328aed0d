/**
 * The one way tests are declared: `test(name, [options,] fn)`, the same file under `deno test`
 * and `bun test`.
 *
 * - Deno: registered with `Deno.test`, whose runner reports an error thrown outside a test (at
 *   module top level or from a stray timer) as a failure. Deno's `node:test` shim swallows
 *   those, so a file that dies half-way would pass with fewer tests.
 * - Bun: registered with `node:test`.
 * - Every test has a time limit (default {@link DEFAULT_TIMEOUT_MS}); a wait that never ends
 *   fails the test instead of hanging the run.
 * - Skips are declared, never returned from: `{ skip: "reason" }` (or a helper that computes
 *   the reason, e.g. {@link lacksConfig}). Each declared skip is written, with its reason, to
 *   the file named by `NETLINK_TEST_SKIPS`, so `tests/run.sh` can list it above the summary.
 *
 * No subtests and no `describe`: each case is its own top-level test, so both runners count it
 * once.
 *
 * @module
 */
import * as nodeTest from "node:test";
import { appendFileSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

/** Options of {@link test}. */
export interface TestOptions {
  /** A reason to skip (declared, listed by `tests/run.sh`), or `false`/absent to run. */
  skip?: string | false;
  /** Time limit in milliseconds. */
  timeout?: number;
}

/** Time limit of a test that does not set one. */
export const DEFAULT_TIMEOUT_MS = 60_000;

type Fn = () => void | Promise<void>;

const deno = (globalThis as { Deno?: { test(def: unknown): void } }).Deno;

/** Declare a test. */
export function test(name: string, fn: Fn): void;
/** Declare a test with options (a declared skip reason, a time limit). */
export function test(name: string, options: TestOptions, fn: Fn): void;
export function test(name: string, a: TestOptions | Fn, b?: Fn): void {
  const options = typeof a === "function" ? {} : a;
  const fn = typeof a === "function" ? a : b!;
  const skip = options.skip || false;
  if (skip) recordSkip(name, skip);
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  const body = () => withTimeout(name, fn, timeout);
  if (deno) {
    deno.test({
      name,
      ignore: skip !== false,
      sanitizeOps: false,
      sanitizeResources: false,
      fn: body,
    });
  } else {
    nodeTest.test(name, { skip: skip === false ? false : skip, timeout: timeout + 1000 }, body);
  }
}

async function withTimeout(name: string, fn: Fn, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`test "${name}" timed out after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([Promise.resolve().then(fn), limit]);
  } finally {
    clearTimeout(timer);
  }
}

function env(name: string): string | undefined {
  try {
    return (globalThis as { process?: { env: Record<string, string | undefined> } }).process
      ?.env[name];
  } catch {
    return undefined; // Deno without --allow-env
  }
}

function recordSkip(name: string, reason: string): void {
  const file = env("NETLINK_TEST_SKIPS");
  if (file) appendFileSync(file, `${name}\t${reason.replace(/\s+/g, " ")}\n`);
}

let config: Map<string, string> | null | undefined;

/**
 * The running kernel's build configuration (`/proc/config.gz`), or `null` when the kernel does
 * not expose it.
 */
export function kernelConfig(): Map<string, string> | null {
  if (config !== undefined) return config;
  try {
    const text = new TextDecoder().decode(gunzipSync(readFileSync("/proc/config.gz")));
    config = new Map();
    for (const line of text.split("\n")) {
      const m = /^(CONFIG_\w+)=(.*)$/.exec(line);
      if (m) config.set(m[1], m[2]);
    }
  } catch {
    config = null;
  }
  return config;
}

/**
 * A skip reason naming each of `options` (e.g. `"CONFIG_NET_SCH_FQ_CODEL"`) that the running
 * kernel was built without, or `false` when it has them all (built in or as a module). When the
 * kernel does not expose its configuration, `probe` (if given) decides whether the feature works.
 */
export function lacksConfig(options: string[], probe?: () => boolean): string | false {
  const cfg = kernelConfig();
  const missing = cfg ? options.filter((o) => !cfg.has(o)) : probe && !probe() ? options : [];
  return missing.length ? `this kernel lacks ${missing.join(", ")}` : false;
}
