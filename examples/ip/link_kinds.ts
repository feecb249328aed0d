/**
 * `ip -d link`: the per-kind `info_data` / `info_slave_data` printers of iproute2 (bridge,
 * bridge_slave, vxlan, macvlan, veth …), read from the raw `IFLA_LINKINFO` attributes so they
 * do not depend on which kinds the generated tables know.
 *
 * @module
 */
import { parseAttributes, readNested, readString } from "../../codec/attrs.ts";
import { formatIp } from "../../families/route/addr_text.ts";
import type { Context, LinkInfo } from "./cli.ts";
import { Raw } from "./json.ts";
import type { Printer } from "./json.ts";

type Tb = Map<number, Uint8Array>;

function table(data: Uint8Array): Tb {
  const m: Tb = new Map();
  for (const a of parseAttributes(data)) m.set(a.type, a.data);
  return m;
}

const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const u8 = (b: Uint8Array) => b[0];
const u16 = (b: Uint8Array) => dv(b).getUint16(0, true);
const be16 = (b: Uint8Array) => dv(b).getUint16(0, false);
const u32 = (b: Uint8Array) => dv(b).getUint32(0, true);
const u64 = (b: Uint8Array) => dv(b).getBigUint64(0, true);

/** `%#llx`: `0` for zero, else `0x…`. */
export function hex0x(v: number | bigint): string {
  return v ? `0x${v.toString(16)}` : "0";
}

/** `print_linktype`. */
export function printLinkKind(ctx: Context, links: Map<number, LinkInfo>, raw: Uint8Array): void {
  const p = ctx.p;
  const info = table(raw);
  p.openObject("linkinfo");
  const kindB = info.get(1);
  if (kindB) {
    const kind = readString(kindB);
    p.text("\n");
    p.any("info_kind", `    ${kind} `, kind);
    const printer = KINDS[kind];
    if (printer) {
      const data = info.get(2);
      p.openObject("info_data");
      if (data) printer(p, table(data), links);
      p.closeObject();
    }
  }
  const slaveB = info.get(4);
  if (slaveB) {
    const kind = readString(slaveB);
    p.text("\n");
    p.any("info_slave_kind", `    ${kind}_slave `, kind);
    const printer = SLAVE_KINDS[kind];
    if (printer) {
      const data = info.get(5);
      p.openObject("info_slave_data");
      if (data) printer(p, table(data), links);
      p.closeObject();
    }
  }
  p.closeObject();
}

type KindPrinter = (p: Printer, tb: Tb, links: Map<number, LinkInfo>) => void;

function uint(
  p: Printer,
  tb: Tb,
  t: number,
  key: string,
  text: string,
  read: (b: Uint8Array) => number | bigint = u32,
): void {
  const b = tb.get(t);
  if (b) {
    const v = read(b);
    p.any(key, `${text} ${v} `, v);
  }
}

function timer(p: Printer, tb: Tb, t: number, key: string): void {
  const b = tb.get(t);
  if (!b) return;
  const us = 10000n * u64(b);
  const sec = us / 1000000n;
  const cs = (us - sec * 1000000n) / 10000n;
  const s = `${sec}.${cs.toString().padStart(2, "0")}`;
  p.any(key, `${key} ${sec.toString().padStart(4)}.${cs.toString().padStart(2, "0")} `, new Raw(s));
}

function bridgeId(b: Uint8Array): string {
  const h = (x: number) => x.toString(16);
  return `${h(b[0]).padStart(2, "0")}${h(b[1]).padStart(2, "0")}.${h(b[2])}:${h(b[3])}:${h(b[4])}:${
    h(b[5])
  }:${h(b[6])}:${h(b[7])}`;
}

function mac(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(":");
}

function onOff(p: Printer, tb: Tb, t: number, key: string, text: string): void {
  const b = tb.get(t);
  if (b) {
    const v = u8(b) !== 0;
    p.any(key, `${text} ${v ? "on" : "off"} `, v);
  }
}

