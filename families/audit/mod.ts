/**
 * `NETLINK_AUDIT`, read-only: the audit status (`auditctl -s`), features, rules (`auditctl -l`,
 * decoded `struct audit_rule_data`), TTY auditing, and the audit log as typed records from the
 * read-only multicast group `AUDIT_NLGRP_READLOG`.
 *
 * The audit state and rules are global to the machine, so this module offers no way to change
 * them (the spec, `specs/local/audit.yaml`, describes `set`, `add-rule`, … for completeness).
 *
 * The kernel answers `AUDIT_GET`, `AUDIT_GET_FEATURE` and `AUDIT_TTY_GET` from a kernel thread
 * (`audit_send_reply`, kernel/audit.c), after it acknowledged the request: a request that
 * waited for the ACK would settle before the reply came. The reply carries the request's
 * sequence number, so these gets are socket requests that ask for no ACK (`ack: false`) and
 * resolve with the first answer to their seq — the reply, or the `NLMSG_ERROR` the kernel
 * sends for a refused request whether or not it asked for an ACK (checked against the kernel in
 * tests/audit.test.ts). `AUDIT_LIST_RULES` ends with `NLMSG_DONE` and goes through the socket's
 * dump.
 *
 * The log is multicast in the initial network namespace only, to sockets with
 * `CAP_AUDIT_READ`: open {@link AuditLog} there. A receive-buffer overrun (records the kernel
 * dropped for the reader) comes as an {@link AuditOverrun} item.
 *
 * @example
 * ```ts
 * import { Audit } from "@netlink/netlink/audit";
 * await using audit = await Audit.open();
 * const s = await audit.status();
 * console.log(s.enabled, s.pid, s.backlogLimit);
 * for (const rule of await audit.rules()) console.log(rule.list, rule.action, rule.fields);
 * ```
 *
 * @module
 */
import { NETLINK_AUDIT, NetlinkDecodeError, NLM_F_REQUEST } from "../../codec/mod.ts";
import { encodeMessage } from "../../codec/message.ts";
import { isOverrun, NetlinkSocket, type ReceivedMessage } from "../../socket/socket.ts";
import * as au from "../generated/audit.ts";
import { explainProtocolError } from "../protocols.ts";

export * from "../generated/audit.ts";

/**
 * The audit features (`struct audit_features`, the generated {@link AuditFeatures}) and
 * what they mean.
 */
export interface AuditFeatureFlags extends au.AuditFeatures {
  /** `loginuid_immutable`: a process's loginuid can be set only once. */
  loginuidImmutable: boolean;
  /** Whether `loginuid_immutable` is locked. */
  loginuidImmutableLocked: boolean;
  /** `only_unset_loginuid`. */
  onlyUnsetLoginuid: boolean;
}

/** One field comparison of a rule. */
export interface AuditRuleField {
  /** The field's name as auditctl writes it (`arch`, `key`, `path`…), or its number. */
  field: string;
  /** The field id (`AUDIT_*`, linux/audit.h). */
  id: number;
  /** The operator (`=`, `!=`, `<`, `>`, `<=`, `>=`, `&`, `&=`). */
  op: string;
  /** The value: a number, or the string of string fields (path, key, exe, labels). */
  value: number | string;
}

/** One audit rule (`struct audit_rule_data`). */
export interface AuditRule {
  /** The list (`exit`, `user`, `task`, `exclude`, `filesystem`, `io_uring`…). */
  list: string;
  /** `never` or `always` (or `possible`). */
  action: string;
  /** Whether the rule is at the front of its list (`AUDIT_FILTER_PREPEND`). */
  prepend: boolean;
  /** The syscalls, by number, or `"all"` when every bit is set. */
  syscalls: number[] | "all";
  /** The field comparisons, in order. */
  fields: AuditRuleField[];
}

