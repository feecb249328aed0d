// NETLINK_AUDIT, read-only. The structs and numbers against linux/audit.h (C compiler); rules
// laid out by C as kernel/auditfilter.c's audit_krule_to_data does, answered by a fake kernel
// and decoded; the real kernel's status and features compared with `auditctl -s` and its rules
// with `auditctl -l` (auditctl from Debian's auditd package; set AUDITCTL to its path); and the
// audit log: a record this test writes (AUDIT_USER_AVC, which the kernel takes even with
// auditing disabled) read back from AUDIT_NLGRP_READLOG in the initial network namespace, and
// an overrun of the log reader marked in its stream (fake kernel). How the kernel answers a
// get (the reply after the ACK, with the request's seq) is checked against the kernel too.
// Nothing here changes audit rules or state.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import process from "node:process";
import { SKIP_KERNEL, sleep, waitFor } from "./helpers.ts";
import { compareLayouts, runC, SKIP_CC, unhex } from "./c_truth.ts";
import { initialNetns } from "./initial_netns.ts";
import {
  Audit,
  AUDIT_GET,
  AUDIT_LIST_RULES,
  AUDIT_NLGRP_READLOG,
  auditFeatures,
  AuditLog,
  type AuditLogItem,
  type AuditRecord,
  auditRuleData,
  auditStatus,
  auditTtyStatus,
  decodeAuditRule,
  FIELD,
  parseAuditRecord,
  RECORD_TYPE,
  userAvcMessage,
} from "../families/audit/mod.ts";
import { FakeKernel } from "../testing/fake_kernel.ts";
import { NETLINK_AUDIT, NLM_F_ACK, NLM_F_REQUEST, NLMSG_ERROR } from "../codec/mod.ts";
import { encodeMessage } from "../codec/message.ts";
import { NetlinkSocket } from "../socket/socket.ts";

