// The epoll hub's wake-up path (issue 12, latency), seen from the system calls (strace -f): when
// a notification wakes the hub and nothing waits any more, the hub's wake eventfd is not
// written (nothing blocks in epoll_wait then), so the next wait does not return at once for
// nothing — one epoll_wait on the hub per notification, none that finds only the eventfd.
// Before the fix, Deno wrote the eventfd after every notification.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtimeCommand, SKIP_KERNEL } from "./helpers.ts";

const SKIP = SKIP_KERNEL ||
  (spawnSync("strace", ["-V"]).status !== 0 ? "needs strace" : false);
const N = 40;

test("hub: one epoll_wait per notification and no wake-up write while nothing blocks", {
  skip: SKIP,
  timeout: 60_000,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), "hub-wake-"));
  try {
    const log = join(dir, "strace");
    const fixture = new URL("./fixtures/hub_wakes.ts", import.meta.url).pathname;
    const r = spawnSync("strace", [
      "-f",
      "-qq",
      "-e",
      "trace=execve,epoll_ctl,epoll_wait,epoll_pwait,write",
      "-o",
      log,
      ...runtimeCommand().argv,
      fixture,
      String(N),
    ], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const fds = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    // Only our process's threads: not the `ip` children (they exec).
    const calls: { tid: number; text: string }[] = [];
    const children = new Set<number>();
    const pending = new Map<number, string>();
    let first = -1;
    for (const line of readFileSync(log, "utf8").split("\n")) {
      const m = /^(\d+)\s+(.*)$/.exec(line);
      if (!m) continue;
      const tid = Number(m[1]);
      let text = m[2];
      if (first < 0) first = tid;
      if (text.startsWith("execve(") && tid !== first) children.add(tid);
      const cut = /^(\w+\(.*?)\s*<unfinished \.\.\.>$/.exec(text);
      if (cut) {
        pending.set(tid, cut[1]);
        continue;
      }
      const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(text);
      if (resumed) {
        text = `${pending.get(tid) ?? ""} ${resumed[1]}`;
        pending.delete(tid);
      }
      calls.push({ tid, text });
    }
    const ours = calls.filter((c) => !children.has(c.tid)).map((c) => c.text);
    // The hub: the epoll instance the listener socket is added to; its eventfd: the first fd
    // added to it (the hub's constructor registers it before any socket).
    let hub = -1;
    for (const l of ours) {
      const m = /^epoll_ctl\((\d+), EPOLL_CTL_(?:ADD|MOD), (\d+),/.exec(l);
      if (m && Number(m[2]) === fds.listener) hub = Number(m[1]);
    }
    assert.ok(hub >= 0, "the listener was registered in an epoll instance");
    const wake = Number(
      ours.map((l) => new RegExp(`^epoll_ctl\\(${hub}, EPOLL_CTL_ADD, (\\d+),`).exec(l))
        .find(Boolean)![1],
    );
    assert.notEqual(wake, fds.listener);
    const hubWaits = ours.filter((l) =>
      new RegExp(`^epoll_p?wait\\(${hub},\\s`).test(l) && /\) = [1-9]\d*$/.test(l)
    );
    const onlyWake = hubWaits.filter((l) => {
      const ready = [...l.matchAll(/data=\{u32=(\d+),/g)].map((m) => Number(m[1]));
      return ready.length > 0 && ready.every((fd) => fd === wake);
    });
    const writes = ours.filter((l) => new RegExp(`^write\\(${wake}, `).test(l));
    // At most one wake-up per notification (a few more for the start and end; fewer when one
    // was queued before the wait began), and at most one write, at the end (the last waiter
    // released while the poller blocks).
    assert.ok(hubWaits.length >= N / 2, `${hubWaits.length} wake-ups: the hub was hardly used`);
    assert.ok(hubWaits.length <= N + 4, `${hubWaits.length} wake-ups for ${N} notifications`);
    assert.ok(writes.length <= 1, `${writes.length} wake-up writes (want at most 1)`);
    assert.ok(onlyWake.length <= 1, `${onlyWake.length} waits woke for the eventfd alone`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
