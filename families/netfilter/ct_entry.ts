/**
 * Conntrack entries as values: {@link ConntrackEntry} from the decoded `CTA_*` attributes of
 * the generated conntrack family, and back ({@link tupleToAttrs}, {@link entryToAttrs}) for gets,
 * creates, updates, deletes and filtered dumps. Addresses are text, ports and ICMP fields
 * numbers, counters `bigint`.
 *
 * @example
 * ```ts
 * import { entryFromAttrs, tupleToAttrs } from "@netlink/netlink/conntrack";
 * const attrs = tupleToAttrs({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 17, srcPort: 5353, dstPort: 53 });
 * const entry = entryFromAttrs(2, { tupleOrig: attrs, status: 8, mark: 7 });
 * console.log(entry.original.dstPort, entry.mark); // 53 7
 * ```
 *
 * @module
 */
import { parseIp } from "../route/addr_text.ts";
import { ipAttr } from "../route/_ip_attr.ts";
import type {
  ConntrackAttrs,
  CounterAttrs,
  NfCtTcpFlagsMask,
  TupleAttrs,
} from "../generated/conntrack.ts";

/** `AF_INET` and `AF_INET6` (linux/socket.h), which are `NFPROTO_IPV4`/`NFPROTO_IPV6`. */
export const AF_INET = 2, AF_INET6 = 10;
/** `IPPROTO_*` (linux/in.h, linux/in6.h) that tuples treat specially. */
export const IPPROTO: Readonly<
  Record<"ICMP" | "TCP" | "UDP" | "DCCP" | "GRE" | "ICMPV6" | "SCTP" | "UDPLITE", number>
> = Object.freeze({
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  DCCP: 33,
  GRE: 47,
  ICMPV6: 58,
  SCTP: 132,
  UDPLITE: 136,
});

/** One direction of a connection: addresses, layer-4 protocol and its identifying fields. */
export interface CtTuple {
  /** Source address (IPv4 or IPv6 text). */
  src: string;
  /** Destination address. */
  dst: string;
  /** Layer-4 protocol number (`CTA_PROTO_NUM`), e.g. 6 for TCP. */
  protocol: number;
  /** TCP, UDP, UDP-Lite, SCTP or DCCP source port. */
  srcPort?: number;
  /** Destination port. */
  dstPort?: number;
  /** ICMP or ICMPv6 type. */
  icmpType?: number;
  /** ICMP or ICMPv6 code. */
  icmpCode?: number;
  /** ICMP or ICMPv6 echo identifier. */
  icmpId?: number;
  /** The direction's zone (`CTA_TUPLE_ZONE`), when the zone applies to one direction only. */
  zone?: number;
}

/** Packets and bytes of one direction (with `net.netfilter.nf_conntrack_acct = 1`). */
export interface CtCounters {
  /** Packets. */
  packets: bigint;
  /** Bytes. */
  bytes: bigint;
}

/** TCP state (`CTA_PROTOINFO_TCP`). */
export interface CtTcpInfo {
  /** `TCP_CONNTRACK_*` (see `NF_CT_TCP_STATE`). */
  state: number;
  /** Window scale of the original direction. */
  wscaleOriginal?: number;
  /** Window scale of the reply direction. */
  wscaleReply?: number;
  /** `IP_CT_TCP_FLAG_*` of the original direction, with their mask. */
  flagsOriginal?: NfCtTcpFlagsMask;
  /** `IP_CT_TCP_FLAG_*` of the reply direction, with their mask. */
  flagsReply?: NfCtTcpFlagsMask;
}

