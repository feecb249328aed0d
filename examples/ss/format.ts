/**
 * What `ss` prints for each socket (misc/ss.c of iproute2 6.1: `sock_state_print`,
 * `inet_stats_print`, `tcp_timer_print`, `sock_details_print`, `print_skmeminfo`,
 * `tcp_stats_print`, `unix_stats_print`, `packet_stats_print`, `netlink_show_one`), written
 * into a {@link Table}, and the same facts as JSON objects. Numbers are printed as with `-n`.
 *
 * @module
 */
import {
  AF,
  type InetSock,
  IPPROTO,
  type NetlinkSock,
  type PacketSock,
  type SkMeminfo,
  SOCK_TYPE,
  ssStateName,
  tcpInfoBits,
  type UnixSock,
} from "../../families/sock_diag/mod.ts";
import { COL, type Table } from "./table.ts";

/** What to print besides the columns. */
export interface Show {
  /** `-o`: timers. */
  options: boolean;
  /** `-e`: uid, inode, cookie, v6only, shutdown, unix VFS and peers. */
  details: boolean;
  /** `-m`: socket memory. */
  memory: boolean;
  /** `-i`: TCP internals. */
  info: boolean;
  /** `-n`: numbers instead of names (always the case for ports here). */
  numeric: boolean;
}

/** Interface names by index, and cgroup paths by id, looked up by the caller. */
export interface Names {
  /** Name of interface `index` (ss: `ll_index_to_name`). */
  ifname(index: number): string;
  /** Path of cgroup `id` (ss: `cg_id_to_path`). */
  cgroup(id: bigint): string;
}

// ---------------------------------------------------------------------------
// C printf formats
// ---------------------------------------------------------------------------

