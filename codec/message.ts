/**
 * Walking and building whole netlink messages (header + payload) in a datagram.
 *
 * @module
 */

import { u16, u32 } from "./_bytes.ts";
import { AttributeWriter } from "./attr_writer.ts";
import { NetlinkDecodeError } from "./errors.ts";
import { align, type NetlinkHeader, NLMSG_HDRLEN, writeHeader } from "./header.ts";

/**
 * A message from a datagram: its header fields and a view of its payload.
 *
 * @example
 * ```ts
 * import { parseMessages, type NetlinkMessage } from "@netlink/netlink/codec";
 * declare const datagram: Uint8Array;
 * const msgs: NetlinkMessage[] = parseMessages(datagram);
 * ```
 */
export interface NetlinkMessage extends NetlinkHeader {
  /** Bytes after the header: a view into the datagram (not copied), `length - 16` long. */
  payload: Uint8Array;
}

function checkMessage(datagram: Uint8Array, off: number, len: number): void {
  if (len < NLMSG_HDRLEN) {
    throw new NetlinkDecodeError(
      `nlmsg_len ${len} at offset ${off} is shorter than the ${NLMSG_HDRLEN}-byte header`,
      off,
    );
  }
  if (len > datagram.length - off) {
    throw new NetlinkDecodeError(
      `nlmsg_len ${len} at offset ${off} runs past the end of the ${datagram.length}-byte datagram`,
      off,
    );
  }
}

function trailingError(datagram: Uint8Array, off: number): NetlinkDecodeError {
  return new NetlinkDecodeError(
    `${datagram.length - off} trailing bytes at offset ${off} are too short for a netlink header`,
    off,
  );
}

/**
 * Split one received datagram into its messages. Each message's `length` must be at
 * least 16 and fit in the datagram; messages start at 4-byte aligned offsets, and the
 * padding after the last message may be present or missing. Payloads are views into
 * `datagram`.
 *
 * @throws {NetlinkDecodeError} on a bad `nlmsg_len` or 1–15 stray bytes after the last
 *   aligned message.
 * @example
 * ```ts
 * import { parseMessages } from "@netlink/netlink/codec";
 * // NLMSG_DONE (type 3), NLM_F_MULTI, seq 1, pid 4321, payload: int 0
 * const datagram = new Uint8Array([
 *   20, 0, 0, 0, 3, 0, 2, 0, 1, 0, 0, 0, 0xe1, 0x10, 0, 0,
 *   0, 0, 0, 0,
 * ]);
 * const [done] = parseMessages(datagram);
 * console.log(done.type, done.payload.length); // 3 4
 * ```
 */
export function parseMessages(datagram: Uint8Array): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  const n = datagram.length;
  const buf = datagram.buffer;
  const base = datagram.byteOffset + NLMSG_HDRLEN;
  let off = 0;
  while (n - off >= NLMSG_HDRLEN) {
    const len = u32(datagram, off);
    checkMessage(datagram, off, len);
    out.push({
      length: len,
      type: u16(datagram, off + 4),
      flags: u16(datagram, off + 6),
      seq: u32(datagram, off + 8),
      pid: u32(datagram, off + 12),
      payload: new Uint8Array(buf, base + off, len - NLMSG_HDRLEN),
    });
    off += align(len);
  }
  if (off < n) throw trailingError(datagram, off);
  return out;
}

/**
 * Visit every message of a datagram without allocating: `fn` gets the header fields and
 * the payload's `[payloadOffset, payloadEnd)` range in `datagram`. Returning `false` from
 * `fn` stops the walk. Validation is the same as {@link parseMessages}, done as the walk
 * goes: messages before a malformed one have already been visited when it throws.
 *
 * @returns the number of messages visited.
 * @throws {NetlinkDecodeError} on a bad `nlmsg_len` or stray trailing bytes.
 * @example
 * ```ts
 * import { forEachMessage, NLMSG_DONE } from "@netlink/netlink/codec";
 * declare const datagram: Uint8Array;
 * let done = false;
 * forEachMessage(datagram, (type, _flags, _seq, _pid, start, end) => {
 *   if (type === NLMSG_DONE) return (done = true, false);
 *   console.log(end - start);
 * });
 * ```
 */
export function forEachMessage(
  datagram: Uint8Array,
  fn: (
    type: number,
    flags: number,
    seq: number,
    pid: number,
    payloadOffset: number,
    payloadEnd: number,
  ) => boolean | void,
): number {
  const n = datagram.length;
  let off = 0;
  let count = 0;
  while (n - off >= NLMSG_HDRLEN) {
    const len = u32(datagram, off);
    checkMessage(datagram, off, len);
    count++;
    const more = fn(
      u16(datagram, off + 4),
      u16(datagram, off + 6),
      u32(datagram, off + 8),
      u32(datagram, off + 12),
      off + NLMSG_HDRLEN,
      off + len,
    );
    if (more === false) return count;
    off += align(len);
  }
  if (off < n) throw trailingError(datagram, off);
  return count;
}

