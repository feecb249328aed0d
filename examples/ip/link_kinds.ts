/**
 * `ip -d link`: the per-kind `info_data` / `info_slave_data` printers of iproute2 (bridge,
 * bridge_slave, vxlan, macvlan …). Bridge and bridge port come decoded by the generated rt-link
 * tables; rt-link.yaml has no sub-messages for vxlan and macvlan, whose `IFLA_INFO_DATA` the
 * decoder keeps raw (under `UNKNOWN`), so those are read here by their `IFLA_VXLAN_*` /
 * `IFLA_MACVLAN_*` numbers.
 *
 * @module
 */
import * as rtLink from "../../families/generated/rt_link.ts";
import { parseAttributes, readNested } from "../../codec/attrs.ts";
import { UNKNOWN } from "../../codec/schema.ts";
import { formatIp } from "../../families/route/addr_text.ts";
import type { Context, LinkInfo } from "./cli.ts";
import { Raw } from "./json.ts";
import type { Printer } from "./json.ts";

/** The ifindex → link map. */
export type Links = Map<number, LinkInfo>;
type Tb = Map<number, Uint8Array>;

const IFLA_INFO_DATA = rtLink.linkinfoAttrs.attribute("data")!.value;

/** The raw `IFLA_INFO_DATA` of a kind the tables do not describe, by attribute number. */
function rawData(info: rtLink.LinkinfoAttrs): Tb {
  const m: Tb = new Map();
  const data = info[UNKNOWN]?.find((a) => a.type === IFLA_INFO_DATA)?.data;
  if (data) { for (const a of parseAttributes(data)) m.set(a.type, a.data); }
  return m;
}

const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const u8 = (b: Uint8Array) => b[0];
const u16 = (b: Uint8Array) => dv(b).getUint16(0, true);
const be16 = (b: Uint8Array) => dv(b).getUint16(0, false);
const u32 = (b: Uint8Array) => dv(b).getUint32(0, true);

/** `%#llx`: `0` for zero, else `0x…`. */
export function hex0x(v: number | bigint): string {
  return v ? `0x${v.toString(16)}` : "0";
}

type KindPrinter = (p: Printer, info: rtLink.LinkinfoAttrs, links: Links) => void;

/** `print_linktype`. */
export function printLinkKind(ctx: Context, links: Links, info: rtLink.LinkinfoAttrs): void {
  const p = ctx.p;
  p.openObject("linkinfo");
  const { kind, slaveKind } = info;
  if (kind !== undefined) {
    p.text("\n");
    p.any("info_kind", `    ${kind} `, kind);
    const printer = KINDS[kind];
    if (printer) {
      p.openObject("info_data");
      printer(p, info, links);
      p.closeObject();
    }
  }
  if (slaveKind !== undefined) {
    p.text("\n");
    p.any("info_slave_kind", `    ${slaveKind}_slave `, slaveKind);
    const printer = SLAVE_KINDS[slaveKind];
    if (printer) {
      p.openObject("info_slave_data");
      printer(p, info, links);
      p.closeObject();
    }
  }
  p.closeObject();
}

function uint(p: Printer, key: string, text: string, v: number | bigint | undefined): void {
  if (v !== undefined) p.any(key, `${text} ${v} `, v);
}

function timer(p: Printer, key: string, v: bigint | undefined): void {
  if (v === undefined) return;
  const us = 10000n * v;
  const sec = us / 1000000n;
  const cs = (us - sec * 1000000n) / 10000n;
  const s = `${sec}.${cs.toString().padStart(2, "0")}`;
  p.any(key, `${key} ${sec.toString().padStart(4)}.${cs.toString().padStart(2, "0")} `, new Raw(s));
}

/** `br_dump_bridge_id`: the priority, in hex, then the address. */
function bridgeId(id: rtLink.IflaBridgeId): string {
  const h = (x: number) => x.toString(16);
  const prio = h(id.prio).padStart(4, "0");
  return `${prio}.${Array.from(id.addr, h).join(":")}`;
}

function mac(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(":");
}

function onOff(p: Printer, key: string, text: string, v: number | undefined): void {
  if (v !== undefined) p.any(key, `${text} ${v !== 0 ? "on" : "off"} `, v !== 0);
}