const bridge: KindPrinter = (p, tb) => {
  uint(p, tb, 1, "forward_delay", "forward_delay");
  uint(p, tb, 2, "hello_time", "hello_time");
  uint(p, tb, 3, "max_age", "max_age");
  uint(p, tb, 4, "ageing_time", "ageing_time");
  uint(p, tb, 5, "stp_state", "stp_state");
  uint(p, tb, 6, "priority", "priority", u16);
  uint(p, tb, 7, "vlan_filtering", "vlan_filtering", u8);
  const vp = tb.get(8);
  if (vp) {
    const v = be16(vp);
    const s = v === 0x8100 ? "802.1Q" : v === 0x88a8 ? "802.1ad" : `0x${v.toString(16)}`;
    p.any("vlan_protocol", `vlan_protocol ${s} `, s);
  }
  const bid = tb.get(11);
  if (bid) p.any("bridge_id", `bridge_id ${bridgeId(bid)} `, bridgeId(bid));
  // iproute2 6.1 prints the bridge id again as the root id.
  if (tb.get(10) && bid) p.any("root_id", `designated_root ${bridgeId(bid)} `, bridgeId(bid));
  uint(p, tb, 12, "root_port", "root_port", u16);
  uint(p, tb, 13, "root_path_cost", "root_path_cost");
  uint(p, tb, 14, "topology_change", "topology_change", u8);
  uint(p, tb, 15, "topology_change_detected", "topology_change_detected", u8);
  timer(p, tb, 16, "hello_timer");
  timer(p, tb, 17, "tcn_timer");
  timer(p, tb, 18, "topology_change_timer");
  timer(p, tb, 19, "gc_timer");
  uint(p, tb, 39, "vlan_default_pvid", "vlan_default_pvid", u16);
  uint(p, tb, 41, "vlan_stats_enabled", "vlan_stats_enabled", u8);
  uint(p, tb, 45, "vlan_stats_per_port", "vlan_stats_per_port", u8);
  const gfm = tb.get(9);
  if (gfm) {
    const s = hex0x(u16(gfm));
    p.any("group_fwd_mask", `group_fwd_mask ${s} `, s);
  }
  const ga = tb.get(20);
  if (ga) p.any("group_addr", `group_address ${mac(ga)} `, mac(ga));
  uint(p, tb, 23, "mcast_snooping", "mcast_snooping", u8);
  const bo = tb.get(46);
  if (bo) {
    const optval = u32(bo);
    const optmask = dv(bo).getUint32(4, true);
    if (optmask & 1) {
      const v = optval & 1 ? 1 : 0;
      p.any("no_linklocal_learn", `no_linklocal_learn ${v} `, v);
    }
    if (optmask & 2) {
      const v = optval & 2 ? 1 : 0;
      p.any("mcast_vlan_snooping", `mcast_vlan_snooping ${v} `, v);
    }
  }
  uint(p, tb, 22, "mcast_router", "mcast_router", u8);
  uint(p, tb, 24, "mcast_query_use_ifaddr", "mcast_query_use_ifaddr", u8);
  uint(p, tb, 25, "mcast_querier", "mcast_querier", u8);
  uint(p, tb, 26, "mcast_hash_elasticity", "mcast_hash_elasticity");
  uint(p, tb, 27, "mcast_hash_max", "mcast_hash_max");
  uint(p, tb, 28, "mcast_last_member_cnt", "mcast_last_member_count");
  uint(p, tb, 29, "mcast_startup_query_cnt", "mcast_startup_query_count");
  uint(p, tb, 30, "mcast_last_member_intvl", "mcast_last_member_interval", u64);
  uint(p, tb, 31, "mcast_membership_intvl", "mcast_membership_interval", u64);
  uint(p, tb, 32, "mcast_querier_intvl", "mcast_querier_interval", u64);
  uint(p, tb, 33, "mcast_query_intvl", "mcast_query_interval", u64);
  uint(p, tb, 34, "mcast_query_response_intvl", "mcast_query_response_interval", u64);
  uint(p, tb, 35, "mcast_startup_query_intvl", "mcast_startup_query_interval", u64);
  uint(p, tb, 42, "mcast_stats_enabled", "mcast_stats_enabled", u8);
  uint(p, tb, 43, "mcast_igmp_version", "mcast_igmp_version", u8);
  uint(p, tb, 44, "mcast_mld_version", "mcast_mld_version", u8);
  uint(p, tb, 36, "nf_call_iptables", "nf_call_iptables", u8);
  uint(p, tb, 37, "nf_call_ip6tables", "nf_call_ip6tables", u8);
  uint(p, tb, 38, "nf_call_arptables", "nf_call_arptables", u8);
};

const PORT_STATES = ["disabled", "listening", "learning", "forwarding", "blocking"];
const FWD_MASK_NAMES: Record<number, string> = { 0: "stp", 2: "lacp", 14: "lldp" };