/** A conntrack entry (`struct nf_conn` as ctnetlink describes it). */
export interface ConntrackEntry {
  /** Address family: `AF_INET` (2) or `AF_INET6` (10), from `nfgenmsg`. */
  family: number;
  /** The original direction. */
  original: CtTuple;
  /** The reply direction (after NAT: where replies come from). */
  reply: CtTuple;
  /** The master connection of an expected one (`CTA_TUPLE_MASTER`). */
  master?: CtTuple;
  /** `IPS_*` bits (see `NF_CT_STATUS`). */
  status: number;
  /** Seconds until the entry expires. */
  timeout?: number;
  /** `ct mark`. */
  mark?: number;
  /** Zone (`CTA_ZONE`), when not 0. */
  zone?: number;
  /** References to the entry. */
  use?: number;
  /** The entry's id (`CTA_ID`). */
  id?: number;
  /** Connection labels (a bit field, `CTA_LABELS`). */
  labels?: Uint8Array;
  /** Counters, with accounting enabled. */
  counters?: { original?: CtCounters; reply?: CtCounters };
  /** TCP state. */
  tcp?: CtTcpInfo;
  /** SCTP state (`SCTP_CONNTRACK_*`) and verification tags. */
  sctp?: { state?: number; vtagOriginal?: number; vtagReply?: number };
  /** DCCP state, role and handshake sequence. */
  dccp?: { state?: number; role?: number; handshakeSeq?: bigint };
  /** Helper name (`CTA_HELP_NAME`). */
  helper?: string;
  /** Security context (`CTA_SECCTX_NAME`). */
  secctx?: string;
  /** Start and stop times in ns (`net.netfilter.nf_conntrack_timestamp = 1`). */
  timestamp?: { start?: bigint; stop?: bigint };
  /** Everything as decoded, including what this type does not name. */
  attrs: ConntrackAttrs;
}

function ipToAttr(text: string): { v4?: number; v6?: Uint8Array } {
  const b = parseIp(text);
  if (b.length === 4) return { v4: ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0 };
  return { v6: b };
}

function v4Text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

const ICMP_PROTOS = new Set<number>([IPPROTO.ICMP, IPPROTO.ICMPV6]);
const PORT_PROTOS = new Set<number>([
  IPPROTO.TCP,
  IPPROTO.UDP,
  IPPROTO.UDPLITE,
  IPPROTO.SCTP,
  IPPROTO.DCCP,
]);

/**
 * The `CTA_TUPLE_*` attributes of a tuple (for `tupleOrig`, `tupleReply` or `tupleMaster`).
 * Fields left out are left out of the attributes (a filter then ignores them).
 *
 * @throws {TypeError} for an address that is not IPv4 or IPv6 text.
 * @example
 * ```ts
 * import { tupleToAttrs } from "@netlink/netlink/conntrack";
 * tupleToAttrs({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 1, icmpType: 8, icmpCode: 0, icmpId: 7 });
 * ```
 */
export function tupleToAttrs(t: Partial<CtTuple>): TupleAttrs {
  const out: TupleAttrs = {};
  if (t.src !== undefined || t.dst !== undefined) {
    const ip: NonNullable<TupleAttrs["tupleIp"]> = {};
    for (const [k, v] of [["src", t.src], ["dst", t.dst]] as const) {
      if (v === undefined) continue;
      const a = ipToAttr(v);
      if (a.v4 !== undefined) ip[k === "src" ? "ipV4Src" : "ipV4Dst"] = a.v4;
      else ip[k === "src" ? "ipV6Src" : "ipV6Dst"] = a.v6;
    }
    out.tupleIp = ip;
  }
  if (t.protocol !== undefined) {
    const p: NonNullable<TupleAttrs["tupleProto"]> = { protoNum: t.protocol };
    const v6 = t.protocol === IPPROTO.ICMPV6;
    if (t.srcPort !== undefined) p.protoSrcPort = t.srcPort;
    if (t.dstPort !== undefined) p.protoDstPort = t.dstPort;
    if (t.icmpId !== undefined) p[v6 ? "protoIcmpv6Id" : "protoIcmpId"] = t.icmpId;
    if (t.icmpType !== undefined) p[v6 ? "protoIcmpv6Type" : "protoIcmpType"] = t.icmpType;
    if (t.icmpCode !== undefined) p[v6 ? "protoIcmpv6Code" : "protoIcmpCode"] = t.icmpCode;
    out.tupleProto = p;
  }
  if (t.zone !== undefined) out.tupleZone = t.zone;
  return out;
}

/**
 * The tuple a `CTA_TUPLE_*` nest describes.
 *
 * @example
 * ```ts
 * import { tupleFromAttrs } from "@netlink/netlink/conntrack";
 * tupleFromAttrs({ tupleIp: { ipV4Src: 0x0a000001, ipV4Dst: 0x0a000002 }, tupleProto: { protoNum: 6 } });
 * // { src: "10.0.0.1", dst: "10.0.0.2", protocol: 6 }
 * ```
 */
