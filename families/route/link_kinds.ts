/**
 * Kind-specific data of new links (`ip link add … type KIND …`): the options {@link addLink}
 * takes for each kind. They are encoded as the `IFLA_INFO_DATA` sub-message of the generated
 * rt-link family (`linkinfo.data`, its format chosen by `linkinfo.kind`): bond, vlan, vxlan,
 * macvlan/macvtap, ipvlan/ipvtap, the veth peer, and every other kind the specs describe.
 *
 * @example
 * ```ts
 * import { addLink, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addLink(rt, { name: "vx0", kind: "vxlan", data: { id: 42, port: 4789, dev: "eth0" } });
 * await addLink(rt, { name: "mv0", kind: "macvlan", link: "eth0", data: { mode: "bridge" } });
 * ```
 *
 * @module
 */
import * as rtLink from "../generated/rt_link.ts";
import type { LinkRef, NetnsTarget } from "./_link_util.ts";
import type { TunTapOptions } from "./tuntap.ts";

export type { NetnsTarget };

/** A generated enum with lower-case keys, as iproute2 names the values. */
export type LowerCaseKeys<T extends Record<string, number>> = {
  readonly [K in keyof T as Lowercase<K & string>]: T[K];
};

function lower<T extends Record<string, number>>(t: T): LowerCaseKeys<T> {
  return Object.fromEntries(
    Object.entries(t).map(([k, v]) => [k.toLowerCase(), v]),
  ) as LowerCaseKeys<T>;
}

/** Bonding modes by their iproute2 names (linux/if_bonding.h `BOND_MODE_*`). */
export const BOND_MODES = {
  "balance-rr": rtLink.BOND_MODE.ROUNDROBIN,
  "active-backup": rtLink.BOND_MODE.ACTIVEBACKUP,
  "balance-xor": rtLink.BOND_MODE.XOR,
  broadcast: rtLink.BOND_MODE.BROADCAST,
  "802.3ad": rtLink.BOND_MODE["8023AD"],
  "balance-tlb": rtLink.BOND_MODE.TLB,
  "balance-alb": rtLink.BOND_MODE.ALB,
} as const;

/** macvlan / macvtap modes by name (linux/if_link.h `MACVLAN_MODE_*`). */
export const MACVLAN_MODES: LowerCaseKeys<typeof rtLink.MACVLAN_MODE> = lower(rtLink.MACVLAN_MODE);

/** ipvlan / ipvtap modes by name (linux/if_link.h `IPVLAN_MODE_*`). */
export const IPVLAN_MODES: LowerCaseKeys<typeof rtLink.IPVLAN_MODE> = lower(rtLink.IPVLAN_MODE);

/** VLAN protocols by their iproute2 names (linux/if_ether.h `ETH_P_8021Q`, `ETH_P_8021AD`). */
export const VLAN_PROTOCOL_NAMES = {
  "802.1q": rtLink.VLAN_PROTOCOLS["8021Q"],
  "802.1ad": rtLink.VLAN_PROTOCOLS["8021AD"],
} as const;

/** Bridge port STP states (linux/if_bridge.h `BR_STATE_*`) by the names `ip -d link` prints. */
export const BRIDGE_PORT_STATES = {
  disabled: 0,
  listening: 1,
  learning: 2,
  forwarding: 3,
  blocking: 4,
} as const;

/**
 * The bits of a bridge port's `group_fwd_mask` iproute2 names (iplink_bridge_slave.c): the
 * link-local group addresses 01:80:c2:00:00:0X they let through, by bit X.
 */
export const GROUP_FWD_MASK_BITS = { stp: 0, lacp: 2, lldp: 14 } as const;

/** The name of `value` in a name → number table such as {@link MACVLAN_MODES}, if it has one. */
export function nameIn<T extends Readonly<Record<string, number>>>(
  table: T,
  value: number,
): (keyof T & string) | undefined {
  for (const [k, v] of Object.entries(table)) if (v === value) return k;
  return undefined;
}

/**
 * A bridge port's `group_fwd_mask` as iproute2 prints it (`group_fwd_mask_str`): the names of
 * {@link GROUP_FWD_MASK_BITS}, other bits as `0x…`, `"0x0"` for none, joined by commas.
 *
 * @example
 * ```ts
 * import { groupFwdMaskText } from "@netlink/netlink";
 * groupFwdMaskText(0x4005); // "stp,lacp,lldp"
 * ```
 */
export function groupFwdMaskText(mask: number): string {
  const parts: string[] = [];
  for (let bit = 0, m = mask; m; bit++, m >>>= 1) {
    if (m & 1) parts.push(nameIn(GROUP_FWD_MASK_BITS, bit) ?? `0x${(1 << bit).toString(16)}`);
  }
  return parts.length ? parts.join(",") : "0x0";
}

/**
 * A VLAN protocol (an ethertype) as iproute2 prints it (`ll_proto_n2a`): `"802.1Q"`,
 * `"802.1ad"`, else `0x…`.
 */
export function vlanProtocolName(ethertype: number): string {
  if (ethertype === VLAN_PROTOCOL_NAMES["802.1q"]) return "802.1Q";
  if (ethertype === VLAN_PROTOCOL_NAMES["802.1ad"]) return "802.1ad";
  return `0x${ethertype.toString(16)}`;
}

