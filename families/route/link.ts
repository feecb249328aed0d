/**
 * Network interfaces over rtnetlink (`ip link`): list, get, add (veth, bridge, vxlan, macvlan,
 * vlan, bond, dummy, …), change, delete, alternative names and statistics.
 *
 * @example
 * ```ts
 * import { Rtnl, addLink, deleteLink, listLinks } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addLink(rt, { name: "br0", kind: "bridge", up: true });
 * for (const l of await listLinks(rt)) console.log(l.index, l.name, l.kind, l.up);
 * await deleteLink(rt, { name: "br0" });
 * ```
 *
 * @module
 */
import { openNetns } from "../../socket/netns.ts";
import { type Attribute, AttributeWriter } from "../../codec/attrs.ts";
import {
  buildMessage,
  type DecodedMessage,
  encodeAttributeSet,
  encodeStruct,
  UNKNOWN,
  type UnknownAttribute,
} from "../../codec/schema.ts";
import * as rtLink from "../generated/rt_link.ts";
import { formatMac, parseIp, parseMac } from "./addr_text.ts";
import { newFlags, type NewOptions, Rtnl } from "./rtnl.ts";
import { createTunTap, type TunTapOptions } from "./tuntap.ts";
import { NetlinkError } from "../../codec/netlink_error.ts";

/** `RTM_NEWLINKPROP` (linux/rtnetlink.h): add alternative names. */
export const RTM_NEWLINKPROP = 108;
/** `RTM_DELLINKPROP` (linux/rtnetlink.h): remove alternative names. */
export const RTM_DELLINKPROP = 109;

const IFF_UP = rtLink.IFINFO_FLAGS.UP;
const IFNAMSIZ = 16;
const ALTIFNAMSIZ = 128;

/** A decoded `RTM_NEWLINK` message. */
export type LinkMessage = DecodedMessage<rtLink.Ifinfomsg, rtLink.LinkAttrs>;

/** Which interface: by index or by name (an alternative name works too). */
export type LinkRef = { index: number; name?: undefined } | { name: string; index?: undefined };

/** `IF_OPER_*` names (linux/if.h), as `ip link` prints them. */
const OPERSTATES = [
  "UNKNOWN",
  "NOTPRESENT",
  "DOWN",
  "LOWERLAYERDOWN",
  "TESTING",
  "DORMANT",
  "UP",
] as const;

/** An interface, with the common fields pulled out of the message. */
export interface Link {
  /** Interface index. */
  index: number;
  /** Interface name. */
  name: string;
  /** `IFLA_INFO_KIND` (`"veth"`, `"bridge"`, …) for virtual links. */
  kind?: string;
  /** Administratively up (`IFF_UP`). */
  up: boolean;
  /** `IFF_*` flag names set in `ifi_flags` (`"UP"`, `"LOWER_UP"`, `"BROADCAST"`, …). */
  flags: string[];
  /** MTU. */
  mtu?: number;
  /** Link-layer address as text (`"aa:bb:cc:dd:ee:ff"`). */
  address?: string;
  /** Link-layer broadcast address as text. */
  broadcast?: string;
  /** Index of the master device (bridge, bond, VRF). */
  master?: number;
  /** Index of the parent link (`IFLA_LINK`, e.g. a VLAN's lower device). */
  link?: number;
  /** Transmit queue length. */
  txqlen?: number;
  /** Operational state as `ip link` prints it (`"UP"`, `"DOWN"`, `"UNKNOWN"`, …). */
  operstate?: string;
  /** Alternative names (`IFLA_PROP_LIST`). */
  altnames: string[];
  /** The whole decoded message: every attribute, typed. */
  message: LinkMessage;
}

/** Options for {@link listLinks}. */
export interface ListLinksOptions {
  /** Only links of this kind (`"veth"`, `"bridge"`, …), filtered here. */
  kind?: string;
  /** Only the ports of this master (by index or name). */
  master?: number | string;
  /** Cancel the dump. */
  signal?: AbortSignal;
}

/** Bonding modes by name (linux/if_bonding.h `BOND_MODE_*`). */
export const BOND_MODES = {
  "balance-rr": 0,
  "active-backup": 1,
  "balance-xor": 2,
  broadcast: 3,
  "802.3ad": 4,
  "balance-tlb": 5,
  "balance-alb": 6,
} as const;

