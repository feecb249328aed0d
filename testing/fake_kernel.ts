/**
 * A fake kernel for tests that need no kernel and no permission: a function from request
 * messages to replies, behind the same {@link Transport} seam the libc socket uses. In the
 * spirit of Go's `mdlayher/netlink/nltest`.
 *
 * The handler sees each request message and answers through its {@link RequestContext}:
 * {@link RequestContext.reply} (one message), {@link RequestContext.ack},
 * {@link RequestContext.error} (with an extended ACK), {@link RequestContext.dump} (a
 * multipart reply split across datagrams, ended by `NLMSG_DONE`, optionally flagged
 * `NLM_F_DUMP_INTR`). Tests can also send notifications to multicast groups (from the kernel
 * or from another port), send malformed bytes, and overflow a socket's receive buffer: each
 * endpoint models the kernel's accounting (`SO_RCVBUF`, doubled; a datagram is queued only
 * while the queue holds no more than that; a refused one sets the socket's pending `ENOBUFS`
 * unless `NETLINK_NO_ENOBUFS`; the socket stays congested, refusing everything, until its
 * queue is emptied) and its send buffer (`SO_SNDBUF`: a datagram longer than it minus 32 bytes
 * fails with `EMSGSIZE`).
 *
 * @example
 * ```ts
 * import { FakeKernel } from "@netlink/netlink/testing";
 * import { NETLINK_ROUTE } from "@netlink/netlink";
 * const kernel = new FakeKernel(NETLINK_ROUTE, (req, k) => {
 *   if (req.type === 18) k.dump([{ type: 16, payload: new Uint8Array(16) }]);
 *   else k.error(95, { message: "not in this fake" });
 * });
 * await using sock = await kernel.open();
 * ```
 *
 * @module
 */
import { NLM_F_DUMP_INTR, NLM_F_MULTI, NLMSG_DONE } from "../codec/constants.ts";
import { encodeMessage, type NetlinkMessage, parseMessages } from "../codec/message.ts";
import { encodeErrorMessage } from "../codec/nlmsgerr.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { NetlinkSocket, type OpenOptions } from "../socket/socket.ts";
import type { ReceivedDatagram, ReceiveResult, Transport } from "../socket/transport.ts";

/** `SOL_NETLINK` and the options the fake understands (linux/netlink.h). */
const SOL_NETLINK = 270;
const NETLINK_ADD_MEMBERSHIP = 1, NETLINK_DROP_MEMBERSHIP = 2, NETLINK_NO_ENOBUFS = 5;
const NETLINK_LIST_MEMBERSHIPS = 9;
/** asm-generic/socket.h */
const SOL_SOCKET = 1, SO_SNDBUF = 7, SO_RCVBUF = 8, SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33;
/** `net.core.wmem_default`: the send buffer a new socket gets. */
const WMEM_DEFAULT = 212992;
const ECONNREFUSED = 111, EOPNOTSUPP = 95, EMSGSIZE = 90;

/** A message the fake sends: type, flags and payload (seq and port are filled in). */
export interface FakeMessage {
  /** `nlmsg_type`. */
  type: number;
  /** Extra `nlmsg_flags`. */
  flags?: number;
  /** Bytes after the header. */
  payload?: Uint8Array;
}

/** Options of {@link RequestContext.dump}. */
export interface DumpReplyOptions {
  /** Messages per datagram (default 2, so that a dump of 3 spans two datagrams). */
  perDatagram?: number;
  /** Flag every message `NLM_F_DUMP_INTR`, as when the table changed during the dump. */
  interrupted?: boolean;
  /** End with this errno in `NLMSG_DONE` instead of 0. */
  error?: number;
}

/** How the handler answers one request. */
export interface RequestContext {
  /** The endpoint that sent the request. */
  readonly endpoint: FakeEndpoint;
  /** Send one reply message (same seq, to the requester). */
  reply(message: FakeMessage): void;
  /** Acknowledge (`NLMSG_ERROR` with error 0). */
  ack(): void;
  /** Fail with `errno` and an optional extended ACK. */
  error(errno: number, extAck?: { message?: string; offset?: number }): void;
  /** A multipart reply ended by `NLMSG_DONE`. */
  dump(messages: readonly FakeMessage[], options?: DumpReplyOptions): void;
  /** Send raw bytes as one datagram to the requester (for malformed-input tests). */
  raw(datagram: Uint8Array): void;
}

