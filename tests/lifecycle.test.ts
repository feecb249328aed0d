// Process lifecycle: an idle process exits by itself (no timer, no thread keeps it alive), and
// opening and closing sockets leaks no file descriptor.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { NetlinkSocket } from "../socket/socket.ts";
import { MessageBuilder } from "../codec/attrs.ts";
import { NETLINK_ROUTE } from "../codec/constants.ts";
import { runtimeCommand, SKIP_KERNEL, startScript } from "./helpers.ts";

const fixture = new URL("./fixtures/idle_exit.ts", import.meta.url).pathname;

// Each runner checks a child of its own runtime, so each check counts once per runtime.
const argv = [...runtimeCommand().argv, fixture];

for (const mode of ["request", "subscribe-abort", "dump-break", "request-abort"]) {
  test(`a process exits by itself after ${mode}`, { skip: SKIP_KERNEL }, async () => {
    const child = startScript([...argv, mode]);
    const timer = setTimeout(() => child.kill(), 15000);
    const code = await child.exited;
    clearTimeout(timer);
    assert.equal(code, 0, `exit code ${code}; stderr: ${child.stderr()}`);
    assert.deepEqual(child.lines, [`done ${mode}`]);
  });
}

/** CPU time (user + system, in clock ticks) a process has used so far. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
}

{
  test(
    "a process waiting for notifications uses no CPU",
    { skip: SKIP_KERNEL },
    async () => {
      const child = startScript([...argv, "idle"]);
      await new Promise((r) => setTimeout(r, 700)); // past start-up, into the wait
      const before = cpuTicks(child.pid);
      await new Promise((r) => setTimeout(r, 1000));
      const used = cpuTicks(child.pid) - before;
      assert.equal(await child.exited, 0, child.stderr());
      // Blocked in epoll_wait: 0 ticks measured (a tick is 10 ms); 2 leaves room for a GC.
      assert.ok(used <= 2, `${used} ticks of CPU in one idle second`);
      assert.deepEqual(child.lines, ["done idle"]);
    },
  );
}

test("1000 open/request/close cycles leak no file descriptor", { skip: SKIP_KERNEL }, async () => {
  const fds = () => readdirSync("/proc/self/fd").length;
  const lo = new Uint8Array(16);
  new DataView(lo.buffer).setInt32(4, 1, true);
  // The hub's own fds (and, on Bun, its worker's) are made once, on first use.
  const warm = await NetlinkSocket.open(NETLINK_ROUTE);
  for await (const _ of warm.dump(new MessageBuilder(18).raw(new Uint8Array(16)).finish()));
  warm.close();
  await new Promise((r) => setTimeout(r, 200));
  const before = fds();
  for (let i = 0; i < 1000; i++) {
    const sock = await NetlinkSocket.open(NETLINK_ROUTE);
    await sock.request(new MessageBuilder(18).raw(lo).finish());
    sock.close();
  }
  assert.equal(fds(), before);
});

test("importing the package loads no FFI: it runs under Deno with no permissions", async () => {
  const fixture = new URL("./fixtures/import_only.ts", import.meta.url).pathname;
  const child = startScript(["deno", "run", "--no-prompt", fixture]);
  const code = await child.exited;
  assert.equal(code, 0, child.stderr());
  assert.deepEqual(child.lines, ["1 0 function"]);
});
