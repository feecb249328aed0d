/**
 * The options of `NetlinkSocket` and their validation: misuse is a `TypeError` or `RangeError`
 * before any system call.
 *
 * @module
 */

import { PcapWriter } from "../capture/pcap.ts";
const MAX_GROUP = 1024;
/**
 * Sizes of the user-space receive buffer (`messageBufferSize`): at least 4 KiB, at most 64 MiB
 * (a longer datagram is still read whole, into a buffer of its own), 64 KiB by default — room
 * for the kernel's 32 KiB dump datagrams.
 */
export const messageBufferSizes = { min: 4096, max: 64 << 20, default: 65536 } as const;

/** Options for `NetlinkSocket.open`. */
export interface OpenOptions {
  /** `"raw"` (default) or `"dgram"`: netlink treats both the same. */
  type?: "raw" | "dgram";
  /** Port id to bind; 0 or absent lets the kernel pick one. */
  portId?: number;
  /** Multicast groups 1–32 to join at bind time, as a bitmask (bit `g - 1` for group `g`). */
  groups?: number;
  /** Groups to join after bind by number (any group, including those above 32). */
  join?: readonly number[];
  /** Kernel receive buffer in bytes (`SO_RCVBUFFORCE` when privileged, else `SO_RCVBUF`). */
  receiveBufferSize?: number;
  /**
   * Kernel send buffer in bytes (`SO_SNDBUFFORCE` when privileged, else `SO_SNDBUF`): a
   * datagram longer than the send buffer minus 32 bytes cannot be sent.
   */
  sendBufferSize?: number;
  /** Ask for extended ACKs (`NETLINK_EXT_ACK`). Default true. */
  extAck?: boolean;
  /** Do not echo the request payload in error messages (`NETLINK_CAP_ACK`). Default false. */
  capAck?: boolean;
  /** Strict header checking for dump requests (`NETLINK_GET_STRICT_CHK`). Default false. */
  strictCheck?: boolean;
  /**
   * Do not report receive-buffer overruns (`NETLINK_NO_ENOBUFS`). Default false. With it, lost
   * notifications go unreported and a request whose reply was dropped is never answered: give
   * such requests a `signal`.
   */
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
  /**
   * First size of the user-space receive buffer, 4 KiB to 64 MiB (default 64 KiB). Every read
   * learns the next datagram's length first, so a longer one is still received whole.
   */
  messageBufferSize?: number;
  /**
   * Open the socket inside another network namespace: a name (`/run/netns/NAME`, as made by
   * `ip netns add`), a path (`/proc/PID/ns/net`), or an open namespace fd. The rest of the
   * process stays where it is: only the socket lives in that namespace.
   */
  netns?: string | number;
  /**
   * Write every message this socket sends and receives to a pcap file (`LINKTYPE_NETLINK`,
   * readable by Wireshark and tshark): a path (sockets given the same path share the file) or
   * a {@link PcapWriter}. `false` turns capture off even when the `NETLINK_PCAP` environment
   * variable (the process-wide switch, read by `NetlinkSocket.open` when allowed) names a file.
   */
  pcap?: string | PcapWriter | false;
}

/** Where to send: the kernel (default), another port id, and/or multicast groups. */
export interface SendOptions {
  /** Destination port id; 0 (default) is the kernel. */
  portId?: number;
  /** Destination multicast groups 1–32, as a bitmask. */
  groups?: number;
}

/** Options for `NetlinkSocket.request` and `NetlinkSocket.dump`. */
export interface RequestOptions {
  /** Port id of the peer that answers; 0 (default) is the kernel. */
  portId?: number;
  /**
   * Cancel waiting; the reply, if it comes later, is dropped. An already-aborted signal
   * rejects at once and nothing is sent.
   */
  signal?: AbortSignal;
  /** Name of the operation for error messages, e.g. `"RTM_NEWLINK"`. */
  operation?: string;
  /**
   * `request()` only. Ask for an acknowledgement (`NLM_F_ACK`, default true) and settle on it.
   * `false`: send without `NLM_F_ACK` (cleared if the message has it) and resolve with the
   * first message answering the request's seq, for protocols that answer without an ACK
   * (`NETLINK_FIB_LOOKUP`, audit's `AUDIT_GET`). An `NLMSG_ERROR` answer still settles it.
   */
  ack?: boolean;
}

/** Options for `NetlinkSocket.requestBatch`. */
export interface BatchRequestOptions {
  /** Port id of the peer that answers; 0 (default) is the kernel. */
  portId?: number;
  /**
   * Stop waiting; answers that come later are dropped. An already-aborted signal rejects at
   * once and nothing is sent. (The kernel may still have applied the batch.)
   */
  signal?: AbortSignal;
  /** Name of the batch for errors, e.g. `"nftables batch"`. */
  operation?: string;
  /** Name of each message for its error (default: the batch's name, the message's position). */
  operations?: readonly (string | undefined)[];
  /**
   * Send an `NLMSG_NOOP` asking for an ACK right after the batch and settle on its answer, so
   * that messages the kernel never answers show as unanswered instead of leaving the batch
   * waiting (see socket/batch.ts). Default false: settle once every message that asked for an
   * ACK was answered.
   */
  barrier?: boolean;
}

