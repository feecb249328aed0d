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
import {
  AF_NETLINK,
  check,
  EAGAIN,
  ECONNREFUSED,
  EINTR,
  ENOBUFS,
  type Hub,
  inNetns,
  loadSys,
  MSG_DONTWAIT,
  MSG_TRUNC,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SO_SNDBUF,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_RAW,
  SOL_SOCKET,
} from "../ffi/sys.ts";
import type { Libc } from "../ffi/types.ts";
import { MessageStream, type StreamOwner } from "./stream.ts";

/** Options for {@link NetlinkSocket.open}. */
export interface OpenOptions {
  /** `"raw"` (default) or `"dgram"`: netlink treats both the same. */
  type?: "raw" | "dgram";
  /** Port id to bind; 0 or absent lets the kernel pick one. */
  portId?: number;
  /** Multicast groups 1–32 to join at bind time, as a bitmask (bit `g - 1` for group `g`). */
  groups?: number;
  /** Groups to join after bind by number (any group, including those above 32). */
  join?: number[];
  /** Kernel receive buffer in bytes (`SO_RCVBUFFORCE` when privileged, else `SO_RCVBUF`). */
  receiveBufferSize?: number;
  /** Kernel send buffer in bytes (`SO_SNDBUF`). */
  sendBufferSize?: number;
  /** Ask for extended ACKs (`NETLINK_EXT_ACK`). Default true. */
  extAck?: boolean;
  /** Do not echo the request payload in error messages (`NETLINK_CAP_ACK`). Default false. */
  capAck?: boolean;
  /** Strict header checking for dump requests (`NETLINK_GET_STRICT_CHK`). Default false. */
  strictCheck?: boolean;
  /** Do not report receive-buffer overruns (`NETLINK_NO_ENOBUFS`). Default false. */
  noEnobufs?: boolean;
  /** Report each notification's group, even above 32 (`NETLINK_PKTINFO`). Default false. */
  pktinfo?: boolean;
  /** Receive notifications from every peer namespace (`NETLINK_LISTEN_ALL_NSID`). */
  listenAllNsid?: boolean;
  /**
   * Whether datagrams carry `nlmsghdr` framing. Default: true, except for
   * `NETLINK_KOBJECT_UEVENT`, whose datagrams are plain uevent text.
   */
  framed?: boolean;
  /** Size of the user-space receive buffer; longer datagrams are an error. Default 64 KiB. */
  messageBufferSize?: number;
  /**
   * Open the socket inside another network namespace: a name (`/run/netns/NAME`, as made by
   * `ip netns add`), a path (`/proc/PID/ns/net`), or an open namespace fd. The rest of the
   * process stays where it is: only the socket lives in that namespace.
   */
  netns?: string | number;
}

/** Where to send: the kernel (default), another port id, and/or multicast groups. */
export interface SendOptions {
  /** Destination port id; 0 (default) is the kernel. */
  portId?: number;
  /** Destination multicast groups 1–32, as a bitmask. */
  groups?: number;
}

/** Options for {@link NetlinkSocket.request} and {@link NetlinkSocket.dump}. */
export interface RequestOptions {
  /** Port id of the peer that answers; 0 (default) is the kernel. */
  portId?: number;
  /** Cancel waiting; the reply, if it comes later, is dropped. */
  signal?: AbortSignal;
  /** Name of the operation for error messages, e.g. `"RTM_NEWLINK"`. */
  operation?: string;
}

/** Options for {@link NetlinkSocket.subscribe} and {@link NetlinkSocket.datagrams}. */
export interface SubscribeOptions {
  /** Stop the iterator. */
  signal?: AbortSignal;
}

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

const MAX_GROUP = 1024;
const SOCKADDR_NL_LEN = 12;
const MSGHDR_LEN = 56;
const CONTROL_LEN = 128;

/** A request waiting for its reply, its ACK or the end of its dump. */
interface Pending {
  seq: number;
  peer: number;
  operation: string;
  /** The dump's stream; absent for a plain request. */
  stream?: MessageStream<NetlinkMessage | NetlinkMessage[]>;
  /** The stream carries one array per datagram ({@link NetlinkSocket.dumpBatches}). */
  batched?: boolean;
  /** Messages of the current datagram, for a batched dump. */
  batch?: NetlinkMessage[];
  interrupted: boolean;
  /** Consumer stopped: keep reading (and dropping) until the end. */
  abandoned: boolean;
  /** A dump's request, until it is sent (the kernel runs one dump per socket at a time). */
  unsent?: Uint8Array;
  reply?: NetlinkMessage;
  resolve?: (m: NetlinkMessage) => void;
  reject?: (e: unknown) => void;
  done: () => void;
}

