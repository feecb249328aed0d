// The process events connector (NETLINK_CONNECTOR): struct layouts and event bytes checked
// against the C compiler and linux/cn_proc.h, then the real kernel: processes this test starts
// (fork, exec, comm change, exit with a code, with a signal, setsid, setuid/setgid, ptrace)
// seen with their pids, the kernel's event filter (Linux 6.6+), the error outside the initial
// namespace, and examples/proc_events.ts. Events come from the initial network namespace only,
// which tests/initial_netns.ts finds (an ancestor of tests/run.sh lives there); listening
// changes nothing there (the subscription is undone on close).
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import { runtimeCommand, SKIP_KERNEL, sleep, startScript, waitFor } from "./helpers.ts";
import { compareLayouts, hex, runC, SKIP_CC, unhex } from "./c_truth.ts";
import { initialNetns } from "./initial_netns.ts";
import {
  cbId,
  cnMsg,
  commProcEvent,
  coredumpProcEvent,
  decodeCnMessage,
  decodeProcEvent,
  eventsOf,
  execProcEvent,
  exitProcEvent,
  forkProcEvent,
  idProcEvent,
  PROC_EVENT_KINDS,
  type ProcEvent,
  procEventHeader,
  type ProcEventItem,
  procEventMask,
  ProcEvents,
  procListenRequest,
  ptraceProcEvent,
  sidProcEvent,
} from "../families/connector/mod.ts";
import { NETLINK_CONNECTOR, NetlinkSocket } from "../mod.ts";
import { InitialNamespaceOnlyError } from "../families/protocols.ts";

const INIT = initialNetns();
const SKIP_INIT: string | false = SKIP_KERNEL || (INIT.path ? false : INIT.reason!);

function kernelAtLeast(major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(readFileSync("/proc/sys/kernel/osrelease", "utf8"));
  return m !== null && (Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor));
}
const SKIP_FILTER: string | false = SKIP_INIT ||
  (kernelAtLeast(6, 6) ? false : "the event filter (struct proc_input) needs Linux 6.6");

const CN_HEADERS = ["linux/connector.h", "linux/cn_proc.h"];

test("connector: struct layouts equal linux/connector.h and linux/cn_proc.h", {
  skip: SKIP_CC,
}, () => {
  const problems = compareLayouts(CN_HEADERS, [
    { c: "struct cb_id", lib: cbId },
    { c: "struct cn_msg", lib: cnMsg },
    // The header is the part of struct proc_event before its 24-byte union.
    { c: "struct proc_event", lib: procEventHeader, extra: -24 },
    { c: "struct fork_proc_event", lib: forkProcEvent },
    { c: "struct exec_proc_event", lib: execProcEvent },
    { c: "struct id_proc_event", lib: idProcEvent, members: { r: "r.ruid", e: "e.euid" } },
    { c: "struct sid_proc_event", lib: sidProcEvent },
    { c: "struct ptrace_proc_event", lib: ptraceProcEvent },
    { c: "struct comm_proc_event", lib: commProcEvent },
    { c: "struct coredump_proc_event", lib: coredumpProcEvent },
    { c: "struct exit_proc_event", lib: exitProcEvent },
  ]);
  assert.deepEqual(problems, []);
  // The enum values, from the header too.
  const out = runC(
    `#include <stdio.h>\n#include <linux/cn_proc.h>\nint main(void) {\n` +
      Object.keys(PROC_EVENT_KINDS).map((k) =>
        `printf("${k} %u\\n", (unsigned)PROC_EVENT_${k.toUpperCase()});`
      ).join("\n") +
      `\nprintf("listen %u ignore %u\\n", PROC_CN_MCAST_LISTEN, PROC_CN_MCAST_IGNORE);` +
      "\nreturn 0; }",
  );
  const expected = Object.entries(PROC_EVENT_KINDS).map(([k, v]) => `${k} ${v}`).join("\n") +
    "\nlisten 1 ignore 2\n";
  assert.equal(out, expected);
});

