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
import type { DecodedMessage } from "../../codec/ynl/mod.ts";
import { NetlinkError } from "../../codec/netlink_error.ts";
import * as rtLink from "../generated/rt_link.ts";
import { formatMac } from "./addr_text.ts";
import { u32 } from "./_names.ts";
import {
  checkAltName,
  checkName,
  checkRef,
  type LinkRef,
  macBytes,
  netnsAttrs,
  refRequest,
} from "./_link_util.ts";
import type { AddLinkSpec, NetnsTarget } from "./link_kinds.ts";
import { checkKindSpec, linkinfoOf } from "./_link_data.ts";
import { newFlags, type NewOptions, Rtnl } from "./rtnl.ts";
import { createTunTap, type TunTapOptions } from "./tuntap.ts";

export type { LinkRef };
export * from "./link_kinds.ts";

const IFF_UP = rtLink.IFINFO_FLAGS.UP;
/** `EEXIST` (errno.h), as the kernel answers a create of a name that is taken. */
const EEXIST = 17;

/** A decoded `RTM_NEWLINK` message. */
export type LinkMessage = DecodedMessage<rtLink.Ifinfomsg, rtLink.LinkAttrs>;

/** `IF_OPER_*` names (linux/if.h, from the spec), as `ip link` prints them, by value. */
const OPERSTATES = new Map<number, string>(
  Object.entries(rtLink.IF_OPER).map(([name, value]) => [value, name]),
);

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
    link.operstate = OPERSTATES.get(attrs.operstate) ?? String(attrs.operstate);
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
  if (existing) throw new NetlinkError(EEXIST, { operation: `${mode} add ${name}` });
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
  checkKindSpec(spec as AddLinkSpec<string>);
  const altnames = (spec.altnames ?? []).map(checkAltName);

  const cleanup: (() => void)[] = [];
  try {
    const attrs: rtLink.LinkAttrs = { ifname: name };
    if (spec.mtu !== undefined) attrs.mtu = u32(spec.mtu, "mtu");
    if (spec.txqlen !== undefined) attrs.txqlen = u32(spec.txqlen, "txqlen");
    if (spec.address !== undefined) attrs.address = macBytes(spec.address);
    if (spec.master !== undefined) attrs.master = await linkIndex(rt, spec.master);
    if (spec.link !== undefined) attrs.link = await linkIndex(rt, spec.link);
    if (spec.netns !== undefined) Object.assign(attrs, await netnsAttrs(spec.netns, cleanup));

    const resolve = { index: (l: number | string) => linkIndex(rt, l) };
    attrs.linkinfo = await linkinfoOf(spec as AddLinkSpec<string>, resolve, cleanup);
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
    if (altnames.length > 0) await linkProp(there, "newlinkprop", { name }, altnames);
    return await getLink(there, { name });
  }
  if (altnames.length > 0) await linkProp(rt, "newlinkprop", { name }, altnames);
  return await getLink(rt, { name });
}

/** Add or remove alternative names: RTM_NEWLINKPROP / RTM_DELLINKPROP with `IFLA_PROP_LIST`. */
async function linkProp(
  rt: Rtnl,
  op: "newlinkprop" | "dellinkprop",
  ref: LinkRef,
  names: string[],
): Promise<void> {
  const { header, attrs } = refRequest(ref);
  await rt.call(rtLink.operations[op], {
    header,
    attrs: { ...attrs, propList: { altIfname: names } },
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
  await linkProp(rt, "newlinkprop", ref, names.map(checkAltName));
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
  await linkProp(rt, "dellinkprop", ref, names.map(checkAltName));
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
      if (del.length > 0) await linkProp(rt, "dellinkprop", { index: index! }, del);
      if (add.length > 0) await linkProp(rt, "newlinkprop", { index: index! }, add);
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
