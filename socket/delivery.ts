/**
 * What a socket delivers to its users: unsolicited messages ({@link ReceivedMessage}) and raw
 * datagrams ({@link Datagram}), the zero-copy {@link DatagramVisitor} with its
 * {@link DatagramSource}, the {@link DumpSummary} of `NetlinkSocket.dumpDatagrams`, and the
 * overrun marker a subscription yields after a receive-buffer overrun ({@link isOverrun}).
 *
 * @module
 */
import { NLMSG_OVERRUN } from "../codec/constants.ts";
import type { NetlinkMessage } from "../codec/message.ts";

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
  /**
   * Set on the marker `datagrams()` yields for a receive-buffer overrun (with no data, sender
   * 0, group 0): the kernel dropped datagrams for this socket here.
   */
  overrun?: true;
}

/** Where a datagram came from, as a {@link DatagramVisitor} is told. */
export interface DatagramSource {
  /** Sender's port id: 0 for the kernel. */
  readonly sender: number;
  /** The multicast group it was sent to, 0 for unicast (above 32 only with `pktinfo`). */
  readonly group: number;
  /** The peer namespace id, with `listenAllNsid`. */
  readonly nsid?: number;
}

/**
 * A synchronous visitor over one received datagram, called from the socket's receive loop
 * (`NetlinkSocket.dumpDatagrams`, `NetlinkSocket.subscribeDatagrams`). `data[start, end)` is a
 * run of whole netlink messages (`nlmsghdr`, payload, padding), or the whole datagram on an
 * unframed socket. `data` is the socket's receive buffer: valid only during the call, and
 * overwritten by the next receive — copy (`data.slice(start, end)`) what you keep. `source` is
 * reused too. A visitor that throws stops its dump or subscription with that error.
 */
export type DatagramVisitor = (
  data: Uint8Array,
  start: number,
  end: number,
  source: DatagramSource,
) => void;

/** What `NetlinkSocket.dumpDatagrams` resolves with. */
export interface DumpSummary {
  /** Data messages visited (`NLMSG_DONE` not counted). */
  messages: number;
  /** Visitor calls (datagrams with at least one data message). */
  datagrams: number;
  /** A message of the dump carried `NLM_F_DUMP_INTR`: the data changed meanwhile; dump again. */
  interrupted: boolean;
}

/**
 * Whether `m` is the marker `subscribe()` yields for a receive-buffer overrun: type
 * `NLMSG_OVERRUN` (4), empty payload, sender 0, group 0. (The kernel never sends
 * `NLMSG_OVERRUN`, and one received from a peer is dropped, so the marker is unambiguous.)
 *
 * @example
 * ```ts
 * import { isOverrun, NetlinkSocket, NETLINK_ROUTE } from "@netlink/netlink";
 * await using sock = await NetlinkSocket.open(NETLINK_ROUTE, { join: [1] });
 * for await (const m of sock.subscribe({ signal: AbortSignal.timeout(1000) })) {
 *   if (isOverrun(m)) console.log("notifications were lost: dump again");
 * }
 * ```
 */
export function isOverrun(m: ReceivedMessage): boolean {
  return m.type === NLMSG_OVERRUN && m.sender === 0 && m.payload.length === 0;
}

/** The marker a framed subscription yields after an overrun (see {@link isOverrun}). */
export function overrunMarker(): ReceivedMessage {
  return {
    length: 16,
    type: NLMSG_OVERRUN,
    flags: 0,
    seq: 0,
    pid: 0,
    payload: new Uint8Array(0),
    sender: 0,
    group: 0,
  };
}
