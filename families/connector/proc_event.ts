/**
 * Process events (`struct proc_event`, linux/cn_proc.h) as typed values: every `fork`, `exec`,
 * uid/gid/session change, `ptrace` attach/detach, `comm` change, core dump and exit, decoded
 * from the union the structs of `specs/local/connector.yaml` describe member by member; and the
 * listen/ignore requests of the process events connector.
 *
 * @example
 * ```ts
 * import { decodeProcEvent } from "@netlink/netlink/connector";
 * const data = new Uint8Array(40);
 * data[0] = 2; // PROC_EVENT_EXEC
 * data[16] = 42; // process_pid
 * data[20] = 42; // process_tgid
 * console.log(decodeProcEvent(data).kind); // "exec"
 * ```
 *
 * @module
 */
import { NetlinkDecodeError, NLMSG_DONE } from "../../codec/mod.ts";
import { encodeMessage } from "../../codec/message.ts";
import * as cn from "../generated/connector.ts";
import { decodeCnMessage, encodeCnMessage } from "./cn_msg.ts";

/** Size of the fixed part of `struct proc_event` before its union (linux/cn_proc.h). */
const procEventHead = 16;

/** The kinds of process events, by the name used in {@link ProcEvent}'s `kind`. */
export type ProcEventKind =
  | "fork"
  | "exec"
  | "uid"
  | "gid"
  | "sid"
  | "ptrace"
  | "comm"
  | "coredump"
  | "exit";

/** `what` of each kind (`PROC_EVENT_*`, linux/cn_proc.h). */
export const PROC_EVENT_KINDS: Readonly<Record<ProcEventKind, number>> = Object.freeze({
  fork: cn.PROC_CN_EVENT.FORK,
  exec: cn.PROC_CN_EVENT.EXEC,
  uid: cn.PROC_CN_EVENT.UID,
  gid: cn.PROC_CN_EVENT.GID,
  sid: cn.PROC_CN_EVENT.SID,
  ptrace: cn.PROC_CN_EVENT.PTRACE,
  comm: cn.PROC_CN_EVENT.COMM,
  coredump: cn.PROC_CN_EVENT.COREDUMP,
  exit: cn.PROC_CN_EVENT.EXIT,
});

/** What every process event carries. */
export interface ProcEventBase {
  /** CPU the event happened on (`-1` as u32 in acknowledgements). */
  cpu: number;
  /** When, in nanoseconds since boot (`ktime_get_ns`, CLOCK_MONOTONIC). */
  timestampNs: bigint;
  /** The connector sequence number (a per-CPU counter). */
  seq: number;
}

/**
 * A process event. Process ids are as user space sees them: `pid` is the process (thread group)
 * id, `tid` the thread id (linux/cn_proc.h calls them `process_tgid` and `process_pid`).
 */
