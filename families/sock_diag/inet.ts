/**
 * inet sockets (TCP, UDP, raw, SCTP, DCCP, MPTCP over IPv4 and IPv6): the requests
 * (`struct inet_diag_req_v2`, the bytecode filter, the extensions asked for) and the replies
 * (`struct inet_diag_msg` and its attributes) as typed values. The tables come from the
 * `sock-diag` spec (families/generated/sock_diag.ts).
 *
 * @example
 * ```ts
 * import { inetRequest } from "@netlink/netlink/sock-diag";
 * // What `ss -tn sport = :22` sends for IPv4.
 * const bytes = inetRequest({ family: "inet", protocol: "tcp", states: 0xb37, filter: "sport = :22" });
 * ```
 *
 * @module
 */
import { buildMessage, decodeBody, decodeStruct } from "../../codec/ynl/mod.ts";
import { AF_INET, AF_INET6, formatIp, parseIp } from "../route/addr_text.ts";
import {
  type InetDiagAttrs,
  inetDiagAttrs,
  type InetDiagMeminfo,
  type InetDiagMsg,
  type InetDiagReqV2,
  operations,
  type TcpBbrInfo,
  type TcpDctcpInfo,
  TCPI_OPT,
  type TcpInfo,
  tcpInfo as tcpInfoStruct,
  type TcpvegasInfo,
} from "../generated/sock_diag.ts";
import { cookieBytes, cookieOf, flagNames, type SkMeminfo, skMeminfo } from "./common.ts";
import { type FilterExpr, parseFilter } from "./filter.ts";
import { compileFilter } from "./filter_bytecode.ts";
import type { FilterTarget } from "./filter_match.ts";
import { STATE_MASKS } from "./states.ts";

/** IP protocol numbers of the inet socket kinds (linux/in.h `IPPROTO_*`). */
export const IPPROTO: {
  readonly tcp: 6;
  readonly udp: 17;
  readonly dccp: 33;
  readonly sctp: 132;
  readonly udplite: 136;
  readonly raw: 255;
  readonly mptcp: 262;
} = { tcp: 6, udp: 17, dccp: 33, sctp: 132, udplite: 136, raw: 255, mptcp: 262 };

/** An inet protocol by name. */
export type InetProtocolName = keyof typeof IPPROTO;

/**
 * An extension of `idiag_ext` by name: one of the first eight attributes of inet-diag-attrs
 * (linux/inet_diag.h: "Next extensions cannot be requested in struct inet_diag_req_v2: its
 * field idiag_ext has only 8 bits"). `vegasinfo` also brings DCTCPINFO and BBRINFO, `tclass`
 * CLASS_ID.
 */
export type InetExtension =
  | "meminfo"
  | "info"
  | "vegasinfo"
  | "cong"
  | "tos"
  | "tclass"
  | "skmeminfo"
  | "shutdown";

/**
 * The `idiag_ext` mask of extension names: bit n - 1 for attribute n of inet-diag-attrs, as
 * `ss` computes it (`1 << (INET_DIAG_MEMINFO - 1)`).
 *
 * @throws {TypeError} for a name that is not one of the eight requestable attributes.
 * @example
 * ```ts
 * import { extensionMask } from "@netlink/netlink/sock-diag";
 * extensionMask(["meminfo", "skmeminfo"]); // 65 (bits 0 and 6)
 * ```
 */
export function extensionMask(names: readonly InetExtension[] | number | undefined): number {
  if (names === undefined) return 0;
  if (typeof names === "number") return names;
  let mask = 0;
  for (const name of names) {
    const n = inetDiagAttrs.attribute(name)?.value;
    if (n === undefined || n < 1 || n > 8) {
      throw new TypeError(
        `"${name}" is not an extension idiag_ext can ask for (meminfo, info, vegasinfo, cong, ` +
          "tos, tclass, skmeminfo, shutdown)",
      );
    }
    mask |= 1 << (n - 1);
  }
  return mask;
}

