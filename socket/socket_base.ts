/**
 * The base of {@link NetlinkSocket} (socket.ts): the bound socket itself — its identity and
 * counters, its options, buffer sizes and multicast memberships, sending, and closing. The
 * requests, dumps and subscriptions are NetlinkSocket's own; they reach this state through
 * {@link internalsOf}, which is not exported from the package.
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
  SOL_NETLINK,
} from "../codec/constants.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { encodeErrorMessage } from "../codec/nlmsgerr.ts";
import { SO_RCVBUF, SO_RCVBUFFORCE, SO_SNDBUF, SOL_SOCKET } from "../ffi/sys.ts";
import { Dispatcher, type ReceivedMessage } from "./dispatch.ts";
import { EMSGSIZE, messageTooLongError } from "./errors.ts";
import { Outbox } from "./framing.ts";
import {
  type OpenOptions,
  type SendOptions,
  validBufferSize,
  validGroup,
  validOption,
  validOptionValue,
  validSendOptions,
} from "./options.ts";
import { explainPermission } from "./privileges.ts";
import type { Transport } from "./transport.ts";

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

/** What {@link NetlinkSocket}'s own methods use of its base. */
export interface SocketInternals {
  /** Frames and sends requests. */
  readonly out: Outbox;
  /** Routes what is received to requests, dumps and subscriptions. */
  readonly d: Dispatcher;
  /** Throw a `TypeError` once closed. */
  assertOpen(): void;
  /** Give the socket the subscription receive buffer, unless one was chosen. */
  subscriptionBuffer(): void;
  /** Send a request, naming `operation` when it is too long for the send buffer. */
  sendRequest(bytes: Uint8Array, portId: number, operation: string, seq: number): void;
  /** Apply the options of `open()` and bind (closing the socket on failure). */
  configure(options: OpenOptions): void;
}

let internals: (s: NetlinkSocketBase) => SocketInternals;

/** The internals of `socket` (for socket.ts; not exported from the package). */
export function internalsOf(socket: NetlinkSocketBase): SocketInternals {
  return internals(socket);
}

/**
 * A bound netlink socket without its exchanges: what {@link NetlinkSocket} (which is what
 * `NetlinkSocket.open` gives) inherits — identity, counters, options, buffer sizes,
 * memberships, `send` and `close`.
 */
export class NetlinkSocketBase implements AsyncDisposable {
  /** The protocol number (`NETLINK_ROUTE`, …). */
  readonly protocol: number;
  /** Whether datagrams are `nlmsghdr`-framed (false for uevents). */
  readonly framed: boolean;
  /** The network namespace given to `NetlinkSocket.open`, if any. */
  readonly netns?: string | number;
  #t: Transport;
  #d: Dispatcher;
  #out: Outbox;
  #portId = 0;
  #closed = false;
  #pktinfo: boolean;
  /** The receive buffer was chosen (or the subscription default applied): leave it. */
  #rcvbufSet = false;
  #internals: SocketInternals;

  static {
    internals = (s) => s.#internals;
  }

  /** A socket over `transport`, not yet bound (see {@link SocketInternals.configure}). */
  protected constructor(transport: Transport, protocol: number, o: OpenOptions) {
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
    this.#internals = {
      out: this.#out,
      d: this.#d,
      assertOpen: () => this.#assertOpen(),
      subscriptionBuffer: () => this.#subscriptionBuffer(),
      sendRequest: (bytes, portId, operation, seq) =>
        this.#sendRequest(bytes, portId, operation, seq),
      configure: (options) => this.#configure(options),
    };
  }

  #configure(options: OpenOptions): void {
    try {
      if (options.receiveBufferSize !== undefined) {
        this.setReceiveBufferSize(options.receiveBufferSize);
      }
      if (options.sendBufferSize !== undefined) this.setSendBufferSize(options.sendBufferSize);
      if (this.framed) {
        this.setOption(NETLINK_EXT_ACK, options.extAck ?? true);
        if (options.capAck) this.setOption(NETLINK_CAP_ACK, true);
        if (options.strictCheck) this.setOption(NETLINK_GET_STRICT_CHK, true);
      }
      if (options.noEnobufs) this.setOption(NETLINK_NO_ENOBUFS, true);
      if (options.pktinfo) this.setOption(NETLINK_PKTINFO, true);
      if (options.listenAllNsid) this.setOption(NETLINK_LISTEN_ALL_NSID, true);
      const groups = options.groups ?? 0;
      if (groups !== 0 || (options.join?.length ?? 0) > 0) this.#subscriptionBuffer();
      try {
        this.#portId = this.#t.bind(options.portId ?? 0, groups);
      } catch (e) {
        if (groups === 0) throw e;
        throw explainPermission(e, {
          kind: "join",
          protocol: this.protocol,
          group: 32 - Math.clz32(groups),
        });
      }
      for (const g of options.join ?? []) this.join(g);
    } catch (e) {
      this.close();
      throw e;
    }
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
