/**
 * The receive side of `NetlinkSocket`: one {@link Dispatcher} per socket reads datagrams from
 * its {@link Transport} while someone needs data, and routes each message — to the request or
 * dump waiting for its seq (from the expected peer), to the subscriptions that accept its
 * sender, or to the `dropped` count. It reassembles dumps across datagrams until `NLMSG_DONE`,
 * runs one dump at a time, and keeps every loss visible:
 *
 * - an overrun (`ENOBUFS`) marks every waiter as at risk; one whose answer has not come when
 *   the queue is next found empty fails with a typed `ENOBUFS` error (its reply was dropped).
 *   The kernel drops silently until its queue is read empty, so that is also when each
 *   subscription gets its overrun marker (or, if it asked to, fails at once);
 * - a malformed datagram fails only the request it clearly answers, else it is counted in
 *   `malformed` and dropped;
 * - unsolicited messages reach only the subscriptions that accept their sender (by default
 *   the kernel, port id 0), so a forged notification is dropped and counted.
 *
 * @module
 */
import {
  NLM_F_ACK,
  NLM_F_ACK_TLVS,
  NLM_F_DUMP_INTR,
  NLM_F_ECHO,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
} from "../codec/constants.ts";
import { forEachMessage, type NetlinkMessage, parseMessages } from "../codec/message.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { decodeErrorMessage, decodeExtendedAck, type ExtendedAck } from "../codec/nlmsgerr.ts";
import { ENOBUFS, lostNotificationsError, lostReplyError } from "./errors.ts";
import type { MessageStream, StreamOwner } from "./stream.ts";
import type { ReceivedDatagram, Transport } from "./transport.ts";
import type { BatchWaiter, DumpWaiter, Subscription, Waiter } from "./waiters.ts";
import { type Datagram, overrunMarker, type ReceivedMessage } from "./delivery.ts";
import { answerError, malformedReply, seqsOf, visitRun } from "./waiter_answers.ts";

export {
  type Datagram,
  type DatagramSource,
  type DatagramVisitor,
  type DumpSummary,
  isOverrun,
  type ReceivedMessage,
} from "./delivery.ts";

/** What the dispatcher needs from its socket. */
export interface DispatchHost {
  /** The socket's protocol (to name the capability a refused request needed). */
  readonly protocol: number;
  /** Send a queued dump's request when its turn comes (throws as `send()` does). */
  sendRequest(bytes: Uint8Array, p: DumpWaiter): void;
}

const NLMSG_HDRLEN = 16;

/** The little-endian u32 at `off`, or undefined past the end. */
function u32At(data: Uint8Array, off: number): number | undefined {
  if (data.length < off + 4) return undefined;
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(off, true);
}

/** The receive-side state machine of one socket. */
export class Dispatcher {
  /**
   * Unsolicited messages dropped: nothing subscribed, no subscription accepts the sender
   * (a forged notification), or a late answer to a request nobody waits for any more.
   */
  dropped = 0;
  /** Receive-buffer overruns (`ENOBUFS`) seen so far. */
  overruns = 0;
  /** Datagrams dropped because their framing was malformed (bad lengths). */
  malformed = 0;
  /** What the streams call back: a consumer waits on an empty queue, or stopped early. */
  readonly owner: StreamOwner = {
    hungry: () => void this.pump(),
    cancelled: (stream) => this.#cancelled(stream),
  };
  #t: Transport;
  #host: DispatchHost;
  #framed: boolean;
  #pending = new Map<number, Waiter>();
  #subscriptions = new Map<MessageStream<unknown>, Subscription<unknown>>();
  /** Dumps waiting for the running one to finish, and the running one. */
  #dumpQueue: DumpWaiter[] = [];
  #dumpActive: DumpWaiter | undefined;
  /** Waiters an overrun may have robbed of their answer: settled at the next empty queue. */
  #atRisk = new Set<Waiter>();
  /** An overrun was read and the queue has not been found empty since. */
  #congested = false;
  #pumping = false;
  #closed = false;

  /** A dispatcher reading from `transport`; `framed` datagrams carry `nlmsghdr`s. */
  constructor(transport: Transport, host: DispatchHost, framed: boolean) {
    this.#t = transport;
    this.#host = host;
    this.#framed = framed;
  }