const bridge: KindPrinter = (p, info) => {
  const a = (info.data ?? {}) as rtLink.LinkinfoBridgeAttrs;
  uint(p, "forward_delay", "forward_delay", a.forwardDelay);
  uint(p, "hello_time", "hello_time", a.helloTime);
  uint(p, "max_age", "max_age", a.maxAge);
  uint(p, "ageing_time", "ageing_time", a.ageingTime);
  uint(p, "stp_state", "stp_state", a.stpState);
  uint(p, "priority", "priority", a.priority);
  uint(p, "vlan_filtering", "vlan_filtering", a.vlanFiltering);
  if (a.vlanProtocol !== undefined) {
    const v = a.vlanProtocol;
    const s = v === 0x8100 ? "802.1Q" : v === 0x88a8 ? "802.1ad" : `0x${v.toString(16)}`;
    p.any("vlan_protocol", `vlan_protocol ${s} `, s);
  }
  const bid = a.bridgeId && bridgeId(a.bridgeId);
  if (bid) p.any("bridge_id", `bridge_id ${bid} `, bid);
  // iproute2 6.1 prints the bridge id again as the root id.
  if (a.rootId && bid) p.any("root_id", `designated_root ${bid} `, bid);
  uint(p, "root_port", "root_port", a.rootPort);
  uint(p, "root_path_cost", "root_path_cost", a.rootPathCost);
  uint(p, "topology_change", "topology_change", a.topologyChange);
  uint(p, "topology_change_detected", "topology_change_detected", a.topologyChangeDetected);
  timer(p, "hello_timer", a.helloTimer);
  timer(p, "tcn_timer", a.tcnTimer);
  timer(p, "topology_change_timer", a.topologyChangeTimer);
  timer(p, "gc_timer", a.gcTimer);
  uint(p, "vlan_default_pvid", "vlan_default_pvid", a.vlanDefaultPvid);
  uint(p, "vlan_stats_enabled", "vlan_stats_enabled", a.vlanStatsEnabled);
  uint(p, "vlan_stats_per_port", "vlan_stats_per_port", a.vlanStatsPerPort);
  if (a.groupFwdMask !== undefined) {
    const s = hex0x(a.groupFwdMask);
    p.any("group_fwd_mask", `group_fwd_mask ${s} `, s);
  }
  if (a.groupAddr) p.any("group_addr", `group_address ${mac(a.groupAddr)} `, mac(a.groupAddr));
  uint(p, "mcast_snooping", "mcast_snooping", a.mcastSnooping);
  if (a.multiBoolopt) {
    const { optval, optmask } = a.multiBoolopt;
    if (optmask & 1) {
      const v = optval & 1 ? 1 : 0;
      p.any("no_linklocal_learn", `no_linklocal_learn ${v} `, v);
    }
    if (optmask & 2) {
      const v = optval & 2 ? 1 : 0;
      p.any("mcast_vlan_snooping", `mcast_vlan_snooping ${v} `, v);
    }
  }
  uint(p, "mcast_router", "mcast_router", a.mcastRouter);
  uint(p, "mcast_query_use_ifaddr", "mcast_query_use_ifaddr", a.mcastQueryUseIfaddr);
  uint(p, "mcast_querier", "mcast_querier", a.mcastQuerier);
  uint(p, "mcast_hash_elasticity", "mcast_hash_elasticity", a.mcastHashElasticity);
  uint(p, "mcast_hash_max", "mcast_hash_max", a.mcastHashMax);
  uint(p, "mcast_last_member_cnt", "mcast_last_member_count", a.mcastLastMemberCnt);
  uint(p, "mcast_startup_query_cnt", "mcast_startup_query_count", a.mcastStartupQueryCnt);
  uint(p, "mcast_last_member_intvl", "mcast_last_member_interval", a.mcastLastMemberIntvl);
  uint(p, "mcast_membership_intvl", "mcast_membership_interval", a.mcastMembershipIntvl);
  uint(p, "mcast_querier_intvl", "mcast_querier_interval", a.mcastQuerierIntvl);
  uint(p, "mcast_query_intvl", "mcast_query_interval", a.mcastQueryIntvl);
  uint(
    p,
    "mcast_query_response_intvl",
    "mcast_query_response_interval",
    a.mcastQueryResponseIntvl,
  );
  uint(p, "mcast_startup_query_intvl", "mcast_startup_query_interval", a.mcastStartupQueryIntvl);
  uint(p, "mcast_stats_enabled", "mcast_stats_enabled", a.mcastStatsEnabled);
  uint(p, "mcast_igmp_version", "mcast_igmp_version", a.mcastIgmpVersion);
  uint(p, "mcast_mld_version", "mcast_mld_version", a.mcastMldVersion);
  uint(p, "nf_call_iptables", "nf_call_iptables", a.nfCallIptables);
  uint(p, "nf_call_ip6tables", "nf_call_ip6tables", a.nfCallIp6tables);
  uint(p, "nf_call_arptables", "nf_call_arptables", a.nfCallArptables);
};