/** macvlan / macvtap modes by name (linux/if_link.h `MACVLAN_MODE_*`). */
export const MACVLAN_MODES = {
  private: 1,
  vepa: 2,
  bridge: 4,
  passthru: 8,
  source: 16,
} as const;

/** ipvlan modes by name (linux/if_link.h `IPVLAN_MODE_*`). */
export const IPVLAN_MODES = { l2: 0, l3: 1, l3s: 2 } as const;

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
  /** Underlying device (`IFLA_VXLAN_LINK`), index or name. */
  dev?: number | string;
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

/** ipvlan options. */
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

/** Kind-specific `IFLA_INFO_DATA`, typed by kind. */
export interface LinkDataByKind extends Omit<rtLink.LinkinfoDataMsg, "bond" | "vlan" | "tun"> {
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

/** A network namespace: a name (`ip netns`), a path, `{ pid }` or an open `{ fd }`. */
export type NetnsTarget = string | { pid: number } | { fd: number };

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
  /** Master device (bridge, bond, VRF), by index or name. */
  master?: number | string;
  /** Parent device (`IFLA_LINK`) for vlan, macvlan, ipvlan… by index or name. */
  link?: number | string;
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

/** What {@link setLink} changes. */
export interface LinkChanges {
  /** Up (`true`) or down (`false`). */
  up?: boolean;
  /** MTU. */
  mtu?: number;
  /** New name. */
  name?: string;
  /** Link-layer address. */
  address?: string | Uint8Array;
  /** Enslave to a master (index or name), or release with `null`. */
  master?: number | string | null;
  /** Move to another network namespace. */
  netns?: NetnsTarget;
  /** Transmit queue length. */
  txqlen?: number;
  /** Interface alias (`IFLA_IFALIAS`). */
  alias?: string;
  /** Alternative names to add and remove. */
  altnames?: { add?: string[]; del?: string[] };
  /** Further raw attributes of the spec (applied as given). */
  attrs?: rtLink.LinkAttrs;
}

function checkName(name: unknown, what = "Interface name"): string {
  if (typeof name !== "string" || name === "") {
    throw new TypeError(`${what} must be a non-empty string, got ${String(name)}`);
  }
  const n = new TextEncoder().encode(name).length;
  if (n >= IFNAMSIZ) {
    throw new RangeError(`${what} "${name}" is ${n} bytes; at most ${IFNAMSIZ - 1} fit`);
  }
  if (/[\s/:]/.test(name) || name === "." || name === "..") {
    throw new TypeError(`${what} "${name}" contains a character the kernel refuses`);
  }
  return name;
}

function checkAltName(name: unknown): string {
  if (typeof name !== "string" || name === "") {
    throw new TypeError(`Alternative name must be a non-empty string, got ${String(name)}`);
  }
  if (new TextEncoder().encode(name).length >= ALTIFNAMSIZ) {
    throw new RangeError(`Alternative name "${name}" is too long (at most 127 bytes)`);
  }
  return name;
}

function checkRef(ref: LinkRef): void {
  if (ref === null || typeof ref !== "object") {
    throw new TypeError("Expected a link reference { index } or { name }");
  }
  if (ref.index !== undefined) {
    if (!Number.isInteger(ref.index) || ref.index <= 0 || ref.index > 0x7fffffff) {
      throw new RangeError(`Interface index must be a positive integer, got ${ref.index}`);
    }
  } else if (typeof ref.name !== "string" || ref.name === "") {
    throw new TypeError("Expected a link reference { index } or { name }");
  }
}

function u32(v: unknown, what: string): number {
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 0xffffffff) {
    throw new RangeError(`${what} must be an integer in 0..4294967295, got ${String(v)}`);
  }
  return v as number;
}

function macBytes(v: string | Uint8Array): Uint8Array {
  return typeof v === "string" ? parseMac(v) : v;
}

/** Where a request names its link: the header index, or `IFLA_IFNAME` / `IFLA_ALT_IFNAME`. */
function refRequest(ref: LinkRef): { header: Partial<rtLink.Ifinfomsg>; attrs: rtLink.LinkAttrs } {
  checkRef(ref);
  if (ref.index !== undefined) return { header: { ifiIndex: ref.index }, attrs: {} };
  const long = new TextEncoder().encode(ref.name).length >= IFNAMSIZ;
  return { header: {}, attrs: long ? { altIfname: ref.name } : { ifname: ref.name } };
}

