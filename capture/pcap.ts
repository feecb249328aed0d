/**
 * pcap capture of netlink datagrams, in the format Wireshark and tshark dissect as netlink: a
 * classic pcap file (`LINKTYPE_NETLINK`, 253) whose records are a 16-byte Linux "cooked"
 * header followed by the datagram as it crossed the socket (one or more netlink messages).
 * This module only produces bytes; {@link PcapWriter} hands each record to a sink in one piece
 * (`capture/file.ts` writes them to a file synchronously).
 *
 * The cooked header (https://www.tcpdump.org/linktypes/LINKTYPE_NETLINK.html, fields in network
 * byte order) carries `ARPHRD_NETLINK` and the netlink protocol number, which Wireshark uses to
 * pick the family's dissector. The fields that format leaves unused are filled as in libpcap's
 * `LINKTYPE_LINUX_SLL`: the packet type records the direction ({@link PACKET_OUTGOING} for
 * what this process sent, {@link PACKET_HOST} / {@link PACKET_MULTICAST} for what it received)
 * and the 4-byte address the peer's port id (0: the kernel).
 *
 * @example
 * ```ts
 * import { NETLINK_ROUTE } from "@netlink/netlink";
 * import { PcapWriter } from "@netlink/netlink/capture";
 * const chunks: Uint8Array[] = [];
 * const pcap = new PcapWriter((bytes) => chunks.push(bytes));
 * pcap.write({ data: new Uint8Array(16), protocol: NETLINK_ROUTE, direction: "sent", peer: 0 });
 * console.log(chunks.length); // 2: the file header, then one record
 * ```
 *
 * @module
 */

/** `LINKTYPE_NETLINK` / `DLT_NETLINK`: the pcap link type of netlink captures. */
export const LINKTYPE_NETLINK = 253;
/** `ARPHRD_NETLINK` from `<linux/if_arp.h>`: the hardware type in the cooked header. */
export const ARPHRD_NETLINK = 824;
/** The classic pcap magic number (microsecond timestamps). */
export const PCAP_MAGIC = 0xa1b2c3d4;
/** Default snapshot length: libpcap's maximum; longer datagrams are stored cut to it. */
export const PCAP_SNAPLEN = 262144;
/** Size of the pcap file header. */
export const PCAP_HEADER_SIZE = 24;
/** Size of a pcap record header. */
export const PCAP_RECORD_HEADER_SIZE = 16;
/** Size of the cooked header in front of each datagram. */
export const COOKED_HEADER_SIZE = 16;
/** Cooked packet type (`<linux/if_packet.h>`): received, addressed to this socket. */
export const PACKET_HOST = 0;
/** Cooked packet type: received through a multicast group. */
export const PACKET_MULTICAST = 2;
/** Cooked packet type: sent by this process. */
export const PACKET_OUTGOING = 4;

/** One datagram to record. */
export interface CapturedDatagram {
  /** The bytes as sent or received (for a datagram longer than the buffer: its head). */
  data: Uint8Array;
  /** The socket's netlink protocol (`NETLINK_ROUTE`, `NETLINK_GENERIC`, …). */
  protocol: number;
  /** Sent by this process, or received by it. */
  direction: "sent" | "received";
  /** The other end's port id: the destination of a sent datagram, the sender of a received one (0: the kernel). */
  peer?: number;
  /** Sent to or received through a multicast group. */
  multicast?: boolean;
  /** The datagram's real length when `data` holds only its head (default `data.length`). */
  length?: number;
  /** When, in milliseconds since the epoch (default: now). */
  time?: number;
}

/** The 24-byte pcap file header: magic, version 2.4, UTC, `snaplen`, `LINKTYPE_NETLINK`. */
export function pcapHeader(snaplen: number = PCAP_SNAPLEN): Uint8Array {
  const b = new Uint8Array(PCAP_HEADER_SIZE);
  const v = new DataView(b.buffer);
  v.setUint32(0, PCAP_MAGIC, true); // written little-endian: readers detect the byte order
  v.setUint16(4, 2, true); // version_major
  v.setUint16(6, 4, true); // version_minor
  v.setInt32(8, 0, true); // thiszone: timestamps are UTC
  v.setUint32(12, 0, true); // sigfigs
  v.setUint32(16, snaplen, true);
  v.setUint32(20, LINKTYPE_NETLINK, true);
  return b;
}