/** An audit log record. */
export interface AuditRecord {
  /** `"record"` (an {@link AuditOverrun} is the other item of {@link AuditLog}). */
  kind: "record";
  /** The record type (`nlmsg_type`, `AUDIT_*`). */
  type: number;
  /** Its name as auditd prints it (`SYSCALL`, `USER_AVC`), or `UNKNOWN[n]`. */
  typeName: string;
  /** When, in milliseconds since the epoch. */
  timestamp: number;
  /** The event's serial number (records of one event share it). */
  serial: number;
  /** The text after the `audit(…): ` prefix. */
  text: string;
  /** The `key=value` pairs of the text, quotes removed (a repeated key keeps its first value). */
  fields: Record<string, string>;
}

const RECORD_NAMES = new Map<number, string>(
  Object.entries(au.RECORD_TYPE).map(([k, v]) => [v, k]),
);

/** auditctl's names of rule fields (libaudit's field table), by field id. */
const FIELD_NAMES: Record<number, string> = {
  0: "pid",
  1: "uid",
  2: "euid",
  3: "suid",
  4: "fsuid",
  5: "gid",
  6: "egid",
  7: "sgid",
  8: "fsgid",
  9: "auid",
  10: "pers",
  11: "arch",
  12: "msgtype",
  13: "subj_user",
  14: "subj_role",
  15: "subj_type",
  16: "subj_sen",
  17: "subj_clr",
  18: "ppid",
  19: "obj_user",
  20: "obj_role",
  21: "obj_type",
  22: "obj_lev_low",
  23: "obj_lev_high",
  24: "loginuid_set",
  25: "sessionid",
  26: "fstype",
  100: "devmajor",
  101: "devminor",
  102: "inode",
  103: "exit",
  104: "success",
  105: "path",
  106: "perm",
  107: "dir",
  108: "filetype",
  109: "obj_uid",
  110: "obj_gid",
  111: "field_compare",
  112: "exe",
  113: "saddr_fam",
  200: "a0",
  201: "a1",
  202: "a2",
  203: "a3",
  210: "key",
};

/** Fields whose value is a string in the rule's buffer (kernel/auditfilter.c audit_krule_to_data). */
const STRING_FIELDS = new Set([13, 14, 15, 16, 17, 19, 20, 21, 22, 23, 105, 107, 112, 210]);

const OPERATORS: Record<number, string> = {
  [au.OPERATOR.EQUAL]: "=",
  [au.OPERATOR.NOT_EQUAL]: "!=",
  [au.OPERATOR.LESS_THAN]: "<",
  [au.OPERATOR.GREATER_THAN]: ">",
  [au.OPERATOR.LESS_THAN_OR_EQUAL]: "<=",
  [au.OPERATOR.GREATER_THAN_OR_EQUAL]: ">=",
  [au.OPERATOR.BIT_MASK]: "&",
  [au.OPERATOR.BIT_TEST]: "&=",
};

/** auditctl's list names, by `AUDIT_FILTER_*`. */
const LISTS = ["user", "task", "entry", "watch", "exit", "exclude", "filesystem", "io_uring"];
const ACTIONS = ["never", "possible", "always"];
/** `AUDIT_FILTER_PREPEND` (linux/audit.h). */
const AUDIT_FILTER_PREPEND = 0x10;
/** Size of `struct audit_rule_data` before its string buffer. */
const ruleSize = 1040;

const u32s = (b: Uint8Array) => new Uint32Array(b.slice().buffer);

/**
 * Decode one rule (the payload of an `AUDIT_LIST_RULES` reply).
 *
 * @throws {NetlinkDecodeError} when the payload is shorter than the struct and its strings.
 * @example
 * ```ts
 * import { decodeAuditRule } from "@netlink/netlink/audit";
 * declare const payload: Uint8Array;
 * const rule = decodeAuditRule(payload);
 * console.log(rule.list, rule.action, rule.syscalls, rule.fields);
 * ```
 */