export function tupleFromAttrs(a: TupleAttrs | undefined): CtTuple {
  const ip = a?.tupleIp ?? {};
  const p = a?.tupleProto ?? {};
  const src = ip.ipV4Src !== undefined
    ? v4Text(ip.ipV4Src)
    : ip.ipV6Src !== undefined
    ? ipAttr(ip.ipV6Src, "CTA_IP_V6_SRC")
    : "";
  const dst = ip.ipV4Dst !== undefined
    ? v4Text(ip.ipV4Dst)
    : ip.ipV6Dst !== undefined
    ? ipAttr(ip.ipV6Dst, "CTA_IP_V6_DST")
    : "";
  const t: CtTuple = { src, dst, protocol: p.protoNum ?? 0 };
  if (p.protoSrcPort !== undefined) t.srcPort = p.protoSrcPort;
  if (p.protoDstPort !== undefined) t.dstPort = p.protoDstPort;
  const type = p.protoIcmpType ?? p.protoIcmpv6Type;
  const code = p.protoIcmpCode ?? p.protoIcmpv6Code;
  const id = p.protoIcmpId ?? p.protoIcmpv6Id;
  if (type !== undefined) t.icmpType = type;
  if (code !== undefined) t.icmpCode = code;
  if (id !== undefined) t.icmpId = id;
  if (a?.tupleZone !== undefined) t.zone = a.tupleZone;
  return t;
}

function counters(c: CounterAttrs | undefined): CtCounters | undefined {
  if (c === undefined) return undefined;
  return {
    packets: c.packets ?? BigInt(c.packetsOld ?? 0),
    bytes: c.bytes ?? BigInt(c.bytesOld ?? 0),
  };
}

/**
 * A {@link ConntrackEntry} from a decoded conntrack message (`nfgenmsg` family, attributes).
 *
 * @example
 * ```ts
 * import { entryFromAttrs } from "@netlink/netlink/conntrack";
 * const e = entryFromAttrs(2, { status: 14, timeout: 30 });
 * console.log(e.status, e.timeout); // 14 30
 * ```
 */
export function entryFromAttrs(family: number, a: ConntrackAttrs): ConntrackEntry {
  const e: ConntrackEntry = {
    family,
    original: tupleFromAttrs(a.tupleOrig),
    reply: tupleFromAttrs(a.tupleReply),
    status: a.status ?? 0,
    attrs: a,
  };
  if (a.tupleMaster !== undefined) e.master = tupleFromAttrs(a.tupleMaster);
  if (a.timeout !== undefined) e.timeout = a.timeout;
  if (a.mark !== undefined) e.mark = a.mark;
  if (a.zone !== undefined) e.zone = a.zone;
  if (a.use !== undefined) e.use = a.use;
  if (a.id !== undefined) e.id = a.id;
  if (a.labels !== undefined) e.labels = a.labels;
  const co = counters(a.countersOrig), cr = counters(a.countersReply);
  if (co || cr) e.counters = { original: co, reply: cr };
  const tcp = a.protoinfo?.protoinfoTcp;
  if (tcp?.tcpState !== undefined) {
    e.tcp = { state: tcp.tcpState };
    if (tcp.tcpWscaleOriginal !== undefined) e.tcp.wscaleOriginal = tcp.tcpWscaleOriginal;
    if (tcp.tcpWscaleReply !== undefined) e.tcp.wscaleReply = tcp.tcpWscaleReply;
    if (tcp.tcpFlagsOriginal !== undefined) e.tcp.flagsOriginal = tcp.tcpFlagsOriginal;
    if (tcp.tcpFlagsReply !== undefined) e.tcp.flagsReply = tcp.tcpFlagsReply;
  }
  const sctp = a.protoinfo?.protoinfoSctp;
  if (sctp !== undefined) {
    e.sctp = {
      state: sctp.sctpState,
      vtagOriginal: sctp.vtagOriginal,
      vtagReply: sctp.vtagReply,
    };
  }
  const dccp = a.protoinfo?.protoinfoDccp;
  if (dccp !== undefined) {
    e.dccp = { state: dccp.dccpState, role: dccp.dccpRole, handshakeSeq: dccp.dccpHandshakeSeq };
  }
  if (a.help?.helpName !== undefined) e.helper = a.help.helpName;
  if (a.secctx?.secctxName !== undefined) e.secctx = a.secctx.secctxName;
  if (a.timestamp !== undefined) {
    e.timestamp = { start: a.timestamp.start, stop: a.timestamp.stop };
  }
  return e;
}

