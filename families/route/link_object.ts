/**
 * Network interfaces as plain objects: {@link Link} from a decoded `RTM_NEWLINK` message
 * ({@link toLink}), link-layer addresses as iproute2 prints them, and JSON-safe counters.
 *
 * @example
 * ```ts
 * import { Rtnl, rtLink, toLink } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for await (const m of rt.dump(rtLink.operations.getlink)) console.log(toLink(m).name);
 * ```
 *
 * @module
 */
import type { DecodedMessage } from "../../codec/ynl/mod.ts";
import * as rtLink from "../generated/rt_link.ts";
import { formatIp } from "./addr_text.ts";
import { type Counter, familyName, toCounter, withMessage } from "./_names.ts";
import { linkTypeName, nameOf } from "./names.ts";

const IFF_UP = rtLink.IFINFO_FLAGS.UP;

/** A decoded `RTM_NEWLINK` message. */
export type LinkMessage = DecodedMessage<rtLink.Ifinfomsg, rtLink.LinkAttrs>;

/** The kernel's `IFF_*` names (linux/if.h) where the spec's entry names differ. */
const IFF_NAMES: Readonly<Record<string, string>> = {
  POINT_TO_POINT: "POINTOPOINT",
  NO_TRAILERS: "NOTRAILERS",
  NO_ARP: "NOARP",
  ALL_MULTI: "ALLMULTI",
  AUTO_MEDIA: "AUTOMEDIA",
};

/** `IF_OPER_*` names (linux/if.h, from the spec), as `ip link` prints them, by value. */
const OPERSTATES = new Map<number, string>(
  Object.entries(rtLink.IF_OPER).map(([name, value]) => [value, name]),
);

/**
 * An interface, with the common fields pulled out of the message: plain JSON data (every
 * link the kernel names by index is given by name too). `message`, the whole decoded
 * `RTM_NEWLINK` with every attribute, is not enumerable: it stays out of `JSON.stringify`
 * and of comparisons.
 */
export interface Link {
  /** Interface index. */
  index: number;
  /** Interface name. */
  name: string;
  /**
   * The message's address family when it is not `AF_UNSPEC`: a bridge port's own view
   * (`"bridge"`, the notifications `bridge link` shows) or a per-family listing (`"inet6"`).
   */
  family?: string | number;
  /** Link type as iproute2 names it (`ifi_type`: `"ether"`, `"loopback"`, `"none"`…). */
  type: string;
  /** `IFLA_INFO_KIND` (`"veth"`, `"bridge"`, …) for virtual links. */
  kind?: string;
  /** `IFLA_INFO_SLAVE_KIND` of a port (`"bridge"` for a bridge port). */
  slaveKind?: string;
  /** Administratively up (`IFF_UP`). */
  up: boolean;
  /** `IFF_*` names of `ifi_flags`, as linux/if.h and `ip` spell them (`"UP"`, `"NOARP"`, …). */
  flags: string[];
  /** MTU. */
  mtu?: number;
  /** Link-layer address as text (`"aa:bb:cc:dd:ee:ff"`; an IP address for IP tunnels). */
  address?: string;
  /** Link-layer broadcast (or point-to-point peer) address as text. */
  broadcast?: string;
  /** Permanent link-layer address, when the device has one. */
  permAddress?: string;
  /** Name of the master device (bridge, bond, VRF). */
  master?: string;
  /** Index of the master device. */
  masterIndex?: number;
  /** Name of the parent link (`IFLA_LINK`: a veth's peer, a VLAN's lower device). */
  link?: string;
  /** Index of the parent link (in the namespace {@link Link.linkNetnsid} when given). */
  linkIndex?: number;
  /** The namespace id of the parent link's namespace, when it is another one. */
  linkNetnsid?: number;
  /** Transmit queue length. */
  txqlen?: number;
  /** Operational state as `ip link` prints it (`"UP"`, `"DOWN"`, `"UNKNOWN"`, …). */
  operstate?: string;
  /** Device group, by its name in iproute2's `group` file (`"default"`) or number. */
  group?: string | number;
  /** Name of the root qdisc. */
  qdisc?: string;
  /** Interface alias (`IFLA_IFALIAS`). */
  alias?: string;
  /** Alternative names (`IFLA_PROP_LIST`). */
  altnames: string[];
  /** Counters (`IFLA_STATS64`), when asked for with `{ stats: true }`. */
  stats?: LinkCounters;
  /** The whole decoded message: every attribute, typed (not enumerable). */
  readonly message: LinkMessage;
}