test("connector: every proc_event kind laid out by C decodes to its fields", {
  skip: SKIP_CC,
}, () => {
  // One connector message per kind, as drivers/connector/cn_proc.c fills them in, printed as
  // hex by C. Values are distinct per field so a swapped field shows.
  const kinds: [string, string][] = [
    [
      "PROC_EVENT_FORK",
      "e.event_data.fork.parent_pid = 11; e.event_data.fork.parent_tgid = 12; " +
      "e.event_data.fork.child_pid = 13; e.event_data.fork.child_tgid = 14;",
    ],
    ["PROC_EVENT_EXEC", "e.event_data.exec.process_pid = 21; e.event_data.exec.process_tgid = 22;"],
    [
      "PROC_EVENT_UID",
      "e.event_data.id.process_pid = 31; e.event_data.id.process_tgid = 32; " +
      "e.event_data.id.r.ruid = 1001; e.event_data.id.e.euid = 1002;",
    ],
    [
      "PROC_EVENT_GID",
      "e.event_data.id.process_pid = 41; e.event_data.id.process_tgid = 42; " +
      "e.event_data.id.r.rgid = 2001; e.event_data.id.e.egid = 2002;",
    ],
    ["PROC_EVENT_SID", "e.event_data.sid.process_pid = 51; e.event_data.sid.process_tgid = 52;"],
    [
      "PROC_EVENT_PTRACE",
      "e.event_data.ptrace.process_pid = 61; " +
      "e.event_data.ptrace.process_tgid = 62; e.event_data.ptrace.tracer_pid = 63; " +
      "e.event_data.ptrace.tracer_tgid = 64;",
    ],
    [
      "PROC_EVENT_COMM",
      "e.event_data.comm.process_pid = 71; e.event_data.comm.process_tgid = 72; " +
      'strcpy(e.event_data.comm.comm, "worker/7");',
    ],
    [
      "PROC_EVENT_COREDUMP",
      "e.event_data.coredump.process_pid = 81; " +
      "e.event_data.coredump.process_tgid = 82; e.event_data.coredump.parent_pid = 83; " +
      "e.event_data.coredump.parent_tgid = 84;",
    ],
    [
      "PROC_EVENT_EXIT",
      "e.event_data.exit.process_pid = 91; e.event_data.exit.process_tgid = 92; " +
      "e.event_data.exit.exit_code = (3 << 8); e.event_data.exit.exit_signal = 17; " +
      "e.event_data.exit.parent_pid = 93; e.event_data.exit.parent_tgid = 94;",
    ],
    [
      "PROC_EVENT_EXIT",
      "e.event_data.exit.process_pid = 95; e.event_data.exit.process_tgid = 96; " +
      "e.event_data.exit.exit_code = 0x80 | 11; e.event_data.exit.exit_signal = 17;",
    ],
    ["PROC_EVENT_NONE", "e.event_data.ack.err = 22;"],
  ];
  const src = `#include <stdio.h>
#include <string.h>
#include <linux/connector.h>
#include <linux/cn_proc.h>
static void dump(struct proc_event *ev, unsigned seq) {
  unsigned char buf[sizeof(struct cn_msg) + sizeof(struct proc_event)];
  struct cn_msg m = { .id = { CN_IDX_PROC, CN_VAL_PROC }, .seq = seq, .ack = 0, .len = sizeof(*ev) };
  memcpy(buf, &m, sizeof(m));
  memcpy(buf + sizeof(m), ev, sizeof(*ev));
  for (size_t i = 0; i < sizeof(buf); i++) printf("%02x", buf[i]);
  printf("\\n");
}
int main(void) {
${
    kinds.map(([what, set], i) =>
      `{ struct proc_event e; memset(&e, 0, sizeof(e)); e.what = ${what}; e.cpu = ${i}; ` +
      `e.timestamp_ns = 1000000000000ULL + ${i}; ${set} dump(&e, ${100 + i}); }`
    ).join("\n")
  }
return 0; }`;
  const lines = runC(src).trim().split("\n");
  const got = lines.map((l) => {
    const m = decodeCnMessage(unhex(l));
    assert.deepEqual(m.id, { idx: 1, val: 1 });
    return decodeProcEvent(m.data, m.seq);
  });
  const base = (i: number) => ({ cpu: i, timestampNs: 1000000000000n + BigInt(i), seq: 100 + i });
  assert.deepEqual(got, [
    { ...base(0), kind: "fork", parentPid: 12, parentTid: 11, pid: 14, tid: 13 },
    { ...base(1), kind: "exec", pid: 22, tid: 21 },
    { ...base(2), kind: "uid", pid: 32, tid: 31, ruid: 1001, euid: 1002 },
    { ...base(3), kind: "gid", pid: 42, tid: 41, rgid: 2001, egid: 2002 },
    { ...base(4), kind: "sid", pid: 52, tid: 51 },
    { ...base(5), kind: "ptrace", pid: 62, tid: 61, tracerPid: 64, tracerTid: 63 },
    { ...base(6), kind: "comm", pid: 72, tid: 71, comm: "worker/7" },
    { ...base(7), kind: "coredump", pid: 82, tid: 81, parentPid: 84, parentTid: 83 },
    {
      ...base(8),
      kind: "exit",
      pid: 92,
      tid: 91,
      exitCode: 0x300,
      exitSignal: 17,
      status: 3,
      signal: undefined,
      coreDumped: false,
      parentPid: 94,
      parentTid: 93,
    },
    {
      ...base(9),
      kind: "exit",
      pid: 96,
      tid: 95,
      exitCode: 0x8b,
      exitSignal: 17,
      status: undefined,
      signal: 11,
      coreDumped: true,
      parentPid: 0,
      parentTid: 0,
    },
    { ...base(10), kind: "ack", err: 22 },
  ]);
  // The listen request is what a C program sends: nlmsghdr, cn_msg, the 4-byte op.
  const req = procListenRequest("listen", { seq: 5, ack: 6, portId: 77 });
  const c = runC(`#include <stdio.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/connector.h>
#include <linux/cn_proc.h>
int main(void) {
  struct { struct nlmsghdr n; struct cn_msg m; enum proc_cn_mcast_op op; } __attribute__((packed)) r;
  memset(&r, 0, sizeof(r));
  r.n.nlmsg_len = sizeof(r); r.n.nlmsg_type = NLMSG_DONE; r.n.nlmsg_pid = 77;
  r.m.id.idx = CN_IDX_PROC; r.m.id.val = CN_VAL_PROC; r.m.seq = 5; r.m.ack = 6;
  r.m.len = sizeof(r.op); r.op = PROC_CN_MCAST_LISTEN;
  for (size_t i = 0; i < sizeof(r); i++) printf("%02x", ((unsigned char *)&r)[i]);
  return 0; }`);
  assert.equal(hex(req), c);
  assert.throws(() => decodeCnMessage(new Uint8Array(19)), /shorter than struct cn_msg/);
  const short = unhex(lines[0]).slice(0, 30);
  assert.throws(() => decodeCnMessage(short), /runs past/);
});

