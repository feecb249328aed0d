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
 * await deleteLink(rt, "br0");
 * ```
 *
 * @module
 */
import {
  type ConsistencyOptions,
  type DumpList,
  type DumpTracker,
  readConsistent,
} from "../../client/consistent.ts";
import { NetlinkError } from "../../codec/netlink_error.ts";
import * as rtLink from "../generated/rt_link.ts";
import { type Counter, familyOf, u32 } from "./_names.ts";
import { numberOf } from "./names.ts";
import {
  type Link,
  type LinkCounters,
  type LinkMessage,
  toCounters,
  toLink,
} from "./link_object.ts";
import {
  checkAltName,
  checkName,
  checkRef,
  linkNameMap,
  type LinkRef,
  macBytes,
  netnsAttrs,
  notFound,
  refLabel,
  refRequest,
  resolveLink,
} from "./_link_util.ts";
import type { AddLinkSpec, NetnsTarget } from "./link_kinds.ts";
import { checkKindSpec, linkinfoOf } from "./_link_data.ts";
import { newFlags, type NewOptions, Rtnl } from "./rtnl.ts";
import { createTunTap, type TunTapOptions } from "./tuntap.ts";

export type { Counter, LinkRef };
export * from "./link_kinds.ts";
export * from "./link_object.ts";

const IFF_UP = rtLink.IFINFO_FLAGS.UP;
/** `EEXIST` (errno.h), as the kernel answers a create of a name that is taken. */
const EEXIST = 17;

/** Options for {@link listLinks}. */
export interface ListLinksOptions {
  /** Only links of this kind (`"veth"`, `"bridge"`, …), filtered here. */
  kind?: string;
  /** Only the ports of this master. */
  master?: LinkRef;
  /** Only links that are up. */
  up?: boolean;
  /**
   * Dump with this address family (`"inet6"`…): the kernel's per-family view, whose messages
   * carry that family's `IFLA_AF_SPEC` and lack some attributes (`IFLA_TXQLEN`). Default all.
   */
  family?: number | string;
  /** Include each link's `IFLA_STATS64` counters as {@link Link.stats}. */
  stats?: boolean;
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
  /** Enslave to a master, or release with `null`. */
  master?: LinkRef | null;
  /** Move to another network namespace. */
  netns?: NetnsTarget;
  /** Transmit queue length. */
  txqlen?: number;
  /** Interface alias (`IFLA_IFALIAS`). */
  alias?: string;
  /** Device group, by name (iproute2's `group` file) or number. */
  group?: string | number;
  /** Alternative names to add and remove. */
  altnames?: { add?: string[]; del?: string[] };
  /** Further raw attributes of the spec (applied as given). */
  attrs?: rtLink.LinkAttrs;
}

/**
 * The index of an interface given by index or name.
 *
 * @throws {LinkNotFoundError} when there is no interface of that name.
 * @example
 * ```ts
 * import { Rtnl, linkIndex } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await linkIndex(rt, "lo"); // 1
 * await linkIndex(rt, { name: "lo" }); // 1
 * ```
 */
export async function linkIndex(rt: Rtnl, link: LinkRef): Promise<number> {
  return await resolveLink(rt, link);
}

/**
 * Every interface's name by index (one link dump), for naming the links other objects give
 * by index.
 *
 * @example
 * ```ts
 * import { linkNames, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * (await linkNames(rt)).get(1); // "lo"
 * ```
 */
export async function linkNames(
  rt: Rtnl,
  options: { signal?: AbortSignal } = {},
): Promise<Map<number, string>> {
  return await linkNameMap(rt, options.signal);
}

/**
 * All interfaces (`ip link show`).
 *
 * @example
 * ```ts
 * import { Rtnl, listLinks } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * const bridges = await listLinks(rt, { kind: "bridge" });
 * const ports = await listLinks(rt, { master: "br0" });
 * ```
 */
export async function listLinks(
  rt: Rtnl,
  options: ListLinksOptions & ConsistencyOptions = {},
): Promise<DumpList<Link>> {
  const master = options.master === undefined ? undefined : await linkIndex(rt, options.master);
  const family = familyOf(options.family, "Link", [2, 7, 10, 17, 28]);
  return await readConsistent(
    "listLinks",
    options,
    (t) => readLinks(rt, options, family, master, t),
  );
}

async function readLinks(
  rt: Rtnl,
  options: ListLinksOptions,
  family: number,
  master: number | undefined,
  tracker: DumpTracker,
): Promise<Link[]> {
  const messages: LinkMessage[] = [];
  const dump = tracker.track(rt.dump(rtLink.operations.getlink, {
    header: { ifiFamily: family === 17 ? 0 : family },
    attrs: { extMask: options.stats ? rtLink.RTEXT_FILTER.VF : rtLink.RTEXT_FILTER.SKIP_STATS },
    signal: options.signal,
  }));
  for await (const m of dump) messages.push(m);
  const names = new Map<number, string>();
  for (const m of messages) if (m.attrs.ifname) names.set(m.header.ifiIndex, m.attrs.ifname);
  const out: Link[] = [];
  for (const m of messages) {
    const l = toLink(m, names);
    if (options.stats && m.attrs.stats64 !== undefined) l.stats = toCounters(m.attrs.stats64);
    if (options.kind !== undefined && l.kind !== options.kind) continue;
    if (master !== undefined && l.masterIndex !== master) continue;
    if (options.up && !l.up) continue;
    out.push(l);
  }
  return out;
}

/**
 * One interface; rejects with a {@link LinkNotFoundError} when there is none.
 *
 * @example
 * ```ts
 * import { Rtnl, getLink } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * const lo = await getLink(rt, "lo");
 * console.log(lo.index, lo.mtu, lo.flags);
 * ```
 */
export async function getLink(
  rt: Rtnl,
  ref: LinkRef,
  options: { signal?: AbortSignal } = {},
): Promise<Link> {
  const { header, attrs } = refRequest(ref);
  let m: LinkMessage | undefined;
  try {
    m = await rt.call(rtLink.operations.getlink, {
      header,
      attrs: { ...attrs, extMask: rtLink.RTEXT_FILTER.SKIP_STATS },
      signal: options.signal,
    });
  } catch (e) {
    throw notFound(e, ref);
  }
  if (m === undefined) throw new Error("RTM_GETLINK: the kernel sent no link");
  const names = new Map<number, string>();
  for (const i of [m.attrs.master, m.attrs.linkNetnsid === undefined ? m.attrs.link : 0]) {
    if (i) {
      const n = await nameOfIndex(rt, i);
      if (n !== undefined) names.set(i, n);
    }
  }
  return toLink(m, names);
}

/** The name of the link with index `index`, undefined if there is none. */
async function nameOfIndex(rt: Rtnl, index: number): Promise<string | undefined> {
  try {
    const m = await rt.call(rtLink.operations.getlink, {
      header: { ifiIndex: index },
      attrs: { extMask: rtLink.RTEXT_FILTER.SKIP_STATS },
    });
    return m?.attrs.ifname;
  } catch {
    return undefined;
  }
}

/**
 * The 64-bit counters of an interface (`IFLA_STATS64`, as `ip -s link`), JSON-safe.
 *
 * @example
 * ```ts
 * import { Rtnl, linkStats } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * const s = await linkStats(rt, "lo");
 * console.log(s.rxBytes, s.txPackets);
 * ```
 */
export async function linkStats(rt: Rtnl, ref: LinkRef): Promise<LinkCounters> {
  const { header, attrs } = refRequest(ref);
  let m: LinkMessage | undefined;
  try {
    m = await rt.call(rtLink.operations.getlink, { header, attrs });
  } catch (e) {
    throw notFound(e, ref);
  }
  const s = m?.attrs.stats64;
  if (s === undefined) throw new Error(`Link ${refLabel(ref)} has no IFLA_STATS64`);
  return toCounters(s);
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

    const resolve = { index: (l: LinkRef) => linkIndex(rt, l) };
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
  try {
    await rt.call(rtLink.operations[op], {
      header,
      attrs: { ...attrs, propList: { altIfname: names } },
    });
  } catch (e) {
    throw notFound(e, ref);
  }
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
 * await setLink(rt, "v0", { up: true, mtu: 9000, master: "br0" });
 * await setLink(rt, { name: "v0" }, { master: null, name: "v0-renamed" });
 * ```
 */
export async function setLink(rt: Rtnl, link: LinkRef, changes: LinkChanges): Promise<void> {
  const ref = checkRef(link) as { index?: number; name?: string };
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
  if (changes.group !== undefined) attrs.group = numberOf("group", changes.group);
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
      index = await linkIndex(rt, link);
    }
    if (Object.keys(attrs).length > 0 || header.ifiChange !== undefined) {
      const target = index !== undefined ? refRequest({ index }) : refRequest(link);
      try {
        await rt.call(rtLink.operations.newlink, {
          header: { ...target.header, ...header },
          attrs: { ...target.attrs, ...attrs },
        });
      } catch (e) {
        throw notFound(e, link);
      }
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
 * await deleteLink(rt, "br0");
 * ```
 */
export async function deleteLink(rt: Rtnl, ref: LinkRef): Promise<void> {
  const { header, attrs } = refRequest(ref);
  try {
    await rt.call(rtLink.operations.dellink, { header, attrs });
  } catch (e) {
    throw notFound(e, ref);
  }
}
