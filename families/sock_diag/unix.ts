/**
 * Unix sockets: the request (`struct unix_diag_req`: states, what to show, or one inode) and the
 * replies (`struct unix_diag_msg` with name, peer, queues, VFS inode, pending connections,
 * memory, shutdown and uid) as typed values.
 *
 * @example
 * ```ts
 * import { unixRequest } from "@netlink/netlink/sock-diag";
 * // What `ss -xa` sends.
 * const bytes = unixRequest({ states: 0xfff, show: ["name", "peer", "rqlen"] });
 * ```
 *
 * @module
 */
import { buildMessage, decodeBody } from "../../codec/ynl/mod.ts";
import {
  operations,
  UDIAG_SHOW,
  type UnixDiagAttrs,
  type UnixDiagMsg,
} from "../generated/sock_diag.ts";
import { AF, cookieBytes, cookieOf, flagMask, type SkMeminfo, skMeminfo } from "./common.ts";
import type { FilterTarget } from "./filter_match.ts";
import type { RequestBuildOptions } from "./inet.ts";
import { STATE_MASKS } from "./states.ts";

/** What a unix request asks the kernel to include (`UDIAG_SHOW_*` in lower case). */
export type UnixShow = Lowercase<keyof typeof UDIAG_SHOW>;

/** Which unix sockets, with what. */
export interface UnixQuery {
  /** States (mask, bit n for state n); default all. */
  states?: number;
  /** What to include: names or the `UDIAG_SHOW_*` mask (default name, peer and rqlen). */
  show?: readonly UnixShow[] | number;
  /** For a lookup (`get`): the socket's inode. */
  inode?: number;
  /** For a lookup: its cookie (default any). */
  cookie?: bigint;
}

/**
 * The request bytes for a unix query (a dump, or with `{ get: true }` a lookup by inode).
 *
 * @example
 * ```ts
 * import { unixRequest } from "@netlink/netlink/sock-diag";
 * const one = unixRequest({ inode: 12345, show: ["name", "vfs"] }, { get: true });
 * ```
 */
export function unixRequest(q: UnixQuery = {}, options: RequestBuildOptions = {}): Uint8Array {
  return buildMessage(operations.unixDiagByFamily, {
    dump: !options.get,
    seq: options.seq,
    header: {
      sdiagFamily: AF.unix,
      sdiagProtocol: 0,
      udiagStates: q.states ?? STATE_MASKS.all,
      udiagIno: q.inode ?? 0,
      udiagShow: q.show === undefined
        ? UDIAG_SHOW.NAME | UDIAG_SHOW.PEER | UDIAG_SHOW.RQLEN
        : flagMask(UDIAG_SHOW, q.show, "unix show flag"),
      udiagCookie: options.get ? cookieBytes(q.cookie) : new Uint8Array(8),
    },
  });
}

/** One unix socket as the kernel reported it. */
export interface UnixSock {
  /** `SOCK_STREAM` (1), `SOCK_DGRAM` (2) or `SOCK_SEQPACKET` (5). */
  type: number;
  /** State (tcp-state numbers: `established`, `syn-sent`, `close`, `listen`). */
  state: number;
  /** Inode of the socket. */
  inode: number;
  /** The kernel's socket cookie. */
  cookie: bigint;
  /**
   * The bound name: a path, or an abstract name written `@…` (every NUL byte as `@`, as `ss`
   * does). Absent for unnamed sockets.
   */
  name?: string;
  /** The name's bytes as sent (abstract names start with a NUL byte). */
  nameBytes?: Uint8Array;
  /** Inode of the peer socket (0: none). */
  peer?: number;
  /** Receive queue (listeners: pending connections). */
  rqueue?: number;
  /** Send queue (listeners: the backlog). */
  wqueue?: number;
  /** The file-system inode and device (dev_t) of a socket bound to a path. */
  vfs?: { inode: number; dev: number; major: number; minor: number };
  /** Inodes of connections waiting to be accepted (listeners). */
  pending?: number[];
  /** Socket memory. */
  meminfo?: SkMeminfo;
  /** Bit 0: receive side shut down, bit 1: send side. */
  shutdown?: number;
  /** Owner uid. */
  uid?: number;
  /** The fixed header as decoded from the spec. */
  header: UnixDiagMsg;
  /** Every attribute as decoded from the spec. */
  attrs: UnixDiagAttrs;
}

const utf8 = new TextDecoder();

/** A unix socket name as `ss` prints it: a path up to its NUL, or `@` for every NUL. */
export function unixName(bytes: Uint8Array): string {
  if (bytes.length > 0 && bytes[0] === 0) {
    return utf8.decode(bytes).replace(/\0/g, "@");
  }
  const end = bytes.indexOf(0);
  return utf8.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/**
 * Decode one unix reply (the payload of a SOCK_DIAG_BY_FAMILY message from the kernel).
 *
 * @throws {NetlinkDecodeError} on malformed bytes.
 * @example
 * ```ts
 * import { decodeUnix } from "@netlink/netlink/sock-diag";
 * declare const payload: Uint8Array;
 * const u = decodeUnix(payload);
 * console.log(u.inode, u.name ?? "*", u.peer);
 * ```
 */
export function decodeUnix(payload: Uint8Array): UnixSock {
  const { header, attrs } = decodeBody(operations.unixDiagMsg, payload);
  const u: UnixSock = {
    type: header.udiagType,
    state: header.udiagState,
    inode: header.udiagIno,
    cookie: cookieOf(header.udiagCookie),
    header,
    attrs,
  };
  if (attrs.name !== undefined) {
    u.nameBytes = attrs.name;
    u.name = unixName(attrs.name);
  }
  if (attrs.peer !== undefined) u.peer = attrs.peer;
  if (attrs.rqlen !== undefined) {
    u.rqueue = attrs.rqlen.udiagRqueue;
    u.wqueue = attrs.rqlen.udiagWqueue;
  }
  if (attrs.vfs !== undefined) {
    const dev = attrs.vfs.udiagVfsDev;
    // The kernel's dev_t (include/linux/kdev_t.h): MAJOR = dev >> 20, MINOR = dev & 0xfffff.
    u.vfs = { inode: attrs.vfs.udiagVfsIno, dev, major: dev >>> 20, minor: dev & 0xfffff };
  }
  if (attrs.icons !== undefined) u.pending = attrs.icons;
  const m = skMeminfo(attrs.meminfo);
  if (m !== undefined) u.meminfo = m;
  if (attrs.shutdown !== undefined) u.shutdown = attrs.shutdown;
  if (attrs.uid !== undefined) u.uid = attrs.uid;
  return u;
}

/**
 * The view of a unix socket that `matchFilter` takes (ports are inodes, as in `ss`).
 *
 * @example
 * ```ts
 * import { matchFilter, parseFilter, unixFilterTarget, type UnixSock } from "@netlink/netlink/sock-diag";
 * declare const u: UnixSock;
 * matchFilter(parseFilter("src unix:/run/*")!, unixFilterTarget(u));
 * ```
 */
export function unixFilterTarget(u: UnixSock): FilterTarget {
  return {
    family: AF.unix,
    local: { port: u.inode, name: u.name },
    remote: { port: u.peer ?? 0 },
  };
}