/** VXLAN options (linux/if_link.h `IFLA_VXLAN_*`). */
export interface VxlanData {
  /** VNI (`IFLA_VXLAN_ID`). */
  id: number;
  /** Multicast group or remote address (`IFLA_VXLAN_GROUP` / `GROUP6`). */
  group?: string;
  /** Local address (`IFLA_VXLAN_LOCAL` / `LOCAL6`). */
  local?: string;
  /** UDP destination port (`IFLA_VXLAN_PORT`); the kernel's default is 8472. */
  port?: number;
  /** Underlying device (`IFLA_VXLAN_LINK`). */
  dev?: LinkRef;
  /** TTL (`IFLA_VXLAN_TTL`). */
  ttl?: number;
  /** TOS (`IFLA_VXLAN_TOS`). */
  tos?: number;
  /** MAC learning (`IFLA_VXLAN_LEARNING`), default on. */
  learning?: boolean;
  /** FDB ageing in seconds (`IFLA_VXLAN_AGEING`). */
  ageing?: number;
}

/** macvlan / macvtap options. */
export interface MacvlanData {
  /** `IFLA_MACVLAN_MODE`: a name or a number. */
  mode?: keyof typeof MACVLAN_MODES | number;
}

/** ipvlan / ipvtap options. */
export interface IpvlanData {
  /** `IFLA_IPVLAN_MODE`: a name or a number. */
  mode?: keyof typeof IPVLAN_MODES | number;
}

/** Bond options: those of the spec, with `mode` also by name. */
export type BondData = Omit<rtLink.LinkinfoBondAttrs, "mode"> & {
  /** `IFLA_BOND_MODE`: a name such as `"active-backup"`, or a number. */
  mode?: keyof typeof BOND_MODES | number;
};

/** VLAN options: those of the spec, with `protocol` also as `"802.1Q"` / `"802.1ad"`. */
export type VlanData = Omit<rtLink.LinkinfoVlanAttrs, "protocol"> & {
  /** `IFLA_VLAN_PROTOCOL`: `"802.1Q"` (default), `"802.1ad"`, or the ethertype. */
  protocol?: "802.1Q" | "802.1ad" | number;
};

/** Kinds whose data have their own option shape here rather than the spec's attributes. */
export type OwnShapeKinds =
  | "bond"
  | "vlan"
  | "tun"
  | "vxlan"
  | "macvlan"
  | "macvtap"
  | "ipvlan"
  | "ipvtap";

/** Kind-specific `IFLA_INFO_DATA`, typed by kind. */
export interface LinkDataByKind extends Omit<rtLink.LinkinfoDataMsg, OwnShapeKinds | "veth"> {
  /** Bond options. */
  bond: BondData;
  /** VLAN options (the parent goes in {@link AddLinkSpec.link}). */
  vlan: VlanData;
  /** tun options (made through `/dev/net/tun`). */
  tun: Omit<TunTapOptions, "mode" | "netns">;
  /** tap options (made through `/dev/net/tun`). */
  tap: Omit<TunTapOptions, "mode" | "netns">;
  /** VXLAN options. */
  vxlan: VxlanData;
  /** macvlan options (the parent goes in {@link AddLinkSpec.link}). */
  macvlan: MacvlanData;
  /** macvtap options (the parent goes in {@link AddLinkSpec.link}). */
  macvtap: MacvlanData;
  /** ipvlan options (the parent goes in {@link AddLinkSpec.link}). */
  ipvlan: IpvlanData;
  /** ipvtap options (the parent goes in {@link AddLinkSpec.link}). */
  ipvtap: IpvlanData;
}

/** The peer of a veth pair. */
export interface VethPeer {
  /** Peer name. */
  name: string;
  /** Peer MTU. */
  mtu?: number;
  /** Peer link-layer address. */
  address?: string | Uint8Array;
  /** Peer transmit queue length. */
  txqlen?: number;
  /** Put the peer in another namespace. */
  netns?: NetnsTarget;
}

/** Kinds whose `data` this module knows how to encode, or that take none. */
export type KnownLinkKind =
  | keyof LinkDataByKind
  | "veth"
  | "dummy"
  | "ifb"
  | "nlmon"
  | "wireguard"
  | "vcan";

/** What {@link addLink} creates. */
export interface AddLinkSpec<K extends string = string> {
  /** Interface name (at most 15 bytes). */
  name: string;
  /** `IFLA_INFO_KIND`: `"veth"`, `"bridge"`, `"vxlan"`, `"macvlan"`, `"vlan"`, `"bond"`, … */
  kind: K;
  /** MTU. */
  mtu?: number;
  /** Link-layer address. */
  address?: string | Uint8Array;
  /** Master device (bridge, bond, VRF). */
  master?: LinkRef;
  /** Parent device (`IFLA_LINK`) for vlan, macvlan, ipvlan… */
  link?: LinkRef;
  /** Bring it up. */
  up?: boolean;
  /** Transmit queue length. */
  txqlen?: number;
  /** Alternative names, added after creation with `RTM_NEWLINKPROP`. */
  altnames?: string[];
  /** Create it in another namespace. */
  netns?: NetnsTarget;
  /** The veth peer (name or options); the kernel picks a name if absent. */
  peer?: K extends "veth" ? VethPeer | string : never;
  /**
   * Kind-specific options, typed by kind; raw `IFLA_INFO_DATA` payload bytes for other kinds.
   */
  data?: K extends keyof LinkDataByKind ? LinkDataByKind[K] : Uint8Array;
}
