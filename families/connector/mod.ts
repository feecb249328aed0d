/**
 * The kernel connector (`NETLINK_CONNECTOR`) and its process events: every `fork`, `exec`,
 * uid/gid/session change, `ptrace` attach/detach, `comm` change, core dump and exit on the
 * machine, typed.
 *
 * The structs and enums come from `specs/local/connector.yaml` (generated into
 * `families/generated/connector.ts`); this module adds what YNL cannot describe: the `cn_msg`
 * framing (a header whose `len` gives the length of the data) and the `proc_event` union.
 *
 * The kernel multicasts process events in the initial network namespace only: open
 * {@link ProcEvents} there (`netns: "/proc/1/ns/net"`, or the namespace of any process that
 * lives there). Listening needs the initial user and PID namespaces (Linux ≥ 6.x) or
 * `CAP_NET_ADMIN` (older kernels).
 *
 * @example
 * ```ts
 * import { ProcEvents } from "@netlink/netlink/connector";
 * await using events = await ProcEvents.open({ events: ["exec", "exit"] });
 * for await (const e of events) {
 *   if (e.kind === "exec") console.log("exec", e.pid);
 *   if (e.kind === "exit") console.log("exit", e.pid, e.status ?? `signal ${e.signal}`);
 * }
 * ```
 *
 * @module
 */
import {
  NETLINK_CONNECTOR,
  NetlinkDecodeError,
  NetlinkError,
  NLMSG_DONE,
} from "../../codec/mod.ts";
import { encodeMessage } from "../../codec/message.ts";
import { NetlinkSocket, type OpenOptions } from "../../socket/socket.ts";
import * as cn from "../generated/connector.ts";
import { explainProtocolError } from "../protocols.ts";
import { Puller } from "../_pull.ts";

export * from "../generated/connector.ts";

/** Size of `struct cn_msg` (linux/connector.h). */
const cnMsgSize = 20;
/** Size of the fixed part of `struct proc_event` before its union (linux/cn_proc.h). */
const procEventHead = 16;

/** A connector message: the `cn_msg` header and its data. */
export interface CnMessage {
  /** The connector user (`idx`, `val`); process events are `{ idx: 1, val: 1 }`. */
  id: { idx: number; val: number };
  /** Sequence number (for process events: a per-CPU event counter). */
  seq: number;
  /** Acknowledgement number. */
  ack: number;
  /** Flags. */
  flags: number;
  /** The `len` bytes of data after the header. */
  data: Uint8Array;
}

/**
 * The payload of a connector netlink message: the `cn_msg` header and `len` bytes of data.
 *
 * @example
 * ```ts
 * import { encodeCnMessage } from "@netlink/netlink/connector";
 * const bytes = encodeCnMessage({ id: { idx: 1, val: 1 }, data: new Uint8Array([1, 0, 0, 0]) });
 * console.log(bytes.length); // 24
 * ```
 */
export function encodeCnMessage(
  m: Partial<Omit<CnMessage, "data">> & Pick<CnMessage, "id" | "data">,
): Uint8Array {
  if (m.data.length > 0xffff) throw new RangeError(`cn_msg data is ${m.data.length} bytes`);
  const head = cn.cnMsg.encode({
    id: { idx: m.id.idx, val: m.id.val },
    seq: m.seq ?? 0,
    ack: m.ack ?? 0,
    len: m.data.length,
    flags: m.flags ?? 0,
  });
  const out = new Uint8Array(cnMsgSize + m.data.length);
  out.set(head);
  out.set(m.data, cnMsgSize);
  return out;
}

/**
 * Decode the payload of a connector netlink message.
 *
 * @throws {NetlinkDecodeError} when the payload is shorter than `cn_msg` or its `len`.
 * @example
 * ```ts
 * import { decodeCnMessage, encodeCnMessage } from "@netlink/netlink/connector";
 * const m = decodeCnMessage(encodeCnMessage({ id: { idx: 1, val: 1 }, seq: 7, data: new Uint8Array(4) }));
 * console.log(m.seq, m.data.length); // 7 4
 * ```
 */