// ---------------------------------------------------------------------------
// The kernel
// ---------------------------------------------------------------------------

/** Collect the events of a subscription in the background (an overrun marker is not an event). */
function collect(sub: AsyncIterable<ProcEventItem>): ProcEvent[] {
  const events: ProcEvent[] = [];
  (async () => {
    for await (const e of sub) if (e.kind !== "overrun") events.push(e);
  })().catch(() => {});
  return events;
}

/** Run a command to its end; resolve with its pid and exit code. */
function run(
  cmd: string,
  args: string[],
): Promise<{ pid: number; code: number | null; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve({ pid: child.pid!, code, signal }));
  });
}

/** Wait until `fn` returns something (bounded: fails naming `what`). */
async function until<T>(fn: () => T | undefined | false, ms: number, what: string): Promise<T> {
  return (await waitFor(fn, ms, what)) as T;
}

const show = (v: unknown) => JSON.stringify(v, (_k, x) => typeof x === "bigint" ? String(x) : x);

const of = (events: ProcEvent[], pid: number) => events.filter((e) => "pid" in e && e.pid === pid);

test("connector: fork, exec, comm and exit of a process, with its pid and exit code", {
  skip: SKIP_INIT,
}, async () => {
  await using sub = await ProcEvents.open({ netns: INIT.path });
  const events = collect(sub);
  const r = await run("sh", ["-c", "printf nl-comm-test > /proc/self/comm; exit 3"]);
  assert.equal(r.code, 3);
  const mine = await until(
    () => {
      const m = of(events, r.pid);
      return m.some((e) => e.kind === "exit") ? m : undefined;
    },
    10_000,
    `the exit event of pid ${r.pid}`,
  );
  assert.deepEqual(mine.map((e) => e.kind), ["fork", "exec", "comm", "exit"]);
  const [fork, exec, comm, exit] = mine;
  assert.equal(fork.kind === "fork" && fork.parentPid, process.pid);
  assert.equal(fork.kind === "fork" && fork.tid, r.pid);
  assert.equal(exec.kind === "exec" && exec.tid, r.pid);
  assert.equal(comm.kind === "comm" && comm.comm, "nl-comm-test");
  assert.ok(exit.kind === "exit");
  assert.equal(exit.status, 3);
  assert.equal(exit.exitCode, 3 << 8);
  assert.equal(exit.signal, undefined);
  assert.equal(exit.exitSignal, 17); // SIGCHLD
  assert.equal(exit.parentPid, process.pid);
  // Timestamps are CLOCK_MONOTONIC nanoseconds, in order, near /proc/uptime.
  assert.ok(fork.timestampNs <= exec.timestampNs && exec.timestampNs <= exit.timestampNs);
  const uptime = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
  assert.ok(
    Math.abs(Number(exit.timestampNs) / 1e9 - uptime) < 60,
    `${exit.timestampNs} vs ${uptime}`,
  );
});