/**
 * The index of an interface given by index or name.
 *
 * @example
 * ```ts
 * import { Rtnl, linkIndex } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await linkIndex(rt, "lo"); // 1
 * ```
 */
export async function linkIndex(rt: Rtnl, link: number | string | LinkRef): Promise<number> {
  if (typeof link === "number") {
    checkRef({ index: link });
    return link;
  }
  const ref: LinkRef = typeof link === "string" ? { name: link } : link;
  if (ref.index !== undefined) {
    checkRef(ref);
    return ref.index;
  }
  return (await getLink(rt, ref)).index;
}

/**
 * Turn a decoded `RTM_NEWLINK` message into a {@link Link}.
 *
 * @example
 * ```ts
 * import { Rtnl, toLink, rtLink } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for await (const m of rt.dump(rtLink.operations.getlink)) console.log(toLink(m).name);
 * ```
 */
export function toLink(message: LinkMessage): Link {
  const { header, attrs } = message;
  const flags: string[] = [];
  for (const [name, bit] of Object.entries(rtLink.IFINFO_FLAGS)) {
    if (header.ifiFlags & bit) flags.push(name);
  }
  const link: Link = {
    index: header.ifiIndex,
    name: attrs.ifname ?? "",
    up: (header.ifiFlags & IFF_UP) !== 0,
    flags,
    altnames: attrs.propList?.altIfname ?? [],
    message,
  };
  if (attrs.linkinfo?.kind !== undefined) link.kind = attrs.linkinfo.kind;
  if (attrs.mtu !== undefined) link.mtu = attrs.mtu;
  if (attrs.address !== undefined) link.address = formatMac(attrs.address);
  if (attrs.broadcast !== undefined) link.broadcast = formatMac(attrs.broadcast);
  if (attrs.master !== undefined) link.master = attrs.master;
  if (attrs.link !== undefined) link.link = attrs.link;
  if (attrs.txqlen !== undefined) link.txqlen = attrs.txqlen;
  if (attrs.operstate !== undefined) {
    link.operstate = OPERSTATES[attrs.operstate] ?? String(attrs.operstate);
  }
  return link;
}

/**
 * All interfaces (`ip link show`).
 *
 * @example
 * ```ts
 * import { Rtnl, listLinks } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * const bridges = await listLinks(rt, { kind: "bridge" });
 * ```
 */
export async function listLinks(rt: Rtnl, options: ListLinksOptions = {}): Promise<Link[]> {
  const master = options.master === undefined ? undefined : await linkIndex(rt, options.master);
  const out: Link[] = [];
  for await (
    const m of rt.dump(rtLink.operations.getlink, {
      attrs: master === undefined ? undefined : { master },
      signal: options.signal,
    })
  ) {
    const l = toLink(m);
    if (options.kind !== undefined && l.kind !== options.kind) continue;
    if (master !== undefined && l.master !== master) continue;
    out.push(l);
  }
  return out;
}

/**
 * One interface by index or name; rejects with `ENODEV` when there is none.
 *
 * @example
 * ```ts
 * import { Rtnl, getLink } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * const lo = await getLink(rt, { name: "lo" });
 * console.log(lo.index, lo.mtu, lo.flags);
 * ```
 */
export async function getLink(
  rt: Rtnl,
  ref: LinkRef,
  options: { signal?: AbortSignal } = {},
): Promise<Link> {
  const { header, attrs } = refRequest(ref);
  const m = await rt.call(rtLink.operations.getlink, { header, attrs, signal: options.signal });
  if (m === undefined) throw new Error("RTM_GETLINK: the kernel sent no link");
  return toLink(m);
}

/**
 * The 64-bit counters of an interface (`IFLA_STATS64`, as `ip -s link`).
 *
 * @example
 * ```ts
 * import { Rtnl, linkStats } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * const s = await linkStats(rt, { name: "lo" });
 * console.log(s.rxBytes, s.txPackets);
 * ```
 */
export async function linkStats(rt: Rtnl, ref: LinkRef): Promise<rtLink.RtnlLinkStats64> {
  const l = await getLink(rt, ref);
  const s = l.message.attrs.stats64;
  if (s === undefined) throw new Error(`Link ${l.name} has no IFLA_STATS64`);
  return s;
}

