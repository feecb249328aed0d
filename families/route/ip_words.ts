/**
 * The words iproute2 reads and prints for link and address values that are not in its name
 * files: interface flags in `ip link`'s order, operational states and link modes, link events,
 * IPv6 address generation modes, XDP attach modes, and address flags as `ip address` spells
 * them. Each comes from the generated rt-link / rt-addr enums; the spelling and order are
 * iproute2 6.1's (ip/ipaddress.c), so a program printing like `ip` needs no table of its own.
 *
 * @example
 * ```ts
 * import { linkFlagNames, operstateName } from "@netlink/netlink";
 * linkFlagNames(0x11043); // ["BROADCAST", "MULTICAST", "UP", "LOWER_UP", "RUNNING"]
 * operstateName(6); // "UP"
 * ```
 *
 * @module
 */
import * as rtLink from "../generated/rt_link.ts";
import * as rtAddr from "../generated/rt_addr.ts";
import * as rtRoute from "../generated/rt_route.ts";
import { u16 } from "../../codec/_bytes.ts";
import { formatIp } from "./addr_text.ts";
import { nameOf } from "./names.ts";

const IFF = rtLink.IFINFO_FLAGS;

/** `print_link_flags`'s order and spelling (linux/if.h `IFF_*`), RUNNING last (ip omits it). */
const LINK_FLAG_ORDER: readonly [string, number][] = [
  ["LOOPBACK", IFF.LOOPBACK],
  ["BROADCAST", IFF.BROADCAST],
  ["POINTOPOINT", IFF.POINT_TO_POINT],
  ["MULTICAST", IFF.MULTICAST],
  ["NOARP", IFF.NO_ARP],
  ["ALLMULTI", IFF.ALL_MULTI],
  ["PROMISC", IFF.PROMISC],
  ["MASTER", IFF.MASTER],
  ["SLAVE", IFF.SLAVE],
  ["DEBUG", IFF.DEBUG],
  ["DYNAMIC", IFF.DYNAMIC],
  ["AUTOMEDIA", IFF.AUTO_MEDIA],
  ["PORTSEL", IFF.PORTSEL],
  ["NOTRAILERS", IFF.NO_TRAILERS],
  ["UP", IFF.UP],
  ["LOWER_UP", IFF.LOWER_UP],
  ["DORMANT", IFF.DORMANT],
  ["ECHO", IFF.ECHO],
  ["RUNNING", IFF.RUNNING],
];

/**
 * The `IFF_*` names of `ifi_flags` in the order and spelling `ip link` prints them (`RUNNING`,
 * which ip shows only as the absence of `NO-CARRIER`, last); bits without a name as one
 * hexadecimal number without `0x`, as ip prints them.
 */
