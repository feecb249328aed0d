/**
 * `NetlinkSocket`: open, bind, send, request, dump, subscribe and close, for any netlink
 * protocol, on Deno and Bun. Replies are matched by sequence number and sender port id; dumps
 * are reassembled across datagrams until `NLMSG_DONE`; notifications stream until cancelled.
 * The receive side (routing, multipart, completion, overruns) is `socket/dispatch.ts`.
 *
 * @module
 */
import {
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_CAP_ACK,
  NETLINK_DROP_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
  NETLINK_KOBJECT_UEVENT,
  NETLINK_LIST_MEMBERSHIPS,
  NETLINK_LISTEN_ALL_NSID,
  NETLINK_NO_ENOBUFS,
  NETLINK_PKTINFO,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_NOOP,
  SOL_NETLINK,
} from "../codec/constants.ts";
import { encodeMessage, type NetlinkMessage } from "../codec/message.ts";
import { encodeErrorMessage } from "../codec/nlmsgerr.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { SO_RCVBUF, SO_RCVBUFFORCE, SO_SNDBUF, SOL_SOCKET } from "../ffi/sys.ts";
import {
  type Datagram,
  type DatagramVisitor,
  Dispatcher,
  type DumpSummary,
  type ReceivedMessage,
} from "./dispatch.ts";
import { EMSGSIZE, messageTooLongError } from "./errors.ts";
import { defaultOperation, Outbox } from "./framing.ts";
import { LibcTransport } from "./libc_transport.ts";
import { capture } from "../capture/transport.ts";
import { readEnv } from "../ffi/env.ts";
import { type BatchAnswer, concatMessages } from "./batch.ts";
import {
  type BatchRequestOptions,
  messageBufferSizes,
  type OpenOptions,
  type RequestOptions,
  type SendOptions,
  type SubscribeOptions,
  validBatchOptions,
  validBufferSize,
  validGroup,
  validOption,
  validOptions,
  validOptionValue,
  validRequestOptions,
  validSendOptions,
  validSubscribeOptions,
} from "./options.ts";
import { explainPermission } from "./privileges.ts";
import { MessageStream } from "./stream.ts";
import type { Transport } from "./transport.ts";
import type { BatchWaiter, DumpWaiter, RequestWaiter } from "./waiters.ts";

export type {
  AcceptFrom,
  BatchRequestOptions,
  OpenOptions,
  RequestOptions,
  SendOptions,
  SubscribeOptions,
} from "./options.ts";
export {
  type Datagram,
  type DatagramSource,
  type DatagramVisitor,
  type DumpSummary,
  isOverrun,
  type ReceivedMessage,
} from "./dispatch.ts";
export { answered, type BatchAnswer } from "./batch.ts";
export { CapabilityError, type PrivilegedAction, requiredCapability } from "./privileges.ts";

/** An async iterator over a dump's messages, which also tells whether the dump was interrupted. */
export interface DumpIterator<T = NetlinkMessage>
  extends AsyncIterableIterator<T>, AsyncDisposable {
  /** True once a message of the dump carried `NLM_F_DUMP_INTR` (the data changed meanwhile). */
  readonly interrupted: boolean;
  /** Values received and not yet taken: while above 0, `next()` resolves at once. */
  readonly queued: number;
}

/** `SO_SNDBUFFORCE` (asm-generic/socket.h). */
const SO_SNDBUFFORCE = 32;

/**
 * The kernel receive buffer (`SO_RCVBUF`, in bytes as set; the kernel reports twice this) a
 * socket gets when it first subscribes — `subscribe()`, `datagrams()`, `subscribeDatagrams()`,
 * `join()`, or `groups` / `join` at open — unless a size was chosen (`receiveBufferSize`,
 * `setReceiveBufferSize()`). The kernel default (`net.core.rmem_default`, often 208 KiB) holds
 * about 500 route notifications (each costs ~830 bytes of buffer) and loses 4–5 % of a burst of
 * 200k route adds at ~120k/s (`bench/`, issue 12); this size holds ~80k, so such a burst is not
 * lost while the consumer keeps up with most of it. (systemd-networkd asks for 128 MiB.) It is
 * a limit, not an allocation: memory is used only while notifications wait in the queue.
 *
 * It is set with `SO_RCVBUFFORCE` when the process has CAP_NET_ADMIN (any size). Without it the
 * fallback is `SO_RCVBUF`, which the kernel caps at `net.core.rmem_max` (read it back with
 * `getsockopt`, e.g. `sock.setReceiveBufferSize()` returns what the kernel kept); raise that
 * sysctl, or pass a `receiveBufferSize`, where bursts are larger. Losses that still happen are
 * never silent: the iterator yields an overrun marker (see {@link isOverrun}).
 */
export const SUBSCRIPTION_RECEIVE_BUFFER = 32 << 20;