export function decodeCnMessage(payload: Uint8Array): CnMessage {
  if (payload.length < cnMsgSize) {
    throw new NetlinkDecodeError(
      `connector payload of ${payload.length} bytes is shorter than struct cn_msg (20)`,
      0,
    );
  }
  const h = cn.cnMsg.decode(payload, 0, cnMsgSize);
  if (cnMsgSize + h.len > payload.length) {
    throw new NetlinkDecodeError(
      `cn_msg len ${h.len} runs past the ${payload.length - cnMsgSize} bytes after the header`,
      16,
    );
  }
  return {
    id: { idx: h.id.idx, val: h.id.val },
    seq: h.seq,
    ack: h.ack,
    flags: h.flags,
    data: payload.slice(cnMsgSize, cnMsgSize + h.len),
  };
}

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
const ALL = procEventMask(Object.keys(PROC_EVENT_KINDS) as ProcEventKind[]) |
  cn.PROC_CN_EVENT.NONZERO_EXIT;

/** Options of {@link ProcEvents.open}. */
export interface ProcEventsOptions {
  /** The network namespace to listen in: it must be the initial one. Default: this process's. */
  netns?: string | number;
  /** Only these kinds (filtered by the kernel from Linux 6.6 on, else here). Default: all. */
  events?: readonly ProcEventKind[];
  /** How long to wait for the kernel to acknowledge the listen request. Default 2000 ms. */
  ackTimeoutMs?: number;
  /** Kernel receive buffer (busy machines make many events). Default 4 MiB. */
  receiveBufferSize?: number;
}

/**
 * A subscription to the process events connector: `PROC_CN_MCAST_LISTEN` on open,
 * `PROC_CN_MCAST_IGNORE` on close, the events in between as an async iterable.
 *
 * @example
 * ```ts
 * import { ProcEvents } from "@netlink/netlink/connector";
 * await using events = await ProcEvents.open({ netns: "/proc/1/ns/net" });
 * for await (const e of events) console.log(e.kind);
 * ```
 */
export class ProcEvents implements AsyncIterable<ProcEvent>, AsyncDisposable {
  /** The connector socket (bound to group CN_IDX_PROC). */
  readonly socket: NetlinkSocket;
  /** Whether the kernel filters the kinds (Linux 6.6+ accepted `struct proc_input`). */
  readonly kernelFilter: boolean;
  /** The kinds asked for, as a `PROC_EVENT_*` mask. */
  readonly mask: number;
  #stream: Puller;
  #seq: number;
  #closed = false;
  #pending: ProcEvent[];

  private constructor(
    socket: NetlinkSocket,
    stream: Puller,
    kernelFilter: boolean,
    mask: number,
    seq: number,
    pending: ProcEvent[],
  ) {
    this.socket = socket;
    this.#stream = stream;
    this.kernelFilter = kernelFilter;
    this.mask = mask;
    this.#seq = seq;
    this.#pending = pending;
  }

