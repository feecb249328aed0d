/**
 * IP protocol numbers and their names as /etc/protocols gives them (`getprotobynumber`,
 * `getprotobyname`): one table for every printer that names them (nft, `ip xfrm`).
 *
 * @module
 */

/**
 * IP protocol names by number, as /etc/protocols (Debian netbase) names them: what
 * `getprotobynumber` gives `ip xfrm` and what nft prints.
 *
 * @example
 * ```ts
 * import { INET_PROTOCOLS } from "@netlink/netlink";
 * INET_PROTOCOLS[17]; // "udp"
 * ```
 */
export const INET_PROTOCOLS: Readonly<Record<number, string>> = Object.freeze({
  0: "ip",
  1: "icmp",
  2: "igmp",
  3: "ggp",
  4: "ipencap",
  5: "st",
  6: "tcp",
  8: "egp",
  9: "igp",
  12: "pup",
  17: "udp",
  20: "hmp",
  22: "xns-idp",
  27: "rdp",
  29: "iso-tp4",
  33: "dccp",
  36: "xtp",
  37: "ddp",
  38: "idpr-cmtp",
  41: "ipv6",
  43: "ipv6-route",
  44: "ipv6-frag",
  45: "idrp",
  46: "rsvp",
  47: "gre",
  50: "esp",
  51: "ah",
  57: "skip",
  58: "ipv6-icmp",
  59: "ipv6-nonxt",
  60: "ipv6-opts",
  73: "rspf",
  81: "vmtp",
  88: "eigrp",
  89: "ospf",
  93: "ax.25",
  94: "ipip",
  97: "etherip",
  98: "encap",
  103: "pim",
  108: "ipcomp",
  112: "vrrp",
  115: "l2tp",
  124: "isis",
  132: "sctp",
  133: "fc",
  135: "mobility-header",
  136: "udplite",
  137: "mpls-in-ip",
  138: "manet",
  139: "hip",
  140: "shim6",
  141: "wesp",
  142: "rohc",
  143: "ethernet",
});

/**
 * The number of protocol `name` as /etc/protocols names it (`getprotobyname`), or undefined.
 *
 * @example
 * ```ts
 * import { inetProtocolNumber } from "@netlink/netlink";
 * inetProtocolNumber("gre"); // 47
 * ```
 */
export function inetProtocolNumber(name: string): number | undefined {
  for (const [k, v] of Object.entries(INET_PROTOCOLS)) if (v === name) return Number(k);
  return undefined;
}