/** `ARPHRD_*` of IP tunnels, whose link-layer addresses are IP addresses (lib/ll_addr.c). */
const IP_TUNNEL_TYPES = new Set([768, 776, 778]), IP6_TUNNEL_TYPES = new Set([769, 823]);

/**
 * A link-layer address as iproute2 prints it (`ll_addr_n2a`): hex bytes joined by `:`, or an
 * IP address for IP tunnels.
 *
 * @example
 * ```ts
 * import { formatLinkAddress } from "@netlink/netlink";
 * formatLinkAddress(new Uint8Array([2, 0, 0, 0, 0, 1]), 1); // "02:00:00:00:00:01"
 * formatLinkAddress(new Uint8Array([10, 0, 0, 1]), 768); // "10.0.0.1" (ipip)
 * ```
 */
export function formatLinkAddress(bytes: Uint8Array, type: number): string {
  if (bytes.length === 4 && IP_TUNNEL_TYPES.has(type)) return formatIp(bytes);
  if (bytes.length === 16 && IP6_TUNNEL_TYPES.has(type)) return formatIp(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(":");
}

/**
 * Turn a decoded `RTM_NEWLINK` message into a {@link Link}; `names` (index → name, see
 * {@link linkNames}) names its master and parent.
 *
 * @example
 * ```ts
 * import { Rtnl, toLink, rtLink } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for await (const m of rt.dump(rtLink.operations.getlink)) console.log(toLink(m).name);
 * ```
 */
export function toLink(message: LinkMessage, names?: ReadonlyMap<number, string>): Link {
  const { header: h, attrs: a } = message;
  const flags: string[] = [];
  for (const [name, bit] of Object.entries(rtLink.IFINFO_FLAGS)) {
    if (h.ifiFlags & bit) flags.push(IFF_NAMES[name] ?? name);
  }
  const link: Link = withMessage({
    index: h.ifiIndex,
    name: a.ifname ?? "",
    type: linkTypeName(h.ifiType),
    up: (h.ifiFlags & IFF_UP) !== 0,
    flags,
    altnames: a.propList?.altIfname ?? [],
  } as Omit<Link, "message">, message);
  if (h.ifiFamily !== 0) link.family = familyName(h.ifiFamily);
  const info = a.linkinfo;
  if (info?.kind !== undefined) link.kind = info.kind;
  if (info?.slaveKind !== undefined) link.slaveKind = info.slaveKind;
  if (a.mtu !== undefined) link.mtu = a.mtu;
  if (a.address !== undefined) link.address = formatLinkAddress(a.address, h.ifiType);
  if (a.broadcast !== undefined) link.broadcast = formatLinkAddress(a.broadcast, h.ifiType);
  if (a.permAddress !== undefined) link.permAddress = formatLinkAddress(a.permAddress, h.ifiType);
  if (a.master !== undefined && a.master !== 0) {
    link.masterIndex = a.master;
    const n = names?.get(a.master);
    if (n !== undefined) link.master = n;
  }
  if (a.link !== undefined && a.link !== 0) {
    link.linkIndex = a.link;
    if (a.linkNetnsid !== undefined) link.linkNetnsid = a.linkNetnsid;
    else {
      const n = names?.get(a.link);
      if (n !== undefined) link.link = n;
    }
  }
  if (a.txqlen !== undefined) link.txqlen = a.txqlen;
  if (a.operstate !== undefined) {
    link.operstate = OPERSTATES.get(a.operstate) ?? String(a.operstate);
  }
  if (a.group !== undefined) link.group = nameOf("group", a.group);
  if (a.qdisc !== undefined) link.qdisc = a.qdisc;
  if (a.ifalias !== undefined) link.alias = a.ifalias;
  return link;
}

/**
 * The 64-bit counters of `IFLA_STATS64` (`ip -s link`), JSON-safe: each a number, or its
 * decimal string past `Number.MAX_SAFE_INTEGER`.
 */
export type LinkCounters = { [K in keyof rtLink.RtnlLinkStats64]-?: Counter };

/** {@link LinkCounters} from the decoded `struct rtnl_link_stats64`. */
export function toCounters(s: rtLink.RtnlLinkStats64): LinkCounters {
  const out: Record<string, Counter> = {};
  for (const [k, v] of Object.entries(s)) {
    if (typeof v === "bigint" || typeof v === "number") out[k] = toCounter(v);
  }
  return out as LinkCounters;
}