const PORT_STATES = ["disabled", "listening", "learning", "forwarding", "blocking"];
const FWD_MASK_NAMES: Record<number, string> = { 0: "stp", 2: "lacp", 14: "lldp" };

const bridgeSlave: KindPrinter = (p, info, links) => {
  const a = (info.slaveData ?? {}) as rtLink.LinkinfoBrportAttrs;
  if (a.state !== undefined) {
    const s = a.state;
    if (s < PORT_STATES.length) p.any("state", `state ${PORT_STATES[s]} `, PORT_STATES[s]);
    else p.any("state_index", `state (${s}) `, s);
  }
  uint(p, "priority", "priority", a.priority);
  uint(p, "cost", "cost", a.cost);
  onOff(p, "hairpin", "hairpin", a.mode);
  onOff(p, "guard", "guard", a.guard);
  onOff(p, "root_block", "root_block", a.protect);
  onOff(p, "fastleave", "fastleave", a.fastLeave);
  onOff(p, "learning", "learning", a.learning);
  onOff(p, "flood", "flood", a.unicastFlood);
  if (a.id !== undefined) p.any("id", `port_id ${hex0x(a.id)} `, hex0x(a.id));
  if (a.no !== undefined) p.any("no", `port_no ${hex0x(a.no)} `, hex0x(a.no));
  uint(p, "designated_port", "designated_port", a.designatedPort);
  uint(p, "designated_cost", "designated_cost", a.designatedCost);
  if (a.bridgeId) {
    const s = bridgeId(a.bridgeId);
    p.any("bridge_id", `designated_bridge ${s} `, s);
  }
  if (a.rootId) {
    const s = bridgeId(a.rootId);
    p.any("root_id", `designated_root ${s} `, s);
  }
  timer(p, "hold_timer", a.holdTimer);
  timer(p, "message_age_timer", a.messageAgeTimer);
  timer(p, "forward_delay_timer", a.forwardDelayTimer);
  uint(p, "topology_change_ack", "topology_change_ack", a.topologyChangeAck);
  uint(p, "config_pending", "config_pending", a.configPending);
  onOff(p, "proxy_arp", "proxy_arp", a.proxyarp);
  onOff(p, "proxy_arp_wifi", "proxy_arp_wifi", a.proxyarpWifi);
  uint(p, "multicast_router", "mcast_router", a.multicastRouter);
  if (a.fastLeave !== undefined) p.text(`mcast_fast_leave ${a.fastLeave ? "on" : "off"} `);
  onOff(p, "mcast_flood", "mcast_flood", a.mcastFlood);
  onOff(p, "bcast_flood", "bcast_flood", a.bcastFlood);
  onOff(p, "mcast_to_unicast", "mcast_to_unicast", a.mcastToUcast);
  onOff(p, "neigh_suppress", "neigh_suppress", a.neighSuppress);
  if (a.groupFwdMask !== undefined) {
    const m = a.groupFwdMask;
    p.any("group_fwd_mask", `group_fwd_mask ${hex0x(m)} `, hex0x(m));
    const parts: string[] = [];
    for (let i = 0, b = m; b; i++, b >>= 1) {
      if (b & 1) parts.push(FWD_MASK_NAMES[i] ?? `0x${(1 << i).toString(16)}`);
    }
    const s = parts.length ? parts.join(",") : "0x0";
    p.any("group_fwd_mask_str", `group_fwd_mask_str ${s} `, s);
  }
  onOff(p, "vlan_tunnel", "vlan_tunnel", a.vlanTunnel);
  onOff(p, "isolated", "isolated", a.isolated);
  onOff(p, "locked", "locked", a.locked);
  if (a.backupPort !== undefined) {
    const n = links.get(a.backupPort)?.name ?? `if${a.backupPort}`;
    p.any("backup_port", `backup_port ${n} `, n);
  }
};