  /**
   * Wait for the answer to request `p` (call before sending it; a request sent while the
   * socket is congested is at risk from the start).
   */
  expect(p: Waiter): void {
    for (const seq of seqsOf(p)) this.#pending.set(seq, p);
    if (this.#congested) this.#atRisk.add(p);
  }

  /** Stop waiting for `p` (its send failed, or its caller gave up). */
  forget(p: Waiter): void {
    this.#release(p);
    this.#demandDropped();
  }

  /** Take `p` out of the pending table (every seq it is registered under) and the risk set. */
  #release(p: Waiter): void {
    for (const seq of seqsOf(p)) if (this.#pending.get(seq) === p) this.#pending.delete(seq);
    this.#atRisk.delete(p);
  }

  /** Queue dump `p`; its request goes out when no other dump is running. */
  queueDump(p: DumpWaiter): void {
    this.#pending.set(p.seq, p);
    this.#dumpQueue.push(p);
    this.#startDump();
  }

  /** Add a subscription to unsolicited messages (or datagrams, on an unframed socket). */
  subscribe<T>(s: Subscription<T>): void {
    this.#subscriptions.set(s.stream as MessageStream<unknown>, s as Subscription<unknown>);
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
      if (this.#congested) this.#atRisk.add(p);
      try {
        this.#host.sendRequest(bytes, p);
      } catch (e) {
        this.#complete(p, e);
        continue;
      }
      this.#dumpActive = p;
      void this.pump();
    }
  }

  /** A consumer stopped early. */
  #cancelled(stream: MessageStream<unknown>): void {
    if (this.#subscriptions.delete(stream)) {
      this.#demandDropped();
      return;
    }
    for (const p of this.#pending.values()) {
      if (p.kind !== "dump" || p.stream !== stream || p.unsent) continue; // dropped at its turn
      p.abandoned = true; // keep reading until DONE so the next dump is not EBUSY
      void this.pump();
    }
  }

  /** If nobody waits for data any more, stop waiting in the hub so an idle process can exit. */
  #demandDropped(): void {
    if (this.#pumping && !this.#closed && !this.#needsData()) this.#t.cancelWait();
  }

  /** Is anybody waiting for data from the kernel? */
  #needsData(): boolean {
    for (const p of this.#pending.values()) {
      if (p.kind !== "dump" || p.abandoned || (p.stream.waiting && !p.unsent)) return true;
    }
    for (const s of this.#subscriptions.values()) if (s.stream.waiting) return true;
    return false;
  }