async function netnsAttrs(
  target: NetnsTarget,
  cleanup: (() => void)[],
): Promise<rtLink.LinkAttrs> {
  if (typeof target === "string") {
    if (target === "") throw new TypeError('netns must be a namespace name or path, got ""');
    const ns = await openNetns(target);
    cleanup.push(() => ns.close());
    return { netNsFd: ns.fd };
  }
  if (target !== null && typeof target === "object") {
    if ("pid" in target) return { netNsPid: u32(target.pid, "netns.pid") };
    if ("fd" in target) return { netNsFd: u32(target.fd, "netns.fd") };
  }
  throw new TypeError("netns must be a name, a path, { pid } or { fd }");
}

function nameAttr(name: string): rtLink.LinkAttrs {
  return { ifname: checkName(name) };
}

const TYPED_KINDS = new Set<string>([
  "bond",
  "bridge",
  "erspan",
  "gre",
  "gretap",
  "ip6gre",
  "geneve",
  "ipip",
  "ip6tnl",
  "sit",
  "tun",
  "vlan",
  "vrf",
  "vti",
  "vti6",
  "netkit",
  "ovpn",
]);
const DATALESS_KINDS = new Set<string>(["veth", "dummy", "ifb", "nlmon", "wireguard", "vcan"]);
const OWN_KINDS = new Set<string>(["vxlan", "macvlan", "macvtap", "ipvlan", "ipvtap"]);

function modeOf<T extends Record<string, number>>(
  table: T,
  mode: unknown,
  what: string,
): number | undefined {
  if (mode === undefined) return undefined;
  if (typeof mode === "number") return mode;
  const v = table[mode as string];
  if (v === undefined) {
    throw new TypeError(
      `Unknown ${what} mode "${String(mode)}"; use ${Object.keys(table).join(", ")}`,
    );
  }
  return v;
}

/** Encode `IFLA_INFO_DATA` for the kinds the spec does not describe. */
async function ownData(rt: Rtnl, kind: string, data: Record<string, unknown>): Promise<Uint8Array> {
  const w = new AttributeWriter();
  if (kind === "vxlan") {
    const d = data as unknown as VxlanData;
    w.u32(1, u32(d.id, "vxlan id")); // IFLA_VXLAN_ID
    if (d.group !== undefined) {
      const g = parseIp(d.group);
      w.attr(g.length === 4 ? 2 : 16, g); // IFLA_VXLAN_GROUP / GROUP6
    }
    if (d.dev !== undefined) w.u32(3, await linkIndex(rt, d.dev)); // IFLA_VXLAN_LINK
    if (d.local !== undefined) {
      const l = parseIp(d.local);
      w.attr(l.length === 4 ? 4 : 17, l); // IFLA_VXLAN_LOCAL / LOCAL6
    }
    if (d.ttl !== undefined) w.u8(5, d.ttl);
    if (d.tos !== undefined) w.u8(6, d.tos);
    if (d.learning !== undefined) w.u8(7, d.learning ? 1 : 0);
    if (d.ageing !== undefined) w.u32(8, u32(d.ageing, "vxlan ageing"));
    if (d.port !== undefined) w.u16be(15, d.port); // IFLA_VXLAN_PORT
  } else if (kind === "macvlan" || kind === "macvtap") {
    const mode = modeOf(MACVLAN_MODES, (data as MacvlanData).mode, kind);
    if (mode !== undefined) w.u32(1, mode); // IFLA_MACVLAN_MODE
  } else if (kind === "ipvlan" || kind === "ipvtap") {
    const mode = modeOf(IPVLAN_MODES, (data as IpvlanData).mode, kind);
    if (mode !== undefined) w.u16(1, mode); // IFLA_IPVLAN_MODE
  }
  return w.bytes();
}

function rawData(bytes: Uint8Array, type = 2 /* IFLA_INFO_DATA */): UnknownAttribute {
  return { type, nested: true, netByteOrder: false, data: bytes } satisfies Attribute;
}

/**
 * tun/tap: the ioctl path (the kernel refuses them over rtnetlink), then the common settings
 * over rtnetlink. `data` may carry {@link TunTapOptions} (user, group, pi, multiQueue, vnetHdr).
 */
