/**
 * Neighbour tables over rtnetlink: ARP / NDP entries (`ip neigh`) and bridge forwarding
 * database entries (`bridge fdb`, family `AF_BRIDGE`).
 *
 * @example
 * ```ts
 * import { Rtnl, addFdb, addNeighbour, flushNeighbours, listNeighbours } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addNeighbour(rt, { dev: "eth0", dst: "192.0.2.7", lladdr: "02:00:00:00:00:07" });
 * await addFdb(rt, { dev: "vx0", mac: "02:00:00:00:00:08", dst: "198.51.100.1" });
 * for (const n of await listNeighbours(rt)) console.log(n.dst, n.lladdr, n.state);
 * await flushNeighbours(rt, { dev: "eth0" });
 * ```
 *
 * @module
 */
import { type ConsistencyOptions, type DumpList, readConsistent } from "../../client/consistent.ts";
import type { DecodedMessage } from "../../codec/ynl/mod.ts";
import * as rtNeigh from "../generated/rt_neigh.ts";
import { AF_INET, AF_INET6, formatIp, parseIp, parseMac, parsePrefix } from "./addr_text.ts";
import { inPrefix } from "./address.ts";
import { familyName, familyOf, u32, withMessage } from "./_names.ts";
import { nameOf } from "./names.ts";
import { linkNameMap, type LinkRef, notFound, resolveLink } from "./_link_util.ts";
import { formatLinkAddress } from "./link.ts";
import { newFlags, type NewOptions, type Rtnl } from "./rtnl.ts";

/** `AF_BRIDGE` (linux/socket.h): the family of bridge FDB entries. */
export const AF_BRIDGE = 7;

/** A decoded `RTM_NEWNEIGH` message. */
export type NeighbourMessage = DecodedMessage<rtNeigh.Ndmsg, rtNeigh.NeighbourAttrs>;

/** `NUD_*` state names, lower case as `ip neigh` takes them. */
export type NeighbourStateName = Lowercase<keyof typeof rtNeigh.NUD_STATE>;

/**
 * A neighbour or FDB entry, with the common fields pulled out of the message: plain JSON
 * data. `message` (the decoded `RTM_NEWNEIGH`) is not enumerable.
 */
export interface Neighbour {
  /** `"inet"`, `"inet6"` or `"bridge"`. */
  family: string | number;
  /** Interface name (absent when unknown). */
  dev?: string;
  /** Interface index. */
  ifindex: number;
  /** The neighbour's IP address (`NDA_DST`); for FDB entries, the VXLAN remote if any. */
  dst?: string;
  /** Link-layer address (`NDA_LLADDR`); the MAC of an FDB entry. */
  lladdr?: string;
  /** `NUD_*` state names, lower case as `ip neigh … nud` takes them (`"permanent"`, …). */
  state: string[];
  /** `NTF_*` flag names, lower case (`"self"`, `"master"`, `"router"`, `"proxy"`, …). */
  flags: string[];
  /** Protocol that installed it (`NDA_PROTOCOL`), by iproute2's `rt_protos` name. */
  protocol?: string | number;
  /** VLAN of an FDB entry. */
  vlan?: number;
  /** VNI of a VXLAN FDB entry. */
  vni?: number;
  /** Master (bridge) name of an FDB entry. */
  master?: string;
  /** Master (bridge) index of an FDB entry. */
  masterIndex?: number;
  /** The whole decoded message (not enumerable). */
  readonly message: NeighbourMessage;
}

/** What {@link addNeighbour} adds and {@link deleteNeighbour} removes. */
export interface NeighbourSpec {
  /** Interface. */
  dev: LinkRef;
  /** IPv4 or IPv6 address. */
  dst: string;
  /** Link-layer address. */
  lladdr?: string | Uint8Array;
  /** State (default `"permanent"`). */
  state?: NeighbourStateName | number;
  /** Mark as router (IPv6, `NTF_ROUTER`). */
  router?: boolean;
  /** A proxy entry (`ip neigh add proxy`, `NTF_PROXY`). */
  proxy?: boolean;
}

