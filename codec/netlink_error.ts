/**
 * The one error class for failures the kernel reports: a failed system call or an `NLMSG_ERROR`
 * reply. Pure value; no I/O.
 *
 * @module
 */
import { errnoMessage, errnoName } from "./errno.ts";
import type { NetlinkHeader } from "./header.ts";
import type { ExtendedAck } from "./nlmsgerr.ts";

/** What is known about the failed operation. */
export interface NetlinkErrorOptions {
  /** The operation, e.g. `"RTM_NEWLINK"`, `"bind"`, `"link add"`. */
  operation: string;
  /** The request's sequence number, for kernel replies. */
  seq?: number;
  /** The header of the request the kernel echoed back. */
  request?: NetlinkHeader;
  /** The kernel's extended acknowledgement (message, offending attribute offset, …). */
  extAck?: ExtendedAck;
  /**
   * The attribute the extended ACK's offset points at, resolved in the request
   * (`IFLA_LINKINFO/IFLA_INFO_DATA/IFLA_VXLAN_ID`): the message names it instead of the offset.
   */
  attribute?: string;
}

/**
 * A kernel error: the errno (number and name), the operation, the request's seq and the
 * extended-ACK message and offset when the kernel sent them (the offset as the attribute's
 * path when the sender resolved it: {@link NetlinkErrorOptions.attribute}).
 *
 * @example
 * ```ts
 * import { NetlinkError } from "@netlink/netlink/codec";
 * const e = new NetlinkError(17, { operation: "RTM_NEWLINK", seq: 3 });
 * console.log(e.code, e.message); // "EEXIST" "RTM_NEWLINK failed: EEXIST (File exists) [seq 3]"
 * ```
 */
export class NetlinkError extends Error {
  /** Positive errno number, e.g. 17. */
  readonly errno: number;
  /** Errno name, e.g. `"EEXIST"`. */
  readonly code: string;
  /** The operation that failed. */
  readonly operation: string;
  /** The request's sequence number, when the error came in a reply. */
  readonly seq?: number;
  /** The echoed request header, when the kernel sent it. */
  readonly request?: NetlinkHeader;
  /** The kernel's extended ACK, when present. */
  readonly extAck?: ExtendedAck;
  /** The attribute the extended ACK points at, when resolved (`IFLA_LINKINFO/IFLA_INFO_DATA/IFLA_VXLAN_ID`). */
  readonly attribute?: string;

  /** Build from a positive errno and what is known of the operation. */
  constructor(errno: number, options: NetlinkErrorOptions) {
    const code = errnoName(errno);
    let text = `${options.operation} failed: ${code} (${errnoMessage(errno)})`;
    const ack = options.extAck;
    if (ack?.message) text += `: ${ack.message}`;
    if (options.attribute !== undefined) text += ` (attribute ${options.attribute})`;
    else if (ack?.offset !== undefined) text += ` (attribute at offset ${ack.offset})`;
    if (options.seq !== undefined) text += ` [seq ${options.seq}]`;
    super(text);
    this.name = "NetlinkError";
    this.errno = errno;
    this.code = code;
    this.operation = options.operation;
    this.seq = options.seq;
    this.request = options.request;
    this.extAck = ack;
    this.attribute = options.attribute;
  }
}