/** Split milliseconds since the epoch into pcap's seconds and microseconds. */
export function pcapTimestamp(ms: number): { seconds: number; micros: number } {
  let seconds = Math.floor(ms / 1000);
  let micros = Math.round((ms - seconds * 1000) * 1000);
  if (micros >= 1_000_000) {
    seconds += 1;
    micros -= 1_000_000;
  }
  return { seconds, micros };
}

/** The direction's cooked packet type. */
function packetType(d: CapturedDatagram): number {
  if (d.direction === "sent") return PACKET_OUTGOING;
  return d.multicast ? PACKET_MULTICAST : PACKET_HOST;
}

/**
 * One record: the 16-byte record header (timestamp, captured and original length), the cooked
 * header, then the datagram (cut to `snaplen` bytes including the cooked header).
 */
export function pcapRecord(d: CapturedDatagram, snaplen: number = PCAP_SNAPLEN): Uint8Array {
  const original = COOKED_HEADER_SIZE + Math.max(d.length ?? d.data.length, d.data.length);
  const captured = Math.min(COOKED_HEADER_SIZE + d.data.length, snaplen);
  const b = new Uint8Array(PCAP_RECORD_HEADER_SIZE + captured);
  const v = new DataView(b.buffer);
  const { seconds, micros } = pcapTimestamp(d.time ?? Date.now());
  v.setUint32(0, seconds, true);
  v.setUint32(4, micros, true);
  v.setUint32(8, captured, true);
  v.setUint32(12, original, true);
  const cooked = new Uint8Array(COOKED_HEADER_SIZE);
  const c = new DataView(cooked.buffer);
  c.setUint16(0, packetType(d)); // big-endian, as every cooked header field
  c.setUint16(2, ARPHRD_NETLINK);
  c.setUint16(4, 4); // address length
  c.setUint32(6, (d.peer ?? 0) >>> 0); // address: the peer's port id; bytes 10–13 stay zero
  c.setUint16(14, d.protocol);
  const frame = b.subarray(PCAP_RECORD_HEADER_SIZE);
  frame.set(cooked.subarray(0, Math.min(COOKED_HEADER_SIZE, captured)));
  if (captured > COOKED_HEADER_SIZE) {
    frame.set(d.data.subarray(0, captured - COOKED_HEADER_SIZE), COOKED_HEADER_SIZE);
  }
  return b;
}

/** Options of {@link PcapWriter}. */
export interface PcapWriterOptions {
  /** Snapshot length (default {@link PCAP_SNAPLEN}). */
  snaplen?: number;
  /** The clock, in milliseconds since the epoch (default: sub-millisecond wall time). */
  clock?: () => number;
}

/** Sub-millisecond wall time: `performance.timeOrigin + performance.now()`. */
function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Writes a pcap stream to `sink`: the file header at once, then one `sink` call per record
 * (header and datagram together), so a sink that writes synchronously loses nothing on a crash.
 */
export class PcapWriter {
  /** Records written so far. */
  records = 0;
  readonly #sink: (bytes: Uint8Array) => void;
  readonly #snaplen: number;
  readonly #clock: () => number;

  /** A writer into `sink`; writes the file header immediately. */
  constructor(sink: (bytes: Uint8Array) => void, options: PcapWriterOptions = {}) {
    this.#sink = sink;
    this.#snaplen = options.snaplen ?? PCAP_SNAPLEN;
    if (!Number.isInteger(this.#snaplen) || this.#snaplen < COOKED_HEADER_SIZE) {
      throw new RangeError(`pcap snaplen must be an integer ≥ 16, got ${options.snaplen}`);
    }
    this.#clock = options.clock ?? wallClock;
    sink(pcapHeader(this.#snaplen));
  }

  /** Record one datagram (timestamped now unless `d.time` is set). */
  write(d: CapturedDatagram): void {
    this.#sink(pcapRecord({ ...d, time: d.time ?? this.#clock() }, this.#snaplen));
    this.records++;
  }
}