/** Options for {@link listNeighbours} and the selectors of {@link flushNeighbours}. */
export interface ListNeighboursOptions {
  /** `"inet"`, `"inet6"` or the number; default both. */
  family?: number | string;
  /** Only this interface. */
  dev?: LinkRef;
  /** List proxy entries instead (`ip neigh show proxy`). */
  proxy?: boolean;
  /**
   * Only entries in one of these states (`"reachable"`, `"stale"`, … `"none"` for state 0), or
   * `"all"`. Default: every state for {@link listNeighbours}; every state but `permanent` and
   * `noarp` for {@link flushNeighbours}, as `ip neigh flush`.
   */
  state?: (NeighbourStateName | "none")[] | "all";
  /** Only addresses in this prefix, or this address. */
  to?: string;
  /** Cancel the dump. */
  signal?: AbortSignal;
}

/** What {@link addFdb} adds and {@link deleteFdb} removes (`bridge fdb`). */
export interface FdbSpec {
  /** The port (or VXLAN device). */
  dev: LinkRef;
  /** MAC address. */
  mac: string | Uint8Array;
  /** In the bridge's table (`master`, `NTF_MASTER`). */
  master?: boolean;
  /** In the device's own table (`self`, `NTF_SELF`): the default when neither is set. */
  self?: boolean;
  /** VLAN. */
  vlan?: number;
  /** VXLAN remote address. */
  dst?: string;
  /** VXLAN VNI. */
  vni?: number;
  /** VXLAN UDP port. */
  port?: number;
  /** `"permanent"` (default), `"static"` (NUD_NOARP) or `"dynamic"` (NUD_REACHABLE). */
  state?: "permanent" | "static" | "dynamic";
  /** Sticky entry (`NTF_STICKY`). */
  sticky?: boolean;
}

/** Options for {@link listFdb}. */
export interface ListFdbOptions {
  /** Only entries of this port / device. */
  dev?: LinkRef;
  /** Only entries of ports of this bridge. */
  br?: LinkRef;
  /** Cancel the dump. */
  signal?: AbortSignal;
}

function flagNames(table: Record<string, number>, bits: number): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(table)) if (bits & v) out.push(k.toLowerCase());
  return out;
}

/**
 * Turn a decoded `RTM_NEWNEIGH` message into a {@link Neighbour}; `names` (see `linkNames`)
 * names its interface and master.
 *
 * @example
 * ```ts
 * import { Rtnl, toNeighbour, rtNeigh } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for await (const m of rt.dump(rtNeigh.operations.getneigh)) console.log(toNeighbour(m));
 * ```
 */
export function toNeighbour(
  message: NeighbourMessage,
  names?: ReadonlyMap<number, string>,
): Neighbour {
  const { header: h, attrs: a } = message;
  const n: Neighbour = withMessage({
    family: familyName(h.ndmFamily),
    ifindex: h.ndmIfindex,
    state: flagNames(rtNeigh.NUD_STATE, h.ndmState),
    flags: flagNames(rtNeigh.NTF_FLAGS, h.ndmFlags),
  } as Omit<Neighbour, "message">, message);
  const dev = names?.get(h.ndmIfindex);
  if (dev !== undefined) n.dev = dev;
  if (a.dst && (a.dst.length === 4 || a.dst.length === 16)) n.dst = formatIp(a.dst);
  if (a.lladdr) n.lladdr = formatLinkAddress(a.lladdr, 1);
  if (a.protocol !== undefined) n.protocol = nameOf("protocol", a.protocol);
  if (a.vlan !== undefined) n.vlan = a.vlan;
  if (a.vni !== undefined) n.vni = a.vni;
  if (a.master !== undefined) {
    n.masterIndex = a.master;
    const m = names?.get(a.master);
    if (m !== undefined) n.master = m;
  }
  return n;
}