/** What {@link entryToAttrs} takes: an entry to create, or the fields of one to change. */
export interface ConntrackInput {
  /** The original direction (required to create, to find the entry to update). */
  original: CtTuple;
  /**
   * The reply direction. Derived from `original` when left out (addresses and ports swapped;
   * ICMP echo request → echo reply), which is right without NAT.
   */
  reply?: CtTuple;
  /** Seconds until it expires (required to create). */
  timeout?: number;
  /** `IPS_*` bits to set (the kernel lets only some change: see `nf_ct_change_status_common`). */
  status?: number;
  /** The mark. */
  mark?: number;
  /** Change only these bits of the mark (update). */
  markMask?: number;
  /** Zone. */
  zone?: number;
  /** TCP state (`TCP_CONNTRACK_*`), for a TCP entry. */
  tcpState?: number;
  /** Labels (a bit field of 4-byte words). */
  labels?: Uint8Array;
  /** Change only these label bits. */
  labelsMask?: Uint8Array;
  /** Helper name. */
  helper?: string;
}

/**
 * The reply tuple of a connection without NAT: the original, reversed.
 *
 * @example
 * ```ts
 * import { reverseTuple } from "@netlink/netlink/conntrack";
 * reverseTuple({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 1, icmpType: 8, icmpCode: 0, icmpId: 9 });
 * // { src: "10.0.0.2", dst: "10.0.0.1", protocol: 1, icmpType: 0, icmpCode: 0, icmpId: 9 }
 * ```
 */
export function reverseTuple(t: CtTuple): CtTuple {
  const r: CtTuple = { src: t.dst, dst: t.src, protocol: t.protocol };
  if (PORT_PROTOS.has(t.protocol)) {
    if (t.dstPort !== undefined) r.srcPort = t.dstPort;
    if (t.srcPort !== undefined) r.dstPort = t.srcPort;
  }
  if (ICMP_PROTOS.has(t.protocol)) {
    // ICMP echo request ↔ reply (8 ↔ 0), ICMPv6 (128 ↔ 129); other types answer themselves.
    const v6 = t.protocol === IPPROTO.ICMPV6;
    const pairs: Record<number, number> = v6
      ? { 128: 129, 129: 128 }
      : { 8: 0, 0: 8, 13: 14, 15: 16, 17: 18 };
    if (t.icmpType !== undefined) r.icmpType = pairs[t.icmpType] ?? t.icmpType;
    if (t.icmpCode !== undefined) r.icmpCode = t.icmpCode;
    if (t.icmpId !== undefined) r.icmpId = t.icmpId;
  }
  return r;
}

/**
 * The attributes of an `IPCTNL_MSG_CT_NEW` request (create or update).
 *
 * @example
 * ```ts
 * import { entryToAttrs } from "@netlink/netlink/conntrack";
 * entryToAttrs({
 *   original: { src: "10.0.0.1", dst: "10.0.0.2", protocol: 17, srcPort: 1000, dstPort: 53 },
 *   timeout: 60,
 *   mark: 1,
 * });
 * ```
 */
export function entryToAttrs(e: ConntrackInput): ConntrackAttrs {
  const a: ConntrackAttrs = {
    tupleOrig: tupleToAttrs(e.original),
    tupleReply: tupleToAttrs(e.reply ?? reverseTuple(e.original)),
  };
  if (e.status !== undefined) a.status = e.status;
  if (e.timeout !== undefined) a.timeout = e.timeout;
  if (e.mark !== undefined) a.mark = e.mark;
  if (e.markMask !== undefined) a.markMask = e.markMask;
  if (e.zone !== undefined) a.zone = e.zone;
  if (e.tcpState !== undefined) a.protoinfo = { protoinfoTcp: { tcpState: e.tcpState } };
  if (e.labels !== undefined) a.labels = e.labels;
  if (e.labelsMask !== undefined) a["labels mask"] = e.labelsMask;
  if (e.helper !== undefined) a.help = { helpName: e.helper };
  return a;
}

/** The address family of a tuple's addresses (`AF_INET` or `AF_INET6`), or 0 when it has none. */
export function tupleFamily(t: Partial<CtTuple> | undefined): number {
  // A decoded tuple with no address has "" (tupleFromAttrs): no family either.
  const addr = t?.src || t?.dst;
  if (addr === undefined || addr === "") return 0;
  return parseIp(addr).length === 4 ? AF_INET : AF_INET6;
}
