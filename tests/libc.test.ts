// NETLINK_LIBC: the C library can be named by path, so Deno's scoped `--allow-ffi=<that path>`
// is enough to open sockets; when libc cannot be opened, the error lists every name tried with
// its reason and says how to fix it. The libc path is the one this test process itself has
// mapped (/proc/self/maps), not a guess.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { LIBC_NAMES } from "../ffi/symbols.ts";
import { ipJson, runtimeCommand, SKIP_KERNEL } from "./helpers.ts";

const fixture = new URL("./fixtures/libc_scoped.ts", import.meta.url).pathname;
const proc = (globalThis as unknown as { process: { env: Record<string, string | undefined> } })
  .process;

/** The libc this process runs on, from its own memory map. */
function ownLibc(): string | undefined {
  return /\s(\/\S*\/libc(?:\.so\.6|\.musl-[\w]+\.so\.1))$/m.exec(
    readFileSync("/proc/self/maps", "utf8"),
  )?.[1];
}
const LIBC = ownLibc();

/** Run the fixture: under Deno with only FFI on `ffi` and env access to NETLINK_LIBC. */
function run(libcEnv: string | undefined, ffi: string) {
  const env = { ...proc.env };
  delete env.NETLINK_LIBC;
  if (libcEnv !== undefined) env.NETLINK_LIBC = libcEnv;
  const argv = runtimeCommand().name === "deno"
    ? ["deno", "run", "--no-prompt", `--allow-ffi=${ffi}`, "--allow-env=NETLINK_LIBC", fixture]
    : ["bun", fixture];
  return spawnSync(argv[0], argv.slice(1), { encoding: "utf8", env });
}

test("libc: NETLINK_LIBC names libc, so --allow-ffi=<that path> opens sockets and dumps links", {
  skip: SKIP_KERNEL || (LIBC ? false : "needs a libc mapped in /proc/self/maps"),
}, () => {
  const r = run(LIBC, LIBC!);
  assert.equal(r.status, 0, r.stderr);
  const names = ipJson<{ ifname: string }[]>("link").map((l) => l.ifname);
  assert.deepEqual(JSON.parse(r.stdout), names);
  if (runtimeCommand().name === "deno") {
    // Without the variable the same scoped grant refuses every default name: the override is
    // what made the run above work, and the error lists each name tried (musl's among them).
    const denied = run(undefined, LIBC!);
    assert.notEqual(denied.status, 0);
    for (const name of LIBC_NAMES) {
      assert.match(denied.stderr, new RegExp(`^  ${name.replaceAll(".", "\\.")}: NotCapable`, "m"));
    }
    assert.ok(LIBC_NAMES.includes("libc.musl-x86_64.so.1" as never));
    assert.ok(LIBC_NAMES.includes("libc.musl-aarch64.so.1" as never));
    assert.match(denied.stderr, /Fix: set NETLINK_LIBC to the C library's path/);
    assert.match(denied.stderr, /--allow-ffi=<libc path> --allow-env=NETLINK_LIBC/);
  }
});

test("libc: a NETLINK_LIBC that does not exist fails naming the path, its reason and the fix", () => {
  const missing = "/nonexistent/netlink-test/libc.so.6";
  const r = run(missing, missing);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /cannot open the C library \(libc\); tried NETLINK_LIBC:/);
  assert.match(
    r.stderr,
    new RegExp(`^  ${missing.replaceAll(".", "\\.")}: .*No such file or directory`, "m"),
  );
  // Only that path was tried: no default name was.
  assert.doesNotMatch(r.stderr, /^ {2}libc\.so\.6:/m);
  assert.match(r.stderr, /Fix: point NETLINK_LIBC at the C library's path/);
  assert.match(r.stderr, /ldconfig -p/);
});
