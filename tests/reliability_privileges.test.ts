// Missing privileges (issue 11, defect 8), against the real kernel: run as uid 65534 with no
// capabilities, the suite's read paths work (the same links, routes and generic netlink
// families root sees), and every refused operation fails with EPERM naming the capability it
// needed: CAP_NET_ADMIN for a NEW request and for sending to another port, CAP_AUDIT_READ for
// the audit log group, CAP_SYS_ADMIN for entering a network namespace.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NetlinkSocket } from "../socket/socket.ts";
import { MessageBuilder } from "../codec/message.ts";
import { NETLINK_GENERIC } from "../codec/constants.ts";
import { ipJson, linkExists, runtimeCommand, sh, SKIP_KERNEL, uniqueName } from "./helpers.ts";

const proc = globalThis as unknown as {
  process: { getuid(): number; env: Record<string, string | undefined> };
};
const SKIP_NOBODY = SKIP_KERNEL ||
  (proc.process.getuid() !== 0 ? "needs root to run a child as uid 65534" : false) ||
  (spawnSync("setpriv", ["--version"]).status !== 0 ? "needs setpriv (util-linux)" : false);

test("privileges: as an unprivileged user reads work and refusals name the capability", {
  skip: SKIP_NOBODY,
  timeout: 30_000,
}, async () => {
  const ns = uniqueName("np");
  sh("ip", ["netns", "add", ns]);
  const home = mkdtempSync(join(tmpdir(), "nobody-"));
  chmodSync(home, 0o777);
  try {
    const fixture = new URL("./fixtures/unprivileged.ts", import.meta.url).pathname;
    const r = spawnSync("setpriv", [
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      "--inh-caps=-all",
      "--bounding-set=-all",
      ...runtimeCommand().argv,
      fixture,
      ns,
    ], {
      encoding: "utf8",
      env: { ...proc.process.env, HOME: home, DENO_DIR: join(home, "deno") },
    });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    assert.equal(got.uid, "65534");
    assert.equal(got.capEff, "0000000000000000", "the child has no capabilities");

    // The reads, against what root and ip see.
    assert.deepEqual(got.names, ipJson<{ ifname: string }[]>("link", "show").map((l) => l.ifname));
    const routes = ["-4", "-6"].map((f) =>
      sh("ip", [f, "route", "show", "table", "all"]).trim().split("\n").filter(Boolean).length
    );
    assert.equal(got.routes, routes[0] + routes[1]);
    assert.equal(got.loType, 16, "RTM_NEWLINK for lo");
    await using genl = await NetlinkSocket.open(NETLINK_GENERIC);
    let families = 0;
    const getfamily = new MessageBuilder(0x10).raw(new Uint8Array([3, 1, 0, 0]));
    for await (const _ of genl.dump(getfamily.finish())) families++;
    assert.equal(got.families, families);

    // The refusals.
    assert.equal(got.newLink.code, "EPERM");
    assert.equal(got.newLink.capability, "CAP_NET_ADMIN");
    assert.match(
      got.newLink.message,
      /^RTM_NEWLINK nopriv0 failed: EPERM \(.*\): needs CAP_NET_ADMIN \[seq \d+\]$/,
    );
    assert.equal(linkExists("nopriv0"), false, "nothing was created");
    assert.deepEqual(
      [got.sendToPort.code, got.sendToPort.capability],
      ["EPERM", "CAP_NET_ADMIN"],
      JSON.stringify(got.sendToPort),
    );
    assert.deepEqual(
      [got.auditLog.code, got.auditLog.capability],
      ["EPERM", "CAP_AUDIT_READ"],
      JSON.stringify(got.auditLog),
    );
    assert.match(got.auditLog.message, /needs CAP_AUDIT_READ/);
    assert.deepEqual(
      [got.netns.code, got.netns.capability],
      ["EPERM", "CAP_SYS_ADMIN"],
      JSON.stringify(got.netns),
    );
    assert.match(got.netns.message, /^setns failed: EPERM \(.*\): needs CAP_SYS_ADMIN$/);
    // SO_SNDBUFFORCE is refused too; the library falls back to SO_SNDBUF, capped at wmem_max.
    assert.equal(got.sendBuffer, 2 * got.wmemMax);
  } finally {
    rmSync(home, { recursive: true, force: true });
    sh("ip", ["netns", "del", ns]);
  }
});