/**
 * Encode one message: a header whose `nlmsg_len` is `16 + payload.length`, the payload,
 * and zero padding to a multiple of 4 bytes (so encoded messages can be concatenated into
 * one datagram). Use {@link MessageBuilder} to build a payload of attributes in place.
 *
 * @throws {RangeError} if a header field does not fit its width.
 * @example
 * ```ts
 * import { encodeMessage, NLM_F_ACK, NLM_F_REQUEST } from "@netlink/netlink/codec";
 * // RTM_GETLINK (18) with a 16-byte struct ifinfomsg
 * const msg = encodeMessage({
 *   type: 18,
 *   flags: NLM_F_REQUEST | NLM_F_ACK,
 *   seq: 1,
 *   payload: new Uint8Array(16),
 * });
 * console.log(msg.length); // 32
 * ```
 */
export function encodeMessage(
  m: { type: number; flags?: number; seq?: number; pid?: number; payload?: Uint8Array },
): Uint8Array {
  const payload = m.payload ?? new Uint8Array(0);
  const length = NLMSG_HDRLEN + payload.length;
  const out = new Uint8Array(align(length));
  writeHeader(out, 0, {
    length,
    type: m.type,
    flags: m.flags ?? 0,
    seq: m.seq ?? 0,
    pid: m.pid ?? 0,
  });
  out.set(payload, NLMSG_HDRLEN);
  return out;
}

const HEADER_SPACE = new Uint8Array(NLMSG_HDRLEN);

/**
 * Builds one netlink message in place: 16 bytes are reserved for struct nlmsghdr, the
 * payload (family header and attributes) is appended with the {@link AttributeWriter}
 * methods, and {@link MessageBuilder.finish} fills in the header with the final length.
 *
 * @example
 * ```ts
 * import {
 *   MessageBuilder,
 *   NLM_F_ACK,
 *   NLM_F_CREATE,
 *   NLM_F_EXCL,
 *   NLM_F_REQUEST,
 * } from "@netlink/netlink/codec";
 * // RTM_NEWLINK (16): create a dummy interface
 * const msg = new MessageBuilder(16, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, {
 *   seq: 1,
 * })
 *   .raw(new Uint8Array(16)) // struct ifinfomsg
 *   .string(3, "dummy0") // IFLA_IFNAME
 *   .nest(18, (w) => w.string(1, "dummy")) // IFLA_LINKINFO { IFLA_INFO_KIND }
 *   .finish();
 * ```
 */
export class MessageBuilder extends AttributeWriter {
  /** nlmsg_type. */
  type: number;
  /** nlmsg_flags. */
  flags: number;
  /** nlmsg_seq. */
  seq: number;
  /** nlmsg_pid. */
  pid: number;

  /**
   * Start a message. `header.capacity` sizes the initial buffer (it grows as needed).
   *
   * @example
   * ```ts
   * import { MessageBuilder, NLM_F_DUMP, NLM_F_REQUEST } from "@netlink/netlink/codec";
   * // RTM_GETLINK (18) dump
   * const b = new MessageBuilder(18, NLM_F_REQUEST | NLM_F_DUMP, { seq: 42 });
   * ```
   */
  constructor(
    type: number,
    flags = 0,
    header: { seq?: number; pid?: number; capacity?: number } = {},
  ) {
    super(header.capacity);
    this.type = type;
    this.flags = flags;
    this.seq = header.seq ?? 0;
    this.pid = header.pid ?? 0;
    this.raw(HEADER_SPACE);
  }

  /**
   * Return a copy of the message with its header written (`nlmsg_len` = total length).
   * The builder stays usable: later calls see later appends.
   *
   * @throws {RangeError} if a header field does not fit its width.
   * @example
   * ```ts
   * import { MessageBuilder, NLM_F_REQUEST } from "@netlink/netlink/codec";
   * const bytes = new MessageBuilder(18, NLM_F_REQUEST).raw(new Uint8Array(16)).finish();
   * console.log(bytes.length); // 32
   * ```
   */
  finish(): Uint8Array {
    const out = super.bytes();
    writeHeader(out, 0, {
      length: out.length,
      type: this.type,
      flags: this.flags,
      seq: this.seq,
      pid: this.pid,
    });
    return out;
  }

  /**
   * Same as {@link MessageBuilder.finish}: the message with its header written.
   *
   * @example
   * ```ts
   * import { MessageBuilder } from "@netlink/netlink/codec";
   * new MessageBuilder(3).bytes().length; // 16
   * ```
   */
  override bytes(): Uint8Array {
    return this.finish();
  }
}