/** C `%g` (`%.<precision>g`). */
export function fmtG(x: number, precision = 6): string {
  if (x === 0) return "0";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : x < 0 ? "-inf" : "nan";
  const p = precision === 0 ? 1 : precision;
  const [mant, expText] = x.toExponential(p - 1).split("e");
  const e = Number(expText);
  const trim = (s: string) => s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
  if (e < -4 || e >= p) {
    const sign = e < 0 ? "-" : "+";
    return `${trim(mant)}e${sign}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return trim(x.toFixed(p - 1 - e));
}

/** ss's sprint_bw (bits per second). */
function bw(x: number, numeric: boolean): string {
  if (numeric) return x.toFixed(0);
  if (x >= 1e12) return `${fmtG(x / 1e12, 3)}T`;
  if (x >= 1e9) return `${fmtG(x / 1e9, 3)}G`;
  if (x >= 1e6) return `${fmtG(x / 1e6, 3)}M`;
  if (x >= 1e3) return `${fmtG(x / 1e3, 3)}k`;
  return fmtG(x);
}

/** ss's print_ms_timer. */
export function msTimer(timeout: number): string {
  let secs = Math.floor(timeout / 1000);
  const minutes = Math.floor(secs / 60);
  secs %= 60;
  let msecs = timeout % 1000;
  let out = "";
  if (minutes) {
    msecs = 0;
    out += `${minutes}min`;
    if (minutes > 9) secs = 0;
  }
  if (secs) {
    if (secs > 9) msecs = 0;
    out += `${secs}${msecs ? "." : "sec"}`;
  }
  if (msecs) out += String(msecs).padStart(3, "0") + "ms";
  return out;
}

const TIMER_NAMES = ["off", "on", "keepalive", "timewait", "persist", "unknown"];

function pad6(n: number): string {
  return String(n).padEnd(6);
}

function skmem(m: SkMeminfo | undefined): string {
  if (m === undefined) return "";
  let s =
    ` skmem:(r${m.rmemAlloc},rb${m.rcvbuf},t${m.wmemAlloc},tb${m.sndbuf},f${m.fwdAlloc},w${m.wmemQueued},o${m.optmem}`;
  if (m.backlog !== undefined) s += `,bl${m.backlog}`;
  if (m.drops !== undefined) s += `,d${m.drops}`;
  return s + ")";
}

/** ss's names of inet protocols (proto_name). */
export function netidOfProtocol(protocol: number): string {
  switch (protocol) {
    case 0:
      return "raw";
    case IPPROTO.udp:
      return "udp";
    case IPPROTO.tcp:
      return "tcp";
    case IPPROTO.mptcp:
      return "mptcp";
    case IPPROTO.sctp:
      return "sctp";
    case IPPROTO.dccp:
      return "dccp";
    case 58:
      return "icmp6";
    default:
      return "???";
  }
}

/** ss's Netid of a unix socket. */
export function unixNetid(type: number): string {
  return type === SOCK_TYPE.stream ? "u_str" : type === SOCK_TYPE.seqpacket ? "u_seq" : "u_dgr";
}

function stateColumns(t: Table, netid: string, state: number, rq: number, wq: number): void {
  t.set(COL.netid);
  t.out(netid);
  t.set(COL.state);
  t.out(ssStateName(state));
  t.set(COL.recvq);
  t.out(pad6(rq));
  t.set(COL.sendq);
  t.out(pad6(wq));
  t.set(COL.addr);
}

function addrColumns(t: Table, addr: string, delim: string, port: string): void {
  t.out(`${addr}${delim}`);
  t.next();
  t.out(port);
  t.next();
}

/** The address as ss prints it: `*` for the IPv6 wildcard (unless v6only), IPv6 in brackets. */
export function inetAddressText(family: number, address: string, v6only: boolean): string {
  if (family === AF.inet) return address;
  if (!v6only && address === "::") return "*";
  return address.includes(":") ? `[${address}]` : address;
}

function tcpInfoText(s: InetSock, show: Show): string {
  const info = s.tcpInfo;
  if (info === undefined) return "";
  const bits = tcpInfoBits(info);
  const n = (v: number | bigint | undefined) => Number(v ?? 0);
  let o = "";
  if (show.options) {
    if (bits.options.includes("timestamps")) o += " ts";
    if (bits.options.includes("sack")) o += " sack";
    if (bits.options.includes("ecn")) o += " ecn";
    if (bits.options.includes("ecn-seen")) o += " ecnseen";
    if (bits.options.includes("syn-data")) o += " fastopen";
  }
  if (s.cong) o += ` ${s.cong.slice(0, 15)}`;
  if (bits.options.includes("wscale")) o += ` wscale:${bits.sndWscale},${bits.rcvWscale}`;
  const rtoUs = n(info.tcpiRto);
  if (rtoUs && rtoUs !== 3000000) o += ` rto:${fmtG(rtoUs / 1000)}`;
  if (n(info.tcpiBackoff)) o += ` backoff:${n(info.tcpiBackoff)}`;
  if (n(info.tcpiRtt)) {
    o += ` rtt:${fmtG(n(info.tcpiRtt) / 1000)}/${fmtG(n(info.tcpiRttvar) / 1000)}`;
  }
  if (n(info.tcpiAto)) o += ` ato:${fmtG(n(info.tcpiAto) / 1000)}`;
  const mss = n(info.tcpiSndMss), cwnd = n(info.tcpiSndCwnd);
  if (mss) o += ` mss:${mss}`;
  if (n(info.tcpiPmtu)) o += ` pmtu:${n(info.tcpiPmtu)}`;
  if (n(info.tcpiRcvMss)) o += ` rcvmss:${n(info.tcpiRcvMss)}`;
  if (n(info.tcpiAdvmss)) o += ` advmss:${n(info.tcpiAdvmss)}`;
  if (cwnd) o += ` cwnd:${cwnd}`;
  const ssthresh = n(info.tcpiSndSsthresh);
  if (ssthresh < 0xffff && ssthresh) o += ` ssthresh:${ssthresh}`;
  const u64 = (v: bigint | number | undefined) => BigInt(v ?? 0);
  if (u64(info.tcpiBytesSent)) o += ` bytes_sent:${u64(info.tcpiBytesSent)}`;
  if (u64(info.tcpiBytesRetrans)) o += ` bytes_retrans:${u64(info.tcpiBytesRetrans)}`;
  if (u64(info.tcpiBytesAcked)) o += ` bytes_acked:${u64(info.tcpiBytesAcked)}`;
  if (u64(info.tcpiBytesReceived)) o += ` bytes_received:${u64(info.tcpiBytesReceived)}`;
  if (n(info.tcpiSegsOut)) o += ` segs_out:${n(info.tcpiSegsOut)}`;
  if (n(info.tcpiSegsIn)) o += ` segs_in:${n(info.tcpiSegsIn)}`;
  if (n(info.tcpiDataSegsOut)) o += ` data_segs_out:${n(info.tcpiDataSegsOut)}`;
  if (n(info.tcpiDataSegsIn)) o += ` data_segs_in:${n(info.tcpiDataSegsIn)}`;
  if (s.dctcp !== undefined) {
    const d = s.dctcp;
    o += d.dctcpEnabled
      ? ` dctcp:(ce_state:${d.dctcpCeState},alpha:${d.dctcpAlpha},ab_ecn:${d.dctcpAbEcn},ab_tot:${d.dctcpAbTot})`
      : " dctcp:fallback_mode";
  }
  if (s.bbr !== undefined) {
    const b = s.bbr;
    const rate = (BigInt(b.bbrBwHi) << 32n) | BigInt(b.bbrBwLo);
    o += ` bbr:(bw:${bw(Number(rate) * 8, show.numeric)}bps,mrtt:${fmtG(b.bbrMinRtt / 1000)}`;
    if (b.bbrPacingGain) o += `,pacing_gain:${fmtG(b.bbrPacingGain / 256)}`;
    if (b.bbrCwndGain) o += `,cwnd_gain:${fmtG(b.bbrCwndGain / 256)}`;
    o += ")";
  }
  let rtt = n(info.tcpiRtt);
  const v = s.vegas;
  if (v && v.tcpvEnabled && v.tcpvRtt && v.tcpvRtt !== 0x7fffffff) rtt = v.tcpvRtt;
  if (rtt > 0 && mss && cwnd) o += ` send ${bw((cwnd * mss * 8000000) / rtt, show.numeric)}bps`;
  if (n(info.tcpiLastDataSent)) o += ` lastsnd:${n(info.tcpiLastDataSent)}`;
  if (n(info.tcpiLastDataRecv)) o += ` lastrcv:${n(info.tcpiLastDataRecv)}`;
  if (n(info.tcpiLastAckRecv)) o += ` lastack:${n(info.tcpiLastAckRecv)}`;
  const all = 0xffffffffffffffffn;
  const pacing = u64(info.tcpiPacingRate), maxPacing = u64(info.tcpiMaxPacingRate);
  if (pacing && pacing !== all) {
    o += ` pacing_rate ${bw(Number(pacing) * 8, show.numeric)}bps`;
    if (maxPacing && maxPacing !== all) o += `/${bw(Number(maxPacing) * 8, show.numeric)}bps`;
  }
  const delivery = Number(u64(info.tcpiDeliveryRate)) * 8;
  if (delivery) o += ` delivery_rate ${bw(delivery, show.numeric)}bps`;
  if (n(info.tcpiDelivered)) o += ` delivered:${n(info.tcpiDelivered)}`;
  if (n(info.tcpiDeliveredCe)) o += ` delivered_ce:${n(info.tcpiDeliveredCe)}`;
  if (bits.deliveryRateAppLimited) o += " app_limited";
  const busy = u64(info.tcpiBusyTime);
  if (busy) {
    o += ` busy:${busy / 1000n}ms`;
    const rw = u64(info.tcpiRwndLimited), sb = u64(info.tcpiSndbufLimited);
    if (rw) o += ` rwnd_limited:${rw / 1000n}ms(${(100 * Number(rw) / Number(busy)).toFixed(1)}%)`;
    if (sb) {
      o += ` sndbuf_limited:${sb / 1000n}ms(${(100 * Number(sb) / Number(busy)).toFixed(1)}%)`;
    }
  }
  if (n(info.tcpiUnacked)) o += ` unacked:${n(info.tcpiUnacked)}`;
  if (n(info.tcpiRetrans) || n(info.tcpiTotalRetrans)) {
    o += ` retrans:${n(info.tcpiRetrans)}/${n(info.tcpiTotalRetrans)}`;
  }
  if (n(info.tcpiLost)) o += ` lost:${n(info.tcpiLost)}`;
  if (n(info.tcpiSacked) && s.state !== 10) o += ` sacked:${n(info.tcpiSacked)}`;
  if (n(info.tcpiDsackDups)) o += ` dsack_dups:${n(info.tcpiDsackDups)}`;
  if (n(info.tcpiFackets)) o += ` fackets:${n(info.tcpiFackets)}`;
  if (n(info.tcpiReordering) !== 3) o += ` reordering:${n(info.tcpiReordering) | 0}`;
  if (n(info.tcpiReordSeen)) o += ` reord_seen:${n(info.tcpiReordSeen) | 0}`;
  if (n(info.tcpiRcvRtt)) o += ` rcv_rtt:${fmtG(n(info.tcpiRcvRtt) / 1000)}`;
  if (n(info.tcpiRcvSpace)) o += ` rcv_space:${n(info.tcpiRcvSpace) | 0}`;
  if (n(info.tcpiRcvSsthresh)) o += ` rcv_ssthresh:${n(info.tcpiRcvSsthresh)}`;
  if (n(info.tcpiNotsentBytes)) o += ` notsent:${n(info.tcpiNotsentBytes)}`;
  const minRtt = n(info.tcpiMinRtt);
  if (minRtt && minRtt !== 0xffffffff) o += ` minrtt:${fmtG(minRtt / 1000)}`;
  if (n(info.tcpiRcvOoopack)) o += ` rcv_ooopack:${n(info.tcpiRcvOoopack)}`;
  if (n(info.tcpiSndWnd)) o += ` snd_wnd:${n(info.tcpiSndWnd)}`;
  return o;
}

/** One inet socket into the table. */
export function printInet(t: Table, s: InetSock, show: Show, names: Names): void {
  // ss names a socket by INET_DIAG_PROTOCOL when the kernel sends it (raw sockets).
  stateColumns(t, netidOfProtocol(s.rawProtocol ?? s.protocol), s.state, s.rqueue, s.wqueue);
  const v6only = s.v6only ?? false;
  const ifname = s.iface ? `%${names.ifname(s.iface)}` : "";
  addrColumns(
    t,
    inetAddressText(s.family, s.src, v6only) + ifname,
    ":",
    s.sport === 0 ? "*" : String(s.sport),
  );
  addrColumns(
    t,
    inetAddressText(s.family, s.dst, v6only),
    ":",
    s.dport === 0 ? "*" : String(s.dport),
  );
  if (show.options && s.timer) {
    const name = TIMER_NAMES[Math.min(s.timer, 5)];
    t.out(` timer:(${name},${msTimer(s.expires)},${s.retrans})`);
  }
  if (show.details) {
    if (s.uid) t.out(` uid:${s.uid}`);
    t.out(` ino:${s.inode}`);
    t.out(` sk:${s.cookie.toString(16)}`);
    if (s.mark) t.out(` fwmark:0x${s.mark.toString(16)}`);
    if (s.cgroupId) t.out(` cgroup:${names.cgroup(s.cgroupId)}`);
    if (s.family === AF.inet6 && s.v6only !== undefined) t.out(` v6only:${s.v6only ? 1 : 0}`);
    if (s.shutdown !== undefined) {
      t.out(` ${s.shutdown & 1 ? "-" : "<"}-${s.shutdown & 2 ? "-" : ">"}`);
    }
  }
  if (show.memory || (show.info && s.protocol !== IPPROTO.udp)) {
    t.out("\n\t");
    if (s.skmeminfo !== undefined) t.out(skmem(s.skmeminfo));
    else if (s.meminfo !== undefined) {
      const m = s.meminfo;
      t.out(` mem:(r${m.idiagRmem},w${m.idiagWmem},f${m.idiagFmem},t${m.idiagTmem})`);
    }
    t.out(tcpInfoText(s, show));
    if (s.ulp !== undefined) t.out(` tcp-ulp-${s.ulp}`);
  }
}

/** One unix socket into the table. */
export function printUnix(t: Table, u: UnixSock, show: Show): void {
  stateColumns(t, unixNetid(u.type), u.state, u.rqueue ?? 0, u.wqueue ?? 0);
  addrColumns(t, u.name ?? "*", " ", String(u.inode));
  addrColumns(t, "*", " ", String(u.peer ?? 0));
  if (show.memory) t.out(skmem(u.meminfo));
  if (show.details) {
    if (u.shutdown !== undefined) {
      t.out(` ${u.shutdown & 1 ? "-" : "<"}-${u.shutdown & 2 ? "-" : ">"}`);
    }
    if (u.vfs !== undefined) {
      // ss applies glibc's major()/minor() (the user-space dev_t encoding) to the kernel's
      // dev_t (MAJOR << 20 | MINOR): 254:0 prints as 0/65024. Printed as ss does.
      const d = u.vfs.dev;
      t.out(` ino:${u.vfs.inode} dev:${(d >>> 8) & 0xfff}/${(d & 0xff) | ((d >>> 12) & 0xfff00)}`);
    }
    if (u.pending !== undefined) {
      t.out(" peers:");
      for (const p of u.pending) t.out(` ${p}`);
    }
  }
}

/** ETH_P_ALL (linux/if_ether.h): a packet socket of every protocol. */
const ethPAll = 3;

/** One packet socket into the table. */
export function printPacket(t: Table, p: PacketSock, show: Show, names: Names): void {
  const netid = p.type === SOCK_TYPE.raw ? "p_raw" : "p_dgr";
  stateColumns(t, netid, 7, p.meminfo?.rmemAlloc ?? 0, 0);
  const index = p.info?.pdiIndex ?? 0;
  addrColumns(
    t,
    p.protocol === ethPAll ? "*" : `[${p.protocol}]`,
    ":",
    index === 0 ? "*" : names.ifname(index),
  );
  addrColumns(t, "", "*", "");
  if (show.details) {
    if (p.uid) t.out(` uid:${p.uid}`);
    t.out(` ino:${p.inode}`);
    t.out(` sk:${p.cookie.toString(16)}`);
    const info = p.info;
    if (info !== undefined) {
      t.out(`\n\tver:${info.pdiVersion}`);
      t.out(` cpy_thresh:${info.pdiCopyThresh}`);
      t.out(" flags( ");
      const f = info.pdiFlags;
      if (f & 1) t.out("running");
      if (f & 2) t.out(" auxdata");
      if (f & 4) t.out(" origdev");
      if (f & 8) t.out(" vnethdr");
      if (f & 16) t.out(" loss");
      if (!f) t.out("0");
      t.out(" )");
    }
    const ring = (name: string, r: PacketSock["rxRing"]) => {
      if (r === undefined) return;
      t.out(
        `\n\t${name}(blk_size:${r.pdrBlockSize},blk_nr:${r.pdrBlockNr},frm_size:${r.pdrFrameSize},frm_nr:${r.pdrFrameNr},tmo:${r.pdrRetireTmo},features:0x${
          r.pdrFeatures.toString(16)
        })`,
      );
    };
    ring("ring_rx", p.rxRing);
    ring("ring_tx", p.txRing);
    if (p.fanout !== undefined) {
      const types = ["hash", "lb", "cpu", "roll", "random", "qm"];
      const type = types[p.fanout.type] ?? `0x${p.fanout.type.toString(16)}`;
      t.out(`\n\tfanout(id:${p.fanout.id},type:${type})`);
    }
  }
  if (show.memory) t.out(skmem(p.meminfo));
}

/** NETLINK_CONNECTED (net/netlink/af_netlink.h): a connected netlink socket. */
const netlinkConnected = 1;

/** One netlink socket into the table. */
export function printNetlink(t: Table, n: NetlinkSock, show: Show): void {
  stateColumns(t, "nl", 7, n.meminfo?.rmemAlloc ?? 0, n.meminfo?.wmemAlloc ?? 0);
  addrColumns(t, String(n.protocol), ":", String(n.portId | 0));
  if (n.state === netlinkConnected) {
    addrColumns(t, String(n.dstGroup), ":", String(n.dstPortId | 0));
  } else addrColumns(t, "", "*", "");
  if (show.details) {
    const words = n.attrs.groups ?? [];
    const groups = ((words[0] ?? 0) >>> 0).toString(16).padStart(8, "0");
    t.out(` sk=0 cb=0 groups=0x${groups}`);
  }
  if (show.memory) {
    t.out("\t");
    t.out(skmem(n.meminfo));
  }
}

// ---------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------

/** A JSON value (bigints as decimal strings). */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function plain(v: unknown): Json {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Uint8Array) return Array.from(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") {
    const o: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = plain(x);
    return o;
  }
  return v as Json;
}

/**
 * An inet socket as JSON: `netid`, `state`, `recvQ`, `sendQ`, `local` and `peer`
 * (`{ address, port }`, the address as `inet_ntop` writes it, `interface` when bound to one),
 * then with `-o` `timer` (`{ name, expiresMs, retrans }`), with `-e` `uid`, `inode`, `cookie`
 * (hex), `mark`, `cgroup`, `v6only`, `shutdown`, with `-m` `skmem` (or `mem`), with `-i`
 * `tcpInfo` (struct tcp_info, C member names in camelCase), `cong`, `vegas`, `dctcp`, `bbr`.
 */
export function inetJson(s: InetSock, show: Show, names: Names): Record<string, Json> {
  const o: Record<string, Json> = {
    netid: netidOfProtocol(s.rawProtocol ?? s.protocol),
    state: ssStateName(s.state),
    recvQ: s.rqueue,
    sendQ: s.wqueue,
    local: { address: s.src, port: s.sport },
    peer: { address: s.dst, port: s.dport },
  };
  if (s.iface) (o.local as Record<string, Json>).interface = names.ifname(s.iface);
  if (show.options && s.timer) {
    o.timer = {
      name: TIMER_NAMES[Math.min(s.timer, 5)],
      expiresMs: s.expires,
      retrans: s.retrans,
    };
  }
  if (show.details) {
    o.uid = s.uid;
    o.inode = s.inode;
    o.cookie = s.cookie.toString(16);
    if (s.mark !== undefined) o.mark = s.mark;
    if (s.cgroupId !== undefined) o.cgroup = names.cgroup(s.cgroupId);
    if (s.v6only !== undefined) o.v6only = s.v6only;
    if (s.shutdown !== undefined) o.shutdown = s.shutdown;
  }
  if (show.memory) {
    if (s.skmeminfo !== undefined) o.skmem = plain(s.skmeminfo);
    else if (s.meminfo !== undefined) o.mem = plain(s.meminfo);
  }
  if (show.info) {
    if (s.tcpInfo !== undefined) {
      o.tcpInfo = plain({ ...s.tcpInfo, ...tcpInfoBits(s.tcpInfo) });
    }
    if (s.cong !== undefined) o.cong = s.cong;
    if (s.vegas !== undefined) o.vegas = plain(s.vegas);
    if (s.dctcp !== undefined) o.dctcp = plain(s.dctcp);
    if (s.bbr !== undefined) o.bbr = plain(s.bbr);
  }
  return o;
}

/**
 * A unix socket as JSON: `netid`, `state`, `recvQ`, `sendQ`, `local` (`{ name, inode }`, name
 * null when unbound), `peer` (`{ inode }`, 0 for none), with `-e` `shutdown`, `vfs`
 * (`{ inode, major, minor }`), `pending` (inodes), with `-m` `skmem`.
 */
export function unixJson(u: UnixSock, show: Show): Record<string, Json> {
  const o: Record<string, Json> = {
    netid: unixNetid(u.type),
    state: ssStateName(u.state),
    recvQ: u.rqueue ?? 0,
    sendQ: u.wqueue ?? 0,
    local: { name: u.name ?? null, inode: u.inode },
    peer: { inode: u.peer ?? 0 },
  };
  if (show.details) {
    if (u.shutdown !== undefined) o.shutdown = u.shutdown;
    if (u.vfs !== undefined) o.vfs = { inode: u.vfs.inode, major: u.vfs.major, minor: u.vfs.minor };
    if (u.pending !== undefined) o.pending = u.pending;
  }
  if (show.memory && u.meminfo !== undefined) o.skmem = plain(u.meminfo);
  return o;
}

/**
 * A packet socket as JSON: `netid`, `state`, `recvQ`, `sendQ`, `local` (`{ protocol,
 * interface }`, the ETH_P_* number and the device name or null), `peer` null, with `-e` `uid`,
 * `inode`, `cookie`, `version`, `flags`, `rxRing`, `txRing`, `fanout`, with `-m` `skmem`.
 */
export function packetJson(p: PacketSock, show: Show, names: Names): Record<string, Json> {
  const index = p.info?.pdiIndex ?? 0;
  const o: Record<string, Json> = {
    netid: p.type === SOCK_TYPE.raw ? "p_raw" : "p_dgr",
    state: ssStateName(7),
    recvQ: p.meminfo?.rmemAlloc ?? 0,
    sendQ: 0,
    local: { protocol: p.protocol, interface: index === 0 ? null : names.ifname(index) },
    peer: null,
  };
  if (show.details) {
    o.uid = p.uid ?? 0;
    o.inode = p.inode;
    o.cookie = p.cookie.toString(16);
    if (p.info !== undefined) {
      o.version = p.info.pdiVersion;
      o.flags = p.info.pdiFlags;
    }
    if (p.rxRing !== undefined) o.rxRing = plain(p.rxRing);
    if (p.txRing !== undefined) o.txRing = plain(p.txRing);
    if (p.fanout !== undefined) o.fanout = plain(p.fanout);
  }
  if (show.memory && p.meminfo !== undefined) o.skmem = plain(p.meminfo);
  return o;
}

/**
 * A netlink socket as JSON: `netid` ("nl"), `state`, `recvQ`, `sendQ`, `local` (`{ protocol,
 * portId }`), `peer` (`{ group, portId }` when connected, else null), with `-e` `groups`
 * (numbers), with `-m` `skmem`.
 */
export function netlinkJson(n: NetlinkSock, show: Show): Record<string, Json> {
  const o: Record<string, Json> = {
    netid: "nl",
    state: ssStateName(7),
    recvQ: n.meminfo?.rmemAlloc ?? 0,
    sendQ: n.meminfo?.wmemAlloc ?? 0,
    local: { protocol: n.protocol, portId: n.portId | 0 },
    peer: n.state === netlinkConnected ? { group: n.dstGroup, portId: n.dstPortId | 0 } : null,
  };
  if (show.details) o.groups = n.groups ?? [];
  if (show.memory && n.meminfo !== undefined) o.skmem = plain(n.meminfo);
  return o;
}