/** The handler: called once per request message. Answering nothing is allowed (a lost reply). */
export type FakeHandler = (request: NetlinkMessage, k: RequestContext) => void | Promise<void>;

/**
 * A kernel in a function. Each {@link open} (or {@link endpoint}) is one bound socket; port ids
 * count up from 1000.
 */
export class FakeKernel {
  /** The protocol number sockets report. */
  readonly protocol: number;
  /** Every request message received, in order. */
  readonly requests: NetlinkMessage[] = [];
  #handler: FakeHandler;
  #endpoints = new Set<FakeEndpoint>();
  #nextPort = 1000;

  /** A fake kernel for `protocol` answering with `handler`. */
  constructor(protocol: number, handler: FakeHandler) {
    this.protocol = protocol;
    this.#handler = handler;
  }

  /** A new endpoint (the transport of one socket). */
  endpoint(): FakeEndpoint {
    const e = new FakeEndpoint(this, this.#nextPort++);
    this.#endpoints.add(e);
    return e;
  }

  /** The open endpoints, oldest first. */
  endpoints(): FakeEndpoint[] {
    return [...this.#endpoints];
  }

  /** A {@link NetlinkSocket} over a new endpoint: the real state machine, a fake kernel. */
  open(options: OpenOptions = {}): Promise<NetlinkSocket> {
    return NetlinkSocket.fromTransport(this.endpoint(), this.protocol, options);
  }

  /** Send a notification to multicast group `group` (to every endpoint that joined it). */
  notify(group: number, message: FakeMessage | Uint8Array, sender = 0): void {
    const data = message instanceof Uint8Array ? message : encode(message, 0, 0);
    for (const e of this.#endpoints) {
      if (e.groups.has(group)) e.deliver({ data: data.slice(), sender, group });
    }
  }

  /** @internal A datagram from `from`. */
  async receive(
    from: FakeEndpoint,
    data: Uint8Array,
    portId: number,
    groups: number,
  ): Promise<void> {
    if (portId !== 0) {
      const peer = [...this.#endpoints].find((e) => e.portId === portId && !e.closed);
      if (!peer) throw new NetlinkError(ECONNREFUSED, { operation: "sendto" });
      peer.deliver({ data: data.slice(), sender: from.portId, group: 0 });
      return;
    }
    for (let g = 1; g <= 32; g++) {
      if (groups & (1 << (g - 1))) this.notify(g, data, from.portId);
    }
    if (groups !== 0) return;
    for (const req of parseMessages(data.slice())) {
      this.requests.push(req);
      await this.#handler(req, context(from, req));
    }
  }

  /** @internal */
  forget(e: FakeEndpoint): void {
    this.#endpoints.delete(e);
  }
}

function encode(m: FakeMessage, seq: number, pid: number, extraFlags = 0): Uint8Array {
  return encodeMessage({
    type: m.type,
    flags: (m.flags ?? 0) | extraFlags,
    seq,
    pid,
    payload: m.payload,
  });
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function context(to: FakeEndpoint, req: NetlinkMessage): RequestContext {
  const send = (data: Uint8Array) => to.deliver({ data, sender: 0, group: 0 });
  return {
    endpoint: to,
    reply: (m) => send(encode(m, req.seq, to.portId)),
    ack: () => send(encodeErrorMessage(req, 0, { pid: to.portId })),
    error: (errno, extAck) => send(encodeErrorMessage(req, errno, { pid: to.portId, extAck })),
    raw: (datagram) => send(datagram),
    dump(messages, options = {}) {
      const per = options.perDatagram ?? 2;
      const intr = options.interrupted ? NLM_F_DUMP_INTR : 0;
      const all = messages.map((m) => encode(m, req.seq, to.portId, NLM_F_MULTI | intr));
      const status = new Uint8Array(4);
      new DataView(status.buffer).setInt32(0, -(options.error ?? 0), true);
      all.push(
        encode({ type: NLMSG_DONE, payload: status }, req.seq, to.portId, NLM_F_MULTI | intr),
      );
      for (let i = 0; i < all.length; i += per) send(concat(all.slice(i, i + per)));
    },
  };
}

/** One bound socket of a {@link FakeKernel}: a {@link Transport}. */
export class FakeEndpoint implements Transport {
  /** The bound port id (chosen by the fake kernel unless bound to one). */
  portId: number;
  /** Joined multicast groups. */
  readonly groups: Set<number> = new Set();
  /** The fake kernel: its endpoints share cached facts (generic netlink family ids). */
  readonly scope: FakeKernel;
  /** Socket options set, by `level:name`. */
  readonly options: Map<string, number> = new Map();
  #kernel: FakeKernel;
  #queue: ReceivedDatagram[] = [];
  #queuedBytes = 0;
  #rx = new Uint8Array(0);
  /** The pending socket error: the next receive reports an overrun. */
  #overrun = false;
  /** A datagram was refused and the queue has not been emptied since (`NETLINK_S_CONGESTED`). */
  #congested = false;
  #wake: (() => void) | undefined;
  #closed = false;
  /** Datagrams refused because the receive buffer was full (the kernel's `sk_drops`). */
  drops = 0;

  /** @internal */
  constructor(kernel: FakeKernel, portId: number) {
    this.#kernel = kernel;
    this.scope = kernel;
    this.portId = portId;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Datagrams queued and not yet received. */
  get queued(): number {
    return this.#queue.length;
  }

  /** The receive buffer in bytes (`SO_RCVBUF` as the kernel reports it); unlimited until set. */
  get receiveBufferSize(): number {
    return this.options.get(`${SOL_SOCKET}:${SO_RCVBUF}`) ?? Infinity;
  }

  /** The send buffer in bytes (`SO_SNDBUF` as the kernel reports it). */
  get sendBufferSize(): number {
    return this.options.get(`${SOL_SOCKET}:${SO_SNDBUF}`) ?? WMEM_DEFAULT;
  }

  /**
   * Queue a datagram for this socket, as `netlink_attachskb` does: refused (and counted in
   * {@link drops}, with an overrun reported unless `NETLINK_NO_ENOBUFS`) when the queue already
   * holds more than the receive buffer or the socket is congested. Returns whether it was
   * queued.
   */
  deliver(d: ReceivedDatagram): boolean {
    if (this.#closed) return false;
    if (this.#congested || this.#queuedBytes > this.receiveBufferSize) {
      this.drops++;
      this.#congested = true;
      if (!this.options.get(`${SOL_NETLINK}:${NETLINK_NO_ENOBUFS}`)) this.#overrun = true;
      this.#signal();
      return false;
    }
    this.#queue.push(d);
    this.#queuedBytes += d.data.length;
    this.#signal();
    return true;
  }

  /**
   * Report a receive-buffer overrun: the next receive reports `ENOBUFS`, before the datagrams
   * still queued, as the kernel reports a pending socket error.
   */
  overrun(): void {
    this.#overrun = true;
    this.#signal();
  }

  /** Drop every queued datagram (what the kernel does with a full buffer), then overrun. */
  overflow(): void {
    this.#queue = [];
    this.#queuedBytes = 0;
    this.overrun();
  }

  #signal(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  /** Bind to `portId` (0: keep the one the fake kernel chose) and join the legacy `groups` mask. */
  bind(portId: number, groups: number): number {
    if (portId !== 0) this.portId = portId;
    for (let g = 1; g <= 32; g++) if (groups & (1 << (g - 1))) this.groups.add(g);
    return this.portId;
  }

  /** Hand a datagram to the fake kernel (port 0), to a peer endpoint, or to multicast `groups`. */
  send(data: Uint8Array, portId: number, groups: number): void {
    if (this.#closed) throw new NetlinkError(9, /* EBADF */ { operation: "sendto" });
    if (data.length > this.sendBufferSize - 32) {
      throw new NetlinkError(EMSGSIZE, { operation: "sendto" });
    }
    // The kernel processes a request synchronously in sendmsg; replies are queued by the time
    // it returns. Handlers may be async: their replies arrive later, like a slow kernel.
    void this.#kernel.receive(this, data, portId, groups).catch((e) => {
      this.deliver({ data: errorFor(data, e), sender: 0, group: 0 });
    });
  }

  /**
   * The pending overrun, else the next queued datagram, else `empty`. With `borrow` the
   * datagram is handed in one receive buffer that the next receive overwrites, as the libc
   * transport does.
   */
  receive(borrow = false): ReceiveResult {
    if (this.#overrun) {
      this.#overrun = false;
      return { kind: "overrun" };
    }
    const d = this.#queue.shift();
    if (d === undefined) return { kind: "empty" };
    this.#queuedBytes -= d.data.length;
    if (this.#queue.length === 0) this.#congested = false;
    if (!borrow) return { kind: "datagram", datagram: d };
    if (this.#rx.length < d.data.length) this.#rx = new Uint8Array(d.data.length);
    this.#rx.set(d.data);
    return { kind: "datagram", datagram: { ...d, data: this.#rx.subarray(0, d.data.length) } };
  }

  /** Resolves when something is queued (or the endpoint closed, or the wait was cancelled). */
  readable(): Promise<void> {
    if (this.#queue.length > 0 || this.#overrun || this.#closed) return Promise.resolve();
    return new Promise((resolve) => (this.#wake = resolve));
  }

  /** Wake a pending {@link readable}. */
  cancelWait(): void {
    this.#signal();
  }

  /**
   * `setsockopt`: joins and leaves groups (`NETLINK_ADD/DROP_MEMBERSHIP`), sizes the buffers
   * (`SO_RCVBUF`, `SO_SNDBUF` and their `FORCE` forms, doubled as the kernel does), records the
   * rest.
   */
  setInt(level: number, name: number, value: number): void {
    if (level === SOL_NETLINK && name === NETLINK_ADD_MEMBERSHIP) this.groups.add(value);
    else if (level === SOL_NETLINK && name === NETLINK_DROP_MEMBERSHIP) this.groups.delete(value);
    else if (level === SOL_SOCKET && (name === SO_RCVBUF || name === SO_RCVBUFFORCE)) {
      this.options.set(`${SOL_SOCKET}:${SO_RCVBUF}`, 2 * value);
    } else if (level === SOL_SOCKET && (name === SO_SNDBUF || name === SO_SNDBUFFORCE)) {
      this.options.set(`${SOL_SOCKET}:${SO_SNDBUF}`, 2 * value);
    } else this.options.set(`${level}:${name}`, value);
  }

  /** `getsockopt` of an integer option set before (0 otherwise; the buffer sizes). */
  getInt(level: number, name: number): number {
    if (level === SOL_SOCKET && name === SO_SNDBUF) return this.sendBufferSize;
    return this.options.get(`${level}:${name}`) ?? 0;
  }

  /** `getsockopt(NETLINK_LIST_MEMBERSHIPS)`: the joined groups as a bit mask; others fail. */
  getBytes(level: number, name: number, size: number): Uint8Array {
    if (level !== SOL_NETLINK || name !== NETLINK_LIST_MEMBERSHIPS) {
      throw new NetlinkError(EOPNOTSUPP, { operation: `getsockopt(${level}, ${name})` });
    }
    const out = new Uint8Array(size);
    for (const g of this.groups) if (g <= size * 8) out[(g - 1) >> 3] |= 1 << ((g - 1) & 7);
    return out;
  }

  /** Close: the fake kernel forgets the endpoint, a pending wait wakes. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#kernel.forget(this);
    this.#signal();
  }
}

/** A handler that threw: the request fails with EIO, like a kernel bug would not, visibly. */
function errorFor(data: Uint8Array, e: unknown): Uint8Array {
  const [req] = parseMessages(data.slice());
  return encodeErrorMessage(req, 5, /* EIO */ { extAck: { message: `fake kernel: ${e}` } });
}
