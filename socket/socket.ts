/**
 * `NetlinkSocket`: open, bind, send, request, dump, subscribe and close, for any netlink
 * protocol, on Deno and Bun. Replies are matched by sequence number and sender port id; dumps
 * are reassembled across datagrams until `NLMSG_DONE`; notifications stream until cancelled.
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
  NLM_F_ACK_TLVS,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
  SOL_NETLINK,
} from "../codec/constants.ts";
import { NLMSG_HDRLEN } from "../codec/header.ts";
import { type NetlinkMessage, parseMessages } from "../codec/message.ts";
import {
  decodeErrorMessage,
  decodeExtendedAck,
  encodeErrorMessage,
  type ExtendedAck,
} from "../codec/nlmsgerr.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { SO_RCVBUF, SO_RCVBUFFORCE, SO_SNDBUF, SOL_SOCKET } from "../ffi/sys.ts";
import { LibcTransport } from "./libc_transport.ts";
import type { Transport } from "./transport.ts";
import { MessageStream, type StreamOwner } from "./stream.ts";
import type { DumpWaiter, RequestWaiter, Waiter } from "./waiters.ts";
import {
  type OpenOptions,
  type RequestOptions,
  type SendOptions,
  type SubscribeOptions,
  validGroup,
  validOptions,
  validU32,
} from "./options.ts";

export type { OpenOptions, RequestOptions, SendOptions, SubscribeOptions } from "./options.ts";

/** A message that arrived unsolicited: a multicast notification or a peer's request. */
export interface ReceivedMessage extends NetlinkMessage {
  /** Sender's port id: 0 for the kernel. */
  sender: number;
  /** The multicast group it was sent to, 0 for unicast (above 32 only with `pktinfo`). */
  group: number;
  /** The peer namespace id, with `listenAllNsid`. */
  nsid?: number;
}

/** One raw datagram (from an unframed socket such as `NETLINK_KOBJECT_UEVENT`). */
export interface Datagram {
  /** The datagram's bytes (a copy the caller may keep). */
  data: Uint8Array;
  /** Sender's port id: 0 for the kernel. */
  sender: number;
  /** The multicast group, 0 for unicast (above 32 only with `pktinfo`). */
  group: number;
}

/** An async iterator over a dump's messages, which also tells whether the dump was interrupted. */
export interface DumpIterator<T = NetlinkMessage>
  extends AsyncIterableIterator<T>, AsyncDisposable {
  /** True once a message of the dump carried `NLM_F_DUMP_INTR` (the data changed meanwhile). */
  readonly interrupted: boolean;
}

/** `ENOBUFS`, `EMSGSIZE` (asm-generic/errno.h). */
const ENOBUFS = 105, EMSGSIZE = 90;