/** A socket's identity, for a lookup or a destroy. */
export interface InetSockId {
  /** Local address (text or 4/16 bytes). */
  src: string | Uint8Array;
  /** Local port. */
  sport: number;
  /** Remote address. */
  dst: string | Uint8Array;
  /** Remote port. */
  dport: number;
  /** Bound device, 0 for none. */
  iface?: number;
  /** The kernel's cookie; omitted: any socket with this identity. */
  cookie?: bigint;
}

/** What to ask for: which sockets, and which extensions. */
export interface InetQuery {
  /** `"inet"`/`AF_INET` (2) or `"inet6"`/`AF_INET6` (10). */
  family: "inet" | "inet6" | number;
  /** The protocol, by name or number. */
  protocol: InetProtocolName | number;
  /** States to dump: a mask, bit n for state n (default: all, as `ss -a`). */
  states?: number;
  /** Extensions (`idiag_ext`): names, or the mask. */
  extensions?: readonly InetExtension[] | number;
  /**
   * A filter: an `ss` expression (text or its words), a parsed {@link FilterExpr}, or compiled
   * bytecode. The kernel applies it; a part it cannot express (`dev`) means no bytecode is sent
   * (as with `ss`), so match in user space then (`matchFilter`).
   */
  filter?: string | readonly string[] | FilterExpr | Uint8Array;
  /** For raw sockets: the IP protocol they are bound to (0: all). */
  rawProtocol?: number;
  /** For a lookup: the socket's identity. */
  id?: InetSockId;
}

/** Options of {@link inetRequest}. */
export interface RequestBuildOptions {
  /** A lookup (`do`) instead of a dump. */
  get?: boolean;
  /** `nlmsg_seq` (the socket assigns its own when sending). */
  seq?: number;
}

function familyNumber(f: "inet" | "inet6" | number): number {
  if (f === "inet") return AF_INET;
  if (f === "inet6") return AF_INET6;
  if (f !== AF_INET && f !== AF_INET6) {
    throw new RangeError(`inet sockets are AF_INET (2) or AF_INET6 (10), not ${f}`);
  }
  return f;
}

/** A protocol number from its name or number. */
export function protocolNumber(p: InetProtocolName | number): number {
  if (typeof p === "number") return p;
  const n = IPPROTO[p];
  if (n === undefined) {
    throw new TypeError(`Unknown protocol "${p}"; known: ${Object.keys(IPPROTO).join(", ")}`);
  }
  return n;
}

function addressBytes(a: string | Uint8Array, family: number): Uint8Array {
  const out = new Uint8Array(16);
  const b = typeof a === "string" ? parseIp(a) : a;
  if (b.length !== (family === AF_INET ? 4 : 16)) {
    throw new TypeError(
      `Address ${typeof a === "string" ? a : formatIp(b)} is not of family ${family}`,
    );
  }
  out.set(b);
  return out;
}

/** The fixed header of an inet request. */
export function inetRequestHeader(q: InetQuery): InetDiagReqV2 {
  const family = familyNumber(q.family);
  const protocol = protocolNumber(q.protocol);
  const id = q.id;
  return {
    sdiagFamily: family,
    sdiagProtocol: protocol & 0xff,
    idiagExt: extensionMask(q.extensions),
    pad: q.rawProtocol ?? 0,
    idiagStates: q.states ?? STATE_MASKS.all,
    id: {
      idiagSport: id?.sport ?? 0,
      idiagDport: id?.dport ?? 0,
      idiagSrc: id ? addressBytes(id.src, family) : new Uint8Array(16),
      idiagDst: id ? addressBytes(id.dst, family) : new Uint8Array(16),
      idiagIf: id?.iface ?? 0,
      idiagCookie: id ? cookieBytes(id.cookie) : new Uint8Array(8),
    },
  };
}

/**
 * The filter of a query as bytecode (undefined: none). Text is parsed with no preferred family
 * (as `ss` without `-4`/`-6`); parse it yourself with `parseFilter(text, { family })` for that.
 */
