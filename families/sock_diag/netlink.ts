/**
 * Netlink sockets: the request (`struct netlink_diag_req`: one protocol or all) and the replies
 * (`struct netlink_diag_msg` with port ids, joined groups, memory and flags) as typed values.
 *
 * @example
 * ```ts
 * import { netlinkRequest } from "@netlink/netlink/sock-diag";
 * // What `ss -A netlink` sends: every protocol, with groups and memory.
 * const bytes = netlinkRequest({ show: ["groups", "meminfo"] });
 * ```
 *
 * @module
 */
import { buildMessage, decodeBody } from "../../codec/ynl/mod.ts";
import {
  NDIAG_FLAG,
  NDIAG_PROTO_ALL,
  NDIAG_SHOW,
  type NetlinkDiagAttrs,
  type NetlinkDiagMsg,
  type NetlinkDiagRing,
  operations,
} from "../generated/sock_diag.ts";
import { AF, cookieOf, flagMask, flagNames, type SkMeminfo, skMeminfo } from "./common.ts";
import type { RequestBuildOptions } from "./inet.ts";

/** What a netlink request asks the kernel to include (`NDIAG_SHOW_*` in lower case). */
export type NetlinkShow = "meminfo" | "groups" | "ring-cfg" | "flags";

/** Which netlink sockets, with what. */
export interface NetlinkQuery {
  /** One `NETLINK_*` protocol (default all, `NDIAG_PROTO_ALL`). */
  protocol?: number;
  /** Names or the `NDIAG_SHOW_*` mask (default groups, meminfo and flags). */
  show?: readonly NetlinkShow[] | number;
}

/**
 * The request bytes for a netlink dump (the kernel has no lookup of one netlink socket).
 *
 * @example
 * ```ts
 * import { netlinkRequest } from "@netlink/netlink/sock-diag";
 * const route = netlinkRequest({ protocol: 0 }); // NETLINK_ROUTE sockets only
 * ```
 */
export function netlinkRequest(
  q: NetlinkQuery = {},
  options: RequestBuildOptions = {},
): Uint8Array {
  return buildMessage(operations.netlinkDiagByFamily, {
    dump: true,
    seq: options.seq,
    header: {
      sdiagFamily: AF.netlink,
      sdiagProtocol: q.protocol ?? NDIAG_PROTO_ALL,
      ndiagIno: 0,
      ndiagShow: q.show === undefined
        ? NDIAG_SHOW.GROUPS | NDIAG_SHOW.MEMINFO | NDIAG_SHOW.FLAGS
        : flagMask(NDIAG_SHOW, q.show, "netlink show flag"),
      ndiagCookie: new Uint8Array(8),
    },
  });
}

/** One netlink socket as the kernel reported it. */
export interface NetlinkSock {
  /** `SOCK_RAW` (3) or `SOCK_DGRAM` (2). */
  type: number;
  /** The `NETLINK_*` protocol. */
  protocol: number;
  /** `NETLINK_UNCONNECTED` (0) or `NETLINK_CONNECTED` (1). */
  state: number;
  /** The socket's port id (0 for the kernel's own sockets). */
  portId: number;
  /** Port id of the peer it is connected to. */
  dstPortId: number;
  /** Group it sends to by default. */
  dstGroup: number;
  /** Inode of the socket (0 for the kernel's). */
  inode: number;
  /** The kernel's socket cookie. */
  cookie: bigint;
  /** Multicast groups joined (numbers from 1). */
  groups?: number[];
  /** Socket memory. */
  meminfo?: SkMeminfo;
  /** Socket flags (`NDIAG_FLAG_*`, see {@link NetlinkSock.flagNames}). */
  flags?: number;
  /** The names of the set flags (`cb-running`, `pktinfo`, `cap-ack` …). */
  flagNames?: string[];
  /** The receive ring (kernels before 4.6). */
  rxRing?: NetlinkDiagRing;
  /** The transmit ring (kernels before 4.6). */
  txRing?: NetlinkDiagRing;
  /** The fixed header as decoded from the spec. */
  header: NetlinkDiagMsg;
  /** Every attribute as decoded from the spec. */
  attrs: NetlinkDiagAttrs;
}

/** Group numbers (from 1) of a NETLINK_DIAG_GROUPS bitmap. */
export function groupList(words: readonly number[]): number[] {
  const out: number[] = [];
  words.forEach((w, i) => {
    for (let b = 0; b < 32; b++) if ((w >>> b) & 1) out.push(i * 32 + b + 1);
  });
  return out;
}

/**
 * Decode one netlink reply (the payload of a SOCK_DIAG_BY_FAMILY message from the kernel).
 *
 * @throws {NetlinkDecodeError} on malformed bytes.
 * @example
 * ```ts
 * import { decodeNetlink } from "@netlink/netlink/sock-diag";
 * declare const payload: Uint8Array;
 * const n = decodeNetlink(payload);
 * console.log(n.protocol, n.portId, n.groups);
 * ```
 */
export function decodeNetlink(payload: Uint8Array): NetlinkSock {
  const { header, attrs } = decodeBody(operations.netlinkDiagMsg, payload);
  const n: NetlinkSock = {
    type: header.ndiagType,
    protocol: header.ndiagProtocol,
    state: header.ndiagState,
    portId: header.ndiagPortid,
    dstPortId: header.ndiagDstPortid,
    dstGroup: header.ndiagDstGroup,
    inode: header.ndiagIno,
    cookie: cookieOf(header.ndiagCookie),
    header,
    attrs,
  };
  if (attrs.groups !== undefined) n.groups = groupList(attrs.groups);
  const m = skMeminfo(attrs.meminfo);
  if (m !== undefined) n.meminfo = m;
  if (attrs.flags !== undefined) {
    n.flags = attrs.flags;
    n.flagNames = flagNames(NDIAG_FLAG, attrs.flags);
  }
  if (attrs.rxRing !== undefined) n.rxRing = attrs.rxRing;
  if (attrs.txRing !== undefined) n.txRing = attrs.txRing;
  return n;
}