test("connector: exit by signal, setsid, setuid/setgid and ptrace attach", {
  skip: SKIP_INIT,
}, async () => {
  await using sub = await ProcEvents.open({ netns: INIT.path });
  const events = collect(sub);
  const killed = await run("sh", ["-c", "kill -TERM $$"]);
  assert.equal(killed.signal, "SIGTERM");
  const sid = await run("setsid", ["true"]);
  const ids = await run("setpriv", ["--regid=65534", "--reuid=65533", "--clear-groups", "true"]);
  const traced = await run("strace", ["-f", "-o", "/dev/null", "true"]);
  const exitOf = (pid: number) =>
    until(
      () => of(events, pid).find((e) => e.kind === "exit"),
      10_000,
      `the exit event of pid ${pid}`,
    );
  const k = await exitOf(killed.pid);
  assert.ok(k.kind === "exit" && k.signal === 15 && k.status === undefined && !k.coreDumped);
  await exitOf(sid.pid);
  assert.ok(of(events, sid.pid).some((e) => e.kind === "sid"), "no sid event for setsid");
  await exitOf(ids.pid);
  const gid = of(events, ids.pid).find((e) => e.kind === "gid");
  const uid = of(events, ids.pid).find((e) => e.kind === "uid");
  assert.ok(gid?.kind === "gid" && gid.rgid === 65534 && gid.egid === 65534, show(gid));
  assert.ok(uid?.kind === "uid" && uid.ruid === 65533 && uid.euid === 65533, show(uid));
  await exitOf(traced.pid);
  const attach = await until(
    () => events.find((e) => e.kind === "ptrace" && e.tracerPid === traced.pid),
    10_000,
    `a ptrace attach by strace (pid ${traced.pid})`,
  );
  // The tracee is strace's child: its fork event names strace as the parent.
  const tracee = attach.kind === "ptrace" ? attach.pid : -1;
  assert.ok(
    events.some((e) => e.kind === "fork" && e.pid === tracee && e.parentPid === traced.pid),
    `no fork of the tracee ${tracee} by strace ${traced.pid}`,
  );
});