export function filterBytecode(filter: InetQuery["filter"]): Uint8Array | undefined {
  if (filter === undefined || filter instanceof Uint8Array) return filter;
  const expr = typeof filter === "string" || Array.isArray(filter)
    ? parseFilter(filter as string | readonly string[])
    : filter as FilterExpr;
  return compileFilter(expr);
}

/**
 * The request bytes for an inet query: a dump (as `ss` sends it: `NLM_F_REQUEST|NLM_F_DUMP`,
 * the states, the extensions, the filter as `INET_DIAG_REQ_BYTECODE`, protocols above 255 in
 * `INET_DIAG_REQ_PROTOCOL`), or a lookup of one socket with `{ get: true }`.
 *
 * @example
 * ```ts
 * import { inetRequest } from "@netlink/netlink/sock-diag";
 * const req = inetRequest({ family: "inet6", protocol: "udp", extensions: ["skmeminfo"] });
 * ```
 */
export function inetRequest(q: InetQuery, options: RequestBuildOptions = {}): Uint8Array {
  const header = inetRequestHeader(q);
  const protocol = protocolNumber(q.protocol);
  const attrs: { bytecode?: Uint8Array; protocol?: number } = {};
  if (!options.get) {
    const bc = filterBytecode(q.filter);
    if (bc !== undefined) attrs.bytecode = bc;
  }
  if (protocol > 255) attrs.protocol = protocol;
  return buildMessage(operations.sockDiagByFamily, {
    dump: !options.get,
    header,
    attrs,
    seq: options.seq,
  });
}

/** The bit fields of struct tcp_info that the spec keeps packed, unpacked. */
export interface TcpInfoBits {
  /** Window scale the peer applies to what we send (`tcpi_snd_wscale`). */
  sndWscale: number;
  /** Window scale we apply (`tcpi_rcv_wscale`). */
  rcvWscale: number;
  /** The delivery rate was application-limited (`tcpi_delivery_rate_app_limited`). */
  deliveryRateAppLimited: boolean;
  /** Why a Fast Open client attempt failed (`tcpi_fastopen_client_fail`). */
  fastopenClientFail: number;
  /** Names of the options in `tcpi_options` (`timestamps`, `sack`, `wscale`, `ecn` …). */
  options: string[];
}

/**
 * Unpack the bit fields of a decoded struct tcp_info.
 *
 * @example
 * ```ts
 * import { tcpInfoBits } from "@netlink/netlink/sock-diag";
 * import type { TcpInfo } from "@netlink/netlink/sock-diag";
 * declare const info: TcpInfo;
 * const { sndWscale, rcvWscale, options } = tcpInfoBits(info);
 * ```
 */
export function tcpInfoBits(info: TcpInfo): TcpInfoBits {
  const w = info.tcpiWscale ?? 0;
  const a = info.tcpiAppLimitedTfo ?? 0;
  return {
    sndWscale: w & 0xf,
    rcvWscale: w >> 4,
    deliveryRateAppLimited: (a & 1) !== 0,
    fastopenClientFail: (a >> 1) & 3,
    options: flagNames(TCPI_OPT, info.tcpiOptions ?? 0),
  };
}

/** Socket options reported in INET_DIAG_SOCKOPT, one boolean each. */
export interface InetSockopt {
  /** IP_RECVERR. */
  recverr: boolean;
  /** A connection-oriented socket (TCP, DCCP). */
  isIcsk: boolean;
  /** IP_FREEBIND. */
  freebind: boolean;
  /** IP_HDRINCL. */
  hdrincl: boolean;
  /** IP_MULTICAST_LOOP. */
  mcLoop: boolean;
  /** IP_TRANSPARENT. */
  transparent: boolean;
  /** IP_MULTICAST_ALL. */
  mcAll: boolean;
  /** IP_NODEFRAG. */
  nodefrag: boolean;
  /** IP_BIND_ADDRESS_NO_PORT. */
  bindAddressNoPort: boolean;
  /** IP_RECVERR_RFC4884. */
  recverrRfc4884: boolean;
  /** The connect is deferred to the first write (TCP_FASTOPEN_CONNECT). */
  deferConnect: boolean;
}