const bridgeSlave: KindPrinter = (p, tb, links) => {
  const st = tb.get(1);
  if (st) {
    const s = u8(st);
    if (s < PORT_STATES.length) p.any("state", `state ${PORT_STATES[s]} `, PORT_STATES[s]);
    else p.any("state_index", `state (${s}) `, s);
  }
  uint(p, tb, 2, "priority", "priority", u16);
  uint(p, tb, 3, "cost", "cost");
  onOff(p, tb, 4, "hairpin", "hairpin");
  onOff(p, tb, 5, "guard", "guard");
  onOff(p, tb, 6, "root_block", "root_block");
  onOff(p, tb, 7, "fastleave", "fastleave");
  onOff(p, tb, 8, "learning", "learning");
  onOff(p, tb, 9, "flood", "flood");
  const id = tb.get(17);
  if (id) p.any("id", `port_id ${hex0x(u16(id))} `, hex0x(u16(id)));
  const no = tb.get(18);
  if (no) p.any("no", `port_no ${hex0x(u16(no))} `, hex0x(u16(no)));
  uint(p, tb, 15, "designated_port", "designated_port", u16);
  uint(p, tb, 16, "designated_cost", "designated_cost", u16);
  const bid = tb.get(14);
  if (bid) p.any("bridge_id", `designated_bridge ${bridgeId(bid)} `, bridgeId(bid));
  const rid = tb.get(13);
  if (rid) p.any("root_id", `designated_root ${bridgeId(rid)} `, bridgeId(rid));
  timer(p, tb, 23, "hold_timer");
  timer(p, tb, 21, "message_age_timer");
  timer(p, tb, 22, "forward_delay_timer");
  uint(p, tb, 19, "topology_change_ack", "topology_change_ack", u8);
  uint(p, tb, 20, "config_pending", "config_pending", u8);
  onOff(p, tb, 10, "proxy_arp", "proxy_arp");
  onOff(p, tb, 12, "proxy_arp_wifi", "proxy_arp_wifi");
  uint(p, tb, 25, "multicast_router", "mcast_router", u8);
  const fl = tb.get(7);
  if (fl) p.text(`mcast_fast_leave ${u8(fl) ? "on" : "off"} `);
  onOff(p, tb, 27, "mcast_flood", "mcast_flood");
  onOff(p, tb, 30, "bcast_flood", "bcast_flood");
  onOff(p, tb, 28, "mcast_to_unicast", "mcast_to_unicast");
  onOff(p, tb, 32, "neigh_suppress", "neigh_suppress");
  const gfm = tb.get(31);
  if (gfm) {
    const m = u16(gfm);
    p.any("group_fwd_mask", `group_fwd_mask ${hex0x(m)} `, hex0x(m));
    const parts: string[] = [];
    for (let i = 0, b = m; b; i++, b >>= 1) {
      if (b & 1) parts.push(FWD_MASK_NAMES[i] ?? `0x${(1 << i).toString(16)}`);
    }
    const s = parts.length ? parts.join(",") : "0x0";
    p.any("group_fwd_mask_str", `group_fwd_mask_str ${s} `, s);
  }
  onOff(p, tb, 29, "vlan_tunnel", "vlan_tunnel");
  onOff(p, tb, 33, "isolated", "isolated");
  onOff(p, tb, 39, "locked", "locked");
  const bp = tb.get(34);
  if (bp) {
    const n = links.get(u32(bp))?.name ?? `if${u32(bp)}`;
    p.any("backup_port", `backup_port ${n} `, n);
  }
};