/**
 * Whose unsolicited messages a subscription takes: `"kernel"` (port id 0, the default),
 * `"any"` sender, or the listed port ids (0 for the kernel).
 */
export type AcceptFrom = "kernel" | "any" | readonly number[];

/** Options for `NetlinkSocket.subscribe` and `NetlinkSocket.datagrams`. */
export interface SubscribeOptions {
  /** Stop the iterator; an already-aborted signal fails its first `next()`. */
  signal?: AbortSignal;
  /**
   * What a receive-buffer overrun (`ENOBUFS`: the kernel dropped messages for this socket)
   * does to the iterator. `"mark"` (default): it yields a marker and goes on — for
   * `subscribe()` a message of type `NLMSG_OVERRUN` (4) with an empty payload, seq 0, sender 0
   * and group 0; for `datagrams()` a datagram with `overrun: true` and no data. The kernel
   * keeps dropping, silently, until the socket's queue has been read empty, so the marker comes
   * then: every message lost comes before a marker, and what follows one is complete (re-read
   * the state when it comes). `"throw"`: the iterator fails with an `ENOBUFS` `NetlinkError`
   * as soon as the overrun is reported.
   */
  overrun?: "mark" | "throw";
  /**
   * Whose messages to take (default `"kernel"`). Only the kernel sends from port id 0, so by
   * default a multicast or unicast message from another process (a forged notification) is
   * dropped and counted in `NetlinkSocket.dropped`. A user-space server (`NETLINK_USERSOCK`),
   * or a listener to udev's uevents, passes `"any"` or the peers' port ids.
   */
  acceptFrom?: AcceptFrom;
}

/** Check a multicast group number (1–1024). */
export function validGroup(group: number): number {
  if (typeof group !== "number" || !Number.isInteger(group)) {
    throw new TypeError(`Group must be an integer, got ${String(group)}`);
  }
  if (group === 0) throw new RangeError("Cannot join group 0: groups are numbered from 1");
  if (group < 0 || group > MAX_GROUP) {
    throw new RangeError(`Cannot join group ${group}: groups are numbered from 1 to ${MAX_GROUP}`);
  }
  return group;
}

/** Check an unsigned 32-bit integer option. */
export function validU32(name: string, v: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new RangeError(`${name} must be an integer from 0 to 4294967295, got ${String(v)}`);
  }
  return v;
}

/** Check a buffer size for `SO_RCVBUF`/`SO_SNDBUF` (a positive C `int`). */
export function validBufferSize(name: string, v: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0 || v > 0x7fffffff) {
    throw new RangeError(`${name} must be an integer from 1 to 2147483647, got ${String(v)}`);
  }
  return v;
}

/** Check a `SOL_NETLINK` option number (a positive integer). */
export function validOption(option: number): number {
  if (typeof option !== "number" || !Number.isInteger(option) || option <= 0) {
    throw new RangeError(`Invalid netlink socket option ${String(option)}`);
  }
  return option;
}

/** Check a socket option's value: a boolean, or an integer that fits a C `int` or `u32`. */
export function validOptionValue(option: number, value: boolean | number): number {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(
      `The value of socket option ${option} must be a boolean or an integer, got ${String(value)}`,
    );
  }
  if (value < -0x80000000 || value > 0xffffffff) {
    throw new RangeError(
      `The value of socket option ${option} must fit 32 bits, got ${value}`,
    );
  }
  return value;
}

/** Check an `AbortSignal` option. */
export function validSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (
    typeof signal !== "object" || signal === null ||
    typeof (signal as AbortSignal).aborted !== "boolean" ||
    typeof (signal as AbortSignal).addEventListener !== "function"
  ) {
    throw new TypeError(`signal must be an AbortSignal, got ${String(signal)}`);
  }
  return signal as AbortSignal;
}

function validObject<T>(what: string, o: T | undefined): T | Record<string, never> {
  if (o === undefined) return {};
  if (typeof o !== "object" || o === null || Array.isArray(o)) {
    throw new TypeError(`${what} must be an object, got ${String(o)}`);
  }
  return o;
}

function validBoolean(name: string, v: unknown): void {
  if (v !== undefined && typeof v !== "boolean") {
    throw new TypeError(`${name} must be a boolean, got ${String(v)}`);
  }
}