/** One inet socket as the kernel reported it. */
export interface InetSock {
  /** `AF_INET` (2) or `AF_INET6` (10). */
  family: number;
  /** The protocol (`IPPROTO_*`) of the dump: TCP, UDP, `IPPROTO_RAW` (255), MPTCP… */
  protocol: number;
  /** INET_DIAG_PROTOCOL: for raw sockets, the IP protocol they carry (ICMP is 1). */
  rawProtocol?: number;
  /** State (tcp-state numbers; UDP/raw: `established` when connected, else `close`). */
  state: number;
  /** Local address as text (IPv6 as `inet_ntop` writes it). */
  src: string;
  /** Local port. */
  sport: number;
  /** Remote address as text. */
  dst: string;
  /** Remote port. */
  dport: number;
  /** Bound device (ifindex), 0 for none. */
  iface: number;
  /** The kernel's socket cookie. */
  cookie: bigint;
  /**
   * Pending timer: 0 none, 1 retransmit, 2 keepalive, 3 time-wait, 4 zero-window probe, 5
   * delayed ACK (net/ipv4/inet_diag.c; `IDIAG_TIMER_*` in linux/inet_diag.h since 7.1).
   */
  timer: number;
  /** Milliseconds until the timer fires. */
  expires: number;
  /** Retransmits (or probes) so far. */
  retrans: number;
  /** Receive queue (bytes; listeners: pending connections). */
  rqueue: number;
  /** Send queue (bytes; listeners: the backlog). */
  wqueue: number;
  /** Owner uid. */
  uid: number;
  /** Inode of the socket. */
  inode: number;
  /** INET_DIAG_MEMINFO. */
  meminfo?: InetDiagMeminfo;
  /** INET_DIAG_SKMEMINFO by name. */
  skmeminfo?: SkMeminfo;
  /** INET_DIAG_INFO of TCP sockets, decoded as struct tcp_info. */
  tcpInfo?: TcpInfo;
  /** INET_DIAG_CONG: the congestion control algorithm. */
  cong?: string;
  /** INET_DIAG_VEGASINFO. */
  vegas?: TcpvegasInfo;
  /** INET_DIAG_DCTCPINFO. */
  dctcp?: TcpDctcpInfo;
  /** INET_DIAG_BBRINFO. */
  bbr?: TcpBbrInfo;
  /** INET_DIAG_TOS (IPv4). */
  tos?: number;
  /** INET_DIAG_TCLASS (IPv6). */
  tclass?: number;
  /** INET_DIAG_CLASS_ID. */
  classId?: number;
  /** INET_DIAG_SHUTDOWN: bit 0 receive side, bit 1 send side. */
  shutdown?: number;
  /** INET_DIAG_MARK (with CAP_NET_ADMIN). */
  mark?: number;
  /** INET_DIAG_CGROUP_ID. */
  cgroupId?: bigint;
  /** INET_DIAG_SKV6ONLY (IPv6). */
  v6only?: boolean;
  /** INET_DIAG_SOCKOPT. */
  sockopt?: InetSockopt;
  /** INET_DIAG_ULP_INFO's name (`tls`, `mptcp`). */
  ulp?: string;
  /** The fixed header as decoded from the spec. */
  header: InetDiagMsg;
  /** Every attribute as decoded from the spec. */
  attrs: InetDiagAttrs;
}

function addressText(b: Uint8Array | undefined, family: number): string {
  const bytes = b ?? new Uint8Array(16);
  return formatIp(bytes.subarray(0, family === AF_INET ? 4 : 16));
}

/** INET_DIAG_SOCKOPT: struct inet_diag_sockopt's bit fields, from the lowest bit of each byte. */
function sockopt(v: Uint8Array | undefined): InetSockopt | undefined {
  if (v === undefined || v.length < 1) return undefined;
  const a = v[0], b = v[1] ?? 0;
  return {
    recverr: (a & 1) !== 0,
    isIcsk: (a & 2) !== 0,
    freebind: (a & 4) !== 0,
    hdrincl: (a & 8) !== 0,
    mcLoop: (a & 16) !== 0,
    transparent: (a & 32) !== 0,
    mcAll: (a & 64) !== 0,
    nodefrag: (a & 128) !== 0,
    bindAddressNoPort: (b & 1) !== 0,
    recverrRfc4884: (b & 2) !== 0,
    deferConnect: (b & 4) !== 0,
  };
}