async function addTunTap(
  rt: Rtnl,
  name: string,
  mode: "tun" | "tap",
  spec: AddLinkSpec<string>,
  options: NewOptions,
): Promise<Link> {
  if (spec.peer !== undefined || spec.link !== undefined || spec.netns !== undefined) {
    throw new TypeError(`A ${mode} link takes no peer, link or netns`);
  }
  if (options.exclusive === false || options.replace) {
    throw new TypeError(`A ${mode} link can only be created, not replaced`);
  }
  const data = (spec.data ?? {}) as Omit<TunTapOptions, "mode" | "netns">;
  // TUNSETIFF would attach to an existing device of that name: refuse as NLM_F_EXCL would.
  const existing = await getLink(rt, { name }).catch((e) => {
    if (e instanceof NetlinkError && e.code === "ENODEV") return undefined;
    throw e;
  });
  if (existing) throw new NetlinkError(17, /* EEXIST */ { operation: `${mode} add ${name}` });
  await createTunTap(name, { ...data, mode, netns: rt.socket.netns });
  const changes: LinkChanges = {};
  if (spec.mtu !== undefined) changes.mtu = spec.mtu;
  if (spec.txqlen !== undefined) changes.txqlen = spec.txqlen;
  if (spec.address !== undefined) changes.address = spec.address;
  if (spec.master !== undefined) changes.master = spec.master;
  if (spec.up !== undefined) changes.up = spec.up;
  if (spec.altnames !== undefined) changes.altnames = { add: spec.altnames };
  if (Object.keys(changes).length > 0) await setLink(rt, { name }, changes);
  return await getLink(rt, { name });
}

/**
 * Create an interface (`ip link add`). By default it fails with `EEXIST` if the name is taken;
 * `{ exclusive: false }` makes that a no-op, `{ replace: true }` changes the existing one.
 * Resolves with the new link as the kernel reports it.
 *
 * tun/tap devices are made with the `TUNSETIFF` ioctl on `/dev/net/tun` (the kernel answers
 * `RTM_NEWLINK` for kind `"tun"` with `EOPNOTSUPP`), then configured over rtnetlink; their
 * `data` takes {@link TunTapOptions} (owner, group, pi, multiQueue, vnetHdr).
 *
 * @example
 * ```ts
 * import { Rtnl, addLink } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addLink(rt, { name: "v0", kind: "veth", peer: { name: "v1" }, up: true });
 * await addLink(rt, { name: "br0", kind: "bridge", data: { stpState: 0 } });
 * await addLink(rt, { name: "vx0", kind: "vxlan", data: { id: 42, port: 4789 } });
 * await addLink(rt, { name: "v0.10", kind: "vlan", link: "v0", data: { id: 10 } });
 * await addLink(rt, { name: "tap0", kind: "tap", up: true });
 * ```
 */