/** `ip neigh`'s selection of entries (`print_neigh`'s filter). */
async function neighbourFilter(rt: Rtnl, o: ListNeighboursOptions, flush: boolean) {
  const family = familyOf(o.family, "Neighbour", [AF_INET, AF_INET6, AF_BRIDGE]);
  const index = o.dev === undefined ? undefined : await resolveLink(rt, o.dev, o.signal);
  const NUD = rtNeigh.NUD_STATE;
  let states = 0x1ff; // every NUD_* bit, and 0x100 for state NONE
  if (o.state === undefined) {
    if (flush) states = 0xff & ~(NUD.PERMANENT | NUD.NOARP);
  } else if (o.state !== "all") {
    states = 0;
    for (const s of o.state) states |= s === "none" ? 0x100 : stateOf(s);
  }
  const to = o.to === undefined ? undefined : parsePrefix(o.to);
  return {
    family,
    keep({ header: h, attrs: a }: NeighbourMessage): boolean {
      const f = h.ndmFamily;
      if (family === 0 ? f !== AF_INET && f !== AF_INET6 : f !== family) return false;
      if (index !== undefined && h.ndmIfindex !== index) return false;
      const special = h.ndmFlags & (rtNeigh.NTF_FLAGS.PROXY | rtNeigh.NTF_FLAGS.EXT_LEARNED);
      if (!(states & h.ndmState) && !special && (h.ndmState || !(states & 0x100))) return false;
      if (to !== undefined && !(a.dst && inPrefix(a.dst, to.bytes, to.prefixlen))) return false;
      return true;
    },
  };
}

/**
 * IPv4 / IPv6 neighbours (`ip neigh show`).
 *
 * @example
 * ```ts
 * import { Rtnl, listNeighbours } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * const arp = await listNeighbours(rt, { family: "inet", dev: "eth0" });
 * const stale = await listNeighbours(rt, { state: ["stale"] });
 * ```
 */
export async function listNeighbours(
  rt: Rtnl,
  options: ListNeighboursOptions & ConsistencyOptions = {},
): Promise<DumpList<Neighbour>> {
  const f = await neighbourFilter(rt, options, false);
  return await readConsistent("listNeighbours", options, async (t) => {
    const names = await linkNameMap(rt, options.signal, t);
    const out: Neighbour[] = [];
    for await (const m of t.track(dumpNeighbours(rt, f.family, options))) {
      if (f.keep(m)) out.push(toNeighbour(m, names));
    }
    return out;
  });
}

function dumpNeighbours(rt: Rtnl, family: number, o: ListNeighboursOptions) {
  return rt.dump(rtNeigh.operations.getneigh, {
    header: { ndmFamily: family, ndmFlags: o.proxy ? rtNeigh.NTF_FLAGS.PROXY : 0 },
    signal: o.signal,
  });
}

/**
 * Delete the neighbours the selectors match (`ip neigh flush`): by default every entry but
 * permanent and `noarp` ones, as iproute2; resolves with the entries deleted.
 *
 * @throws {TypeError} without any selector (`ip neigh flush` requires one too).
 * @example
 * ```ts
 * import { flushNeighbours, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await flushNeighbours(rt, { dev: "eth0" });
 * await flushNeighbours(rt, { family: "inet6", state: "all" });
 * ```
 */
export async function flushNeighbours(
  rt: Rtnl,
  selectors: ListNeighboursOptions,
): Promise<Neighbour[]> {
  const { signal, ...rest } = selectors ?? {};
  if (Object.values(rest).every((v) => v === undefined)) {
    throw new TypeError("flushNeighbours needs a selector (dev, family, to, state…)");
  }
  const f = await neighbourFilter(rt, selectors, true);
  const names = await linkNameMap(rt, signal);
  const deleted: Neighbour[] = [];
  for (let round = 0; round < 10; round++) {
    const batch: NeighbourMessage[] = [];
    for await (const m of dumpNeighbours(rt, f.family, selectors)) if (f.keep(m)) batch.push(m);
    if (batch.length === 0) break;
    for (const m of batch) {
      try {
        await rt.call(rtNeigh.operations.delneigh, {
          header: { ...m.header, ndmState: 0 },
          attrs: m.attrs.dst === undefined ? {} : { dst: m.attrs.dst },
          signal,
        });
        deleted.push(toNeighbour(m, names));
      } catch (e) {
        if ((e as { code?: string }).code !== "ENOENT") throw e; // gone meanwhile
      }
    }
  }
  return deleted;
}