export type ProcEvent =
  & ProcEventBase
  & (
    | {
      /** `PROC_EVENT_FORK`: a new process or thread. */
      kind: "fork";
      /** Parent process id. */
      parentPid: number;
      /** Parent thread id. */
      parentTid: number;
      /** Child process id (equal to the parent's for a new thread). */
      pid: number;
      /** Child thread id. */
      tid: number;
    }
    | {
      /** `PROC_EVENT_EXEC`: a process ran execve. */
      kind: "exec";
      /** Process id. */
      pid: number;
      /** Thread id. */
      tid: number;
    }
    | {
      /** `PROC_EVENT_UID`: real or effective uid changed. */
      kind: "uid";
      /** Process id. */
      pid: number;
      /** Thread id. */
      tid: number;
      /** Real uid (in the initial user namespace). */
      ruid: number;
      /** Effective uid. */
      euid: number;
    }
    | {
      /** `PROC_EVENT_GID`: real or effective gid changed. */
      kind: "gid";
      /** Process id. */
      pid: number;
      /** Thread id. */
      tid: number;
      /** Real gid. */
      rgid: number;
      /** Effective gid. */
      egid: number;
    }
    | {
      /** `PROC_EVENT_SID`: the process started a session (setsid). */
      kind: "sid";
      /** Process id. */
      pid: number;
      /** Thread id. */
      tid: number;
    }
    | {
      /** `PROC_EVENT_PTRACE`: a tracer attached, or detached (tracer 0). */
      kind: "ptrace";
      /** Process id of the tracee. */
      pid: number;
      /** Thread id of the tracee. */
      tid: number;
      /** Process id of the tracer, 0 on detach. */
      tracerPid: number;
      /** Thread id of the tracer, 0 on detach. */
      tracerTid: number;
    }
    | {
      /** `PROC_EVENT_COMM`: the command name changed (prctl PR_SET_NAME, /proc/PID/comm). */
      kind: "comm";
      /** Process id. */
      pid: number;
      /** Thread id. */
      tid: number;
      /** The new name (up to 15 bytes). */
      comm: string;
    }
    | {
      /** `PROC_EVENT_COREDUMP`: the process is dumping core. */
      kind: "coredump";
      /** Process id. */
      pid: number;
      /** Thread id. */
      tid: number;
      /** Parent process id (0 when it is gone). */
      parentPid: number;
      /** Parent thread id. */
      parentTid: number;
    }
    | {
      /** `PROC_EVENT_EXIT`: a thread exited. */
      kind: "exit";
      /** Process id. */
      pid: number;
      /** Thread id. */
      tid: number;
      /** The raw wait status (`task->exit_code`): `status << 8`, or the signal (`| 0x80` for a core). */
      exitCode: number;
      /** The signal sent to the parent (SIGCHLD, 17, for processes; -1 for threads). */
      exitSignal: number;
      /** The exit status when it exited normally (`WEXITSTATUS`), else undefined. */
      status: number | undefined;
      /** The signal that killed it (`WTERMSIG`), else undefined. */
      signal: number | undefined;
      /** Whether it dumped core (`WCOREDUMP`). */
      coreDumped: boolean;
      /** Parent process id (0 when it is gone). */
      parentPid: number;
      /** Parent thread id. */
      parentTid: number;
    }
    | {
      /** `PROC_EVENT_NONE`: the answer to a listen/ignore request. */
      kind: "ack";
      /** 0, or the positive errno of the failure. */
      err: number;
    }
    | {
      /** A kind this library does not know (a newer kernel). */
      kind: "unknown";
      /** The `what` number. */
      what: number;
      /** The bytes of the union. */
      data: Uint8Array;
    }
  );

function union(data: Uint8Array, size: number, what: number): void {
  if (data.length < procEventHead + size) {
    throw new NetlinkDecodeError(
      `proc_event of ${data.length} bytes is too short for what 0x${what.toString(16)}`,
      0,
    );
  }
}

/**
 * Decode a `struct proc_event` (the data of a process events connector message).
 *
 * @throws {NetlinkDecodeError} when it is shorter than its kind needs.
 * @example
 * ```ts
 * import { decodeProcEvent } from "@netlink/netlink/connector";
 * const data = new Uint8Array(40);
 * data[0] = 2; // PROC_EVENT_EXEC
 * data[16] = 42; // process_pid
 * data[20] = 42; // process_tgid
 * console.log(decodeProcEvent(data)); // { kind: "exec", pid: 42, tid: 42, cpu: 0, … }
 * ```
 */