function operationName(type: number): string {
  return `request type ${type}`;
}

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
  #portId = 0;
  #closed = false;
  #seq: number;
  #pending = new Map<number, Waiter>();
  /** What the streams call back: a consumer waits on an empty queue, or stopped early. */
  #owner: StreamOwner = {
    hungry: () => this.#pump(),
    cancelled: (stream) => this.#cancelled(stream),
  };
  #subscribers = new Set<MessageStream<ReceivedMessage>>();
  #datagramSubscribers = new Set<MessageStream<Datagram>>();
  #pumping = false;
  /** Dumps waiting for the running one to finish, and the running one. */
  #dumpQueue: DumpWaiter[] = [];
  #dumpActive: DumpWaiter | undefined;
  #pktinfo: boolean;
  /** Unsolicited messages dropped because nothing subscribed, or from unexpected senders. */
  dropped = 0;
  /** Receive-buffer overruns (`ENOBUFS`) seen so far. */
  overruns = 0;

  private constructor(transport: Transport, protocol: number, o: OpenOptions) {
    this.#t = transport;
    this.protocol = protocol;
    this.framed = o.framed ?? protocol !== NETLINK_KOBJECT_UEVENT;
    this.netns = o.netns;
    this.#seq = (Math.random() * 0x3fffffff) >>> 0 || 1;
    this.#pktinfo = o.pktinfo ?? false;
  }

  /**
   * Open a non-blocking netlink socket for `protocol`, set its options, and bind it.
   * Loads libc on first use. A protocol the kernel lacks fails with `EPROTONOSUPPORT`.
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
      messageBufferSize: o.messageBufferSize ?? 65536,
    });
    return NetlinkSocket.#setUp(transport, protocol, o);
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
    return Promise.resolve(
      NetlinkSocket.#setUp(transport, protocol, validOptions(protocol, options)),
    );
  }

  static #setUp(transport: Transport, protocol: number, options: OpenOptions): NetlinkSocket {
    const sock = new NetlinkSocket(transport, protocol, options);
    try {
      if (options.receiveBufferSize !== undefined) {
        sock.setReceiveBufferSize(options.receiveBufferSize);
      }
      if (options.sendBufferSize !== undefined) {
        sock.#setInt(SOL_SOCKET, SO_SNDBUF, options.sendBufferSize, "SO_SNDBUF");
      }
      if (sock.framed) {
        sock.setOption(NETLINK_EXT_ACK, options.extAck ?? true);
        if (options.capAck) sock.setOption(NETLINK_CAP_ACK, true);
        if (options.strictCheck) sock.setOption(NETLINK_GET_STRICT_CHK, true);
      }
      if (options.noEnobufs) sock.setOption(NETLINK_NO_ENOBUFS, true);
      if (options.pktinfo) sock.setOption(NETLINK_PKTINFO, true);
      if (options.listenAllNsid) sock.setOption(NETLINK_LISTEN_ALL_NSID, true);
      sock.#portId = transport.bind(options.portId ?? 0, options.groups ?? 0);
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
   * Set a `SOL_NETLINK` option (`NETLINK_EXT_ACK`, `NETLINK_CAP_ACK`, `NETLINK_PKTINFO`, …).
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NETLINK_ROUTE, NETLINK_GET_STRICT_CHK } from "@netlink/netlink";
   * await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
   * sock.setOption(NETLINK_GET_STRICT_CHK, true);
   * ```
   */
  setOption(option: number, value: boolean | number): void {
    if (!Number.isInteger(option) || option <= 0) {
      throw new RangeError(`Invalid netlink socket option ${option}`);
    }
    const v = typeof value === "boolean" ? (value ? 1 : 0) : value;
    this.#setInt(SOL_NETLINK, option, v, `SOL_NETLINK ${option}`);
    if (option === NETLINK_PKTINFO) this.#pktinfo = v !== 0;
  }

  /**
   * Read a `SOL_NETLINK` option as a number.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NETLINK_ROUTE, NETLINK_EXT_ACK } from "@netlink/netlink";
   * await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
   * console.log(sock.getOption(NETLINK_EXT_ACK)); // 1
   * ```
   */
  getOption(option: number): number {
    return this.#getInt(SOL_NETLINK, option, `SOL_NETLINK ${option}`);
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
    if (!Number.isInteger(bytes) || bytes <= 0 || bytes > 0x7fffffff) {
      throw new RangeError(`Receive buffer size must be a positive integer, got ${bytes}`);
    }
    try {
      this.#setInt(SOL_SOCKET, SO_RCVBUFFORCE, bytes, "SO_RCVBUFFORCE");
    } catch (e) {
      if (!(e instanceof NetlinkError) || e.code !== "EPERM") throw e;
      this.#setInt(SOL_SOCKET, SO_RCVBUF, bytes, "SO_RCVBUF");
    }
    return this.#getInt(SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF");
  }

  /**
   * Join multicast group `group` (1–1024), including groups above 32.
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
    this.#setInt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group, `NETLINK_ADD_MEMBERSHIP ${group}`);
    // The sender address names groups 1-32 only; above that, the group comes in NETLINK_PKTINFO,
    // without which a notification would be indistinguishable from a unicast reply.
    if (group > 32 && !this.#pktinfo) this.setOption(NETLINK_PKTINFO, true);
  }

  /**
   * Leave multicast group `group`.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NETLINK_ROUTE } from "@netlink/netlink";
   * await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { join: [1] });
   * sock.leave(1);
   * ```
   */
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
    const n = bytes.length;
    const out: number[] = [];
    for (let i = 0; i + 4 <= n; i += 4) {
      const word = dv.getUint32(i, true);
      for (let b = 0; b < 32; b++) if (word & (1 << b)) out.push(i * 8 + b + 1);
    }
    return out;
  }

  /**
   * Send encoded message(s) as one datagram: to the kernel, another port, or multicast groups.
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
    const portId = validU32("portId", options.portId ?? 0);
    const groups = validU32("groups", options.groups ?? 0);
    this.#assertOpen();
    this.#t.send(data, portId, groups);
  }

  #nextSeq(): number {
    this.#seq = (this.#seq + 1) >>> 0 || 1;
    return this.#seq;
  }

  /** Copy the request, give it a fresh seq and the given flags; returns the bytes and seq. */
  #prepare(message: Uint8Array, flags: number): { bytes: Uint8Array; seq: number; type: number } {
    if (!(message instanceof Uint8Array)) {
      throw new TypeError("A request must be an encoded message (Uint8Array)");
    }
    if (message.length < NLMSG_HDRLEN) {
      throw new RangeError(`A request needs at least ${NLMSG_HDRLEN} bytes, got ${message.length}`);
    }
    const bytes = message.slice();
    const dv = new DataView(bytes.buffer);
    const len = dv.getUint32(0, true);
    if (len !== bytes.length) {
      throw new RangeError(`nlmsg_len is ${len} but the request has ${bytes.length} bytes`);
    }
    const seq = this.#nextSeq();
    dv.setUint16(6, dv.getUint16(6, true) | flags, true);
    dv.setUint32(8, seq, true);
    return { bytes, seq, type: dv.getUint16(4, true) };
  }

  /**
   * Send a request and wait for the kernel's answer: resolves with the reply message, or with
   * the ACK (an `NLMSG_ERROR` message with error 0) when there is no reply. A kernel error
   * rejects with a {@link NetlinkError} carrying the errno name, seq and extended ACK.
   * The request's seq is assigned here; `NLM_F_REQUEST | NLM_F_ACK` are added.
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
    const peer = validU32("portId", options.portId ?? 0);
    const signal = options.signal;
    const { bytes, seq, type } = this.#prepare(message, NLM_F_REQUEST | NLM_F_ACK);
    this.#assertOpen();
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<NetlinkMessage>((resolve, reject) => {
      const onAbort = () => {
        this.#pending.delete(seq);
        this.#demandDropped();
        reject(signal!.reason);
      };
      const p: RequestWaiter = {
        kind: "request",
        seq,
        peer,
        operation: options.operation ?? operationName(type),
        interrupted: false,
        resolve,
        reject,
        done: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(seq, p);
      try {
        this.send(bytes, { portId: peer });
      } catch (e) {
        this.#pending.delete(seq);
        p.done();
        reject(e);
        return;
      }
      this.#pump();
    });
  }

  /**
   * Send a dump request (`NLM_F_REQUEST | NLM_F_DUMP` are added) and iterate the replies as
   * they arrive, across datagrams, until `NLMSG_DONE`. Breaking out early drains the rest in
   * the background; the socket stays usable. Dumps on one socket run one after another, as
   * the kernel allows only one at a time.
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
    return this.#dump(message, options, false) as DumpIterator;
  }

  /**
   * Like {@link dump}, but yields the messages one datagram at a time, as arrays: one `await`
   * per datagram instead of one per message, for large dumps where that overhead shows.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NETLINK_ROUTE, MessageBuilder } from "@netlink/netlink";
   * await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
   * const RTM_GETROUTE = 26; // linux/rtnetlink.h
   * const req = new MessageBuilder(RTM_GETROUTE).raw(new Uint8Array(12));
   * let n = 0;
   * for await (const batch of sock.dumpBatches(req.finish())) n += batch.length;
   * console.log(n, "routes");
   * ```
   */
  dumpBatches(message: Uint8Array, options: RequestOptions = {}): DumpIterator<NetlinkMessage[]> {
    return this.#dump(message, options, true) as DumpIterator<NetlinkMessage[]>;
  }

  #dump(
    message: Uint8Array,
    options: RequestOptions,
    batched: boolean,
  ): DumpIterator<NetlinkMessage | NetlinkMessage[]> {
    const peer = validU32("portId", options.portId ?? 0);
    const { bytes, seq, type } = this.#prepare(message, NLM_F_REQUEST | NLM_F_DUMP);
    this.#assertOpen();
    const stream = new MessageStream<NetlinkMessage | NetlinkMessage[]>(
      this.#owner,
      options.signal,
    );
    const p: DumpWaiter = {
      kind: "dump",
      seq,
      peer,
      operation: options.operation ?? operationName(type),
      stream,
      batched,
      interrupted: false,
      abandoned: false,
      unsent: bytes,
      done: () => {},
    };
    this.#pending.set(seq, p);
    this.#dumpQueue.push(p);
    this.#startDump();
    return Object.defineProperty(stream, "interrupted", {
      get: () => p.interrupted,
    }) as unknown as DumpIterator<NetlinkMessage | NetlinkMessage[]>;
  }

  /** Send the next queued dump if none is running. */
  #startDump(): void {
    while (!this.#dumpActive && this.#dumpQueue.length > 0) {
      const p = this.#dumpQueue.shift()!;
      const bytes = p.unsent!;
      p.unsent = undefined;
      if (p.stream.finished) {
        this.#pending.delete(p.seq); // cancelled before it was sent
        continue;
      }
      try {
        this.send(bytes, { portId: p.peer });
      } catch (e) {
        this.#complete(p, e);
        continue;
      }
      this.#dumpActive = p;
      this.#pump();
    }
  }

  /**
   * Iterate unsolicited messages: multicast notifications for the groups joined, and requests
   * from user-space peers. Ends on `signal`, `return()` or `close()`. Receive-buffer overruns
   * fail the iterator with an `ENOBUFS` {@link NetlinkError} (unless `noEnobufs` was set).
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NETLINK_ROUTE } from "@netlink/netlink";
   * await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { join: [1] });
   * for await (const msg of sock.subscribe({ signal: AbortSignal.timeout(1000) })) {
   *   console.log(msg.type, "from group", msg.group);
   * }
   * ```
   */
  subscribe(
    options: SubscribeOptions = {},
  ): AsyncIterableIterator<ReceivedMessage> & AsyncDisposable {
    this.#assertOpen();
    if (!this.framed) throw new TypeError("subscribe() needs a framed socket; use datagrams()");
    const stream = new MessageStream<ReceivedMessage>(this.#owner, options.signal);
    this.#subscribers.add(stream);
    return stream;
  }

  /**
   * Iterate raw datagrams on an unframed socket (`NETLINK_KOBJECT_UEVENT`).
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
    this.#assertOpen();
    if (this.framed) throw new TypeError("datagrams() needs an unframed socket; use subscribe()");
    const stream = new MessageStream<Datagram>(this.#owner, options.signal);
    this.#datagramSubscribers.add(stream);
    return stream;
  }

  /**
   * Answer a peer's request as a user-space endpoint: an ACK (`error` 0) or an error with an
   * optional extended-ACK message, sent back to the requester's port.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NETLINK_USERSOCK } from "@netlink/netlink";
   * await using server = await NetlinkSocket.open(NETLINK_USERSOCK);
   * for await (const req of server.subscribe()) {
   *   server.ack(req); // or server.ack(req, 22, { message: "bad value" })
   *   break;
   * }
   * ```
   */
  ack(request: ReceivedMessage, error = 0, options: { message?: string } = {}): void {
    if (!Number.isInteger(error) || error < 0) {
      throw new RangeError(`error must be 0 or a positive errno, got ${error}`);
    }
    const bytes = encodeErrorMessage(request, error, {
      pid: request.sender, // as the kernel does: the requester's port id
      extAck: options.message === undefined ? undefined : { message: options.message },
    });
    this.send(bytes, { portId: request.sender });
  }

  // ----- the receive side -----

  /** A consumer stopped early. */
  #cancelled(stream: MessageStream<unknown>): void {
    if (
      this.#subscribers.delete(stream as MessageStream<ReceivedMessage>) ||
      this.#datagramSubscribers.delete(stream as MessageStream<Datagram>)
    ) {
      this.#demandDropped();
      return;
    }
    for (const p of this.#pending.values()) {
      if (p.kind !== "dump" || p.stream !== stream || p.unsent) continue; // dropped when its turn comes
      p.abandoned = true; // keep reading until DONE so the next dump is not EBUSY
      this.#pump();
    }
  }

  /** If nobody waits for data any more, stop waiting in the hub so an idle process can exit. */
  #demandDropped(): void {
    if (this.#pumping && !this.#closed && !this.#needsData()) this.#t.cancelWait();
  }

  /** Is anybody waiting for data from the kernel? */
  #needsData(): boolean {
    for (const p of this.#pending.values()) {
      if (p.kind === "request" || p.abandoned || (p.stream.waiting && !p.unsent)) return true;
    }
    for (const s of this.#subscribers) if (s.waiting) return true;
    for (const s of this.#datagramSubscribers) if (s.waiting) return true;
    return false;
  }

  /** Read while someone needs data: drain to EAGAIN, then wait for readiness in the hub. */
  async #pump(): Promise<void> {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    try {
      while (!this.#closed && this.#needsData()) {
        if (this.#drain()) continue;
        await this.#t.readable();
      }
    } catch (e) {
      this.#failAll(e);
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * Receive datagrams until EAGAIN or until nobody needs more. Returns true when it stopped
   * early because demand was met (so the caller re-checks), false on EAGAIN.
   */
  #drain(): boolean {
    for (;;) {
      if (this.#closed) return true;
      const r = this.#t.receive();
      switch (r.kind) {
        case "empty":
          return false;
        case "overrun":
          this.#overrun();
          continue;
        case "truncated":
          this.#truncated(r.length, r.size, r.head);
          continue;
      }
      const d = r.datagram;
      if (this.framed) this.#route(d.data, d.sender, d.group, d.nsid);
      else this.#routeDatagram({ data: d.data, sender: d.sender, group: d.group });
      if (!this.#needsData()) return true;
    }
  }

  /** A datagram did not fit the receive buffer (which has grown since): it is lost. */
  #truncated(length: number, size: number, head: Uint8Array): void {
    const e = new NetlinkError(EMSGSIZE, {
      operation: `recvmsg: a ${length}-byte datagram did not fit the ${size}-byte buffer`,
    });
    const seq = head.length >= 12 ? new DataView(head.buffer).getUint32(8, true) : 0;
    const p = this.framed ? this.#pending.get(seq) : undefined;
    if (p) this.#complete(p, e);
    else this.#failSubscribers(e);
  }

  #overrun(): void {
    this.overruns++;
    const e = new NetlinkError(ENOBUFS, {
      operation: "recvmsg: receive buffer overrun, notifications were lost",
    });
    this.#failSubscribers(e);
  }

  #failSubscribers(e: unknown): void {
    for (const s of this.#subscribers) s.fail(e);
    this.#subscribers.clear();
    for (const s of this.#datagramSubscribers) s.fail(e);
    this.#datagramSubscribers.clear();
  }

  #routeDatagram(d: Datagram): void {
    if (this.#datagramSubscribers.size === 0) {
      this.dropped++;
      return;
    }
    for (const s of this.#datagramSubscribers) s.push(d);
  }

  #route(data: Uint8Array, sender: number, group: number, nsid: number | undefined): void {
    let messages: NetlinkMessage[];
    try {
      messages = parseMessages(data);
    } catch (e) {
      // A malformed datagram: fail the request it names, if any, else the subscribers.
      const seq = data.length >= 12 ? new DataView(data.buffer).getUint32(8, true) : 0;
      const p = group === 0 ? this.#pending.get(seq) : undefined;
      if (p && p.peer === sender) this.#complete(p, e);
      else this.#failSubscribers(e);
      return;
    }
    let batching: DumpWaiter | undefined;
    for (const msg of messages) {
      const p = group === 0 ? this.#pending.get(msg.seq) : undefined;
      if (p && p.peer === sender) {
        if (p.kind === "dump" && p.batched) batching = p;
        this.#deliver(p, msg);
        continue;
      }
      if (msg.type === NLMSG_NOOP) continue;
      if (group === 0 && sender === 0 && msg.seq !== 0) {
        this.dropped++; // a late answer to a request nobody waits for
        continue;
      }
      if (this.#subscribers.size === 0) {
        this.dropped++;
        continue;
      }
      const r = msg as ReceivedMessage;
      r.sender = sender;
      r.group = group;
      if (nsid !== undefined) r.nsid = nsid;
      for (const s of this.#subscribers) s.push(r);
    }
    if (batching) this.#flush(batching);
  }

  /** Hand a batched dump the messages of this datagram. */
  #flush(p: DumpWaiter): void {
    if (p.batch === undefined) return;
    if (!p.abandoned) p.stream.push(p.batch);
    p.batch = undefined;
  }

  #deliver(p: Waiter, msg: NetlinkMessage): void {
    if (msg.flags & NLM_F_DUMP_INTR) p.interrupted = true;
    switch (msg.type) {
      case NLMSG_ERROR: {
        const err = decodeErrorMessage(msg.payload, msg.flags);
        if (err.error === 0) return this.#complete(p, undefined, msg);
        return this.#complete(
          p,
          new NetlinkError(err.error, {
            operation: p.operation,
            seq: p.seq,
            request: err.request,
            extAck: err.extAck,
          }),
        );
      }
      case NLMSG_DONE: {
        const error = msg.payload.length >= 4
          ? -new DataView(msg.payload.buffer, msg.payload.byteOffset).getInt32(0, true)
          : 0;
        if (error > 0) {
          let extAck: ExtendedAck | undefined;
          if (msg.flags & NLM_F_ACK_TLVS) extAck = decodeExtendedAck(msg.payload, 4);
          return this.#complete(
            p,
            new NetlinkError(error, { operation: p.operation, seq: p.seq, extAck }),
          );
        }
        return this.#complete(p, undefined, msg);
      }
      case NLMSG_OVERRUN:
        return this.#complete(p, new NetlinkError(ENOBUFS, { operation: p.operation, seq: p.seq }));
      default:
        if (p.kind === "dump") {
          if (p.abandoned) return;
          if (p.batched) (p.batch ??= []).push(msg);
          else p.stream.push(msg);
        } else {
          p.reply ??= msg;
        }
    }
  }

  #complete(p: Waiter, error?: unknown, final?: NetlinkMessage): void {
    if (this.#pending.get(p.seq) === p) this.#pending.delete(p.seq);
    p.done();
    if (p.kind === "request") {
      if (error !== undefined) p.reject(error);
      else p.resolve(p.reply ?? final!);
      return;
    }
    this.#flush(p);
    if (p === this.#dumpActive) {
      this.#dumpActive = undefined;
      if (!this.#closed) queueMicrotask(() => this.#startDump());
    }
    if (error !== undefined && !p.abandoned) p.stream.fail(error);
    else p.stream.end();
  }

  #failAll(e: unknown): void {
    for (const p of [...this.#pending.values()]) this.#complete(p, e);
    this.#failSubscribers(e);
  }

  /**
   * Close the socket: pending requests fail, iterators end. Idempotent.
   *
   * @example
   * ```ts
   * import { NetlinkSocket, NETLINK_ROUTE } from "@netlink/netlink";
   * const sock = await NetlinkSocket.open(NETLINK_ROUTE);
   * sock.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#t.close();
    const e = new TypeError("The netlink socket is closed");
    this.#dumpQueue = [];
    for (const p of [...this.#pending.values()]) this.#complete(p, e);
    for (const s of this.#subscribers) s.end();
    this.#subscribers.clear();
    for (const s of this.#datagramSubscribers) s.end();
    this.#datagramSubscribers.clear();
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
