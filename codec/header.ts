/**
 * The 16-byte netlink message header, struct nlmsghdr (linux/netlink.h).
 *
 * @module
 */

import { putU16, putU32, u16, u32 } from "./_bytes.ts";
import { NetlinkDecodeError } from "./errors.ts";

/**
 * Size of struct nlmsghdr, NLMSG_HDRLEN (linux/netlink.h).
 *
 * @example
 * ```ts
 * import { NLMSG_HDRLEN } from "@netlink/netlink/codec";
 * const payloadLength = 36 - NLMSG_HDRLEN; // 20
 * ```
 */
export const NLMSG_HDRLEN = 16;

/**
 * Message alignment, NLMSG_ALIGNTO (linux/netlink.h).
 *
 * @example
 * ```ts
 * import { NLMSG_ALIGNTO } from "@netlink/netlink/codec";
 * console.log(NLMSG_ALIGNTO); // 4
 * ```
 */
export const NLMSG_ALIGNTO = 4;

/**
 * Round `n` up to the netlink alignment of 4 bytes (NLMSG_ALIGN / NLA_ALIGN).
 *
 * @example
 * ```ts
 * import { align } from "@netlink/netlink/codec";
 * align(5); // 8
 * align(8); // 8
 * ```
 */
export function align(n: number): number {
  return n <= 0x7ffffff8 ? (n + 3) & ~3 : Math.ceil(n / 4) * 4;
}

/**
 * The fields of struct nlmsghdr.
 *
 * @example
 * ```ts
 * import type { NetlinkHeader } from "@netlink/netlink/codec";
 * const h: NetlinkHeader = { length: 16, type: 3, flags: 2, seq: 1, pid: 0 };
 * ```
 */
export interface NetlinkHeader {
  /** nlmsg_len: length of the message including this header. */
  length: number;
  /** nlmsg_type: message content type. */
  type: number;
  /** nlmsg_flags: NLM_F_* flags. */
  flags: number;
  /** nlmsg_seq: sequence number. */
  seq: number;
  /** nlmsg_pid: port ID of the sending socket (0 for the kernel). */
  pid: number;
}

/**
 * Read struct nlmsghdr at `offset`. Only the 16 header bytes must be present; the caller
 * checks `length` against the data that follows.
 *
 * @throws {NetlinkDecodeError} if fewer than 16 bytes are available at `offset`.
 * @example
 * ```ts
 * import { readHeader } from "@netlink/netlink/codec";
 * // NLMSG_DONE, NLM_F_MULTI, seq 1, pid 0, 20 bytes long
 * const b = new Uint8Array([20, 0, 0, 0, 3, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
 * readHeader(b); // { length: 20, type: 3, flags: 2, seq: 1, pid: 0 }
 * ```
 */
export function readHeader(bytes: Uint8Array, offset = 0): NetlinkHeader {
  if ((offset >>> 0) !== offset || bytes.length - offset < NLMSG_HDRLEN) {
    const at = (offset >>> 0) === offset ? offset : 0;
    throw new NetlinkDecodeError(
      `netlink header needs ${NLMSG_HDRLEN} bytes at offset ${offset}, ` +
        `${Math.max(0, bytes.length - at)} available`,
      at,
    );
  }
  return {
    length: u32(bytes, offset),
    type: u16(bytes, offset + 4),
    flags: u16(bytes, offset + 6),
    seq: u32(bytes, offset + 8),
    pid: u32(bytes, offset + 12),
  };
}

function checkField(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new RangeError(`nlmsghdr ${name} ${v} is outside 0..${max}`);
  }
}

/**
 * Write struct nlmsghdr at `offset`.
 *
 * @throws {RangeError} if there is no room for 16 bytes or a field does not fit its width.
 * @example
 * ```ts
 * import { writeHeader } from "@netlink/netlink/codec";
 * const b = new Uint8Array(16);
 * writeHeader(b, 0, { length: 16, type: 3, flags: 2, seq: 7, pid: 0 });
 * ```
 */
export function writeHeader(bytes: Uint8Array, offset: number, header: NetlinkHeader): void {
  if ((offset >>> 0) !== offset || bytes.length - offset < NLMSG_HDRLEN) {
    throw new RangeError(`no room for a ${NLMSG_HDRLEN}-byte netlink header at offset ${offset}`);
  }
  checkField("length", header.length, 0xffffffff);
  checkField("type", header.type, 0xffff);
  checkField("flags", header.flags, 0xffff);
  checkField("seq", header.seq, 0xffffffff);
  checkField("pid", header.pid, 0xffffffff);
  putU32(bytes, offset, header.length);
  putU16(bytes, offset + 4, header.type);
  putU16(bytes, offset + 6, header.flags);
  putU32(bytes, offset + 8, header.seq);
  putU32(bytes, offset + 12, header.pid);
}