function stateOf(state: NeighbourStateName | number | undefined): number {
  if (state === undefined) return rtNeigh.NUD_STATE.PERMANENT;
  if (typeof state === "number") return u32(state, "neighbour state");
  const v = (rtNeigh.NUD_STATE as Record<string, number>)[String(state).toUpperCase()];
  if (v === undefined) {
    throw new TypeError(
      `Unknown neighbour state "${state}": use ${
        Object.keys(rtNeigh.NUD_STATE).map((k) => k.toLowerCase()).join(", ")
      }`,
    );
  }
  return v;
}

async function neighRequest(rt: Rtnl, spec: NeighbourSpec, forDelete: boolean) {
  if (spec === null || typeof spec !== "object") throw new TypeError("Expected a neighbour spec");
  if (spec.dev === undefined) throw new TypeError("A neighbour needs its interface: dev");
  const dst = parseIp(spec.dst);
  const attrs: rtNeigh.NeighbourAttrs = { dst };
  if (spec.lladdr !== undefined && !forDelete) {
    attrs.lladdr = typeof spec.lladdr === "string" ? parseMac(spec.lladdr) : spec.lladdr;
  }
  const header: Partial<rtNeigh.Ndmsg> = {
    ndmFamily: dst.length === 4 ? AF_INET : AF_INET6,
    ndmIfindex: await resolveLink(rt, spec.dev),
    ndmState: forDelete ? 0 : stateOf(spec.state),
    ndmFlags: (spec.router ? rtNeigh.NTF_FLAGS.ROUTER : 0) |
      (spec.proxy ? rtNeigh.NTF_FLAGS.PROXY : 0),
  };
  return { header, attrs };
}

/**
 * Add a neighbour entry (`ip neigh add`); `{ replace: true }` is `ip neigh replace`.
 *
 * @example
 * ```ts
 * import { Rtnl, addNeighbour } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addNeighbour(rt, { dev: "eth0", dst: "fe80::7", lladdr: "02:00:00:00:00:07" });
 * await addNeighbour(rt, { dev: "eth0", dst: "192.0.2.7", state: "stale", lladdr: "02::9" }, {
 *   replace: true,
 * });
 * ```
 */
export async function addNeighbour(
  rt: Rtnl,
  spec: NeighbourSpec,
  options: NewOptions = {},
): Promise<void> {
  const { header, attrs } = await neighRequest(rt, spec, false);
  const defaults = options.replace ? { create: true } : { create: true, exclusive: true };
  try {
    await rt.call(rtNeigh.operations.newneigh, {
      header,
      attrs,
      flags: newFlags(options, defaults),
    });
  } catch (e) {
    throw notFound(e, spec.dev);
  }
}

/**
 * Delete a neighbour entry (`ip neigh del`); `ENOENT` when there is none.
 *
 * @example
 * ```ts
 * import { Rtnl, deleteNeighbour } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await deleteNeighbour(rt, { dev: "eth0", dst: "192.0.2.7" });
 * ```
 */
export async function deleteNeighbour(rt: Rtnl, spec: NeighbourSpec): Promise<void> {
  const { header, attrs } = await neighRequest(rt, spec, true);
  await rt.call(rtNeigh.operations.delneigh, { header, attrs });
}