  /** Read while someone needs data: drain to EAGAIN, then wait for readiness in the hub. */
  async pump(): Promise<void> {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    try {
      while (!this.#closed && this.#needsData()) {
        if (this.#drain()) continue;
        // The queue is empty: an answer an overrun put at risk that has not come was dropped.
        this.#congestionOver();
        if (this.#closed || !this.#needsData()) break;
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
      // A visitor reads the datagram where it was received: no copy unless it goes elsewhere.
      const borrow = this.#dumpActive?.visit !== undefined || this.#visitors();
      const r = this.#t.receive(borrow);
      if (r.kind === "empty") return false;
      if (r.kind === "overrun") this.#overrun();
      else if (this.#framed) this.#route(r.datagram, borrow);
      else this.#routeDatagram(r.datagram, borrow);
      if (!this.#needsData()) return true;
    }
  }

  /**
   * `ENOBUFS`: the kernel dropped something for this socket, and drops everything more,
   * silently, until its queue is read empty. Waiters become at risk; subscriptions that asked
   * to fail do so now; the others get their marker when the queue is found empty (see
   * {@link pump}), so that every notification lost comes before a marker and everything after
   * one is complete.
   */
  #overrun(): void {
    this.overruns++;
    this.#congested = true;
    for (const p of this.#pending.values()) {
      if (!(p.kind === "dump" && p.unsent)) this.#atRisk.add(p);
    }
    for (const [stream, s] of this.#subscriptions) {
      if (s.overrun !== "throw") continue;
      this.#subscriptions.delete(stream);
      stream.fail(lostNotificationsError());
    }
  }

  /** The queue is empty: the congestion an overrun began is over. */
  #congestionOver(): void {
    if (!this.#congested) return;
    this.#congested = false;
    for (const s of this.#subscriptions.values()) {
      if (s.visit) {
        if (s.onOverrun) this.#call(s, s.onOverrun);
      } else if (this.#framed) s.stream.push(overrunMarker());
      else s.stream.push({ data: new Uint8Array(0), sender: 0, group: 0, overrun: true });
    }
    if (this.#atRisk.size === 0) return;
    const lost = [...this.#atRisk];
    this.#atRisk.clear();
    for (const p of lost) {
      if (this.#pending.get(p.seq) !== p) continue;
      this.#complete(p, lostReplyError(p.operation, p.seq, p.kind));
    }
  }

  #routeDatagram(d: ReceivedDatagram, borrowed: boolean): void {
    let item: Datagram | undefined;
    let taken = false;
    for (const s of this.#subscriptions.values()) {
      if (!s.accepts(d.sender)) continue;
      taken = true;
      if (s.visit) {
        this.#call(s, () => s.visit!(d.data, 0, d.data.length, d));
        continue;
      }
      item ??= { data: borrowed ? d.data.slice() : d.data, sender: d.sender, group: d.group };
      s.stream.push(item);
    }
    if (!taken) this.dropped++;
  }

  /** Is some subscription a visitor? */
  #visitors(): boolean {
    for (const s of this.#subscriptions.values()) if (s.visit) return true;
    return false;
  }

  /** Call `fn` for visitor subscription `s`; what it throws ends `s` with that error. */
  #call(s: Subscription<unknown>, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.#subscriptions.delete(s.stream);
      s.stream.fail(e);
      this.#demandDropped();
    }
  }

  /**
   * Hand an unsolicited datagram (a multicast, or a peer's message no waiter takes) to the
   * visitor subscriptions that accept its sender. Returns whether it was visited and whether
   * the object path must see it too (an iterator subscription, or a batch that may want the
   * echo).
   */
  #visitUnsolicited(d: ReceivedDatagram): { visited: boolean; more: boolean } {
    const data = d.data;
    if (d.group === 0) {
      // Unicast: a peer's request, unless it answers a waiter; the kernel's are answers.
      const seq = u32At(data, 8);
      if (seq === undefined || (d.sender === 0 && seq !== 0) || this.#waiterFor(seq, d)) {
        return { visited: false, more: true };
      }
    }
    try {
      forEachMessage(data, () => {}); // whole messages only: else counted as malformed
    } catch {
      return { visited: false, more: true };
    }
    let visited = false, more = false;
    for (const s of this.#subscriptions.values()) {
      if (!s.accepts(d.sender)) continue;
      if (!s.visit) {
        more = true;
        continue;
      }
      visited = true;
      this.#call(s, () => s.visit!(data, 0, data.length, d));
    }
    if (!more) { for (const p of this.#pending.values()) if (p.kind === "batch") more = true; }
    if (!visited && !more) this.dropped++;
    return { visited, more };
  }

  /**
   * A datagram for dump `p`, which has a visitor: runs of its data messages go to the visitor
   * where they lie in the receive buffer; `NLMSG_DONE`, errors and anything not of the dump
   * take the object path (a copy). Returns false when the datagram is not the dump's.
   */
  #visitDump(p: DumpWaiter, d: ReceivedDatagram): boolean {
    const data = d.data, n = data.length;
    if (d.group !== 0 || d.sender !== p.peer || p.unsent || n < NLMSG_HDRLEN) return false;
    const dv = new DataView(data.buffer, data.byteOffset, n);
    if (dv.getUint32(8, true) !== p.seq) return false;
    let off = 0, run = 0, count = 0;
    while (n - off >= NLMSG_HDRLEN) {
      const len = dv.getUint32(off, true);
      if (len < NLMSG_HDRLEN || len > n - off) break; // malformed: below
      const type = dv.getUint16(off + 4, true);
      const next = off + ((len + 3) & ~3);
      if (
        type === NLMSG_DONE || type === NLMSG_ERROR || type === NLMSG_OVERRUN ||
        dv.getUint32(off + 8, true) !== p.seq
      ) {
        visitRun(p, d, run, off, count);
        count = 0;
        const msg = parseMessages(data.slice(off, off + len))[0];
        const w = this.#waiterFor(msg.seq, d);
        if (w) this.#deliver(w, msg);
        else this.#unsolicited(msg, d);
        off = run = Math.min(next, n);
        if (this.#pending.get(p.seq) !== p) {
          // The dump is over: the rest of the datagram, if any, is not its.
          if (off < n) this.#route({ ...d, data: data.slice(off) }, false);
          return true;
        }
        continue;
      }
      if (dv.getUint16(off + 6, true) & NLM_F_DUMP_INTR) p.interrupted = true;
      count++;
      off = next;
    }
    if (off > n) off = n; // the last message's padding may be missing
    visitRun(p, d, run, off, count);
    if (off < n && this.#pending.get(p.seq) === p) {
      let error: unknown;
      try {
        forEachMessage(data.subarray(off), () => false);
      } catch (e) {
        error = e;
      }
      this.#complete(p, malformedReply(p, error ?? "malformed message"));
    }
    return true;
  }

  #route(d: ReceivedDatagram, borrowed: boolean): void {
    const active = this.#dumpActive;
    if (active?.visit !== undefined && this.#visitDump(active, d)) return;
    let claimed = false;
    if (this.#visitors()) {
      const v = this.#visitUnsolicited(d);
      if (!v.more) return;
      claimed = v.visited;
    }
    if (borrowed) d = { ...d, data: d.data.slice() };
    let messages: NetlinkMessage[];
    try {
      messages = parseMessages(d.data);
    } catch (e) {
      this.#malformedDatagram(d, e);
      return;
    }
    let batching: DumpWaiter | undefined;
    for (const msg of messages) {
      const p = this.#waiterFor(msg.seq, d);
      if (p) {
        if (p.kind === "dump" && p.batched) batching = p;
        this.#deliver(p, msg);
      } else this.#unsolicited(msg, d, this.#echo(msg, d) || claimed);
    }
    if (batching) this.#flush(batching);
  }

  /**
   * A notification echoed to a batch message that asked for it (`NLM_F_ECHO`): from the
   * batch's peer, on a group (the kernel's echo is a copy of the multicast), with the
   * message's seq and this socket's port id. It goes to the batch and to the subscriptions.
   */
  #echo(msg: NetlinkMessage, d: ReceivedDatagram): boolean {
    if (d.group === 0) return false;
    const p = this.#pending.get(msg.seq);
    if (p?.kind !== "batch" || p.peer !== d.sender || msg.pid !== p.portId) return false;
    const a = p.bySeq.get(msg.seq);
    if (a === undefined || !(a.flags & NLM_F_ECHO)) return false;
    a.replies.push(msg);
    return true;
  }

  /** The waiter a unicast message with `seq` from `d.sender` answers, if any. */
  #waiterFor(seq: number, d: ReceivedDatagram): Waiter | undefined {
    if (d.group !== 0) return undefined;
    const p = this.#pending.get(seq);
    if (!p || p.peer !== d.sender || (p.kind === "dump" && p.unsent)) return undefined;
    return p;
  }

  /**
   * Bad framing: if the first header names a waiting request's seq and the datagram comes
   * from its peer, that request fails with the decode error; anything else is counted.
   */
  #malformedDatagram(d: ReceivedDatagram, e: unknown): void {
    const seq = u32At(d.data, 8);
    const p = seq === undefined ? undefined : this.#waiterFor(seq, d);
    if (p) this.#complete(p, malformedReply(p, e));
    else this.malformed++;
  }

  /** A message no waiter takes (`claimed`: an echo a batch took, so not a drop). */
  #unsolicited(msg: NetlinkMessage, d: ReceivedDatagram, claimed = false): void {
    if (msg.type === NLMSG_NOOP) return;
    // NLMSG_OVERRUN is reserved for the markers; a kernel unicast with a seq is a late answer.
    if (msg.type === NLMSG_OVERRUN || (d.group === 0 && d.sender === 0 && msg.seq !== 0)) {
      this.dropped++;
      return;
    }
    const r = msg as ReceivedMessage;
    r.sender = d.sender;
    r.group = d.group;
    if (d.nsid !== undefined) r.nsid = d.nsid;
    let taken = false;
    for (const s of this.#subscriptions.values()) {
      if (!s.accepts(d.sender) || s.visit) continue;
      s.stream.push(r);
      taken = true;
    }
    if (!taken && !claimed) this.dropped++;
  }

  /** Hand a batched dump the messages of this datagram. */
  #flush(p: DumpWaiter): void {
    if (p.batch === undefined) return;
    if (!p.abandoned) p.stream.push(p.batch);
    p.batch = undefined;
  }