/**
 * A netlink socket bound to a port id. Create it with {@link NetlinkSocket.open}.
 *
 * @example
 * ```ts
 * import { NetlinkSocket, NETLINK_ROUTE, MessageBuilder, NLM_F_DUMP } from "@netlink/netlink";
 * await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
 * const RTM_GETLINK = 18; // linux/rtnetlink.h
 * const req = new MessageBuilder(RTM_GETLINK, NLM_F_DUMP).raw(new Uint8Array(16));
 * for await (const msg of sock.dump(req.finish())) console.log(msg.type, msg.payload.length);
 * ```
 */
export class NetlinkSocket implements AsyncDisposable {
  /** The protocol number (`NETLINK_ROUTE`, …). */
  readonly protocol: number;
  /** Whether datagrams are `nlmsghdr`-framed (false for uevents). */
  readonly framed: boolean;
  /** The network namespace given to {@link NetlinkSocket.open}, if any. */
  readonly netns?: string | number;
  #t: Transport;
  #d: Dispatcher;
  #out: Outbox;
  #portId = 0;
  #closed = false;
  #pktinfo: boolean;
  /** The receive buffer was chosen (or the subscription default applied): leave it. */
  #rcvbufSet = false;

  private constructor(transport: Transport, protocol: number, o: OpenOptions) {
    this.#t = transport;
    this.protocol = protocol;
    this.framed = o.framed ?? protocol !== NETLINK_KOBJECT_UEVENT;
    this.netns = o.netns;
    this.#out = new Outbox(transport, protocol);
    this.#pktinfo = o.pktinfo ?? false;
    this.#d = new Dispatcher(transport, {
      protocol,
      sendRequest: (bytes, p) => this.#sendRequest(bytes, p.peer, p.operation, p.seq),
    }, this.framed);
  }

  /**
   * Open a non-blocking netlink socket for `protocol`, set its options, and bind it.
   * Loads libc on first use. A protocol the kernel lacks fails with `EPROTONOSUPPORT`.
   * Every option is checked before any system call; a failed open leaves no fd behind.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NETLINK_KOBJECT_UEVENT } from "@netlink/netlink";
   * const sock = await NetlinkSocket.open(NETLINK_KOBJECT_UEVENT, { groups: 1 });
   * console.log(sock.portId);
   * sock.close();
   * ```
   */
  static async open(protocol: number, options: OpenOptions = {}): Promise<NetlinkSocket> {
    const o = validOptions(protocol, options);
    const transport = await LibcTransport.open(protocol, {
      type: o.type,
      netns: o.netns,
      messageBufferSize: o.messageBufferSize ?? messageBufferSizes.default,
    });
    const pcap = o.pcap ?? readEnv("NETLINK_PCAP");
    return NetlinkSocket.#setUp(capture(transport, protocol, pcap), protocol, o);
  }

  /**
   * A socket over another {@link Transport}, e.g. the fake kernel of
   * `@netlink/netlink/testing`: the same state machine (seq and port matching, multipart,
   * errors, subscriptions) with no kernel underneath. Options apply as in {@link open}.
   *
   * @example
   * ```ts
   * import { FakeKernel } from "@netlink/netlink/testing";
   * import { NETLINK_ROUTE, NetlinkSocket } from "@netlink/netlink";
   * const kernel = new FakeKernel(NETLINK_ROUTE, (_req, k) => k.ack());
   * await using sock = await NetlinkSocket.fromTransport(kernel.endpoint(), NETLINK_ROUTE);
   * ```
   */
  static fromTransport(
    transport: Transport,
    protocol: number,
    options: OpenOptions = {},
  ): Promise<NetlinkSocket> {
    try {
      const o = validOptions(protocol, options);
      return Promise.resolve(
        NetlinkSocket.#setUp(capture(transport, protocol, o.pcap), protocol, o),
      );
    } catch (e) {
      return Promise.reject(e);
    }
  }

  static #setUp(transport: Transport, protocol: number, options: OpenOptions): NetlinkSocket {
    const sock = new NetlinkSocket(transport, protocol, options);
    try {
      if (options.receiveBufferSize !== undefined) {
        sock.setReceiveBufferSize(options.receiveBufferSize);
      }
      if (options.sendBufferSize !== undefined) sock.setSendBufferSize(options.sendBufferSize);
      if (sock.framed) {
        sock.setOption(NETLINK_EXT_ACK, options.extAck ?? true);
        if (options.capAck) sock.setOption(NETLINK_CAP_ACK, true);
        if (options.strictCheck) sock.setOption(NETLINK_GET_STRICT_CHK, true);
      }
      if (options.noEnobufs) sock.setOption(NETLINK_NO_ENOBUFS, true);
      if (options.pktinfo) sock.setOption(NETLINK_PKTINFO, true);
      if (options.listenAllNsid) sock.setOption(NETLINK_LISTEN_ALL_NSID, true);
      const groups = options.groups ?? 0;
      if (groups !== 0 || (options.join?.length ?? 0) > 0) sock.#subscriptionBuffer();
      try {
        sock.#portId = transport.bind(options.portId ?? 0, groups);
      } catch (e) {
        if (groups === 0) throw e;
        throw explainPermission(e, { kind: "join", protocol, group: 32 - Math.clz32(groups) });
      }
      for (const g of options.join ?? []) sock.join(g);
    } catch (e) {
      sock.close();
      throw e;
    }
    return sock;
  }

  /** The port id the socket is bound to (assigned by the kernel unless chosen). */
  get portId(): number {
    return this.#portId;
  }

  /** The file descriptor (for diagnostics; do not close it directly); -1 without one. */
  get fd(): number {
    return (this.#t as { fd?: number }).fd ?? -1;
  }

  /** What the transport talks to (the network namespace): sockets with equal scopes share caches. */
  get scope(): unknown {
    return this.#t.scope;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Unsolicited messages dropped: nothing subscribed, no subscription accepts the sender (a
   * forged notification from another process), or a late answer nobody waits for.
   */
  get dropped(): number {
    return this.#d.dropped;
  }

  /** Receive-buffer overruns (`ENOBUFS`) seen so far. */
  get overruns(): number {
    return this.#d.overruns;
  }

  /** Datagrams dropped because their framing was malformed (and they answered no request). */
  get malformed(): number {
    return this.#d.malformed;
  }

  #assertOpen(): void {
    if (this.#closed) throw new TypeError("The netlink socket is closed");
  }

  #setInt(level: number, name: number, value: number, label: string): void {
    this.#assertOpen();
    this.#t.setInt(level, name, value, label);
  }

  #getInt(level: number, name: number, label: string): number {
    this.#assertOpen();
    return this.#t.getInt(level, name, label);
  }

  /**
   * Set a `SOL_NETLINK` option (`NETLINK_EXT_ACK`, `NETLINK_CAP_ACK`, `NETLINK_PKTINFO`, …) to
   * a boolean or a 32-bit integer.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NETLINK_ROUTE, NETLINK_GET_STRICT_CHK } from "@netlink/netlink";
   * await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
   * sock.setOption(NETLINK_GET_STRICT_CHK, true);
   * ```
   */
  setOption(option: number, value: boolean | number): void {
    validOption(option);
    const v = validOptionValue(option, value);
    this.#setInt(SOL_NETLINK, option, v | 0, `SOL_NETLINK ${option}`);
    if (option === NETLINK_PKTINFO) this.#pktinfo = v !== 0;
  }

  /** Read a `SOL_NETLINK` option as a number. */
  getOption(option: number): number {
    validOption(option);
    return this.#getInt(SOL_NETLINK, option, `SOL_NETLINK ${option}`);
  }

  /** Set a buffer with the `*FORCE` option when privileged, else the capped one. */
  #setBuffer(force: number, plain: number, bytes: number, label: string): number {
    try {
      this.#setInt(SOL_SOCKET, force, bytes, `${label}FORCE`);
    } catch (e) {
      if (!(e instanceof NetlinkError) || e.code !== "EPERM") throw e;
      this.#setInt(SOL_SOCKET, plain, bytes, label);
    }
    return this.#getInt(SOL_SOCKET, plain, label);
  }

  /**
   * Set the kernel receive buffer. Tries `SO_RCVBUFFORCE` (needs CAP_NET_ADMIN, exceeds
   * `rmem_max`), then falls back to `SO_RCVBUF`. Returns the size the kernel reports.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NETLINK_ROUTE } from "@netlink/netlink";
   * await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
   * console.log(sock.setReceiveBufferSize(4 << 20));
   * ```
   */
  setReceiveBufferSize(bytes: number): number {
    validBufferSize("Receive buffer size", bytes);
    const size = this.#setBuffer(SO_RCVBUFFORCE, SO_RCVBUF, bytes, "SO_RCVBUF");
    this.#rcvbufSet = true;
    return size;
  }

  /**
   * The kernel receive buffer, as `getsockopt(SO_RCVBUF)` reports it: twice the size set, the
   * kernel's bookkeeping overhead included. A subscribing socket has
   * `2 * SUBSCRIPTION_RECEIVE_BUFFER` unless a size was chosen or the process lacks
   * CAP_NET_ADMIN (then `2 * min(SUBSCRIPTION_RECEIVE_BUFFER, net.core.rmem_max)`).
   */
  receiveBufferSize(): number {
    return this.#getInt(SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF");
  }

  /** Give a subscribing socket {@link SUBSCRIPTION_RECEIVE_BUFFER} unless a size was chosen. */
  #subscriptionBuffer(): void {
    if (this.#rcvbufSet || this.#closed) return;
    this.#rcvbufSet = true;
    try {
      this.#setBuffer(SO_RCVBUFFORCE, SO_RCVBUF, SUBSCRIPTION_RECEIVE_BUFFER, "SO_RCVBUF");
    } catch (e) {
      if (!(e instanceof NetlinkError)) throw e; // a default: the kernel's stays
    }
  }

  /**
   * Set the kernel send buffer, which bounds the longest datagram this socket can send (its
   * size minus 32 bytes). Tries `SO_SNDBUFFORCE` (needs CAP_NET_ADMIN, exceeds `wmem_max`),
   * then falls back to `SO_SNDBUF`. Returns the size the kernel reports.
   */
  setSendBufferSize(bytes: number): number {
    validBufferSize("Send buffer size", bytes);
    return this.#setBuffer(SO_SNDBUFFORCE, SO_SNDBUF, bytes, "SO_SNDBUF");
  }

  /**
   * Join multicast group `group` (1–1024), including groups above 32. A group the protocol
   * keeps for the privileged fails with a {@link CapabilityError} naming the capability.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NETLINK_ROUTE } from "@netlink/netlink";
   * await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
   * sock.join(1); // RTNLGRP_LINK
   * ```
   */
  join(group: number): void {
    validGroup(group);
    this.#assertOpen();
    this.#subscriptionBuffer();
    try {
      this.#setInt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group, `NETLINK_ADD_MEMBERSHIP ${group}`);
    } catch (e) {
      throw explainPermission(e, { kind: "join", protocol: this.protocol, group });
    }
    // The sender address names groups 1-32 only; above that, the group comes in NETLINK_PKTINFO,
    // without which a notification would be indistinguishable from a unicast reply.
    if (group > 32 && !this.#pktinfo) this.setOption(NETLINK_PKTINFO, true);
  }

  /** Leave multicast group `group`. */
  leave(group: number): void {
    validGroup(group);
    this.#setInt(SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, group, `NETLINK_DROP_MEMBERSHIP ${group}`);
  }

  /**
   * The groups this socket belongs to (`NETLINK_LIST_MEMBERSHIPS`), ascending.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NETLINK_ROUTE } from "@netlink/netlink";
   * await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { join: [1, 40] });
   * console.log(sock.memberships()); // [1, 40]
   * ```
   */
  memberships(): number[] {
    this.#assertOpen();
    const bytes = this.#t.getBytes(
      SOL_NETLINK,
      NETLINK_LIST_MEMBERSHIPS,
      128,
      "NETLINK_LIST_MEMBERSHIPS",
    );
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out: number[] = [];
    for (let i = 0; i + 4 <= bytes.length; i += 4) {
      const word = dv.getUint32(i, true);
      for (let b = 0; b < 32; b++) if (word & (1 << b)) out.push(i * 8 + b + 1);
    }
    return out;
  }

  /**
   * Send encoded message(s) as one datagram: to the kernel, another port, or multicast groups.
   * A datagram longer than the send buffer allows fails with `EMSGSIZE`, naming both sizes.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NETLINK_USERSOCK, encodeMessage } from "@netlink/netlink";
   * await using sock = await NetlinkSocket.open(NETLINK_USERSOCK);
   * sock.send(encodeMessage({ type: 0x10, payload: new Uint8Array([1, 2, 3, 4]) }), { groups: 1 });
   * ```
   */
  send(data: Uint8Array, options: SendOptions = {}): void {
    if (!(data instanceof Uint8Array)) throw new TypeError("send() takes a Uint8Array");
    const { portId, groups } = validSendOptions(options);
    this.#assertOpen();
    this.#out.transmit(data, portId, groups, "send");
  }

  /** Send a request through {@link send} (which tests may observe), naming it in errors. */
  #sendRequest(bytes: Uint8Array, portId: number, operation: string, seq: number): void {
    try {
      this.send(bytes, { portId });
    } catch (e) {
      if (!(e instanceof NetlinkError) || e.errno !== EMSGSIZE) throw e;
      throw messageTooLongError(operation, bytes.length, this.#out.sendBufferSize(), seq);
    }
  }

  /**
   * Send a request and wait for the answer: resolves with the reply message, or with the ACK
   * (an `NLMSG_ERROR` message with error 0) when there is no reply. A kernel error rejects
   * with a {@link NetlinkError} carrying the errno name, seq and extended ACK (an `EPERM` is a
   * {@link CapabilityError} naming the capability). The request's seq is assigned here;
   * `NLM_F_REQUEST | NLM_F_ACK` are added (with `ack: false`, `NLM_F_ACK` is taken out).
   *
   * The request always settles: if the receive buffer overflows before its answer came, it
   * rejects with an `ENOBUFS` `NetlinkError` saying its reply may have been dropped. It is
   * not retried: the socket cannot tell a read from a change, and retrying a change whose
   * reply was lost would apply it twice.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NETLINK_ROUTE, MessageBuilder } from "@netlink/netlink";
   * await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
   * const RTM_GETLINK = 18; // linux/rtnetlink.h
   * const req = new MessageBuilder(RTM_GETLINK).raw(new Uint8Array(16)).string(3, "lo");
   * const reply = await sock.request(req.finish());
   * console.log(reply.type); // 16 (RTM_NEWLINK)
   * ```
   */
  request(message: Uint8Array, options: RequestOptions = {}): Promise<NetlinkMessage> {
    const o = validRequestOptions(options);
    const peer = o.portId ?? 0, signal = o.signal, ack = o.ack ?? true;
    const { bytes, seq, type } = ack
      ? this.#out.prepare(message, NLM_F_REQUEST | NLM_F_ACK)
      : this.#out.prepare(message, NLM_F_REQUEST, NLM_F_ACK);
    this.#assertOpen();
    if (signal?.aborted) return Promise.reject(signal.reason);
    const operation = o.operation ?? defaultOperation(type);
    return this.#await<NetlinkMessage, RequestWaiter>(
      signal,
      (resolve, reject, done) => ({
        kind: "request",
        seq,
        type,
        peer,
        operation,
        ack,
        interrupted: false,
        resolve,
        reject,
        done,
      }),
      () => this.#sendRequest(bytes, peer, operation, seq),
    );
  }

  /**
   * Register the waiter `make` builds, send, and settle with what the dispatcher gives it; an
   * abort forgets it and rejects with the signal's reason, a failed send rejects with its error.
   */
  #await<T, W extends RequestWaiter | BatchWaiter>(
    signal: AbortSignal | undefined,
    make: (resolve: (v: T) => void, reject: (e: unknown) => void, done: () => void) => W,
    send: () => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        this.#d.forget(p);
        reject(signal!.reason);
      };
      const p = make(resolve, reject, () => signal?.removeEventListener("abort", onAbort));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#d.expect(p);
      try {
        send();
      } catch (e) {
        this.#d.forget(p);
        p.done();
        reject(e);
        return;
      }
      void this.#d.pump();
    });
  }

  /**
   * Send several requests as one datagram and collect the answer to each: its ACK, its error
   * (errno, extended ACK), its replies and echoed notifications ({@link BatchAnswer}, in message
   * order). Each message gets its own seq, consecutive; `NLM_F_REQUEST` is added and the other
   * flags are kept, `NLM_F_ACK` included: the batch settles once every message that asked for
   * an ACK was answered — or, with `barrier: true`, when an `NLMSG_NOOP` sent right after the
   * batch is answered, which the kernel does after everything it answers the batch with, so
   * messages it never answers come back unanswered instead of leaving the batch waiting (see
   * socket/batch.ts). An error does not reject: it is the answer of its message.
   *
   * The batch always settles: after a receive-buffer overrun it rejects with `ENOBUFS` (answers
   * may have been lost; the kernel may have applied it). A batch in which no message asks for
   * an ACK needs `barrier: true`, else nothing would say when the kernel is done.
   *
   * @throws {TypeError} for an empty batch, or no ACK asked for and no barrier.
   * @example
   * ```ts
   * import { MessageBuilder, NETLINK_ROUTE, NLM_F_ACK, NetlinkSocket } from "@netlink/netlink";
   * await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
   * const RTM_DELLINK = 17; // linux/rtnetlink.h
   * const del = (name: string) =>
   *   new MessageBuilder(RTM_DELLINK, NLM_F_ACK).raw(new Uint8Array(16)).string(3, name).finish();
   * const answers = await sock.requestBatch([del("dummy0"), del("dummy1")]);
   * for (const a of answers) console.log(a.seq, a.acked, a.error?.code);
   * ```
   */
  requestBatch(
    messages: readonly Uint8Array[],
    options: BatchRequestOptions = {},
  ): Promise<BatchAnswer[]> {
    const o = validBatchOptions(options);
    if (!Array.isArray(messages) || messages.length === 0) {
      throw new TypeError("requestBatch() takes a non-empty array of encoded messages");
    }
    const prepared = messages.map((m) => this.#out.prepare(m, NLM_F_REQUEST));
    const answers: BatchAnswer[] = prepared.map(({ bytes, seq, type }) => ({
      seq,
      type,
      flags: new DataView(bytes.buffer).getUint16(6, true),
      acked: false,
      replies: [],
    }));
    const awaiting = answers.filter((a) => a.flags & NLM_F_ACK).length;
    if (awaiting === 0 && !o.barrier) {
      throw new TypeError(
        "A batch in which no message asks for an ACK needs barrier: true to tell when it is done",
      );
    }
    const barrier = o.barrier
      ? this.#out.prepare(encodeMessage({ type: NLMSG_NOOP }), NLM_F_REQUEST | NLM_F_ACK)
      : undefined;
    this.#assertOpen();
    const signal = o.signal, peer = o.portId ?? 0;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const operation = o.operation ?? `batch of ${messages.length}`;
    return this.#await<BatchAnswer[], BatchWaiter>(
      signal,
      (resolve, reject, done) => ({
        kind: "batch",
        seq: answers[0].seq,
        type: answers[0].type,
        peer,
        operation,
        operations: o.operations,
        interrupted: false,
        answers,
        bySeq: new Map(answers.map((a) => [a.seq, a])),
        barrierSeq: barrier?.seq,
        awaiting,
        portId: this.#portId,
        resolve,
        reject,
        done,
      }),
      () => {
        const seq = answers[0].seq;
        this.#sendRequest(concatMessages(prepared.map((x) => x.bytes)), peer, operation, seq);
        if (barrier) this.#sendRequest(barrier.bytes, peer, `${operation} (barrier)`, barrier.seq);
      },
    );
  }

  /**
   * Send a dump request (`NLM_F_REQUEST | NLM_F_DUMP` are added) and iterate the replies as
   * they arrive, across datagrams, until `NLMSG_DONE`. Breaking out early, or aborting,
   * stops delivery at once and drains the rest in the background; the socket stays usable.
   * Dumps on one socket run one after another, as the kernel allows only one at a time. With
   * an already-aborted signal nothing is sent and the first `next()` rejects.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NETLINK_ROUTE, MessageBuilder } from "@netlink/netlink";
   * await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
   * const RTM_GETROUTE = 26; // linux/rtnetlink.h
   * const req = new MessageBuilder(RTM_GETROUTE).raw(new Uint8Array(12));
   * let n = 0;
   * for await (const _route of sock.dump(req.finish())) n++;
   * console.log(n, "routes");
   * ```
   */
  dump(message: Uint8Array, options: RequestOptions = {}): DumpIterator {
    return this.#dumpIterator(this.#dump(message, options, false)) as DumpIterator;
  }

  /**
   * Like {@link dump}, but yields the messages one datagram at a time, as arrays: one `await`
   * per datagram instead of one per message, for large dumps where that overhead shows.
   * {@link dumpDatagrams} goes further: no object per message at all.
   */
  dumpBatches(message: Uint8Array, options: RequestOptions = {}): DumpIterator<NetlinkMessage[]> {
    return this.#dumpIterator(this.#dump(message, options, true)) as DumpIterator<
      NetlinkMessage[]
    >;
  }

  /**
   * The fastest way through a dump: send the dump request and call `visit` synchronously, from
   * the receive loop, once per datagram, with the run of data messages it holds where they lie
   * in the receive buffer — no copy, no object per message, one wake-up per datagram. Walk the
   * messages by their `nlmsghdr` lengths and their attributes with `forEachAttribute`; copy what you
   * keep, as the buffer is reused. Resolves after `NLMSG_DONE` with counts and the
   * `NLM_F_DUMP_INTR` flag; rejects with the kernel's error (as {@link dump}), the signal's
   * reason, or what `visit` threw (the rest of the dump is then read and dropped). Errors and
   * the final `NLMSG_DONE` never reach `visit`. Dumps on one socket run one after another.
   *
   * @example
   * ```ts
   * import { forEachAttribute, MessageBuilder, NETLINK_ROUTE, NetlinkSocket } from "@netlink/netlink";
   * await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
   * const RTM_GETROUTE = 26, RTA_OIF = 4, RTMSG_LEN = 12; // linux/rtnetlink.h
   * let viaOif = 0;
   * const summary = await sock.dumpDatagrams(
   *   new MessageBuilder(RTM_GETROUTE).raw(new Uint8Array(RTMSG_LEN)).finish(),
   *   (data, start, end) => {
   *     const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
   *     for (let off = start; off < end;) {
   *       const len = dv.getUint32(off, true); // nlmsghdr.nlmsg_len
   *       forEachAttribute(data, off + 16 + RTMSG_LEN, off + len, (type) => {
   *         if (type === RTA_OIF) viaOif++;
   *       });
   *       off += (len + 3) & ~3;
   *     }
   *   },
   * );
   * console.log(summary.messages, "routes,", viaOif, "with an output interface");
   * ```
   */
  dumpDatagrams(
    message: Uint8Array,
    visit: DatagramVisitor,
    options: RequestOptions = {},
  ): Promise<DumpSummary> {
    let p: DumpWaiter;
    try {
      if (typeof visit !== "function") {
        throw new TypeError("dumpDatagrams() takes a visitor function");
      }
      const visited = { messages: 0, datagrams: 0 };
      p = this.#dump(message, options, false, visit, visited);
    } catch (e) {
      return Promise.reject(e);
    }
    return p.stream.next().then(() => ({
      messages: p.visited!.messages,
      datagrams: p.visited!.datagrams,
      interrupted: p.interrupted,
    }));
  }

  /**
   * Datagram-level delivery with values out: send the dump request and call `visit`
   * synchronously, from the receive loop, once per datagram with its run of data messages in
   * the receive buffer (as {@link dumpDatagrams} does); what it passes to `emit` is iterated.
   * The receive loop reads the next datagram only when the consumer has taken every value
   * emitted so far, so memory stays bounded whatever the size of the dump. A visitor that
   * throws ends the iteration with that error; breaking out, or aborting, stops the dump as
   * {@link dump} does. The typed dumps (`Client.dump`, `listRoutes`) are built on it: one value
   * per datagram, a copy of its messages, decoded as the consumer takes them.
   *
   * @example
   * ```ts
   * import { MessageBuilder, NETLINK_ROUTE, NetlinkSocket } from "@netlink/netlink";
   * await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
   * const RTM_GETLINK = 18, IFINFOMSG_LEN = 16; // linux/rtnetlink.h
   * const indexes = sock.dumpVisited<number>(
   *   new MessageBuilder(RTM_GETLINK).raw(new Uint8Array(IFINFOMSG_LEN)).finish(),
   *   (data, start, end, emit) => {
   *     const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
   *     for (let off = start; off < end; off += (dv.getUint32(off, true) + 3) & ~3) {
   *       emit(dv.getInt32(off + 16 + 4, true)); // ifinfomsg.ifi_index
   *     }
   *   },
   * );
   * for await (const index of indexes) console.log(index);
   * ```
   */
  dumpVisited<T>(
    message: Uint8Array,
    visit: (data: Uint8Array, start: number, end: number, emit: (value: T) => void) => void,
    options: RequestOptions = {},
  ): DumpIterator<T> {
    if (typeof visit !== "function") throw new TypeError("dumpVisited() takes a visitor function");
    let emit: (value: T) => void = () => {};
    const p = this.#dump(
      message,
      options,
      false,
      (data, start, end) => visit(data, start, end, emit),
      { messages: 0, datagrams: 0 },
    );
    const stream = p.stream as MessageStream<unknown> as MessageStream<T>;
    emit = (value) => stream.push(value);
    return this.#dumpIterator(p) as unknown as DumpIterator<T>;
  }

  #dumpIterator(p: DumpWaiter): DumpIterator<NetlinkMessage | NetlinkMessage[]> {
    return Object.defineProperty(p.stream, "interrupted", {
      get: () => p.interrupted,
    }) as unknown as DumpIterator<NetlinkMessage | NetlinkMessage[]>;
  }

  #dump(
    message: Uint8Array,
    options: RequestOptions,
    batched: boolean,
    visit?: DatagramVisitor,
    visited?: { messages: number; datagrams: number },
  ): DumpWaiter {
    const o = validRequestOptions(options);
    const { bytes, seq, type } = this.#out.prepare(message, NLM_F_REQUEST | NLM_F_DUMP);
    this.#assertOpen();
    const stream = new MessageStream<NetlinkMessage | NetlinkMessage[]>(this.#d.owner, o.signal);
    const p: DumpWaiter = {
      kind: "dump",
      seq,
      type,
      peer: o.portId ?? 0,
      operation: o.operation ?? defaultOperation(type),
      stream,
      batched,
      interrupted: false,
      abandoned: false,
      unsent: bytes,
      visit,
      visited,
      done: () => {},
    };
    if (!stream.finished) this.#d.queueDump(p); // an aborted signal: nothing is sent
    return p;
  }

  /**
   * Iterate unsolicited messages: multicast notifications for the groups joined, and (with
   * `acceptFrom`) requests from user-space peers. Ends on `signal`, `return()` or `close()`.
   *
   * By default only messages from the kernel (sender port id 0) are taken: a message another
   * process sends (a forged notification) is dropped and counted in {@link dropped}. After a
   * receive-buffer overrun (notifications were lost) the iterator yields a marker — type
   * `NLMSG_OVERRUN`, empty payload, sender 0, group 0; see {@link isOverrun} — once the
   * kernel's queue has been read empty, and goes on: every notification lost comes before a
   * marker. With `overrun: "throw"` it fails with an `ENOBUFS` {@link NetlinkError} instead.
   *
   * @example
   * ```ts
   * import { isOverrun, NetlinkSocket, NETLINK_ROUTE } from "@netlink/netlink";
   * await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { join: [1] });
   * for await (const msg of sock.subscribe({ signal: AbortSignal.timeout(1000) })) {
   *   if (isOverrun(msg)) console.log("lost some: dump again");
   *   else console.log(msg.type, "from group", msg.group);
   * }
   * ```
   */
  subscribe(
    options: SubscribeOptions = {},
  ): AsyncIterableIterator<ReceivedMessage> & AsyncDisposable {
    const o = validSubscribeOptions(options);
    this.#assertOpen();
    if (!this.framed) throw new TypeError("subscribe() needs a framed socket; use datagrams()");
    this.#subscriptionBuffer();
    const stream = new MessageStream<ReceivedMessage>(this.#d.owner, o.signal);
    if (!stream.finished) {
      this.#d.subscribe({ stream, accepts: o.accepts, overrun: o.overrun });
    }
    return stream;
  }

  /**
   * Iterate raw datagrams on an unframed socket (`NETLINK_KOBJECT_UEVENT`). Senders and
   * overruns are handled as in {@link subscribe}; the overrun marker is a datagram with
   * `overrun: true` and no data.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NETLINK_KOBJECT_UEVENT } from "@netlink/netlink";
   * await using sock = await NetlinkSocket.open(NETLINK_KOBJECT_UEVENT, { groups: 1 });
   * for await (const d of sock.datagrams({ signal: AbortSignal.timeout(1000) })) {
   *   console.log(d.sender, d.data.length);
   * }
   * ```
   */
  datagrams(options: SubscribeOptions = {}): AsyncIterableIterator<Datagram> & AsyncDisposable {
    const o = validSubscribeOptions(options);
    this.#assertOpen();
    if (this.framed) throw new TypeError("datagrams() needs an unframed socket; use subscribe()");
    this.#subscriptionBuffer();
    const stream = new MessageStream<Datagram>(this.#d.owner, o.signal);
    if (!stream.finished) {
      this.#d.subscribe({ stream, accepts: o.accepts, overrun: o.overrun });
    }
    return stream;
  }

  /**
   * Take unsolicited datagrams — notifications of the groups joined, and (with `acceptFrom`)
   * peers' messages — with a synchronous visitor, called from the receive loop once per
   * datagram with its messages where they lie in the receive buffer (`data[start, end)`;
   * the whole datagram on an unframed socket): no copy and no object per message. Copy what
   * you keep. Senders are filtered as in {@link subscribe}. After a receive-buffer overrun,
   * `onOverrun` is called where {@link subscribe} would yield its marker (or, with
   * `overrun: "throw"`, the promise rejects with `ENOBUFS`). Resolves when the socket closes;
   * rejects with the signal's reason when it aborts, or with what `visit` or `onOverrun` threw.
   * It can run beside {@link subscribe} iterators and requests on the same socket.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NETLINK_ROUTE } from "@netlink/netlink";
   * await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { join: [7] }); // RTNLGRP_IPV4_IFADDR
   * let events = 0, lost = 0;
   * await sock.subscribeDatagrams((data, start, end) => {
   *   const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
   *   for (let off = start; off < end; off += (dv.getUint32(off, true) + 3) & ~3) events++;
   * }, { signal: AbortSignal.timeout(1000), onOverrun: () => lost++ }).catch(() => {});
   * console.log(events, "notifications", lost ? "(some lost)" : "");
   * ```
   */
  subscribeDatagrams(
    visit: DatagramVisitor,
    options: SubscribeOptions & { onOverrun?: () => void } = {},
  ): Promise<void> {
    let stream: MessageStream<never>;
    try {
      if (typeof visit !== "function") {
        throw new TypeError("subscribeDatagrams() takes a visitor function");
      }
      const o = validSubscribeOptions(options);
      const onOverrun = options.onOverrun;
      if (onOverrun !== undefined && typeof onOverrun !== "function") {
        throw new TypeError("onOverrun must be a function");
      }
      this.#assertOpen();
      this.#subscriptionBuffer();
      stream = new MessageStream<never>(this.#d.owner, o.signal);
      if (!stream.finished) {
        this.#d.subscribe({ stream, accepts: o.accepts, overrun: o.overrun, visit, onOverrun });
      }
    } catch (e) {
      return Promise.reject(e);
    }
    return stream.next().then(() => undefined);
  }

  /**
   * Answer a peer's request as a user-space endpoint: an ACK (`error` 0) or an error with an
   * optional extended-ACK message, sent back to the requester's port.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NETLINK_USERSOCK } from "@netlink/netlink";
   * await using server = await NetlinkSocket.open(NETLINK_USERSOCK);
   * for await (const req of server.subscribe({ acceptFrom: "any" })) {
   *   server.ack(req); // or server.ack(req, 22, { message: "bad value" })
   *   break;
   * }
   * ```
   */
  ack(request: ReceivedMessage, error = 0, options: { message?: string } = {}): void {
    if (
      typeof request !== "object" || request === null || !(request.payload instanceof Uint8Array)
    ) {
      throw new TypeError("ack() takes a message received from subscribe()");
    }
    if (typeof error !== "number" || !Number.isInteger(error) || error < 0 || error > 4095) {
      throw new RangeError(`error must be 0 or a positive errno, got ${String(error)}`);
    }
    const bytes = encodeErrorMessage(request, error, {
      pid: request.sender, // as the kernel does: the requester's port id
      extAck: options.message === undefined ? undefined : { message: options.message },
    });
    this.send(bytes, { portId: request.sender });
  }

  /** Close the socket: pending requests fail, iterators end. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#t.close();
    this.#d.close(new TypeError("The netlink socket is closed"));
  }

  /** `await using` support: closes the socket. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /** `using` support: closes the socket. */
  [Symbol.dispose](): void {
    this.close();
  }
}