export async function addLink<K extends string>(
  rt: Rtnl,
  spec: AddLinkSpec<K>,
  options: NewOptions = {},
): Promise<Link> {
  if (spec === null || typeof spec !== "object") throw new TypeError("addLink needs a spec");
  const name = checkName(spec.name);
  const kind = spec.kind as string;
  if (typeof kind !== "string" || kind === "") {
    throw new TypeError(`Link "${name}" needs a kind such as "veth", "bridge" or "dummy"`);
  }
  if (kind === "tun" || kind === "tap") return await addTunTap(rt, name, kind, spec, options);
  const data = spec.data as unknown;
  const known = TYPED_KINDS.has(kind) || DATALESS_KINDS.has(kind) || OWN_KINDS.has(kind);
  if (!known && data !== undefined && !(data instanceof Uint8Array)) {
    throw new TypeError(
      `Unknown link kind "${kind}": pass data as the raw IFLA_INFO_DATA payload (Uint8Array)`,
    );
  }
  if (DATALESS_KINDS.has(kind) && data !== undefined) {
    throw new TypeError(`Link kind "${kind}" takes no data`);
  }
  if (spec.peer !== undefined && kind !== "veth") {
    throw new TypeError(`Only veth links have a peer, not "${kind}"`);
  }
  if ((kind === "vlan" || OWN_KINDS.has(kind) && kind !== "vxlan") && spec.link === undefined) {
    throw new TypeError(`A ${kind} link needs its parent device in "link"`);
  }
  if (kind === "vlan" && (data as VlanData | undefined)?.id === undefined) {
    throw new TypeError(`vlan "${name}" needs data.id`);
  }
  if (kind === "vxlan" && (data as VxlanData | undefined)?.id === undefined) {
    throw new TypeError(`vxlan "${name}" needs data.id (the VNI)`);
  }
  const altnames = (spec.altnames ?? []).map(checkAltName);
  const peer: VethPeer | undefined = typeof spec.peer === "string"
    ? { name: spec.peer }
    : spec.peer as VethPeer | undefined;
  if (peer !== undefined) checkName(peer.name, "veth peer name");

  const cleanup: (() => void)[] = [];
  try {
    const attrs: rtLink.LinkAttrs = nameAttr(name);
    if (spec.mtu !== undefined) attrs.mtu = u32(spec.mtu, "mtu");
    if (spec.txqlen !== undefined) attrs.txqlen = u32(spec.txqlen, "txqlen");
    if (spec.address !== undefined) attrs.address = macBytes(spec.address);
    if (spec.master !== undefined) attrs.master = await linkIndex(rt, spec.master);
    if (spec.link !== undefined) attrs.link = await linkIndex(rt, spec.link);
    if (spec.netns !== undefined) Object.assign(attrs, await netnsAttrs(spec.netns, cleanup));

    const linkinfo: rtLink.LinkinfoAttrs = { kind };
    if (kind === "veth") {
      if (peer !== undefined) {
        const pa: rtLink.LinkAttrs = nameAttr(peer.name);
        if (peer.mtu !== undefined) pa.mtu = u32(peer.mtu, "peer mtu");
        if (peer.txqlen !== undefined) pa.txqlen = u32(peer.txqlen, "peer txqlen");
        if (peer.address !== undefined) pa.address = macBytes(peer.address);
        if (peer.netns !== undefined) Object.assign(pa, await netnsAttrs(peer.netns, cleanup));
        const w = new AttributeWriter();
        w.nest(1, /* VETH_INFO_PEER */ (w) => {
          w.raw(encodeStruct(rtLink.ifinfomsg, {}));
          encodeAttributeSet(rtLink.linkAttrs, w, pa);
        });
        linkinfo[UNKNOWN] = [rawData(w.bytes())];
      }
    } else if (data instanceof Uint8Array) {
      linkinfo[UNKNOWN] = [rawData(data)];
    } else if (OWN_KINDS.has(kind)) {
      linkinfo[UNKNOWN] = [
        rawData(await ownData(rt, kind, (data ?? {}) as Record<string, unknown>)),
      ];
    } else if (data !== undefined) {
      const d = { ...(data as Record<string, unknown>) };
      if (kind === "bond" && d.mode !== undefined) d.mode = modeOf(BOND_MODES, d.mode, "bond");
      if (kind === "vlan" && typeof d.protocol === "string") {
        const p = String(d.protocol).toLowerCase();
        if (p === "802.1q") d.protocol = 0x8100;
        else if (p === "802.1ad") d.protocol = 0x88a8;
        else {throw new TypeError(
            `Unknown VLAN protocol "${d.protocol}": use "802.1Q" or "802.1ad"`,
          );}
      }
      linkinfo.data = d as rtLink.LinkinfoAttrs["data"];
    }
    attrs.linkinfo = linkinfo;
    await rt.call(rtLink.operations.newlink, {
      header: spec.up ? { ifiFlags: IFF_UP, ifiChange: IFF_UP } : {},
      attrs,
      flags: newFlags(options, { create: true, exclusive: true }),
    });
  } finally {
    for (const f of cleanup) f();
  }
  if (spec.netns !== undefined) {
    // It lives in the other namespace now: ask there.
    const ns = spec.netns;
    const where = typeof ns === "string" ? ns : "pid" in ns ? `/proc/${ns.pid}/ns/net` : ns.fd;
    await using there = await Rtnl.open({ netns: where });
    if (altnames.length > 0) await linkProp(there, RTM_NEWLINKPROP, { name }, altnames);
    return await getLink(there, { name });
  }
  if (altnames.length > 0) await linkProp(rt, RTM_NEWLINKPROP, { name }, altnames);
  return await getLink(rt, { name });
}

async function linkProp(rt: Rtnl, type: number, ref: LinkRef, names: string[]): Promise<void> {
  const { header, attrs } = refRequest(ref);
  const bytes = buildMessage(rtLink.operations.newlink, {
    type,
    header,
    attrs: { ...attrs, propList: { altIfname: names } },
  });
  await rt.socket.request(bytes, {
    operation: type === RTM_NEWLINKPROP ? "RTM_NEWLINKPROP" : "RTM_DELLINKPROP",
  });
}