const vxlan: KindPrinter = (p, tb, links) => {
  const flag = (t: number) => {
    const b = tb.get(t);
    return b !== undefined && u8(b) !== 0;
  };
  if (flag(25)) p.any("external", "external ", true);
  if (flag(30)) p.any("vnifilter", "vnifilter", true);
  const id = tb.get(1);
  if (id && id.length >= 4) p.any("id", `id ${u32(id)} `, u32(id));
  const g4 = tb.get(2);
  const g6 = tb.get(16);
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
  const l4 = tb.get(4);
  const l6 = tb.get(17);
  if (l4) {
    if (u32(l4)) p.any("local", `local ${formatIp(l4)} `, formatIp(l4));
  } else if (l6 && l6.some((x) => x !== 0)) {
    p.any("local6", `local ${formatIp(l6)} `, formatIp(l6));
  }
  const link = tb.get(3);
  if (link && u32(link)) {
    const n = links.get(u32(link))?.name ?? `if${u32(link)}`;
    p.any("link", `dev ${n} `, n);
  }
  const pr = tb.get(10);
  if (pr) {
    const low = be16(pr);
    const high = dv(pr).getUint16(2, false);
    p.openObject("port_range");
    p.jsonOnly("low", low);
    p.jsonOnly("high", high);
    p.closeObject();
    p.text(`srcport ${low} ${high} `);
  }
  const port = tb.get(15);
  if (port) p.any("port", `dstport ${be16(port)} `, be16(port));
  const learning = tb.get(7);
  if (learning) {
    p.jsonOnly("learning", u8(learning) !== 0);
    if (!u8(learning)) p.text("nolearning ");
  }
  if (flag(11)) p.any("proxy", "proxy ", true);
  if (flag(12)) p.any("rsc", "rsc ", true);
  if (flag(13)) p.any("l2miss", "l2miss ", true);
  if (flag(14)) p.any("l3miss", "l3miss ", true);
  const tos = tb.get(6) ? u8(tb.get(6)!) : 0;
  if (tos) {
    if (p.json || tos !== 1) p.any("tos", `tos ${hex0x(tos)} `, hex0x(tos));
    else p.text("tos inherit ");
  }
  if (flag(28)) p.text("ttl inherit ");
  else if (tb.get(5)) {
    const ttl = u8(tb.get(5)!);
    if (p.json || ttl) p.any("ttl", `ttl ${ttl} `, ttl);
    else p.text("ttl auto ");
  }
  const df = tb.get(29);
  if (df) {
    const d = u8(df);
    if (d === 0) p.jsonOnly("df", "unset");
    else if (d === 1) p.any("df", "df set ", "set");
    else if (d === 2) p.any("df", "df inherit ", "inherit");
  }
  const label = tb.get(26);
  if (label) {
    const v = dv(label).getUint32(0, false);
    if (v) p.any("label", `flowlabel ${hex0x(v)} `, hex0x(v));
  }
  const age = tb.get(8);
  if (age) {
    const a = u32(age);
    p.any("ageing", a === 0 ? "ageing none " : `ageing ${a} `, a);
  }
  const limit = tb.get(9);
  if (limit && u32(limit)) p.any("limit", `maxaddr ${u32(limit)} `, u32(limit));
  const csum = (t: number, key: string, text: string) => {
    const b = tb.get(t);
    if (!b) return;
    p.jsonOnly(key, u8(b) !== 0);
    p.text(`${u8(b) ? "" : "no"}${text} `);
  };
  csum(18, "udp_csum", "udpcsum");
  csum(19, "udp_zero_csum6_tx", "udp6zerocsumtx");
  csum(20, "udp_zero_csum6_rx", "udp6zerocsumrx");
  if (flag(21)) p.any("remcsum_tx", "remcsumtx ", true);
  if (flag(22)) p.any("remcsum_rx", "remcsumrx ", true);
  if (tb.get(23)) p.any("gbp", "gbp ", true);
  if (tb.get(27)) p.any("gpe", "gpe ", true);
};

const MACVLAN_MODES: Record<number, string> = {
  1: "private",
  2: "vepa",
  4: "bridge",
  8: "passthru",
  16: "source",
};

const macvlan: KindPrinter = (p, tb) => {
  const m = tb.get(1);
  if (!m || m.length < 4) return;
  const mode = u32(m);
  const s = MACVLAN_MODES[mode] ?? "unknown";
  p.any("mode", `mode ${s} `, s);
  const fl = tb.get(2);
  const flags = fl && fl.length >= 2 ? u16(fl) : 0;
  if (flags & 1) p.any("nopromisc", "nopromisc ", true);
  if (flags & 2) p.any("nodst", "nodst ", true);
  const bq = tb.get(7);
  if (bq && bq.length >= 4) p.any("bcqueuelen", `bcqueuelen ${u32(bq)} `, u32(bq));
  const bqu = tb.get(8);
  if (bqu && bqu.length >= 4) p.any("usedbcqueuelen", `usedbcqueuelen ${u32(bqu)} `, u32(bqu));
  if (mode !== 16) return;
  const count = tb.get(6);
  if (!count || count.length < 4) return;
  p.any("macaddr_count", `remotes (${u32(count)}) `, u32(count));
  const list = tb.get(5);
  if (!list) return;
  p.openArray("macaddr_data", "");
  for (const a of readNested(list)) {
    if (a.type !== 4 || a.data.length < 6) continue;
    const s = mac(a.data.subarray(0, 6));
    p.jsonOnly(null, s);
    p.text(`${s} `);
  }
  p.closeArray("");
};

const KINDS: Record<string, KindPrinter> = { bridge, vxlan, macvlan, macvtap: macvlan };
const SLAVE_KINDS: Record<string, KindPrinter> = { bridge: bridgeSlave };