async function fdbRequest(rt: Rtnl, spec: FdbSpec, forDelete: boolean) {
  if (spec === null || typeof spec !== "object") throw new TypeError("Expected an FDB spec");
  if (spec.dev === undefined) throw new TypeError("An FDB entry needs its device: dev");
  const attrs: rtNeigh.NeighbourAttrs = {
    lladdr: typeof spec.mac === "string" ? parseMac(spec.mac) : spec.mac,
  };
  if (attrs.lladdr!.length !== 6) throw new TypeError("An FDB MAC address has 6 bytes");
  if (spec.vlan !== undefined) {
    if (!Number.isInteger(spec.vlan) || spec.vlan < 1 || spec.vlan > 4094) {
      throw new RangeError(`VLAN must be in 1..4094, got ${spec.vlan}`);
    }
    attrs.vlan = spec.vlan;
  }
  if (spec.dst !== undefined) attrs.dst = parseIp(spec.dst);
  if (spec.vni !== undefined) attrs.vni = u32(spec.vni, "vni");
  if (spec.port !== undefined) attrs.port = spec.port;
  let flags = 0;
  if (spec.master) flags |= rtNeigh.NTF_FLAGS.MASTER;
  if (spec.self || !spec.master) flags |= rtNeigh.NTF_FLAGS.SELF;
  if (spec.sticky) flags |= rtNeigh.NTF_FLAGS.STICKY;
  const st = spec.state ?? "permanent";
  const state = st === "permanent"
    ? rtNeigh.NUD_STATE.PERMANENT
    : st === "static"
    ? rtNeigh.NUD_STATE.NOARP
    : st === "dynamic"
    ? rtNeigh.NUD_STATE.REACHABLE
    : undefined;
  if (state === undefined) {
    throw new TypeError(`FDB state must be "permanent", "static" or "dynamic", got "${st}"`);
  }
  const header: Partial<rtNeigh.Ndmsg> = {
    ndmFamily: AF_BRIDGE,
    ndmIfindex: await resolveLink(rt, spec.dev),
    ndmState: forDelete ? 0 : state,
    ndmFlags: flags,
  };
  return { header, attrs };
}

/**
 * Add a bridge FDB entry (`bridge fdb add MAC dev PORT [master|self] [vlan V] [dst IP]`).
 *
 * @example
 * ```ts
 * import { Rtnl, addFdb } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addFdb(rt, { dev: "veth0", mac: "02:00:00:00:00:01", master: true, vlan: 10 });
 * ```
 */
export async function addFdb(rt: Rtnl, spec: FdbSpec, options: NewOptions = {}): Promise<void> {
  const { header, attrs } = await fdbRequest(rt, spec, false);
  const defaults = options.replace || options.append
    ? { create: true }
    : { create: true, exclusive: true };
  await rt.call(rtNeigh.operations.newneigh, {
    header,
    attrs,
    flags: newFlags(options, defaults),
  });
}

/**
 * Delete a bridge FDB entry (`bridge fdb del`).
 *
 * @example
 * ```ts
 * import { Rtnl, deleteFdb } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await deleteFdb(rt, { dev: "veth0", mac: "02:00:00:00:00:01", master: true, vlan: 10 });
 * ```
 */
export async function deleteFdb(rt: Rtnl, spec: FdbSpec): Promise<void> {
  const { header, attrs } = await fdbRequest(rt, spec, true);
  await rt.call(rtNeigh.operations.delneigh, { header, attrs });
}

/**
 * Bridge FDB entries (`bridge fdb show`), optionally of one device or one bridge's ports.
 *
 * @example
 * ```ts
 * import { Rtnl, listFdb } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for (const e of await listFdb(rt, { br: "br0" })) console.log(e.lladdr, e.vlan, e.flags);
 * ```
 */
export async function listFdb(rt: Rtnl, options: ListFdbOptions = {}): Promise<Neighbour[]> {
  const index = options.dev === undefined ? undefined : await resolveLink(rt, options.dev);
  const br = options.br === undefined ? undefined : await resolveLink(rt, options.br);
  const names = await linkNameMap(rt, options.signal);
  const out: Neighbour[] = [];
  for await (
    const m of rt.dump(rtNeigh.operations.getneigh, {
      header: { ndmFamily: AF_BRIDGE },
      signal: options.signal,
    })
  ) {
    if (m.header.ndmFamily !== AF_BRIDGE) continue;
    if (index !== undefined && m.header.ndmIfindex !== index) continue;
    if (br !== undefined && m.attrs.master !== br) continue;
    out.push(toNeighbour(m, names));
  }
  return out;
}
