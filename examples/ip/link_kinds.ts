/**
 * `ip -d link`: the per-kind `info_data` / `info_slave_data` printers of iproute2 (bridge,
 * bridge_slave, vxlan, macvlan …), on `linkinfo.data` / `linkinfo.slaveData` as the generated
 * rt-link family decodes them (the sub-message format chosen by the kind).
 *
 * @module
 */
import * as rtLink from "../../families/generated/rt_link.ts";
import { formatIp } from "../../families/route/addr_text.ts";
import {
  BRIDGE_PORT_STATES,
  groupFwdMaskText,
  MACVLAN_MODES,
  nameIn,
  vlanProtocolName,
} from "../../families/route/link_kinds.ts";
import type { Context, LinkInfo } from "./cli.ts";
import { Raw } from "./json.ts";
import type { Printer } from "./json.ts";

/** The ifindex → link map. */
export type Links = Map<number, LinkInfo>;
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
    const s = vlanProtocolName(a.vlanProtocol);
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

const bridgeSlave: KindPrinter = (p, info, links) => {
  const a = (info.slaveData ?? {}) as rtLink.LinkinfoBrportAttrs;
  if (a.state !== undefined) {
    const name = nameIn(BRIDGE_PORT_STATES, a.state);
    if (name !== undefined) p.any("state", `state ${name} `, name);
    else p.any("state_index", `state (${a.state}) `, a.state);
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
    const s = groupFwdMaskText(m);
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

const vxlan: KindPrinter = (p, info, links) => {
  const a = (info.data ?? {}) as rtLink.LinkinfoVxlanAttrs;
  const on = (v: number | undefined) => v !== undefined && v !== 0;
  if (on(a.collectMetadata)) p.any("external", "external ", true);
  if (on(a.vnifilter)) p.any("vnifilter", "vnifilter", true);
  uint(p, "id", "id", a.id);
  const nonzero = (b: Uint8Array | undefined) => b !== undefined && b.some((x) => x !== 0);
  if (a.group !== undefined) {
    if (nonzero(a.group)) {
      const s = formatIp(a.group);
      if ((a.group[0] & 0xf0) === 0xe0) p.any("group", `group ${s} `, s);
      else p.any("remote", `remote ${s} `, s);
    }
  } else if (nonzero(a.group6)) {
    const s = formatIp(a.group6!);
    if (a.group6![0] === 0xff) p.any("group6", `group ${s} `, s);
    else p.any("remote6", `remote ${s} `, s);
  }
  if (a.local !== undefined) {
    if (nonzero(a.local)) p.any("local", `local ${formatIp(a.local)} `, formatIp(a.local));
  } else if (nonzero(a.local6)) {
    p.any("local6", `local ${formatIp(a.local6!)} `, formatIp(a.local6!));
  }
  if (a.link) {
    const n = links.get(a.link)?.name ?? `if${a.link}`;
    p.any("link", `dev ${n} `, n);
  }
  if (a.portRange !== undefined) {
    const { low, high } = a.portRange;
    p.openObject("port_range");
    p.jsonOnly("low", low);
    p.jsonOnly("high", high);
    p.closeObject();
    p.text(`srcport ${low} ${high} `);
  }
  uint(p, "port", "dstport", a.port);
  if (a.learning !== undefined) {
    p.jsonOnly("learning", a.learning !== 0);
    if (!a.learning) p.text("nolearning ");
  }
  if (on(a.proxy)) p.any("proxy", "proxy ", true);
  if (on(a.rsc)) p.any("rsc", "rsc ", true);
  if (on(a.l2miss)) p.any("l2miss", "l2miss ", true);
  if (on(a.l3miss)) p.any("l3miss", "l3miss ", true);
  const tos = a.tos ?? 0;
  if (tos) {
    if (p.json || tos !== 1) p.any("tos", `tos ${hex0x(tos)} `, hex0x(tos));
    else p.text("tos inherit ");
  }
  if (a.ttlInherit) p.text("ttl inherit ");
  else if (a.ttl !== undefined) {
    if (p.json || a.ttl) p.any("ttl", `ttl ${a.ttl} `, a.ttl);
    else p.text("ttl auto ");
  }
  if (a.df === rtLink.VXLAN_DF.UNSET) p.jsonOnly("df", "unset");
  else if (a.df === rtLink.VXLAN_DF.SET) p.any("df", "df set ", "set");
  else if (a.df === rtLink.VXLAN_DF.INHERIT) p.any("df", "df inherit ", "inherit");
  if (a.label) p.any("label", `flowlabel ${hex0x(a.label)} `, hex0x(a.label));
  if (a.ageing !== undefined) {
    p.any("ageing", a.ageing === 0 ? "ageing none " : `ageing ${a.ageing} `, a.ageing);
  }
  if (a.limit) p.any("limit", `maxaddr ${a.limit} `, a.limit);
  const csum = (v: number | undefined, key: string, text: string) => {
    if (v === undefined) return;
    p.jsonOnly(key, v !== 0);
    p.text(`${v ? "" : "no"}${text} `);
  };
  csum(a.udpCsum, "udp_csum", "udpcsum");
  csum(a.udpZeroCsum6Tx, "udp_zero_csum6_tx", "udp6zerocsumtx");
  csum(a.udpZeroCsum6Rx, "udp_zero_csum6_rx", "udp6zerocsumrx");
  if (on(a.remcsumTx)) p.any("remcsum_tx", "remcsumtx ", true);
  if (on(a.remcsumRx)) p.any("remcsum_rx", "remcsumrx ", true);
  if (a.gbp) p.any("gbp", "gbp ", true);
  if (a.gpe) p.any("gpe", "gpe ", true);
};

const macvlan: KindPrinter = (p, info) => {
  const a = (info.data ?? {}) as rtLink.LinkinfoMacvlanAttrs;
  if (a.mode === undefined) return;
  const s = nameIn(MACVLAN_MODES, a.mode) ?? "unknown";
  p.any("mode", `mode ${s} `, s);
  const flags = a.flags ?? 0;
  if (flags & rtLink.MACVLAN_FLAGS.NOPROMISC) p.any("nopromisc", "nopromisc ", true);
  if (flags & rtLink.MACVLAN_FLAGS.NODST) p.any("nodst", "nodst ", true);
  uint(p, "bcqueuelen", "bcqueuelen", a.bcQueueLen);
  uint(p, "usedbcqueuelen", "usedbcqueuelen", a.bcQueueLenUsed);
  if (a.mode !== rtLink.MACVLAN_MODE.SOURCE || a.macaddrCount === undefined) return;
  p.any("macaddr_count", `remotes (${a.macaddrCount}) `, a.macaddrCount);
  if (a.macaddrData === undefined) return;
  p.openArray("macaddr_data", "");
  for (const m of a.macaddrData.macaddr ?? []) {
    if (m.length < 6) continue;
    const s = mac(m.subarray(0, 6));
    p.jsonOnly(null, s);
    p.text(`${s} `);
  }
  p.closeArray("");
};

const KINDS: Record<string, KindPrinter> = { bridge, vxlan, macvlan, macvtap: macvlan };
const SLAVE_KINDS: Record<string, KindPrinter> = { bridge: bridgeSlave };