/**
 * Add alternative names to an interface (`ip link property add dev X altname Y`).
 *
 * @example
 * ```ts
 * import { Rtnl, addAltNames } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addAltNames(rt, { name: "eth0" }, ["uplink-with-a-long-name"]);
 * ```
 */
export async function addAltNames(rt: Rtnl, ref: LinkRef, names: string[]): Promise<void> {
  if (!Array.isArray(names) || names.length === 0) {
    throw new TypeError("addAltNames needs a non-empty array of names");
  }
  await linkProp(rt, RTM_NEWLINKPROP, ref, names.map(checkAltName));
}

/**
 * Remove alternative names from an interface (`ip link property del dev X altname Y`).
 *
 * @example
 * ```ts
 * import { Rtnl, deleteAltNames } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await deleteAltNames(rt, { name: "eth0" }, ["uplink-with-a-long-name"]);
 * ```
 */
export async function deleteAltNames(rt: Rtnl, ref: LinkRef, names: string[]): Promise<void> {
  if (!Array.isArray(names) || names.length === 0) {
    throw new TypeError("deleteAltNames needs a non-empty array of names");
  }
  await linkProp(rt, RTM_DELLINKPROP, ref, names.map(checkAltName));
}

/**
 * Change an interface (`ip link set`): up/down, MTU, name, address, master, namespace, queue
 * length, alias, alternative names. All changes but alternative names go in one request.
 *
 * @example
 * ```ts
 * import { Rtnl, setLink } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await setLink(rt, { name: "v0" }, { up: true, mtu: 9000, master: "br0" });
 * await setLink(rt, { name: "v0" }, { master: null, name: "v0-renamed" });
 * ```
 */
export async function setLink(rt: Rtnl, ref: LinkRef, changes: LinkChanges): Promise<void> {
  checkRef(ref);
  if (changes === null || typeof changes !== "object") {
    throw new TypeError("setLink needs an object of changes");
  }
  const attrs: rtLink.LinkAttrs = { ...(changes.attrs ?? {}) };
  const header: Partial<rtLink.Ifinfomsg> = {};
  if (changes.name !== undefined) attrs.ifname = checkName(changes.name);
  if (changes.mtu !== undefined) attrs.mtu = u32(changes.mtu, "mtu");
  if (changes.txqlen !== undefined) attrs.txqlen = u32(changes.txqlen, "txqlen");
  if (changes.address !== undefined) attrs.address = macBytes(changes.address);
  if (changes.alias !== undefined) attrs.ifalias = changes.alias;
  if (changes.up !== undefined) {
    header.ifiFlags = changes.up ? IFF_UP : 0;
    header.ifiChange = IFF_UP;
  }
  const add = (changes.altnames?.add ?? []).map(checkAltName);
  const del = (changes.altnames?.del ?? []).map(checkAltName);
  const cleanup: (() => void)[] = [];
  try {
    if (changes.master !== undefined) {
      attrs.master = changes.master === null ? 0 : await linkIndex(rt, changes.master);
    }
    if (changes.netns !== undefined) Object.assign(attrs, await netnsAttrs(changes.netns, cleanup));
    // A rename or a move needs the index: the name in the request would be the new one.
    let index = ref.index;
    if (index === undefined && (attrs.ifname !== undefined || add.length + del.length > 0)) {
      index = await linkIndex(rt, ref);
    }
    if (Object.keys(attrs).length > 0 || header.ifiChange !== undefined) {
      const target = index !== undefined ? refRequest({ index }) : refRequest(ref);
      await rt.call(rtLink.operations.newlink, {
        header: { ...target.header, ...header },
        attrs: { ...target.attrs, ...attrs },
      });
    }
    if (changes.netns === undefined) {
      if (del.length > 0) await linkProp(rt, RTM_DELLINKPROP, { index: index! }, del);
      if (add.length > 0) await linkProp(rt, RTM_NEWLINKPROP, { index: index! }, add);
    }
  } finally {
    for (const f of cleanup) f();
  }
}

/**
 * Delete an interface (`ip link del`); rejects with `ENODEV` when there is none. Deleting one
 * end of a veth pair deletes both.
 *
 * @example
 * ```ts
 * import { Rtnl, deleteLink } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await deleteLink(rt, { name: "br0" });
 * ```
 */
export async function deleteLink(rt: Rtnl, ref: LinkRef): Promise<void> {
  const { header, attrs } = refRequest(ref);
  await rt.call(rtLink.operations.dellink, { header, attrs });
}