export function linkFlagNames(flags: number): string[] {
  let rest = flags >>> 0;
  const out: string[] = [];
  for (const [name, bit] of LINK_FLAG_ORDER) {
    if (rest & bit) {
      out.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest) out.push(rest.toString(16));
  return out;
}

/** `IF_OPER_*` (linux/if.h) by value, as `ip link` prints it (`"UP"`, `"LOWERLAYERDOWN"`). */
export function operstateName(operstate: number): string | undefined {
  for (const [name, v] of Object.entries(rtLink.IF_OPER)) if (v === operstate) return name;
  return undefined;
}

/** `IF_LINK_MODE_*` as `ip -d link` prints it: iproute2 names `DEFAULT` and `DORMANT` only. */
export function linkModeName(mode: number): string | undefined {
  if (mode === rtLink.IF_LINK_MODE.DEFAULT) return "DEFAULT";
  if (mode === rtLink.IF_LINK_MODE.DORMANT) return "DORMANT";
  return undefined;
}

/** `IFLA_EVENT_*` (linux/if_link.h) by value, as `ip monitor` prints them (`link_events[]`). */
export const LINK_EVENT_NAMES: readonly string[] = [
  "NONE",
  "REBOOT",
  "FEATURE CHANGE",
  "BONDING FAILOVER",
  "NOTIFY PEERS",
  "RESEND IGMP",
  "BONDING OPTION",
];

/** `IN6_ADDR_GEN_MODE_*` (linux/if_link.h) by value, as `ip link` reads and prints them. */
export const ADDR_GEN_MODES: readonly string[] = ["eui64", "none", "stable_secret", "random"];

/** `XDP_ATTACHED_*` (linux/if_link.h) by value, as `ip link` prints the program's mode. */
export const XDP_ATTACH_MODES: readonly string[] = [
  "",
  "xdp",
  "xdpdrv",
  "xdpgeneric",
  "xdpoffload",
  "xdpmulti",
];

const IFA = rtAddr.IFA_FLAGS;

/**
 * `IFA_F_*` flags (linux/if_addr.h) by the words `ip address` reads and prints, in the order it
 * prints them (`ifa_flag_data`); `addAddress` takes these words as well as the kernel's names.
 */
export const ADDRESS_FLAG_WORDS: Readonly<Record<string, number>> = {
  secondary: IFA.SECONDARY,
  nodad: IFA.NODAD,
  optimistic: IFA.OPTIMISTIC,
  dadfailed: IFA.DADFAILED,
  home: IFA.HOMEADDRESS,
  deprecated: IFA.DEPRECATED,
  tentative: IFA.TENTATIVE,
  permanent: IFA.PERMANENT,
  mngtmpaddr: IFA.MANAGETEMPADDR,
  noprefixroute: IFA.NOPREFIXROUTE,
  autojoin: IFA.MCAUTOJOIN,
  "stable-privacy": IFA.STABLE_PRIVACY,
};

/** `RTCF_*` (linux/in_route.h): the cache flags of a cloned IPv4 route, as `ip route` names them. */
export const ROUTE_CACHE_FLAGS: Readonly<Record<string, number>> = {
  local: 0x80000000,
  reject: 0x40000000,
  mc: 0x20000000,
  brd: 0x10000000,
  "dst-nat": 0x08000000,
  "src-nat": 0x04000000,
  masq: 0x02000000,
  "dst-direct": 0x01000000,
  "src-direct": 0x00800000,
  redirected: 0x00400000,
  redirect: 0x00200000,
  fastroute: 0x00100000,
  notify: 0x00020000,
  proxy: 0x00010000,
};

/** A gateway in another address family (`RTA_VIA`, struct rtvia), as `ip -j route` gives it. */
export interface RouteVia {
  /** The gateway's address family (`"inet"`, `"inet6"`, or the number). */
  family: string | number;
  /** The gateway's address as text (an IP address, else link-layer style `aa:bb:…`). */
  host: string;
}

/** `RTA_VIA` (struct rtvia: a host-order `sa_family_t`, then the address) as a {@link RouteVia}. */
export function decodeVia(bytes: Uint8Array): RouteVia {
  const family = u16(bytes, 0);
  const addr = bytes.subarray(Uint16Array.BYTES_PER_ELEMENT);
  const ip = addr.length === IPV4_BYTES || addr.length === IPV6_BYTES;
  const host = ip ? formatIp(addr) : Array.from(addr, (b) => b.toString(16).padStart(2, "0"))
    .join(":");
  return { family: nameOf("family", family), host };
}

/** A route's or rule's realms (`RTA_FLOW` / `FRA_FLOW`), by their names in `rt_realms`. */
export interface Realms {
  /** Source realm, when not 0. */
  from?: string | number;
  /** Destination realm. */
  to: string | number;
}

/** The realms of an `RTA_FLOW` / `FRA_FLOW` value: source in the high 16 bits, destination low. */
export function realmsOf(flow: number): Realms {
  const from = flow >>> REALM_BITS, to = flow & REALM_MASK;
  const r: Realms = { to: nameOf("realm", to) };
  if (from) r.from = nameOf("realm", from);
  return r;
}
/** Bytes of an IPv4 and an IPv6 address. */
const IPV4_BYTES = 4, IPV6_BYTES = 16;
/** linux/rtnetlink.h: `RTA_FLOW` holds two 16-bit realms. */
const REALM_BITS = 16, REALM_MASK = 0xffff;

/**
 * The `RTAX_*` metrics (linux/rtnetlink.h) from `RTAX_MTU` (2) on, in their order: the key of
 * `Route.metrics` and the word `ip route` reads and prints (`rtax_names`). The metric at index
 * `i` is `RTAX` number `i + 2`, its bit in `metrics.lock` `1 << (i + 2)`.
 */
export const ROUTE_METRIC_WORDS: readonly (readonly [keyof rtRoute.Metrics, string])[] = [
  ["mtu", "mtu"],
  ["window", "window"],
  ["rtt", "rtt"],
  ["rttvar", "rttvar"],
  ["ssthresh", "ssthresh"],
  ["cwnd", "cwnd"],
  ["advmss", "advmss"],
  ["reordering", "reordering"],
  ["hoplimit", "hoplimit"],
  ["initcwnd", "initcwnd"],
  ["features", "features"],
  ["rtoMin", "rto_min"],
  ["initrwnd", "initrwnd"],
  ["quickack", "quickack"],
  ["ccAlgo", "congctl"],
  ["fastopenNoCookie", "fastopen_no_cookie"],
];

/**
 * Route and next-hop flags (`RTNH_F_*`, `RTM_F_*`) in the words and the order `ip route`
 * prints them (`print_rt_flags`; `RTM_F_*` that clash with `RTNH_F_*` get `rt_`).
 */
export const ROUTE_FLAG_WORDS: Readonly<Record<string, number>> = {
  dead: rtRoute.RTNH_FLAGS.DEAD,
  onlink: rtRoute.RTNH_FLAGS.ONLINK,
  pervasive: rtRoute.RTNH_FLAGS.PERVASIVE,
  offload: rtRoute.RTNH_FLAGS.OFFLOAD,
  trap: rtRoute.RTNH_FLAGS.TRAP,
  notify: rtRoute.RTM_FLAGS.NOTIFY,
  linkdown: rtRoute.RTNH_FLAGS.LINKDOWN,
  unresolved: rtRoute.RTNH_FLAGS.UNRESOLVED,
  rt_offload: rtRoute.RTM_FLAGS.OFFLOAD,
  rt_trap: rtRoute.RTM_FLAGS.TRAP,
  rt_offload_failed: rtRoute.RTM_FLAGS.OFFLOAD_FAILED,
};