test("connector: the kernel's event filter sends only the kinds asked for", {
  skip: SKIP_FILTER,
}, async () => {
  // At the socket level, so that no user-space filtering hides what the kernel sent.
  await using sock = await NetlinkSocket.open(NETLINK_CONNECTOR, {
    netns: INIT.path,
    groups: 1,
    receiveBufferSize: 4 << 20,
  });
  const events: ProcEvent[] = [];
  const stream = sock.subscribe();
  (async () => {
    for await (const m of stream) events.push(...eventsOf(m));
  })().catch(() => {});
  const ack = 0x1234000;
  sock.send(procListenRequest("listen", {
    events: procEventMask(["exit"]),
    ack,
    portId: sock.portId,
  }));
  try {
    await sleep(200); // no acknowledgement comes: the filter drops PROC_EVENT_NONE too
    const r = await run("sh", ["-c", "exit 4"]);
    const exit = await until(
      () => of(events, r.pid).find((e) => e.kind === "exit"),
      10_000,
      `the exit event of pid ${r.pid}`,
    );
    assert.ok(exit.kind === "exit" && exit.status === 4);
    assert.deepEqual(of(events, r.pid).map((e) => e.kind), ["exit"]);
    assert.ok(events.every((e) => e.kind === "exit"), "the kernel sent other kinds");
  } finally {
    sock.send(procListenRequest("ignore", { events: 0, ack: ack + 1, portId: sock.portId }));
  }
});

test("connector: outside the initial namespace the error says where to listen", {
  skip: SKIP_KERNEL,
}, async () => {
  const e = await ProcEvents.open().then(
    (s) => {
      s.close();
      return undefined;
    },
    (e) => e,
  );
  assert.ok(e instanceof InitialNamespaceOnlyError, String(e));
  assert.equal(e.code, "ECONNREFUSED");
  assert.match(e.message, /initial network namespace only/);
});

test("connector: examples/proc_events.ts prints the events of a process, text and JSON", {
  skip: SKIP_INIT,
}, async () => {
  const rt = runtimeCommand();
  for (const json of [false, true]) {
    const script = startScript([
      ...rt.argv,
      "examples/proc_events.ts",
      "--netns",
      INIT.path!,
      "--events",
      "fork,exec,exit",
      ...(json ? ["--json"] : []),
    ]);
    try {
      await until(
        () => script.stderr().includes("listening"),
        20_000,
        "proc_events.ts listening",
      );
      const r = await run("sh", ["-c", "exit 5"]);
      const mine = (l: string) => json ? JSON.parse(l).pid === r.pid : l.includes(` pid=${r.pid} `);
      const lines = await until(
        () => {
          const m = script.lines.filter(mine);
          return m.length >= 3 ? m : undefined;
        },
        10_000,
        `three lines about pid ${r.pid}`,
      );
      if (json) {
        const [fork, exec, exit] = lines.map((l) => JSON.parse(l));
        assert.deepEqual([fork.kind, exec.kind, exit.kind], ["fork", "exec", "exit"]);
        assert.equal(fork.parentPid, process.pid);
        assert.equal(exit.status, 5);
        assert.match(exit.timestampNs, /^\d+$/);
      } else {
        assert.match(
          lines[0],
          new RegExp(`^fork pid=${r.pid} tid=${r.pid} parent=${process.pid} `),
        );
        assert.match(
          lines[1],
          new RegExp(`^exec pid=${r.pid} tid=${r.pid} cpu=\\d+ time=\\d+\\.\\d{9}$`),
        );
        assert.match(
          lines[2],
          new RegExp(
            `^exit pid=${r.pid} tid=${r.pid} status=5 code=0x500 exit_signal=17 parent=${process.pid} `,
          ),
        );
      }
    } finally {
      script.kill();
      await script.exited;
    }
  }
});