export function decodeAuditRule(payload: Uint8Array): AuditRule {
  if (payload.length < ruleSize) {
    throw new NetlinkDecodeError(
      `audit rule of ${payload.length} bytes is shorter than struct audit_rule_data (${ruleSize})`,
      0,
    );
  }
  const r = au.auditRuleData.decode(payload, 0, ruleSize);
  if (ruleSize + r.buflen > payload.length) {
    throw new NetlinkDecodeError(`audit rule buflen ${r.buflen} runs past the payload`, 1036);
  }
  const mask = u32s(r.mask);
  const fields = u32s(r.fields);
  const values = u32s(r.values);
  const ops = u32s(r.fieldflags);
  const syscalls: number[] = [];
  let all = true;
  mask.forEach((w, i) => {
    if (w !== 0xffffffff) all = false;
    for (let b = 0; b < 32; b++) if (w & (1 << b)) syscalls.push(i * 32 + b);
  });
  const text = new TextDecoder();
  let off = ruleSize;
  const out: AuditRuleField[] = [];
  const count = Math.min(r.fieldCount, 64);
  for (let i = 0; i < count; i++) {
    const id = fields[i];
    let value: number | string = values[i];
    if (STRING_FIELDS.has(id)) {
      const len = values[i];
      if (off + len > ruleSize + r.buflen) {
        throw new NetlinkDecodeError(`audit rule string field ${i} runs past buflen`, off);
      }
      value = text.decode(payload.subarray(off, off + len));
      off += len;
    }
    out.push({
      field: FIELD_NAMES[id] ?? String(id),
      id,
      op: OPERATORS[ops[i]] ?? `0x${ops[i].toString(16)}`,
      value,
    });
  }
  const list = r.flags & ~AUDIT_FILTER_PREPEND;
  return {
    list: LISTS[list] ?? String(list),
    action: ACTIONS[r.action] ?? String(r.action),
    prepend: (r.flags & AUDIT_FILTER_PREPEND) !== 0,
    syscalls: all ? "all" : syscalls,
    fields: out,
  };
}

/**
 * Split `key=value …`: values are unquoted, or in `"…"` or `'…'` (which may hold spaces, and,
 * for user messages such as `msg='…'`, quotes: a quoted value ends at a quote followed by the
 * next `key=` or the end).
 */
function keyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re =
    /([A-Za-z0-9_-]+)=("(.*?)"(?=\s+[A-Za-z0-9_-]+=|\s*$)|'(.*?)'(?=\s+[A-Za-z0-9_-]+=|\s*$)|(\S*))/gs;
  for (const m of text.matchAll(re)) {
    const v = m[3] ?? m[4] ?? m[5] ?? "";
    if (!(m[1] in out)) out[m[1]] = v;
  }
  return out;
}

/**
 * Parse an audit log record (the payload of a message from `AUDIT_NLGRP_READLOG`, or of an
 * audit daemon's socket): `audit(SECONDS.MILLIS:SERIAL): text`.
 *
 * @throws {NetlinkDecodeError} when the text has no `audit(…): ` prefix.
 * @example
 * ```ts
 * import { parseAuditRecord } from "@netlink/netlink/audit";
 * const r = parseAuditRecord(1107, new TextEncoder().encode("audit(1700000000.123:42): pid=1 msg='x=y'"));
 * console.log(r.typeName, r.serial, r.fields.pid, r.fields.msg); // "USER_AVC" 42 "1" "x=y"
 * ```
 */
export function parseAuditRecord(type: number, payload: Uint8Array): AuditRecord {
  let end = payload.length;
  while (end > 0 && payload[end - 1] === 0) end--;
  const all = new TextDecoder().decode(payload.subarray(0, end));
  const m = /^audit\((\d+)\.(\d{3}):(\d+)\): ?/.exec(all);
  if (m === null) {
    throw new NetlinkDecodeError(
      `audit record without an "audit(…): " prefix: ${all.slice(0, 40)}`,
      0,
    );
  }
  const text = all.slice(m[0].length);
  return {
    kind: "record",
    type,
    typeName: RECORD_NAMES.get(type) ?? `UNKNOWN[${type}]`,
    timestamp: Number(m[1]) * 1000 + Number(m[2]),
    serial: Number(m[3]),
    text,
    fields: keyValues(text),
  };
}