/** Check `protocol` and every option of `NetlinkSocket.open`; returns them unchanged. */
export function validOptions(protocol: number, options: OpenOptions | undefined): OpenOptions {
  if (
    typeof protocol !== "number" || !Number.isInteger(protocol) || protocol < 0 || protocol > 31
  ) {
    throw new RangeError(
      `Netlink protocol must be an integer from 0 to 31, got ${String(protocol)}`,
    );
  }
  const o: OpenOptions = validObject("Socket options", options);
  if (o.type !== undefined && o.type !== "raw" && o.type !== "dgram") {
    throw new TypeError(`Socket type must be "raw" or "dgram", got ${String(o.type)}`);
  }
  validU32("portId", o.portId ?? 0);
  validU32("groups", o.groups ?? 0);
  if (o.join !== undefined && !Array.isArray(o.join)) {
    throw new TypeError(`join must be an array of group numbers, got ${String(o.join)}`);
  }
  (o.join ?? []).forEach(validGroup);
  if (o.receiveBufferSize !== undefined) {
    validBufferSize("receiveBufferSize", o.receiveBufferSize);
  }
  if (o.sendBufferSize !== undefined) validBufferSize("sendBufferSize", o.sendBufferSize);
  for (const k of ["extAck", "capAck", "strictCheck", "noEnobufs", "pktinfo", "listenAllNsid"]) {
    validBoolean(k, o[k as keyof OpenOptions]);
  }
  validBoolean("framed", o.framed);
  const size = o.messageBufferSize ?? messageBufferSizes.default;
  const { min, max } = messageBufferSizes;
  if (typeof size !== "number" || !Number.isInteger(size) || size < min || size > max) {
    throw new RangeError(
      `messageBufferSize must be an integer from ${min} to ${max}, got ${String(size)}`,
    );
  }
  if (
    o.pcap !== undefined && o.pcap !== false && !(o.pcap instanceof PcapWriter) &&
    (typeof o.pcap !== "string" || o.pcap === "")
  ) {
    throw new TypeError(`pcap must be a file path, a PcapWriter or false, got ${String(o.pcap)}`);
  }
  const netns = o.netns;
  if (netns !== undefined) {
    const bad = typeof netns === "string"
      ? netns === "" || netns.includes("\0")
      : typeof netns !== "number" || !Number.isInteger(netns) || netns < 0 || netns > 0x7fffffff;
    if (bad) {
      throw new TypeError(`netns must be a namespace name, a path or an fd, got ${String(netns)}`);
    }
  }
  return o;
}

/** Check the options of `send()`. */
export function validSendOptions(options: SendOptions | undefined): Required<SendOptions> {
  const o: SendOptions = validObject("Send options", options);
  return { portId: validU32("portId", o.portId ?? 0), groups: validU32("groups", o.groups ?? 0) };
}

/** Check the options of `request()`, `dump()` and `dumpBatches()`. */
export function validRequestOptions(options: RequestOptions | undefined): RequestOptions {
  const o: RequestOptions = validObject("Request options", options);
  validU32("portId", o.portId ?? 0);
  validSignal(o.signal);
  if (o.operation !== undefined && typeof o.operation !== "string") {
    throw new TypeError(`operation must be a string, got ${String(o.operation)}`);
  }
  validBoolean("ack", o.ack);
  return o;
}

/** Check the options of `requestBatch()`. */
export function validBatchOptions(options: BatchRequestOptions | undefined): BatchRequestOptions {
  const o: BatchRequestOptions = validObject("Batch options", options);
  validU32("portId", o.portId ?? 0);
  validSignal(o.signal);
  if (o.operation !== undefined && typeof o.operation !== "string") {
    throw new TypeError(`operation must be a string, got ${String(o.operation)}`);
  }
  if (o.operations !== undefined && !Array.isArray(o.operations)) {
    throw new TypeError(`operations must be an array of names, got ${String(o.operations)}`);
  }
  validBoolean("barrier", o.barrier);
  return o;
}

/** Check the options of `subscribe()` and `datagrams()`; returns the sender filter. */
export function validSubscribeOptions(
  options: SubscribeOptions | undefined,
): { signal?: AbortSignal; overrun: "mark" | "throw"; accepts: (sender: number) => boolean } {
  const o: SubscribeOptions = validObject("Subscribe options", options);
  const signal = validSignal(o.signal);
  const overrun = o.overrun ?? "mark";
  if (overrun !== "mark" && overrun !== "throw") {
    throw new TypeError(`overrun must be "mark" or "throw", got ${String(o.overrun)}`);
  }
  const from = o.acceptFrom ?? "kernel";
  let accepts: (sender: number) => boolean;
  if (from === "kernel") accepts = (s) => s === 0;
  else if (from === "any") accepts = () => true;
  else if (Array.isArray(from)) {
    const ports = new Set(from.map((p) => validU32("acceptFrom port id", p)));
    accepts = (s) => ports.has(s);
  } else {
    throw new TypeError(
      `acceptFrom must be "kernel", "any" or an array of port ids, got ${String(from)}`,
    );
  }
  return { signal, overrun, accepts };
}