  /**
   * Open a connector socket, join the process events group and ask the kernel to send events.
   * Resolves once the kernel acknowledged (so every process started afterwards is seen).
   *
   * @throws {InitialNamespaceOnlyError} outside the initial network namespace.
   * @throws {ProtocolUnavailableError} when the kernel has no connector.
   * @throws {NetlinkError} when the kernel refuses (its acknowledgement's errno), or sends no
   *   acknowledgement in time.
   */
  static async open(options: ProcEventsOptions = {}): Promise<ProcEvents> {
    const open: OpenOptions = {
      groups: 1 << (cn.CN_IDX_PROC - 1),
      netns: options.netns,
      receiveBufferSize: options.receiveBufferSize ?? 4 << 20,
    };
    let socket: NetlinkSocket;
    try {
      socket = await NetlinkSocket.open(NETLINK_CONNECTOR, open);
    } catch (e) {
      throw explainProtocolError(NETLINK_CONNECTOR, e);
    }
    const stream = new Puller(socket.subscribe());
    const mask = options.events === undefined ? ALL : procEventMask(options.events);
    const timeout = options.ackTimeoutMs ?? 2000;
    // The kernel answers a request with `ack + 1` (its seq is the event counter, not ours),
    // multicast to every listener: a random base tells our answers from others'.
    const seq = (Math.random() * 0x7fffffff) >>> 0;
    const ack = (Math.random() * 0x7fff0000) >>> 0;
    const pending: ProcEvent[] = [];
    const send = (bytes: Uint8Array) => {
      try {
        socket.send(bytes);
      } catch (e) {
        throw explainProtocolError(NETLINK_CONNECTOR, e);
      }
    };
    try {
      // Linux 6.6+ takes struct proc_input and acknowledges it; older kernels ignore a request
      // of that length, so no acknowledgement means: ask again the old way.
      send(procListenRequest("listen", { events: ALL, seq, ack, portId: socket.portId }));
      const kernelFilter = await waitAck(stream, ack + 1, timeout, pending);
      if (!kernelFilter) {
        send(procListenRequest("listen", { seq, ack: ack + 1, portId: socket.portId }));
        if (!await waitAck(stream, ack + 2, timeout, pending)) {
          throw new Error(
            `The process events connector did not acknowledge PROC_CN_MCAST_LISTEN within ` +
              `${timeout} ms`,
          );
        }
      } else if (mask !== ALL) {
        // The filter: not acknowledged (acknowledgements are PROC_EVENT_NONE, filtered out).
        send(
          procListenRequest("listen", { events: mask, seq, ack: ack + 2, portId: socket.portId }),
        );
      }
      return new ProcEvents(socket, stream, kernelFilter, mask, seq, pending);
    } catch (e) {
      try {
        socket.send(procListenRequest("ignore", { seq, ack: ack + 3, portId: socket.portId }));
      } catch {
        // not listening: nothing to undo
      }
      socket.close();
      throw e;
    }
  }

  /** The events, as they come, until {@link close} (or `break`). */
  async *[Symbol.asyncIterator](): AsyncGenerator<ProcEvent> {
    while (this.#pending.length > 0) {
      const e = this.#pending.shift()!;
      if (this.#wanted(e)) yield e;
    }
    for (;;) {
      const r = await this.#stream.next();
      if (r === "timeout" || r.done) return;
      for (const e of eventsOf(r.value)) if (this.#wanted(e)) yield e;
    }
  }

  #wanted(e: ProcEvent): boolean {
    if (e.kind === "ack") return false;
    if (e.kind === "unknown") return true;
    if ((PROC_EVENT_KINDS[e.kind] & this.mask) !== 0) return true;
    // NONZERO_EXIT: exits with a non-zero code only.
    return e.kind === "exit" && (this.mask & cn.PROC_CN_EVENT.NONZERO_EXIT) !== 0 &&
      e.exitCode !== 0;
  }

  /** Send `PROC_CN_MCAST_IGNORE` (so the kernel stops making events for us) and close. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.socket.send(
        procListenRequest("ignore", { seq: this.#seq, ack: this.#seq, portId: this.socket.portId }),
      );
    } catch {
      // the socket is going away anyway
    }
    this.socket.close();
  }

  /** `await using` support: {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/** The process events of a received connector message (none for other connector users). */
export function eventsOf(m: { type: number; payload: Uint8Array }): ProcEvent[] {
  if (m.type !== NLMSG_DONE) return [];
  const c = decodeCnMessage(m.payload);
  if (c.id.idx !== cn.CN_IDX_PROC) return [];
  return [decodeProcEvent(c.data, c.seq)];
}

/**
 * Wait for the acknowledgement of our request `seq`/`ack` (the kernel answers `ack + 1`);
 * events that arrive meanwhile are kept in `pending`. Resolves false on timeout.
 */
async function waitAck(
  stream: Puller,
  expectAck: number,
  ms: number,
  pending: ProcEvent[],
): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    const r = await stream.next(left);
    if (r === "timeout") return false;
    if (r.done) {
      throw new Error("The connector socket closed while waiting for its acknowledgement");
    }
    for (const e of eventsOf(r.value)) {
      if (e.kind === "ack") {
        const c = decodeCnMessage(r.value.payload);
        if (c.ack !== expectAck) continue;
        if (e.err !== 0) throw new NetlinkError(e.err, { operation: "PROC_CN_MCAST_LISTEN" });
        return true;
      }
      pending.push(e);
    }
  }
}
