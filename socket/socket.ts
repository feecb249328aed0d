/**
 * `NetlinkSocket`: open, bind, send, request, dump, subscribe and close, for any netlink
 * protocol, on Deno and Bun. Replies are matched by sequence number and sender port id; dumps
 * are reassembled across datagrams until `NLMSG_DONE`; notifications stream until cancelled.
 * The receive side (routing, multipart, completion, overruns) is `socket/dispatch.ts`; the
 * socket's options, memberships, sending and closing are its base, `socket/socket_base.ts`.
 *
 * @module
 */
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_NOOP } from "../codec/constants.ts";
import { encodeMessage, type NetlinkMessage } from "../codec/message.ts";
import type { Datagram, DatagramVisitor, DumpSummary, ReceivedMessage } from "./dispatch.ts";
import { defaultOperation } from "./framing.ts";
import { LibcTransport } from "./libc_transport.ts";
import { capture } from "../capture/transport.ts";
import { readEnv } from "../ffi/env.ts";
import { type BatchAnswer, concatMessages } from "./batch.ts";
import {
  type BatchRequestOptions,
  messageBufferSizes,
  type OpenOptions,
  type RequestOptions,
  type SubscribeOptions,
  validBatchOptions,
  validOptions,
  validRequestOptions,
  validSubscribeOptions,
} from "./options.ts";
import { MessageStream } from "./stream.ts";
import type { Transport } from "./transport.ts";
import { internalsOf, NetlinkSocketBase, type SocketInternals } from "./socket_base.ts";
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
export { NetlinkSocketBase, SUBSCRIPTION_RECEIVE_BUFFER } from "./socket_base.ts";

/** An async iterator over a dump's messages, which also tells whether the dump was interrupted. */
export interface DumpIterator<T = NetlinkMessage>
  extends AsyncIterableIterator<T>, AsyncDisposable {
  /** True once a message of the dump carried `NLM_F_DUMP_INTR` (the data changed meanwhile). */
  readonly interrupted: boolean;
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
export class NetlinkSocket extends NetlinkSocketBase {
  readonly #i: SocketInternals = internalsOf(this);

  private constructor(transport: Transport, protocol: number, o: OpenOptions) {
    super(transport, protocol, o);
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
    internalsOf(sock).configure(options);
    return sock;
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
      ? this.#i.out.prepare(message, NLM_F_REQUEST | NLM_F_ACK)
      : this.#i.out.prepare(message, NLM_F_REQUEST, NLM_F_ACK);
    this.#i.assertOpen();
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
      () => this.#i.sendRequest(bytes, peer, operation, seq),
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
        this.#i.d.forget(p);
        reject(signal!.reason);
      };
      const p = make(resolve, reject, () => signal?.removeEventListener("abort", onAbort));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#i.d.expect(p);
      try {
        send();
      } catch (e) {
        this.#i.d.forget(p);
        p.done();
        reject(e);
        return;
      }
      void this.#i.d.pump();
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
    const prepared = messages.map((m) => this.#i.out.prepare(m, NLM_F_REQUEST));
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
      ? this.#i.out.prepare(encodeMessage({ type: NLMSG_NOOP }), NLM_F_REQUEST | NLM_F_ACK)
      : undefined;
    this.#i.assertOpen();
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
        portId: this.portId,
        resolve,
        reject,
        done,
      }),
      () => {
        const seq = answers[0].seq;
        this.#i.sendRequest(concatMessages(prepared.map((x) => x.bytes)), peer, operation, seq);
        if (barrier) {
          this.#i.sendRequest(barrier.bytes, peer, `${operation} (barrier)`, barrier.seq);
        }
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
    const { bytes, seq, type } = this.#i.out.prepare(message, NLM_F_REQUEST | NLM_F_DUMP);
    this.#i.assertOpen();
    const stream = new MessageStream<NetlinkMessage | NetlinkMessage[]>(this.#i.d.owner, o.signal);
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
    if (!stream.finished) this.#i.d.queueDump(p); // an aborted signal: nothing is sent
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
    this.#i.assertOpen();
    if (!this.framed) throw new TypeError("subscribe() needs a framed socket; use datagrams()");
    this.#i.subscriptionBuffer();
    const stream = new MessageStream<ReceivedMessage>(this.#i.d.owner, o.signal);
    if (!stream.finished) {
      this.#i.d.subscribe({ stream, accepts: o.accepts, overrun: o.overrun });
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
    this.#i.assertOpen();
    if (this.framed) throw new TypeError("datagrams() needs an unframed socket; use subscribe()");
    this.#i.subscriptionBuffer();
    const stream = new MessageStream<Datagram>(this.#i.d.owner, o.signal);
    if (!stream.finished) {
      this.#i.d.subscribe({ stream, accepts: o.accepts, overrun: o.overrun });
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
      this.#i.assertOpen();
      this.#i.subscriptionBuffer();
      stream = new MessageStream<never>(this.#i.d.owner, o.signal);
      if (!stream.finished) {
        this.#i.d.subscribe({ stream, accepts: o.accepts, overrun: o.overrun, visit, onOverrun });
      }
    } catch (e) {
      return Promise.reject(e);
    }
    return stream.next().then(() => undefined);
  }
}
