/**
 * The symbol tables of nft's data types (names of `ct state` bits, ICMP types, route types…)
 * and the protocol names nft prints (/etc/protocols'), as nftables' src/*.c define them.
 *
 * @example
 * ```ts
 * import { CT_STATE, symbolName } from "@netlink/netlink/nftables";
 * symbolName(CT_STATE, 2); // "established"
 * ```
 *
 * @module
 */
import { inetProtocolNumber } from "../route/ip_protocols.ts";

/** A symbol table: names by value (the first name of a value is the one printed). */
export type Symbols = readonly (readonly [string, number])[];

/** `ct state` bits (nft ct.c `ct_state_tbl`). */
export const CT_STATE: Symbols = [
  ["invalid", 1],
  ["established", 2],
  ["related", 4],
  ["new", 8],
  ["untracked", 64],
];
/** `ct status` bits. */
export const CT_STATUS: Symbols = [
  ["expected", 1],
  ["seen-reply", 2],
  ["assured", 4],
  ["confirmed", 8],
  ["snat", 16],
  ["dnat", 32],
  ["dying", 512],
];
/** `ct direction`. */
export const CT_DIR: Symbols = [["original", 0], ["reply", 1]];
/** TCP flags. */
export const TCP_FLAGS: Symbols = [
  ["fin", 1],
  ["syn", 2],
  ["rst", 4],
  ["psh", 8],
  ["ack", 16],
  ["urg", 32],
  ["ecn", 64],
  ["cwr", 128],
];
/** ICMP types. */
export const ICMP_TYPES: Symbols = [
  ["echo-reply", 0],
  ["destination-unreachable", 3],
  ["source-quench", 4],
  ["redirect", 5],
  ["echo-request", 8],
  ["router-advertisement", 9],
  ["router-solicitation", 10],
  ["time-exceeded", 11],
  ["parameter-problem", 12],
  ["timestamp-request", 13],
  ["timestamp-reply", 14],
  ["info-request", 15],
  ["info-reply", 16],
  ["address-mask-request", 17],
  ["address-mask-reply", 18],
];
/** ICMP codes of destination-unreachable (nft `icmp_code_tbl`). */
export const ICMP_CODES: Symbols = [
  ["net-unreachable", 0],
  ["host-unreachable", 1],
  ["prot-unreachable", 2],
  ["port-unreachable", 3],
  ["frag-needed", 4],
  ["net-prohibited", 9],
  ["host-prohibited", 10],
  ["admin-prohibited", 13],
];
/** ICMPv6 types. */
export const ICMPV6_TYPES: Symbols = [
  ["destination-unreachable", 1],
  ["packet-too-big", 2],
  ["time-exceeded", 3],
  ["parameter-problem", 4],
  ["echo-request", 128],
  ["echo-reply", 129],
  ["mld-listener-query", 130],
  ["mld-listener-report", 131],
  ["mld-listener-done", 132],
  ["mld-listener-reduction", 132],
  ["nd-router-solicit", 133],
  ["nd-router-advert", 134],
  ["nd-neighbor-solicit", 135],
  ["nd-neighbor-advert", 136],
  ["nd-redirect", 137],
  ["router-renumbering", 138],
  ["ind-neighbor-solicit", 141],
  ["ind-neighbor-advert", 142],
  ["mld2-listener-report", 143],
];
/** ICMPv6 codes. */
export const ICMPV6_CODES: Symbols = [
  ["no-route", 0],
  ["admin-prohibited", 1],
  ["addr-unreachable", 3],
  ["port-unreachable", 4],
  ["policy-fail", 5],
  ["reject-route", 6],
];
/** `icmpx` codes (`NFT_REJECT_ICMPX_*`). */
export const ICMPX_CODES: Symbols = [
  ["no-route", 0],
  ["port-unreachable", 1],
  ["host-unreachable", 2],
  ["admin-prohibited", 3],
];
/** `meta pkttype`. */
export const PKT_TYPES: Symbols = [
  ["host", 0],
  ["unicast", 0],
  ["broadcast", 1],
  ["multicast", 2],
  ["other", 3],
];
/** `meta nfproto`. */
export const NFPROTO_SYMBOLS: Symbols = [["ipv4", 2], ["ipv6", 10]];
/** Ethertypes. */
export const ETHER_TYPES: Symbols = [
  ["ip", 0x0800],
  ["arp", 0x0806],
  ["ip6", 0x86dd],
  ["8021q", 0x8100],
  ["8021ad", 0x88a8],
  ["vlan", 0x8100],
];
/** Interface types (ARPHRD_*). */
export const ARPHRD: Symbols = [
  ["ether", 1],
  ["ppp", 512],
  ["ipip", 768],
  ["ipip6", 769],
  ["loopback", 772],
  ["sit", 776],
  ["ipgre", 778],
];
/** Route types of `fib … type` (RTN_*). */
export const FIB_ADDRTYPES: Symbols = [
  ["unspec", 0],
  ["unicast", 1],
  ["local", 2],
  ["broadcast", 3],
  ["anycast", 4],
  ["multicast", 5],
  ["blackhole", 6],
  ["unreachable", 7],
  ["prohibit", 8],
];

export { INET_PROTOCOLS } from "../route/ip_protocols.ts";

/** The number of protocol `name` (nft also takes `icmpv6` for 58). */
export function protocolNumber(name: string | number): number {
  if (typeof name === "number") return name;
  if (name === "icmpv6") return 58;
  const n = inetProtocolNumber(name);
  if (n !== undefined) return n;
  if (/^[0-9]+$/.test(name)) return Number(name);
  throw new TypeError(`Unknown protocol "${name}"`);
}

/** The first name of `value` in `table`, or undefined. */
export function symbolName(table: Symbols, value: number): string | undefined {
  for (const [n, v] of table) if (v === value) return n;
  return undefined;
}

/** The value of `name` in `table`, or undefined. */
export function symbolValue(table: Symbols, name: string): number | undefined {
  for (const [n, v] of table) if (n === name) return v;
  return undefined;
}