const AUDITCTL = process.env.AUDITCTL ?? "auditctl";
function auditctl(...args: string[]): string {
  return execFileSync(AUDITCTL, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}
const HAVE_AUDITCTL = (() => {
  try {
    auditctl("-v");
    return true;
  } catch {
    return false;
  }
})();
const SKIP_AUDITCTL: string | false = SKIP_KERNEL ||
  (HAVE_AUDITCTL ? false : "auditctl is not installed (`apt-get download auditd libauparse0`, " +
    "extract, set AUDITCTL; installing auditd would start the daemon, which changes the audit state)");
const INIT = initialNetns();
const SKIP_INIT: string | false = SKIP_KERNEL || (INIT.path ? false : INIT.reason!);

test("audit: struct layouts, record types and field ids equal linux/audit.h", {
  skip: SKIP_CC,
}, () => {
  assert.deepEqual(
    compareLayouts(["linux/audit.h"], [
      { c: "struct audit_status", lib: auditStatus, members: { featureBitmap: "feature_bitmap" } },
      { c: "struct audit_features", lib: auditFeatures },
      { c: "struct audit_tty_status", lib: auditTtyStatus },
      { c: "struct audit_rule_data", lib: auditRuleData },
    ]),
    [],
  );
  const names = [
    ...Object.entries(RECORD_TYPE).map(([k, v]) => [`AUDIT_${k}`, v] as const),
    ...Object.entries(FIELD).map(([k, v]) => [`AUDIT_${k}`, v] as const),
  ];
  const out = runC(
    "#include <stdio.h>\n#include <linux/audit.h>\nint main(void) {\n" +
      names.map(([n]) => `printf("${n} %d\\n", ${n});`).join("\n") + "\nreturn 0; }",
  );
  assert.equal(out, names.map(([n, v]) => `${n} ${v}`).join("\n") + "\n");
});

/** Rules as kernel/auditfilter.c audit_krule_to_data fills struct audit_rule_data, by C. */
function rulesFromC(): Uint8Array[] {
  const out = runC(`#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <linux/audit.h>
static void add_str(struct audit_rule_data *d, int i, int field, const char *s) {
  d->fields[i] = field; d->fieldflags[i] = AUDIT_EQUAL; d->values[i] = strlen(s);
  memcpy(d->buf + d->buflen, s, strlen(s)); d->buflen += strlen(s);
}
static void dump(struct audit_rule_data *d) {
  for (size_t i = 0; i < sizeof(*d) + d->buflen; i++) printf("%02x", ((unsigned char *)d)[i]);
  printf("\\n");
}
int main(void) {
  struct audit_rule_data *d = calloc(1, sizeof(*d) + 256);
  /* -a always,exit -F arch=b64 -S execve -S openat -F uid!=0 -F key=k1 */
  d->flags = AUDIT_FILTER_EXIT; d->action = AUDIT_ALWAYS; d->field_count = 3;
  d->mask[59 / 32] |= 1u << (59 % 32); d->mask[257 / 32] |= 1u << (257 % 32);
  d->fields[0] = AUDIT_ARCH; d->fieldflags[0] = AUDIT_EQUAL; d->values[0] = AUDIT_ARCH_X86_64;
  d->fields[1] = AUDIT_UID; d->fieldflags[1] = AUDIT_NOT_EQUAL; d->values[1] = 0;
  add_str(d, 2, AUDIT_FILTERKEY, "k1");
  dump(d);
  /* -w /etc/passwd -p wa -k pw (a watch: every syscall, on the exit list) */
  memset(d, 0, sizeof(*d) + 256);
  d->flags = AUDIT_FILTER_EXIT; d->action = AUDIT_ALWAYS; d->field_count = 3;
  for (int i = 0; i < AUDIT_BITMASK_SIZE; i++) d->mask[i] = ~0u;
  add_str(d, 0, AUDIT_WATCH, "/etc/passwd");
  d->fields[1] = AUDIT_PERM; d->fieldflags[1] = AUDIT_EQUAL; d->values[1] = AUDIT_PERM_WRITE | AUDIT_PERM_ATTR;
  add_str(d, 2, AUDIT_FILTERKEY, "pw");
  dump(d);
  /* -A exclude,never -F msgtype>=1300 (prepended to the exclude list) */
  memset(d, 0, sizeof(*d) + 256);
  d->flags = AUDIT_FILTER_EXCLUDE | AUDIT_FILTER_PREPEND; d->action = AUDIT_NEVER; d->field_count = 1;
  d->fields[0] = AUDIT_MSGTYPE; d->fieldflags[0] = AUDIT_GREATER_THAN_OR_EQUAL; d->values[0] = 1300;
  dump(d);
  return 0; }`);
  return out.trim().split("\n").map(unhex);
}

test("audit: rules laid out by C, listed by a fake kernel, decode as auditctl states them", {
  skip: SKIP_CC,
}, async () => {
  const rules = rulesFromC();
  const kernel = new FakeKernel(NETLINK_AUDIT, (req, k) => {
    assert.equal(req.type, AUDIT_LIST_RULES);
    assert.equal(req.payload.length, 0, "auditctl -l sends no payload");
    k.dump(rules.map((payload) => ({ type: AUDIT_LIST_RULES, payload })));
  });
  await using audit = Audit.fromSocket(await kernel.open());
  assert.deepEqual(await audit.rules(), [
    {
      list: "exit",
      action: "always",
      prepend: false,
      syscalls: [59, 257],
      fields: [
        { field: "arch", id: 11, op: "=", value: 0xc000003e },
        { field: "uid", id: 1, op: "!=", value: 0 },
        { field: "key", id: 210, op: "=", value: "k1" },
      ],
    },
    {
      list: "exit",
      action: "always",
      prepend: false,
      syscalls: "all",
      fields: [
        { field: "path", id: 105, op: "=", value: "/etc/passwd" },
        { field: "perm", id: 106, op: "=", value: 10 },
        { field: "key", id: 210, op: "=", value: "pw" },
      ],
    },
    {
      list: "exclude",
      action: "never",
      prepend: true,
      syscalls: [],
      fields: [{ field: "msgtype", id: 12, op: ">=", value: 1300 }],
    },
  ]);
  assert.throws(() => decodeAuditRule(rules[0].slice(0, 1000)), /shorter than struct/);
  assert.throws(() => decodeAuditRule(rules[0].slice(0, 1041)), /runs past/);
});

test("audit: a get asks for no ACK and takes the later reply with its seq; errors are NetlinkErrors (fake)", async () => {
  let calls = 0;
  const kernel = new FakeKernel(NETLINK_AUDIT, (req, k) => {
    assert.equal(req.type, AUDIT_GET);
    assert.notEqual(req.seq, 0);
    assert.equal(req.flags, NLM_F_REQUEST, "NLM_F_REQUEST only");
    if (calls++ === 0) {
      // audit_send_reply: from a kthread, later; first someone else's reply (another seq).
      setTimeout(() => {
        k.raw(encodeMessage({
          type: AUDIT_GET,
          seq: req.seq + 100,
          payload: auditStatus.encode({ enabled: 0, pid: 1 }),
        }));
        k.reply({
          type: AUDIT_GET,
          payload: auditStatus.encode({ enabled: 1, pid: 42, backlogLimit: 8192 }),
        });
      }, 20);
    } else if (calls === 2) k.error(1 /* EPERM */);
  });
  await using audit = Audit.fromSocket(await kernel.open());
  const s = await audit.status();
  assert.deepEqual([s.enabled, s.pid, s.backlogLimit], [1, 42, 8192]);
  await assert.rejects(audit.status(), /AUDIT_GET failed: EPERM/);
  await assert.rejects(audit.status({ timeoutMs: 50 }), /No AUDIT_GET reply within 50 ms/);
});

test("audit: the log reader's overrun is an item of its stream, and reading goes on (fake)", async () => {
  const kernel = new FakeKernel(NETLINK_AUDIT, (_req, k) => k.ack());
  const group = AUDIT_NLGRP_READLOG;
  await using log = AuditLog.fromSocket(
    await kernel.open({ groups: 1 << (group - 1), receiveBufferSize: 2048 }),
  );
  const record = (serial: number) => ({
    type: RECORD_TYPE.USER_AVC,
    payload: new TextEncoder().encode(`audit(1700000000.000:${serial}): pid=1 msg='n=${serial}'`),
  });
  // More than the receive buffer holds while nobody reads: the kernel drops the rest.
  for (let i = 1; i <= 100; i++) kernel.notify(group, record(i));
  assert.ok(kernel.endpoints()[0].drops > 0, "records were dropped");
  const items: AuditLogItem[] = [];
  const it = log[Symbol.asyncIterator]();
  const take = async () => {
    const r = await it.next();
    assert.ok(!r.done);
    items.push(r.value);
    return r.value;
  };
  while ((await take()).kind !== "overrun");
  // After the marker, everything the kernel sends arrives.
  kernel.notify(group, record(1000));
  const after = await take();
  const kinds = items.map((x) => x.kind);
  assert.equal(kinds.filter((k) => k === "overrun").length, 1);
  assert.ok(kinds.indexOf("overrun") > 0, "the queued records came first");
  assert.equal(after.kind, "record");
  assert.equal((after as AuditRecord).serial, 1000);
  const serials = items.flatMap((x) => (x.kind === "record" ? [x.serial] : []));
  assert.ok(serials.length < 101, "some records were lost, and the marker says so");
});

test("audit: the kernel answers AUDIT_GET after its ACK, with the request's seq", {
  skip: SKIP_KERNEL,
}, async () => {
  // With NLM_F_ACK the request settles on the ACK, and the reply (audit_send_reply, from a
  // kthread) comes afterwards: the socket drops it as a late answer to that seq. Without
  // NLM_F_ACK, the first answer to the seq is the reply itself. This is why Audit's gets ask
  // for no ACK.
  await using sock = await NetlinkSocket.open(NETLINK_AUDIT);
  const before = sock.dropped;
  const ack = await sock.request(encodeMessage({ type: AUDIT_GET }), { ack: true });
  // A request settles on its reply when it comes before the ACK: the ACK came first.
  assert.equal(ack.type, NLMSG_ERROR, "the ACK came before the reply");
  await sleep(100); // the kthread's reply arrives meanwhile; the socket reads it with the next
  const reply = await sock.request(encodeMessage({ type: AUDIT_GET, flags: NLM_F_ACK }), {
    ack: false,
    signal: AbortSignal.timeout(2000),
  });
  assert.equal(reply.type, AUDIT_GET);
  assert.equal(reply.payload.length, auditStatus.size);
  assert.equal(sock.dropped, before + 1, "the first request's reply came late, with its seq");
  await sleep(50);
  assert.equal(await pendingDrops(sock), before + 1, "no ACK followed: the request asked for none");
});

/** The socket's drop count after reading what is queued (a request reads the queue first). */
async function pendingDrops(sock: NetlinkSocket): Promise<number> {
  const r = await sock.request(encodeMessage({ type: AUDIT_GET }), {
    ack: false,
    signal: AbortSignal.timeout(2000),
  });
  assert.equal(r.type, AUDIT_GET);
  return sock.dropped;
}

test("audit: records parse into type, time, serial and key=value fields", () => {
  const r = parseAuditRecord(
    RECORD_TYPE.SYSCALL,
    new TextEncoder().encode(
      'audit(1700000000.123:4567): arch=c000003e syscall=59 success=yes comm="ls" key=(null)\0',
    ),
  );
  assert.deepEqual(
    [r.typeName, r.timestamp, r.serial, r.fields.arch, r.fields.comm, r.fields.key],
    ["SYSCALL", 1700000000123, 4567, "c000003e", "ls", "(null)"],
  );
  assert.throws(() => parseAuditRecord(1300, new TextEncoder().encode("no prefix")), /prefix/);
});

// ---------------------------------------------------------------------------
// The kernel (read-only)
// ---------------------------------------------------------------------------

/** `auditctl -s` as key → value. */
function auditctlStatus(): Record<string, string> {
  return Object.fromEntries(
    auditctl("-s").trim().split("\n").map((l) => {
      const [k, ...v] = l.split(" ");
      return [k, v.join(" ")];
    }),
  );
}

test("audit: status and features equal `auditctl -s`", { skip: SKIP_AUDITCTL }, async () => {
  await using audit = await Audit.open();
  const before = await audit.status();
  const truth = auditctlStatus();
  const after = await audit.status();
  const f = await audit.features();
  assert.deepEqual(
    {
      enabled: String(before.enabled),
      failure: String(before.failure),
      pid: String(before.pid),
      rate_limit: String(before.rateLimit),
      backlog_limit: String(before.backlogLimit),
      backlog_wait_time: String(before.backlogWaitTime),
      loginuid_immutable: `${f.loginuidImmutable ? 1 : 0} ${
        f.loginuidImmutableLocked ? "locked" : "unlocked"
      }`,
    },
    {
      enabled: truth.enabled,
      failure: truth.failure,
      pid: truth.pid,
      rate_limit: truth.rate_limit,
      backlog_limit: truth.backlog_limit,
      backlog_wait_time: truth.backlog_wait_time,
      loginuid_immutable: truth.loginuid_immutable,
    },
  );
  // Counters may move between the reads: auditctl's value is within ours.
  for (
    const [k, a, b] of [["lost", before.lost, after.lost], [
      "backlog",
      before.backlog,
      after.backlog,
    ]] as const
  ) {
    const v = Number(truth[k]);
    assert.ok(v >= Math.min(a, b) && v <= Math.max(a, b) + 64, `${k}: ${a} ≤ ${v} ≤ ${b}`);
  }
  if (truth.backlog_wait_time_actual !== undefined) {
    assert.ok(Number(truth.backlog_wait_time_actual) >= before.backlogWaitTimeActual);
  }
});

test("audit: the rule list equals `auditctl -l`", { skip: SKIP_AUDITCTL }, async () => {
  await using audit = await Audit.open();
  const rules = await audit.rules();
  const text = auditctl("-l").trim();
  if (text === "No rules") assert.deepEqual(rules, []);
  else {
    const lines = text.split("\n");
    assert.equal(rules.length, lines.length, text);
    rules.forEach((r, i) => {
      const key = r.fields.find((f) => f.field === "key");
      if (key) assert.match(lines[i], new RegExp(`key=${key.value}\\b`));
      assert.match(lines[i], new RegExp(`-a ${r.action},${r.list}|-w `));
    });
  }
});

test("audit: the feature bitmap has every feature linux/audit.h knows", {
  skip: SKIP_KERNEL || SKIP_CC,
}, async () => {
  await using audit = await Audit.open();
  const all = Number(
    runC(
      '#include <stdio.h>\n#include <linux/audit.h>\nint main(void) { printf("%u", AUDIT_FEATURE_BITMAP_ALL); return 0; }',
    ),
  );
  const s = await audit.status();
  assert.equal((s.featureBitmap & all) >>> 0, all >>> 0);
  assert.equal(s.mask, 0, "a get reply sets no mask bits");
});

test("audit: a record this test writes comes back from AUDIT_NLGRP_READLOG", {
  skip: SKIP_INIT,
}, async () => {
  await using log = await AuditLog.open({ netns: INIT.path });
  await using audit = await Audit.open();
  const records: AuditRecord[] = [];
  (async () => {
    for await (const r of log) if (r.kind === "record") records.push(r);
  })().catch(() => {});
  const token = `netlink-test-${process.pid}-${Date.now()}`;
  const t0 = Date.now();
  audit.socket.send(userAvcMessage(`${token} note='read-only test'`, 0, audit.socket.portId));
  const r = (await waitFor(
    () => records.find((x) => x.fields.msg?.startsWith(token)),
    10_000,
    `the USER_AVC record ${token}`,
  ))!;
  assert.equal(r.type, RECORD_TYPE.USER_AVC);
  assert.equal(r.typeName, "USER_AVC");
  assert.equal(r.fields.pid, String(process.pid));
  assert.equal(r.fields.uid, "0");
  assert.equal(r.fields.msg, `${token} note='read-only test'`);
  assert.ok(r.serial > 0);
  assert.ok(Math.abs(r.timestamp - t0) < 60_000, `${r.timestamp} vs ${t0}`);
});