/**
 * The message that puts a user-space AVC record into the audit log (`AUDIT_USER_AVC`, text
 * payload). The kernel accepts it even while auditing is disabled; it needs CAP_AUDIT_WRITE.
 *
 * @example
 * ```ts
 * import { userAvcMessage } from "@netlink/netlink/audit";
 * const bytes = userAvcMessage("hello from a test");
 * ```
 */
export function userAvcMessage(text: string, seq = 0, portId = 0): Uint8Array {
  return encodeMessage({
    type: au.AUDIT_USER_AVC,
    flags: NLM_F_REQUEST,
    seq,
    pid: portId,
    payload: new TextEncoder().encode(text + "\0"),
  });
}

async function openSocket(netns: string | number | undefined, groups = 0): Promise<NetlinkSocket> {
  try {
    return await NetlinkSocket.open(NETLINK_AUDIT, { netns, groups });
  } catch (e) {
    throw explainProtocolError(NETLINK_AUDIT, e);
  }
}

/** Options of the gets of {@link Audit}. */
export interface AuditGetOptions {
  /** How long to wait for the reply, in milliseconds (default 2000). */
  timeoutMs?: number;
  /** Stop waiting. */
  signal?: AbortSignal;
}

/** Read-only access to the audit subsystem's state. */
export class Audit implements AsyncDisposable {
  /** The audit socket. */
  readonly socket: NetlinkSocket;

  private constructor(socket: NetlinkSocket) {
    this.socket = socket;
  }

  /** Open an audit socket (the status and rules are the same in every namespace). */
  static async open(options: { netns?: string | number } = {}): Promise<Audit> {
    return new Audit(await openSocket(options.netns));
  }

  /** Use an open `NETLINK_AUDIT` socket (e.g. one of `@netlink/netlink/testing`'s fake kernel). */
  static fromSocket(socket: NetlinkSocket): Audit {
    return new Audit(socket);
  }

  /**
   * Send a get request with no payload and resolve with its reply's payload: a request without
   * `NLM_F_ACK` (the reply comes after the ACK; see the module documentation).
   */
  async #get(type: number, name: string, options: AuditGetOptions): Promise<Uint8Array> {
    const ms = options.timeoutMs ?? 2000;
    const timer = new AbortController();
    const t = setTimeout(() => timer.abort(new Error(`No ${name} reply within ${ms} ms`)), ms);
    try {
      const reply = await this.socket.request(encodeMessage({ type }), {
        ack: false,
        operation: name,
        signal: options.signal ? AbortSignal.any([options.signal, timer.signal]) : timer.signal,
      });
      if (reply.type !== type) {
        throw new NetlinkDecodeError(`${name} was answered with message type ${reply.type}`, 4);
      }
      return reply.payload;
    } catch (e) {
      throw explainProtocolError(NETLINK_AUDIT, e);
    } finally {
      clearTimeout(t);
    }
  }

  /** The audit status (`AUDIT_GET`). */
  async status(options: AuditGetOptions = {}): Promise<au.AuditStatus> {
    const b = await this.#get(au.AUDIT_GET, "AUDIT_GET", options);
    return au.auditStatus.decode(b);
  }

  /** The audit features and their locks (`AUDIT_GET_FEATURE`). */
  async features(options: AuditGetOptions = {}): Promise<AuditFeatureFlags> {
    const b = await this.#get(au.AUDIT_GET_FEATURE, "AUDIT_GET_FEATURE", options);
    const f = au.auditFeatures.decode(b);
    const bit = (n: number) => 1 << n;
    return {
      ...f,
      onlyUnsetLoginuid: (f.features & bit(0)) !== 0,
      loginuidImmutable: (f.features & bit(1)) !== 0,
      loginuidImmutableLocked: (f.lock & bit(1)) !== 0,
    };
  }

  /** TTY auditing of this process (`AUDIT_TTY_GET`). */
  async ttyStatus(options: AuditGetOptions = {}): Promise<au.AuditTtyStatus> {
    const b = await this.#get(au.AUDIT_TTY_GET, "AUDIT_TTY_GET", options);
    return au.auditTtyStatus.decode(b);
  }

  /** Every audit rule (`AUDIT_LIST_RULES`), decoded. */
  async rules(options: { signal?: AbortSignal } = {}): Promise<AuditRule[]> {
    const out: AuditRule[] = [];
    const req = encodeMessage({ type: au.AUDIT_LIST_RULES, flags: NLM_F_REQUEST });
    try {
      for await (
        const m of this.socket.dump(req, { signal: options.signal, operation: "AUDIT_LIST_RULES" })
      ) {
        if (m.type === au.AUDIT_LIST_RULES) out.push(decodeAuditRule(m.payload));
      }
    } catch (e) {
      throw explainProtocolError(NETLINK_AUDIT, e);
    }
    return out;
  }

  /** Close the socket. */
  close(): void {
    this.socket.close();
  }

  /** `await using` support. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/**
 * The marker {@link AuditLog} yields where the kernel dropped records for this reader (its
 * receive buffer overflowed): the records before it may be incomplete; the iteration goes on.
 */