/** `IFLA_VXLAN_*` (linux/if_link.h). */
const VX = {
  ID: 1,
  GROUP: 2,
  LINK: 3,
  LOCAL: 4,
  TTL: 5,
  TOS: 6,
  LEARNING: 7,
  AGEING: 8,
  LIMIT: 9,
  PORT_RANGE: 10,
  PROXY: 11,
  RSC: 12,
  L2MISS: 13,
  L3MISS: 14,
  PORT: 15,
  GROUP6: 16,
  LOCAL6: 17,
  UDP_CSUM: 18,
  UDP_ZERO_CSUM6_TX: 19,
  UDP_ZERO_CSUM6_RX: 20,
  REMCSUM_TX: 21,
  REMCSUM_RX: 22,
  GBP: 23,
  COLLECT_METADATA: 25,
  LABEL: 26,
  GPE: 27,
  TTL_INHERIT: 28,
  DF: 29,
  VNIFILTER: 30,
} as const;

/** `IFLA_MACVLAN_*` (linux/if_link.h). */
const MV = {
  MODE: 1,
  FLAGS: 2,
  MACADDR: 4,
  MACADDR_DATA: 5,
  MACADDR_COUNT: 6,
  BC_QUEUE_LEN: 7,
  BC_QUEUE_LEN_USED: 8,
} as const;

const vxlan: KindPrinter = (p, info, links) => {
  const tb = rawData(info);
  const flag = (t: number) => {
    const b = tb.get(t);
    return b !== undefined && u8(b) !== 0;
  };
  if (flag(VX.COLLECT_METADATA)) p.any("external", "external ", true);
  if (flag(VX.VNIFILTER)) p.any("vnifilter", "vnifilter", true);
  const id = tb.get(VX.ID);
  if (id && id.length >= 4) p.any("id", `id ${u32(id)} `, u32(id));
  const g4 = tb.get(VX.GROUP);
  const g6 = tb.get(VX.GROUP6);
  if (g4) {
    if (u32(g4)) {
      const s = formatIp(g4);
      if ((g4[0] & 0xf0) === 0xe0) p.any("group", `group ${s} `, s);
      else p.any("remote", `remote ${s} `, s);
    }
  } else if (g6 && g6.some((x) => x !== 0)) {
    const s = formatIp(g6);
    if (g6[0] === 0xff) p.any("group6", `group ${s} `, s);
    else p.any("remote6", `remote ${s} `, s);
  }
  const l4 = tb.get(VX.LOCAL);
  const l6 = tb.get(VX.LOCAL6);
  if (l4) {
    if (u32(l4)) p.any("local", `local ${formatIp(l4)} `, formatIp(l4));
  } else if (l6 && l6.some((x) => x !== 0)) {
    p.any("local6", `local ${formatIp(l6)} `, formatIp(l6));
  }
  const link = tb.get(VX.LINK);
  if (link && u32(link)) {
    const n = links.get(u32(link))?.name ?? `if${u32(link)}`;
    p.any("link", `dev ${n} `, n);
  }
  const pr = tb.get(VX.PORT_RANGE);
  if (pr) {
    const low = be16(pr);
    const high = dv(pr).getUint16(2, false);
    p.openObject("port_range");
    p.jsonOnly("low", low);
    p.jsonOnly("high", high);
    p.closeObject();
    p.text(`srcport ${low} ${high} `);
  }
  const port = tb.get(VX.PORT);
  if (port) p.any("port", `dstport ${be16(port)} `, be16(port));
  const learning = tb.get(VX.LEARNING);
  if (learning) {
    p.jsonOnly("learning", u8(learning) !== 0);
    if (!u8(learning)) p.text("nolearning ");
  }
  if (flag(VX.PROXY)) p.any("proxy", "proxy ", true);
  if (flag(VX.RSC)) p.any("rsc", "rsc ", true);
  if (flag(VX.L2MISS)) p.any("l2miss", "l2miss ", true);
  if (flag(VX.L3MISS)) p.any("l3miss", "l3miss ", true);
  const tos = tb.get(VX.TOS) ? u8(tb.get(VX.TOS)!) : 0;
  if (tos) {
    if (p.json || tos !== 1) p.any("tos", `tos ${hex0x(tos)} `, hex0x(tos));
    else p.text("tos inherit ");
  }
  if (flag(VX.TTL_INHERIT)) p.text("ttl inherit ");
  else if (tb.get(VX.TTL)) {
    const ttl = u8(tb.get(VX.TTL)!);
    if (p.json || ttl) p.any("ttl", `ttl ${ttl} `, ttl);
    else p.text("ttl auto ");
  }
  const df = tb.get(VX.DF);
  if (df) {
    const d = u8(df);
    if (d === 0) p.jsonOnly("df", "unset");
    else if (d === 1) p.any("df", "df set ", "set");
    else if (d === 2) p.any("df", "df inherit ", "inherit");
  }
  const label = tb.get(VX.LABEL);
  if (label) {
    const v = dv(label).getUint32(0, false);
    if (v) p.any("label", `flowlabel ${hex0x(v)} `, hex0x(v));
  }
  const age = tb.get(VX.AGEING);
  if (age) {
    const a = u32(age);
    p.any("ageing", a === 0 ? "ageing none " : `ageing ${a} `, a);
  }
  const limit = tb.get(VX.LIMIT);
  if (limit && u32(limit)) p.any("limit", `maxaddr ${u32(limit)} `, u32(limit));
  const csum = (t: number, key: string, text: string) => {
    const b = tb.get(t);
    if (!b) return;
    p.jsonOnly(key, u8(b) !== 0);
    p.text(`${u8(b) ? "" : "no"}${text} `);
  };
  csum(VX.UDP_CSUM, "udp_csum", "udpcsum");
  csum(VX.UDP_ZERO_CSUM6_TX, "udp_zero_csum6_tx", "udp6zerocsumtx");
  csum(VX.UDP_ZERO_CSUM6_RX, "udp_zero_csum6_rx", "udp6zerocsumrx");
  if (flag(VX.REMCSUM_TX)) p.any("remcsum_tx", "remcsumtx ", true);
  if (flag(VX.REMCSUM_RX)) p.any("remcsum_rx", "remcsumrx ", true);
  if (tb.get(VX.GBP)) p.any("gbp", "gbp ", true);
  if (tb.get(VX.GPE)) p.any("gpe", "gpe ", true);
};