export function decodeProcEvent(data: Uint8Array, seq = 0): ProcEvent {
  if (data.length < procEventHead) {
    throw new NetlinkDecodeError(
      `proc_event of ${data.length} bytes is shorter than its 16-byte header`,
      0,
    );
  }
  const h = cn.procEventHeader.decode(data, 0, procEventHead);
  const base: ProcEventBase = { cpu: h.cpu, timestampNs: h.timestampNs, seq };
  const what = h.what >>> 0;
  const at = <T extends object>(
    s: { size: number; decode(b: Uint8Array, o: number, e: number): T },
  ) => {
    union(data, s.size, what);
    return s.decode(data, procEventHead, procEventHead + s.size);
  };
  const E = cn.PROC_CN_EVENT;
  switch (what) {
    case 0:
      return { ...base, kind: "ack", err: at(cn.ackProcEvent).err };
    case E.FORK: {
      const f = at(cn.forkProcEvent);
      return {
        ...base,
        kind: "fork",
        parentPid: f.parentTgid,
        parentTid: f.parentPid,
        pid: f.childTgid,
        tid: f.childPid,
      };
    }
    case E.EXEC: {
      const e = at(cn.execProcEvent);
      return { ...base, kind: "exec", pid: e.processTgid, tid: e.processPid };
    }
    case E.UID:
    case E.GID: {
      const e = at(cn.idProcEvent);
      const ids = { pid: e.processTgid, tid: e.processPid };
      return what === E.UID
        ? { ...base, kind: "uid", ...ids, ruid: e.r, euid: e.e }
        : { ...base, kind: "gid", ...ids, rgid: e.r, egid: e.e };
    }
    case E.SID: {
      const e = at(cn.sidProcEvent);
      return { ...base, kind: "sid", pid: e.processTgid, tid: e.processPid };
    }
    case E.PTRACE: {
      const e = at(cn.ptraceProcEvent);
      return {
        ...base,
        kind: "ptrace",
        pid: e.processTgid,
        tid: e.processPid,
        tracerPid: e.tracerTgid,
        tracerTid: e.tracerPid,
      };
    }
    case E.COMM: {
      const e = at(cn.commProcEvent);
      return { ...base, kind: "comm", pid: e.processTgid, tid: e.processPid, comm: e.comm };
    }
    case E.COREDUMP: {
      const e = at(cn.coredumpProcEvent);
      return {
        ...base,
        kind: "coredump",
        pid: e.processTgid,
        tid: e.processPid,
        parentPid: e.parentTgid,
        parentTid: e.parentPid,
      };
    }
    case E.EXIT: {
      const e = at(cn.exitProcEvent);
      const code = e.exitCode;
      const sig = code & 0x7f;
      return {
        ...base,
        kind: "exit",
        pid: e.processTgid,
        tid: e.processPid,
        exitCode: code,
        exitSignal: e.exitSignal | 0,
        status: sig === 0 ? (code >> 8) & 0xff : undefined,
        signal: sig !== 0 && sig !== 0x7f ? sig : undefined,
        coreDumped: (code & 0x80) !== 0,
        parentPid: e.parentTgid,
        parentTid: e.parentPid,
      };
    }
    default:
      return { ...base, kind: "unknown", what, data: data.slice(procEventHead) };
  }
}

/** The `event_type` mask of a set of kinds (`PROC_EVENT_*` bits). */
export function procEventMask(kinds: readonly ProcEventKind[]): number {
  let mask = 0;
  for (const k of kinds) {
    const bit = PROC_EVENT_KINDS[k];
    if (bit === undefined) throw new TypeError(`Unknown process event kind "${k}"`);
    mask = (mask | bit) >>> 0;
  }
  return mask;
}

/**
 * A listen or ignore request to the process events connector, as a whole netlink message.
 * With `events` (a `PROC_EVENT_*` mask, Linux 6.6+) the data is a `struct proc_input`;
 * without, the bare 4-byte `enum proc_cn_mcast_op` every kernel understands.
 *
 * @example
 * ```ts
 * import { procListenRequest } from "@netlink/netlink/connector";
 * const listen = procListenRequest("listen");
 * console.log(listen.length); // 40: nlmsghdr 16 + cn_msg 20 + op 4
 * ```
 */
export function procListenRequest(
  op: "listen" | "ignore",
  options: { events?: number; seq?: number; ack?: number; portId?: number } = {},
): Uint8Array {
  const mcastOp = op === "listen" ? cn.PROC_CN_MCAST_OP.LISTEN : cn.PROC_CN_MCAST_OP.IGNORE;
  const data = options.events === undefined
    ? cn.procInput.encode({ mcastOp }).subarray(0, 4)
    : cn.procInput.encode({ mcastOp, eventType: options.events >>> 0 });
  return encodeMessage({
    type: NLMSG_DONE,
    pid: options.portId ?? 0,
    payload: encodeCnMessage({
      id: { idx: cn.CN_IDX_PROC, val: cn.CN_VAL_PROC },
      seq: options.seq ?? 0,
      ack: options.ack ?? 0,
      data,
    }),
  });
}

/** All kinds: the `PROC_EVENT_ALL` mask of Linux 6.6+ (linux/cn_proc.h). */

/** The process events of a received connector message (none for other connector users). */
export function eventsOf(m: { type: number; payload: Uint8Array }): ProcEvent[] {
  if (m.type !== NLMSG_DONE) return [];
  const c = decodeCnMessage(m.payload);
  if (c.id.idx !== cn.CN_IDX_PROC) return [];
  return [decodeProcEvent(c.data, c.seq)];
}