  #deliver(p: Waiter, msg: NetlinkMessage): void {
    if (msg.flags & NLM_F_DUMP_INTR) p.interrupted = true;
    if (p.kind === "batch") return this.#deliverBatch(p, msg);
    switch (msg.type) {
      case NLMSG_ERROR: {
        let err;
        try {
          err = decodeErrorMessage(msg.payload, msg.flags);
        } catch (e) {
          return this.#complete(p, malformedReply(p, e));
        }
        if (err.error === 0) return this.#complete(p, undefined, msg);
        return this.#complete(
          p,
          answerError(this.#host.protocol, p, err.error, err.extAck, err.request),
        );
      }
      case NLMSG_DONE: {
        const error = msg.payload.length >= 4
          ? -new DataView(msg.payload.buffer, msg.payload.byteOffset).getInt32(0, true)
          : 0;
        if (error <= 0) return this.#complete(p, undefined, msg);
        let extAck: ExtendedAck | undefined;
        try {
          if (msg.flags & NLM_F_ACK_TLVS) extAck = decodeExtendedAck(msg.payload, 4);
        } catch (e) {
          return this.#complete(p, malformedReply(p, e));
        }
        return this.#complete(p, answerError(this.#host.protocol, p, error, extAck));
      }
      case NLMSG_OVERRUN:
        return this.#complete(p, new NetlinkError(ENOBUFS, { operation: p.operation, seq: p.seq }));
      default:
        if (p.kind === "dump") {
          if (p.abandoned || p.visit) return; // a visitor's messages come through #visitDump
          if (p.batched) (p.batch ??= []).push(msg);
          else p.stream.push(msg);
        } else if (!p.ack) {
          this.#complete(p, undefined, msg);
        } else {
          p.reply ??= msg;
        }
    }
  }

  /**
   * An answer to a message of batch `p`: its ACK or error (the first error is kept), or another
   * message for its replies. The barrier's answer settles the batch; without a barrier, the
   * last answer a message that asked for an ACK was waiting for does.
   */
  #deliverBatch(p: BatchWaiter, msg: NetlinkMessage): void {
    const final = msg.type === NLMSG_ERROR || msg.type === NLMSG_DONE;
    if (msg.seq === p.barrierSeq) {
      if (final) this.#complete(p);
      return;
    }
    const a = p.bySeq.get(msg.seq)!;
    if (msg.type !== NLMSG_ERROR) {
      a.replies.push(msg);
      return;
    }
    let err;
    try {
      err = decodeErrorMessage(msg.payload, msg.flags);
    } catch (e) {
      return this.#complete(p, malformedReply(p, e));
    }
    const first = !a.acked && a.error === undefined;
    if (err.error === 0) a.acked = true;
    else {a.error ??= answerError(
        this.#host.protocol,
        p,
        err.error,
        err.extAck,
        err.request,
        a,
      ) as NetlinkError;}
    if (first && a.flags & NLM_F_ACK) p.awaiting--;
    if (p.awaiting === 0 && p.barrierSeq === undefined) this.#complete(p);
  }

  #complete(p: Waiter, error?: unknown, final?: NetlinkMessage): void {
    if (this.#pending.get(p.seq) !== p && p.kind === "batch") return; // settled already
    this.#release(p);
    p.done();
    if (p.kind === "batch") {
      if (error !== undefined) p.reject(error);
      else p.resolve(p.answers);
      return;
    }
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
    this.#dumpQueue = [];
    for (const p of new Set(this.#pending.values())) this.#complete(p, e);
    for (const s of this.#subscriptions.values()) s.stream.fail(e);
    this.#subscriptions.clear();
  }

  /** The socket closed: pending requests fail with `error`, iterators end. */
  close(error: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dumpQueue = [];
    for (const p of new Set(this.#pending.values())) this.#complete(p, error);
    for (const s of this.#subscriptions.values()) s.stream.end();
    this.#subscriptions.clear();
  }
}
