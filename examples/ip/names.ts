/**
 * Numbers to names as iproute2 prints them: link types (`lib/ll_types.c`), route protocols,
 * scopes, tables and types (`/etc/iproute2/rt_*` defaults, `ip/rtm_map.c`), link-layer
 * addresses (`lib/ll_addr.c`).
 *
 * @module
 */
import { formatIp } from "../../families/route/addr_text.ts";

/** ARPHRD_* (linux/if_arp.h) → iproute2's name. */
const LINK_TYPES: Record<number, string> = {
  0: "netrom",
  1: "ether",
  2: "eether",
  3: "ax25",
  4: "pronet",
  5: "chaos",
  6: "ieee802",
  7: "arcnet",
  8: "atalk",
  15: "dlci",
  19: "atm",
  23: "metricom",
  24: "ieee1394",
  32: "infiniband",
  256: "slip",
  257: "cslip",
  258: "slip6",
  259: "cslip6",
  260: "rsrvd",
  264: "adapt",
  270: "rose",
  271: "x25",
  272: "hwx25",
  280: "can",
  512: "ppp",
  513: "hdlc",
  516: "lapb",
  517: "ddcmp",
  518: "rawhdlc",
  768: "ipip",
  769: "tunnel6",
  770: "frad",
  771: "skip",
  772: "loopback",
  773: "ltalk",
  774: "fddi",
  775: "bif",
  776: "sit",
  778: "gre",
  779: "pimreg",
  780: "hippi",
  781: "ash",
  782: "econet",
  783: "irda",
  784: "fcpp",
  785: "fcal",
  786: "fcpl",
  800: "tr",
  801: "ieee802.11",
  802: "ieee802.11/prism",
  803: "ieee802.11/radiotap",
  804: "ieee802.15.4",
  805: "ieee802.15.4/monitor",
  820: "phonet",
  821: "phonet_pipe",
  822: "caif",
  823: "gre6",
  824: "netlink",
  825: "6lowpan",
  0xfffe: "none",
  0xffff: "void",
};
for (let i = 0; i <= 12; i++) LINK_TYPES[787 + i] = `fcfb${i}`;

/** `ll_type_n2a`. */
export function linkTypeName(type: number): string {
  return LINK_TYPES[type] ?? `[${type}]`;
}

/** `ll_addr_n2a`: hex bytes joined by `:`, or an IP address for IP tunnels. */
export function llAddr(bytes: Uint8Array, type: number): string {
  if (bytes.length === 4 && (type === 768 || type === 776 || type === 778)) return formatIp(bytes);
  if (bytes.length === 16 && (type === 769 || type === 823)) return formatIp(bytes);
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    s += (i ? ":" : "") + bytes[i].toString(16).padStart(2, "0");
  }
  return s;
}

const PROTOCOLS: Record<number, string> = {
  0: "unspec",
  1: "redirect",
  2: "kernel",
  3: "boot",
  4: "static",
  8: "gated",
  9: "ra",
  10: "mrt",
  11: "zebra",
  12: "bird",
  13: "dnrouted",
  14: "xorp",
  15: "ntk",
  16: "dhcp",
  18: "keepalived",
  42: "babel",
  99: "openr",
  186: "bgp",
  187: "isis",
  188: "ospf",
  189: "rip",
  192: "eigrp",
};

/** `rtnl_rtprot_n2a`. */
export function protocolName(p: number): string {
  return PROTOCOLS[p] ?? String(p);
}

/** `rtnl_rtprot_a2n`. */
export function protocolNumber(s: string): number | undefined {
  for (const [k, v] of Object.entries(PROTOCOLS)) if (v === s) return Number(k);
  return parseNumber(s, 255);
}

const SCOPES: Record<number, string> = {
  0: "global",
  255: "nowhere",
  254: "host",
  253: "link",
  200: "site",
};

/** `rtnl_rtscope_n2a`. */
export function scopeName(s: number): string {
  return SCOPES[s] ?? String(s);
}

/** `rtnl_rtscope_a2n`. */
export function scopeNumber(s: string): number | undefined {
  for (const [k, v] of Object.entries(SCOPES)) if (v === s) return Number(k);
  return parseNumber(s, 255);
}

const TABLES: Record<number, string> = { 255: "local", 254: "main", 253: "default", 0: "unspec" };

/** `rtnl_rttable_n2a`. */
export function tableName(t: number): string {
  return TABLES[t] ?? String(t);
}

/** `rtnl_rttable_a2n`. */
export function tableNumber(s: string): number | undefined {
  for (const [k, v] of Object.entries(TABLES)) if (v === s) return Number(k);
  return parseNumber(s, 0xffffffff);
}

/** RTN_* names (`ip/rtm_map.c`). */
export const ROUTE_TYPES = [
  "none",
  "unicast",
  "local",
  "broadcast",
  "anycast",
  "multicast",
  "blackhole",
  "unreachable",
  "prohibit",
  "throw",
  "nat",
  "xresolve",
];

/** `rtnl_rtntype_n2a`. */
export function routeTypeName(t: number): string {
  return ROUTE_TYPES[t] ?? String(t);
}

/** `strtoul(s, &end, 0)` with a maximum, or undefined. */
export function parseNumber(s: string, max: number): number | undefined {
  let n: number;
  if (/^0x[0-9a-f]+$/i.test(s)) n = parseInt(s.slice(2), 16);
  else if (/^0[0-7]+$/.test(s)) n = parseInt(s, 8);
  else if (/^[0-9]+$/.test(s)) n = Number(s);
  else return undefined;
  return n <= max ? n : undefined;
}

/** `family_name`. */
export function familyName(f: number): string {
  switch (f) {
    case 2:
      return "inet";
    case 10:
      return "inet6";
    case 17:
      return "link";
    case 7:
      return "bridge";
    case 28:
      return "mpls";
    case 0:
      return "none";
    default:
      return "???";
  }
}