const MACVLAN_MODES: Record<number, string> = {
  1: "private",
  2: "vepa",
  4: "bridge",
  8: "passthru",
  16: "source",
};

const macvlan: KindPrinter = (p, info) => {
  const tb = rawData(info);
  const m = tb.get(MV.MODE);
  if (!m || m.length < 4) return;
  const mode = u32(m);
  const s = MACVLAN_MODES[mode] ?? "unknown";
  p.any("mode", `mode ${s} `, s);
  const fl = tb.get(MV.FLAGS);
  const flags = fl && fl.length >= 2 ? u16(fl) : 0;
  if (flags & 1) p.any("nopromisc", "nopromisc ", true);
  if (flags & 2) p.any("nodst", "nodst ", true);
  const bq = tb.get(MV.BC_QUEUE_LEN);
  if (bq && bq.length >= 4) p.any("bcqueuelen", `bcqueuelen ${u32(bq)} `, u32(bq));
  const bqu = tb.get(MV.BC_QUEUE_LEN_USED);
  if (bqu && bqu.length >= 4) p.any("usedbcqueuelen", `usedbcqueuelen ${u32(bqu)} `, u32(bqu));
  if (mode !== 16 /* MACVLAN_MODE_SOURCE */) return;
  const count = tb.get(MV.MACADDR_COUNT);
  if (!count || count.length < 4) return;
  p.any("macaddr_count", `remotes (${u32(count)}) `, u32(count));
  const list = tb.get(MV.MACADDR_DATA);
  if (!list) return;
  p.openArray("macaddr_data", "");
  for (const a of readNested(list)) {
    if (a.type !== MV.MACADDR || a.data.length < 6) continue;
    const s = mac(a.data.subarray(0, 6));
    p.jsonOnly(null, s);
    p.text(`${s} `);
  }
  p.closeArray("");
};

const KINDS: Record<string, KindPrinter> = { bridge, vxlan, macvlan, macvtap: macvlan };
const SLAVE_KINDS: Record<string, KindPrinter> = { bridge: bridgeSlave };
