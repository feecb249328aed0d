/**
 * {@link ProcEvents}: a subscription to the process events connector — `PROC_CN_MCAST_LISTEN`
 * on open (acknowledged by the kernel, with the kernel's event filter on Linux 6.6+),
 * `PROC_CN_MCAST_IGNORE` on close, and the events in between, with a {@link ProcEventsOverrun}
 * item where the kernel dropped events for this listener.
 *
 * The connector acknowledges a listen request by multicasting a `PROC_EVENT_NONE` event to
 * every listener (its `ack` is the request's plus one): the socket cannot match it as a reply,
 * so it is read from the subscription with a time limit ({@link TimedReader}).
 *
 * @example
 * ```ts
 * import { ProcEvents } from "@netlink/netlink/connector";
 * await using events = await ProcEvents.open({ events: ["exec", "exit"] });
 * for await (const e of events) {
 *   if (e.kind === "overrun") console.log("events were lost");
 *   else if (e.kind === "exec") console.log("exec", e.pid);
 * }
 * ```
 *
 * @module
 */
import { NETLINK_CONNECTOR, NetlinkError } from "../../codec/mod.ts";
import {
  isOverrun,
  NetlinkSocket,
  type OpenOptions,
  type ReceivedMessage,
} from "../../socket/socket.ts";
import * as cn from "../generated/connector.ts";
import { explainProtocolError } from "../protocols.ts";
import { decodeCnMessage } from "./cn_msg.ts";
import {
  eventsOf,
  PROC_EVENT_KINDS,
  type ProcEvent,
  type ProcEventKind,
  procEventMask,
  procListenRequest,
} from "./proc_event.ts";

/**
 * The marker {@link ProcEvents} yields where the kernel dropped events for this listener (its
 * receive buffer overflowed): events before it are incomplete; the iteration goes on.
 */
export interface ProcEventsOverrun {
  /** `"overrun"`. */
  kind: "overrun";
}

/** What {@link ProcEvents} yields: an event, or the marker of events lost. */
export type ProcEventItem = ProcEvent | ProcEventsOverrun;

/**
 * A subscription read with time limits: a `next()` still in flight when the time ran out is
 * kept for the following call, since a stream has one waiter at a time.
 */
class TimedReader {
  #it: AsyncIterator<ReceivedMessage>;
  #inFlight: Promise<IteratorResult<ReceivedMessage>> | undefined;

  constructor(it: AsyncIterator<ReceivedMessage>) {
    this.#it = it;
  }

  /** The next message, the end of the stream, or `"timeout"` after `ms` milliseconds. */
  async next(ms = Infinity): Promise<IteratorResult<ReceivedMessage> | "timeout"> {
    const p = this.#inFlight ??= this.#it.next();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const r = ms === Infinity ? await p : await Promise.race([
      p,
      new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ms))),
    ]);
    clearTimeout(timer);
    if (r !== "timeout") this.#inFlight = undefined;
    return r;
  }
}

/** The items a received message carries: its events, or the overrun marker. */
function itemsOf(m: ReceivedMessage): ProcEventItem[] {
  return isOverrun(m) ? [{ kind: "overrun" }] : eventsOf(m);
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
  /**
   * Kernel receive buffer (busy machines make many events). Default: the socket's subscription
   * buffer, `SUBSCRIPTION_RECEIVE_BUFFER` (32 MiB).
   */
  receiveBufferSize?: number;
  /** Capture the socket's traffic to a pcap file: the socket option {@link OpenOptions.pcap}. */
  pcap?: OpenOptions["pcap"];
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
export class ProcEvents implements AsyncIterable<ProcEventItem>, AsyncDisposable {
  /** The connector socket (bound to group CN_IDX_PROC). */
  readonly socket: NetlinkSocket;
  /** Whether the kernel filters the kinds (Linux 6.6+ accepted `struct proc_input`). */
  readonly kernelFilter: boolean;
  /** The kinds asked for, as a `PROC_EVENT_*` mask. */
  readonly mask: number;
  #stream: TimedReader;
  #seq: number;
  #closed = false;
  #pending: ProcEventItem[];

  private constructor(
    socket: NetlinkSocket,
    stream: TimedReader,
    kernelFilter: boolean,
    mask: number,
    seq: number,
    pending: ProcEventItem[],
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
      receiveBufferSize: options.receiveBufferSize,
      pcap: options.pcap,
    };
    let socket: NetlinkSocket;
    try {
      socket = await NetlinkSocket.open(NETLINK_CONNECTOR, open);
    } catch (e) {
      throw explainProtocolError(NETLINK_CONNECTOR, e);
    }
    return ProcEvents.listen(socket, options);
  }

  /**
   * Subscribe over a `NETLINK_CONNECTOR` socket opened elsewhere, already in group
   * `CN_IDX_PROC` (e.g. over `@netlink/netlink/testing`'s fake kernel): ask the kernel to send
   * events and wait for its acknowledgement, as {@link open} does. The socket is closed when
   * that fails, and by {@link close}.
   *
   * @throws {NetlinkError} when the kernel refuses, or sends no acknowledgement in time.
   */
  static async listen(
    socket: NetlinkSocket,
    options: Pick<ProcEventsOptions, "events" | "ackTimeoutMs"> = {},
  ): Promise<ProcEvents> {
    const stream = new TimedReader(socket.subscribe());
    const mask = options.events === undefined ? ALL : procEventMask(options.events);
    const timeout = options.ackTimeoutMs ?? 2000;
    // The kernel answers a request with `ack + 1` (its seq is the event counter, not ours),
    // multicast to every listener: a random base tells our answers from others'.
    const seq = (Math.random() * 0x7fffffff) >>> 0;
    const ack = (Math.random() * 0x7fff0000) >>> 0;
    const pending: ProcEventItem[] = [];
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

  /**
   * The events, as they come, until {@link close} (or `break`); a {@link ProcEventsOverrun}
   * (`kind: "overrun"`) where the kernel dropped some, after which the events go on.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<ProcEventItem> {
    while (this.#pending.length > 0) {
      const e = this.#pending.shift()!;
      if (this.#wanted(e)) yield e;
    }
    for (;;) {
      const r = await this.#stream.next();
      if (r === "timeout" || r.done) return;
      for (const e of itemsOf(r.value)) if (this.#wanted(e)) yield e;
    }
  }

  #wanted(e: ProcEventItem): boolean {
    if (e.kind === "overrun") return true;
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

/**
 * Wait for the acknowledgement of our request `seq`/`ack` (the kernel answers `ack + 1`);
 * events (and overrun markers) that arrive meanwhile are kept in `pending`. Resolves false on
 * timeout.
 */
async function waitAck(
  stream: TimedReader,
  expectAck: number,
  ms: number,
  pending: ProcEventItem[],
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
    for (const e of itemsOf(r.value)) {
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