/**
 * Decode one reply (the payload of a SOCK_DIAG_BY_FAMILY message from the kernel) for the
 * protocol that was asked for.
 *
 * @throws {NetlinkDecodeError} on malformed bytes.
 * @example
 * ```ts
 * import { decodeInet } from "@netlink/netlink/sock-diag";
 * declare const payload: Uint8Array;
 * const s = decodeInet(payload, 6);
 * console.log(s.src, s.sport, s.tcpInfo?.tcpiRtt);
 * ```
 */
export function decodeInet(payload: Uint8Array, protocol: number): InetSock {
  const { header, attrs } = decodeBody(operations.inetDiagMsg, payload);
  const family = header.idiagFamily;
  const id = header.id;
  const proto = protocol;
  const s: InetSock = {
    family,
    protocol: proto,
    state: header.idiagState,
    src: addressText(id.idiagSrc, family),
    sport: id.idiagSport,
    dst: addressText(id.idiagDst, family),
    dport: id.idiagDport,
    iface: id.idiagIf,
    cookie: cookieOf(id.idiagCookie),
    timer: header.idiagTimer,
    expires: header.idiagExpires,
    retrans: header.idiagRetrans,
    rqueue: header.idiagRqueue,
    wqueue: header.idiagWqueue,
    uid: header.idiagUid,
    inode: header.idiagInode,
    header,
    attrs,
  };
  if (attrs.protocol !== undefined) s.rawProtocol = attrs.protocol;
  if (attrs.meminfo !== undefined) s.meminfo = attrs.meminfo;
  const sk = skMeminfo(attrs.skmeminfo);
  if (sk !== undefined) s.skmeminfo = sk;
  if (attrs.info !== undefined && proto === IPPROTO.tcp) {
    s.tcpInfo = decodeStruct(tcpInfoStruct, attrs.info);
  }
  if (attrs.cong !== undefined) s.cong = attrs.cong;
  if (attrs.vegasinfo !== undefined) s.vegas = attrs.vegasinfo;
  if (attrs.dctcpinfo !== undefined) s.dctcp = attrs.dctcpinfo;
  if (attrs.bbrinfo !== undefined) s.bbr = attrs.bbrinfo;
  if (attrs.tos !== undefined) s.tos = attrs.tos;
  if (attrs.tclass !== undefined) s.tclass = attrs.tclass;
  if (attrs.classId !== undefined) s.classId = attrs.classId;
  if (attrs.shutdown !== undefined) s.shutdown = attrs.shutdown;
  if (attrs.mark !== undefined) s.mark = attrs.mark;
  if (attrs.cgroupId !== undefined) s.cgroupId = BigInt(attrs.cgroupId);
  if (attrs.skv6only !== undefined) s.v6only = attrs.skv6only !== 0;
  const so = sockopt(attrs.sockopt);
  if (so !== undefined) s.sockopt = so;
  if (attrs.ulpInfo?.name !== undefined) s.ulp = attrs.ulpInfo.name;
  return s;
}

/**
 * The view of an inet socket that `matchFilter` takes.
 *
 * @example
 * ```ts
 * import { inetFilterTarget, matchFilter, parseFilter, type InetSock } from "@netlink/netlink/sock-diag";
 * declare const s: InetSock;
 * matchFilter(parseFilter("dport = :443")!, inetFilterTarget(s));
 * ```
 */
export function inetFilterTarget(s: InetSock): FilterTarget {
  const n = s.family === AF_INET ? 4 : 16;
  return {
    family: s.family,
    local: { address: s.header.id.idiagSrc?.subarray(0, n), port: s.sport },
    remote: { address: s.header.id.idiagDst?.subarray(0, n), port: s.dport },
    iface: s.iface,
    mark: s.mark,
    cgroupId: s.cgroupId,
  };
}