function validGroup(group: number): number {
  if (!Number.isInteger(group)) throw new TypeError(`Group must be an integer, got ${group}`);
  if (group === 0) throw new RangeError("Cannot join group 0: groups are numbered from 1");
  if (group < 0 || group > MAX_GROUP) {
    throw new RangeError(`Cannot join group ${group}: groups are numbered from 1 to ${MAX_GROUP}`);
  }
  return group;
}

function validU32(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new RangeError(`${name} must be an integer from 0 to 4294967295, got ${v}`);
  }
  return v;
}

function sockaddr(portId: number, groups: number): Uint8Array {
  const a = new Uint8Array(new ArrayBuffer(SOCKADDR_NL_LEN));
  const dv = new DataView(a.buffer);
  dv.setUint16(0, AF_NETLINK, true);
  dv.setUint32(4, portId, true);
  dv.setUint32(8, groups, true);
  return a;
}

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
 * const req = new MessageBuilder(18 /* RTM_GETLINK *\/, NLM_F_DUMP).raw(new Uint8Array(16));
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
  #libc: Libc;
  #hub: Hub;
  #fd: number;
  #portId = 0;
  #closed = false;
  #seq: number;
  #pending = new Map<number, Pending>();
  /** What the streams call back: a consumer waits on an empty queue, or stopped early. */
  #owner: StreamOwner = {
    hungry: () => this.#pump(),
    cancelled: (stream) => this.#cancelled(stream),
  };
  #subscribers = new Set<MessageStream<ReceivedMessage>>();
  #datagramSubscribers = new Set<MessageStream<Datagram>>();
  #pumping = false;
  /** Dumps waiting for the running one to finish, and the running one. */
  #dumpQueue: Pending[] = [];
  #dumpActive: Pending | undefined;
  #kernelAddr: Uint8Array;
  // recvmsg state: the buffers are allocated once and their addresses written into msghdr.
  #buf!: Uint8Array;
  #name: Uint8Array;
  #nameView: DataView;
  #control: Uint8Array;
  #controlView: DataView;
  #iov: Uint8Array;
  #msghdr: Uint8Array;
  #msghdrView: DataView;
  #pktinfo: boolean;
  #listenAllNsid: boolean;
  /** Unsolicited messages dropped because nothing subscribed, or from unexpected senders. */
  dropped = 0;
  /** Receive-buffer overruns (`ENOBUFS`) seen so far. */
  overruns = 0;

  private constructor(libc: Libc, hub: Hub, fd: number, protocol: number, o: OpenOptions) {
    this.#libc = libc;
    this.#hub = hub;
    this.#fd = fd;
    this.protocol = protocol;
    this.framed = o.framed ?? protocol !== NETLINK_KOBJECT_UEVENT;
    this.netns = o.netns;
    this.#seq = (Math.random() * 0x3fffffff) >>> 0 || 1;
    this.#kernelAddr = sockaddr(0, 0);
    this.#name = new Uint8Array(new ArrayBuffer(SOCKADDR_NL_LEN));
    this.#nameView = new DataView(this.#name.buffer);
    this.#control = new Uint8Array(new ArrayBuffer(CONTROL_LEN));
    this.#controlView = new DataView(this.#control.buffer);
    this.#iov = new Uint8Array(new ArrayBuffer(16));
    this.#msghdr = new Uint8Array(new ArrayBuffer(MSGHDR_LEN));
    this.#msghdrView = new DataView(this.#msghdr.buffer);
    this.#pktinfo = o.pktinfo ?? false;
    this.#listenAllNsid = o.listenAllNsid ?? false;
    this.#setBuffer(o.messageBufferSize ?? 65536);
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
    if (!Number.isInteger(protocol) || protocol < 0 || protocol > 31) {
      throw new RangeError(`Netlink protocol must be an integer from 0 to 31, got ${protocol}`);
    }
    if (options.type !== undefined && options.type !== "raw" && options.type !== "dgram") {
      throw new TypeError(`Socket type must be "raw" or "dgram", got ${String(options.type)}`);
    }
    const portId = validU32("portId", options.portId ?? 0);
    const groups = validU32("groups", options.groups ?? 0);
    const joins = (options.join ?? []).map(validGroup);
    const size = options.messageBufferSize ?? 65536;
    if (!Number.isInteger(size) || size < 4096) {
      throw new RangeError(`messageBufferSize must be at least 4096, got ${size}`);
    }
    const netns = options.netns;
    if (netns !== undefined) {
      if (typeof netns === "string" ? netns === "" : !Number.isInteger(netns) || netns < 0) {
        throw new TypeError(
          `netns must be a namespace name, a path or an fd, got ${String(netns)}`,
        );
      }
    }
    const { libc, hub } = await loadSys();
    const type = (options.type === "dgram" ? SOCK_DGRAM : SOCK_RAW) | SOCK_NONBLOCK | SOCK_CLOEXEC;
    const fd = netns === undefined
      ? check(libc, libc.socket(AF_NETLINK, type, protocol), "socket")
      : inNetns(libc, netns, "socket", () => libc.socket(AF_NETLINK, type, protocol));
    const sock = new NetlinkSocket(libc, hub, fd, protocol, options);
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
      const addr = sockaddr(portId, groups);
      check(libc, libc.bind(fd, addr, SOCKADDR_NL_LEN), "bind");
      sock.#portId = sock.#readPortId();
      for (const g of joins) sock.join(g);
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

  /** The file descriptor (for diagnostics; do not close it directly). */
  get fd(): number {
    return this.#fd;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  #readPortId(): number {
    const addr = new Uint8Array(new ArrayBuffer(SOCKADDR_NL_LEN));
    const len = new Uint8Array(new ArrayBuffer(4));
    new DataView(len.buffer).setUint32(0, SOCKADDR_NL_LEN, true);
    check(this.#libc, this.#libc.getsockname(this.#fd, addr, len), "getsockname");
    return new DataView(addr.buffer).getUint32(4, true);
  }

  #assertOpen(): void {
    if (this.#closed) throw new TypeError("The netlink socket is closed");
  }

  #setBuffer(size: number): void {
    this.#buf = new Uint8Array(new ArrayBuffer(size));
    const a = this.#libc.addressOf.bind(this.#libc);
    const iov = new DataView(this.#iov.buffer);
    iov.setBigUint64(0, a(this.#buf), true);
    iov.setBigUint64(8, BigInt(size), true);
    const m = this.#msghdrView;
    m.setBigUint64(0, a(this.#name), true);
    m.setUint32(8, SOCKADDR_NL_LEN, true);
    m.setBigUint64(16, a(this.#iov), true);
    m.setBigUint64(24, 1n, true);
    m.setBigUint64(32, a(this.#control), true);
    m.setBigUint64(40, BigInt(CONTROL_LEN), true);
    m.setInt32(48, 0, true);
  }

  #setInt(level: number, name: number, value: number, label: string): void {
    this.#assertOpen();
    const v = new Uint8Array(new ArrayBuffer(4));
    new DataView(v.buffer).setInt32(0, value, true);
    check(this.#libc, this.#libc.setsockopt(this.#fd, level, name, v, 4), `setsockopt(${label})`);
  }

  #getInt(level: number, name: number, label: string): number {
    this.#assertOpen();
    const v = new Uint8Array(new ArrayBuffer(4));
    const len = new Uint8Array(new ArrayBuffer(4));
    new DataView(len.buffer).setUint32(0, 4, true);
    check(this.#libc, this.#libc.getsockopt(this.#fd, level, name, v, len), `getsockopt(${label})`);
    return new DataView(v.buffer).getInt32(0, true);
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
    if (option === NETLINK_LISTEN_ALL_NSID) this.#listenAllNsid = v !== 0;
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
    const bytes = new Uint8Array(new ArrayBuffer(128));
    const len = new Uint8Array(new ArrayBuffer(4));
    new DataView(len.buffer).setUint32(0, bytes.length, true);
    check(
      this.#libc,
      this.#libc.getsockopt(this.#fd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, bytes, len),
      "getsockopt(NETLINK_LIST_MEMBERSHIPS)",
    );
    const dv = new DataView(bytes.buffer);
    const n = Math.min(new DataView(len.buffer).getUint32(0, true), bytes.length);
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
    const to = portId === 0 && groups === 0 ? this.#kernelAddr : sockaddr(portId, groups);
    const libc = this.#libc;
    if (libc.sendto(this.#fd, data, data.length, 0, to, SOCKADDR_NL_LEN) >= 0) return;
    const errno = libc.errno();
    // After a multicast the kernel also unicasts to port 0; protocols without a kernel socket
    // (USERSOCK) refuse that part, but the multicast went out.
    if (errno === ECONNREFUSED && groups !== 0 && portId === 0) return;
    throw new NetlinkError(errno, { operation: "sendto" });
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
   * const req = new MessageBuilder(18 /* RTM_GETLINK *\/).raw(new Uint8Array(16)).string(3, "lo");
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
      const p: Pending = {
        seq,
        peer,
        operation: options.operation ?? operationName(type),
        interrupted: false,
        abandoned: false,
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
   * const req = new MessageBuilder(26 /* RTM_GETROUTE *\/).raw(new Uint8Array(12));
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
   * const req = new MessageBuilder(26 /* RTM_GETROUTE *\/).raw(new Uint8Array(12));
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
    const p: Pending = {
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
      if (p.stream!.finished) {
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
      if (p.stream !== stream || p.unsent) continue; // an unsent dump is dropped when its turn comes
      p.abandoned = true; // keep reading until DONE so the next dump is not EBUSY
      this.#pump();
    }
  }

  /** If nobody waits for data any more, stop waiting in the hub so an idle process can exit. */
  #demandDropped(): void {
    if (this.#pumping && !this.#closed && !this.#needsData()) this.#hub.cancel(this.#fd);
  }

  /** Is anybody waiting for data from the kernel? */
  #needsData(): boolean {
    for (const p of this.#pending.values()) {
      if (!p.stream || p.abandoned || (p.stream.waiting && !p.unsent)) return true;
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
        await this.#hub.readable(this.#fd);
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
    const libc = this.#libc;
    const m = this.#msghdrView;
    for (;;) {
      if (this.#closed) return true;
      m.setUint32(8, SOCKADDR_NL_LEN, true);
      m.setBigUint64(40, BigInt(CONTROL_LEN), true);
      const n = libc.recvmsg(this.#fd, this.#msghdr, MSG_DONTWAIT | MSG_TRUNC);
      if (n < 0) {
        const errno = libc.errno();
        if (errno === EAGAIN) return false;
        if (errno === EINTR) continue;
        if (errno === ENOBUFS) {
          this.#overrun();
          continue;
        }
        throw new NetlinkError(errno, { operation: "recvmsg" });
      }
      const sender = this.#nameView.getUint32(4, true);
      const mask = this.#nameView.getUint32(8, true); // one bit, for groups 1-32 only
      let group = mask === 0 ? 0 : 32 - Math.clz32(mask);
      let nsid: number | undefined;
      if (this.#pktinfo || this.#listenAllNsid) ({ group, nsid } = this.#readControl(group));
      if (n > this.#buf.length || (m.getInt32(48, true) & MSG_TRUNC) !== 0) {
        this.#truncated(n);
        continue;
      }
      const data = this.#buf.slice(0, n);
      if (this.framed) this.#route(data, sender, group, nsid);
      else this.#routeDatagram({ data, sender, group });
      if (!this.#needsData()) return true;
    }
  }

  /** The group (`NETLINK_PKTINFO`) and peer nsid from the control messages, if present. */
  #readControl(group: number): { group: number; nsid?: number } {
    const len = Number(this.#msghdrView.getBigUint64(40, true));
    const dv = this.#controlView;
    let nsid: number | undefined;
    for (let off = 0; off + 16 <= len;) {
      const clen = Number(dv.getBigUint64(off, true));
      if (clen < 16 || off + clen > len) break;
      const level = dv.getInt32(off + 8, true);
      const type = dv.getInt32(off + 12, true);
      if (level === SOL_NETLINK && clen >= 20) {
        if (type === NETLINK_PKTINFO) group = dv.getUint32(off + 16, true);
        else if (type === NETLINK_LISTEN_ALL_NSID) nsid = dv.getInt32(off + 16, true);
      }
      off += (clen + 7) & ~7;
    }
    return { group, nsid };
  }

  #truncated(n: number): void {
    // The datagram is lost; fail whoever it was for and grow the buffer for next time.
    const size = this.#buf.length;
    const dv = new DataView(this.#buf.buffer);
    const seq = dv.getUint32(8, true);
    const e = new NetlinkError(90, /* EMSGSIZE */ {
      operation: `recvmsg: a ${n}-byte datagram did not fit the ${size}-byte buffer`,
    });
    this.#setBuffer(Math.max(n, size * 2));
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
    let batching: Pending | undefined;
    for (const msg of messages) {
      const p = group === 0 ? this.#pending.get(msg.seq) : undefined;
      if (p && p.peer === sender) {
        if (p.batched) batching = p;
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
  #flush(p: Pending): void {
    if (p.batch === undefined) return;
    if (!p.abandoned) p.stream!.push(p.batch);
    p.batch = undefined;
  }

  #deliver(p: Pending, msg: NetlinkMessage): void {
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
        if (p.stream) {
          if (p.abandoned) return;
          if (p.batched) (p.batch ??= []).push(msg);
          else p.stream.push(msg);
        } else {
          p.reply ??= msg;
        }
    }
  }

  #complete(p: Pending, error?: unknown, final?: NetlinkMessage): void {
    if (this.#pending.get(p.seq) === p) this.#pending.delete(p.seq);
    this.#flush(p);
    p.done();
    if (p === this.#dumpActive) {
      this.#dumpActive = undefined;
      if (!this.#closed) queueMicrotask(() => this.#startDump());
    }
    if (p.stream) {
      if (error !== undefined && !p.abandoned) p.stream.fail(error);
      else p.stream.end();
    } else if (error !== undefined) {
      p.reject!(error);
    } else {
      p.resolve!(p.reply ?? final!);
    }
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
    this.#hub.remove(this.#fd);
    this.#libc.close(this.#fd);
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