export interface AuditOverrun {
  /** `"overrun"`. */
  kind: "overrun";
}

/** What {@link AuditLog} yields: a record, or the marker of records lost. */
export type AuditLogItem = AuditRecord | AuditOverrun;

/** Options of {@link AuditLog.open}. */
export interface AuditLogOptions {
  /** The network namespace to read in: it must be the initial one. Default: this process's. */
  netns?: string | number;
  /** Kernel receive buffer in bytes (a busy audit log fills the default one). */
  receiveBufferSize?: number;
}

/**
 * The audit log, read-only: the records the kernel multicasts to `AUDIT_NLGRP_READLOG` (in the
 * initial network namespace; needs `CAP_AUDIT_READ`). Joining makes the kernel log an
 * `AUDIT_EVENT_LISTENER` record, as any log reader does. When the reader falls behind and the
 * kernel drops records for it, the iteration yields an {@link AuditOverrun} (`kind:
 * "overrun"`) once its queue was read empty, and goes on.
 *
 * @example
 * ```ts
 * import { AuditLog } from "@netlink/netlink/audit";
 * await using log = await AuditLog.open({ netns: "/proc/1/ns/net" });
 * for await (const r of log) {
 *   if (r.kind === "overrun") console.log("records were lost");
 *   else console.log(r.typeName, r.serial, r.text);
 * }
 * ```
 */
export class AuditLog implements AsyncIterable<AuditLogItem>, AsyncDisposable {
  /** The socket, bound to group `AUDIT_NLGRP_READLOG`. */
  readonly socket: NetlinkSocket;
  #stream: AsyncIterableIterator<ReceivedMessage>;

  private constructor(socket: NetlinkSocket) {
    this.socket = socket;
    this.#stream = socket.subscribe();
  }

  /** Join the log group. */
  static async open(options: AuditLogOptions = {}): Promise<AuditLog> {
    const socket = await openSocket(options.netns, 1 << (au.AUDIT_NLGRP_READLOG - 1));
    try {
      if (options.receiveBufferSize !== undefined) {
        socket.setReceiveBufferSize(options.receiveBufferSize);
      }
    } catch (e) {
      socket.close();
      throw e;
    }
    return new AuditLog(socket);
  }

  /**
   * Read the log from a socket opened elsewhere, already in group `AUDIT_NLGRP_READLOG` (e.g.
   * over `@netlink/netlink/testing`'s fake kernel).
   */
  static fromSocket(socket: NetlinkSocket): AuditLog {
    return new AuditLog(socket);
  }

  /** The records, as they come, and an overrun marker where some were lost, until {@link close}. */
  async *[Symbol.asyncIterator](): AsyncGenerator<AuditLogItem> {
    for await (const m of this.#stream) {
      if (isOverrun(m)) {
        yield { kind: "overrun" };
        continue;
      }
      if (m.sender !== 0 || m.group !== au.AUDIT_NLGRP_READLOG) continue;
      yield parseAuditRecord(m.type, m.payload);
    }
  }

  /** Leave the group and close the socket. */
  close(): void {
    this.socket.close();
  }

  /** `await using` support. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
