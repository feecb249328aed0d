/**
 * IPv4 and IPv6 routes over rtnetlink (`ip route`): list any table with `ip route`'s
 * selectors, add, replace, append, delete, flush (unicast, blackhole, unreachable, local,
 * multipath, metrics…) and `ip route get`.
 *
 * @example
 * ```ts
 * import { Rtnl, addRoute, flushRoutes, getRoute, listRoutes } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addRoute(rt, { dst: "198.51.100.0/24", gateway: "192.0.2.1" });
 * console.log(await getRoute(rt, "198.51.100.7"));
 * for (const r of await listRoutes(rt, { table: "all" })) console.log(r.dst, r.gateway, r.dev);
 * await flushRoutes(rt, { root: "198.51.100.0/24" });
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
import type { DecodedMessage } from "../../codec/ynl/mod.ts";
import { DumpReader } from "../../client/dump_reader.ts";
import type { RawMessage } from "../../client/kept_message.ts";
import * as rtRoute from "../generated/rt_route.ts";
import { AF_INET, AF_INET6, parseIp, parsePrefix } from "./addr_text.ts";
import { ipAttr } from "./_ip_attr.ts";
import {
  familyName,
  familyOf,
  PROTOCOLS,
  ROUTE_TYPES,
  SCOPES,
  TABLES,
  u32,
  withMessage,
} from "./_names.ts";
import { nameOf, numberOf } from "./names.ts";
import { decodeVia, type Realms, realmsOf, type RouteVia } from "./ip_words.ts";
import { linkNameMap, type LinkRef, notFound, resolveLink } from "./_link_util.ts";
import {
  decodeMultipath,
  encodeMultipath,
  type Nexthop,
  nexthopFlags,
  type NexthopSpec,
  routeFilter,
  type RouteSelectors,
} from "./_route_util.ts";
import { newFlags, type NewOptions, type Rtnl } from "./rtnl.ts";

export { PROTOCOLS, ROUTE_TYPES, TABLES };
export type { Nexthop, NexthopSpec, RouteSelectors };

/** A decoded `RTM_NEWROUTE` message. */
export type RouteMessage = DecodedMessage<rtRoute.Rtmsg, rtRoute.RouteAttrs>;

/** IPv6 route preferences by name (linux/icmpv6.h `ICMPV6_ROUTER_PREF_*`, from the spec). */
export const ROUTE_PREFS = {
  low: rtRoute.ROUTE_PREF.LOW,
  medium: rtRoute.ROUTE_PREF.MEDIUM,
  high: rtRoute.ROUTE_PREF.HIGH,
} as const;

/** `RTM_F_*` names as `ip route` prints them (those that clash with `RTNH_F_*` get `rt_`). */
const RTM_FLAG_NAMES: [number, string][] = [
  [rtRoute.RTM_FLAGS.NOTIFY, "notify"],
  [rtRoute.RTM_FLAGS.CLONED, "cloned"],
  [rtRoute.RTM_FLAGS.EQUALIZE, "equalize"],
  [rtRoute.RTM_FLAGS.PREFIX, "prefix"],
  [rtRoute.RTM_FLAGS.LOOKUP_TABLE, "lookup_table"],
  [rtRoute.RTM_FLAGS.FIB_MATCH, "fib_match"],
  [rtRoute.RTM_FLAGS.OFFLOAD, "rt_offload"],
  [rtRoute.RTM_FLAGS.TRAP, "rt_trap"],
  [rtRoute.RTM_FLAGS.OFFLOAD_FAILED, "rt_offload_failed"],
];

/**
 * A route, with the common fields pulled out of the message: plain JSON data, names where
 * iproute2 has them (iproute2's `rt_tables`, `rt_protos`, `rt_scopes`), the numbers beside
 * where they matter. `message` (the decoded `RTM_NEWROUTE`) is not enumerable.
 */
export interface Route {
  /** `"inet"` or `"inet6"`. */
  family: string | number;
  /** `"default"` or the destination prefix `"addr/len"`. */
  dst: string;
  /** Source prefix (IPv6 source routing), if any. */
  src?: string;
  /** Table name (`"main"`, `"local"`, from `rt_tables`) or number. */
  table: string | number;
  /** Table number (`RTA_TABLE` when present). */
  tableId: number;
  /** Type name (`"unicast"`, `"blackhole"`, `"local"`, …). */
  type: string | number;
  /** Protocol name (`"kernel"`, `"boot"`, `"static"`, …) or number. */
  protocol: string | number;
  /** Scope name (`"global"`, `"link"`, `"host"`, …) or number. */
  scope: string | number;
  /** Gateway address. */
  gateway?: string;
  /** Output interface name (absent when unknown). */
  dev?: string;
  /** Output interface index. */
  ifindex?: number;
  /** Input interface name (`ip route get … iif`). */
  iif?: string;
  /** Input interface index. */
  iifIndex?: number;
  /** Metric (`RTA_PRIORITY`). */
  metric?: number;
  /** Preferred source address. */
  prefsrc?: string;
  /** TOS. */
  tos: number;
  /** `RTNH_F_*` and `RTM_F_*` names, lower case as `ip route` prints them (`"onlink"`…). */
  flags: string[];
  /** Multipath next hops. */
  nexthops?: Nexthop[];
  /** `RTA_METRICS` values (mtu, advmss, …). */
  metrics?: rtRoute.Metrics;
  /** IPv6 router preference name. */
  pref?: string | number;
  /** Gateway in another address family (`RTA_VIA`), as `ip -j route` gives it. */
  via?: RouteVia;
  /** Realms (`RTA_FLOW`), by their `rt_realms` names. */
  realms?: Realms;
  /** The whole decoded message (not enumerable). */
  readonly message: RouteMessage;
}

/** What {@link addRoute} adds and {@link deleteRoute} removes. */
export interface RouteSpec {
  /** `"10.0.0.0/24"`, `"2001:db8::/32"`, a bare address (host route), or `"default"`. */
  dst: string;
  /** `"inet"`/`"inet6"`/2/10; needed only for `"default"` without any address to tell. */
  family?: number | string;
  /** Gateway address. */
  gateway?: string;
  /** Output interface. */
  dev?: LinkRef;
  /** Table name or number (default main); values past 255 go in `RTA_TABLE`. */
  table?: string | number;
  /** Route type (default unicast). */
  type?: string | number;
  /** Protocol (default `"boot"`, as `ip route add`). */
  protocol?: string | number;
  /** Scope (default as `ip route` picks it: link for a direct route, host for local). */
  scope?: string | number;
  /** Metric / priority. */
  metric?: number;
  /** Preferred source address. */
  prefsrc?: string;
  /** Source prefix (IPv6). */
  src?: string;
  /** TOS. */
  tos?: number;
  /** Gateway reachable on the link even without a matching route (`onlink`). */
  onlink?: boolean;
  /** Multipath next hops (instead of gateway/dev). */
  nexthops?: NexthopSpec[];
  /** `RTA_METRICS`: mtu, advmss, hoplimit, initcwnd, … */
  metrics?: rtRoute.Metrics;
  /** IPv6 router preference. */
  pref?: keyof typeof ROUTE_PREFS | number;
}

/** Options for {@link listRoutes}: the selectors of `ip route show`. */
export type ListRoutesOptions = RouteSelectors;

/** Options for {@link getRoute} (`ip route get`). */
export interface GetRouteOptions {
  /** Source address. */
  from?: string;
  /** Input interface: the route as if a packet came in there. */
  iif?: LinkRef;
  /** Output interface. */
  oif?: LinkRef;
  /** Firewall mark. */
  mark?: number;
  /** The matching FIB entry instead of the resulting route (`fibmatch`). */
  fibmatch?: boolean;
  /** Cancel waiting. */
  signal?: AbortSignal;
}

/**
 * Turn a decoded `RTM_NEWROUTE` message into a {@link Route}; `names` (see `linkNames`) names
 * its interfaces. Inside a `Client.dumpMapped` map, pass its `raw` too: the route then keeps
 * `raw.keep()` as its `message`, cheaper to hold than `message` itself.
 *
 * @example
 * ```ts
 * import { Rtnl, toRoute, rtRoute } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for await (const m of rt.dump(rtRoute.operations.getroute)) console.log(toRoute(m).dst);
 * ```
 */
export function toRoute(
  message: RouteMessage,
  names?: ReadonlyMap<number, string>,
  raw?: RawMessage<rtRoute.Rtmsg, rtRoute.RouteAttrs>,
): Route {
  const { header: h, attrs: a } = message;
  const tableId = a.table ?? h.rtmTable;
  const flags = nexthopFlags(h.rtmFlags & 0xff);
  if (h.rtmFlags & ~0xff) {
    for (const [bit, name] of RTM_FLAG_NAMES) if (h.rtmFlags & bit) flags.push(name);
  }
  const r = {
    family: familyName(h.rtmFamily),
    dst: a.dst && h.rtmDstLen > 0 ? `${ipAttr(a.dst, "RTA_DST")}/${h.rtmDstLen}` : "default",
    table: nameOf("table", tableId),
    tableId,
    type: nameOf("type", h.rtmType),
    protocol: nameOf("protocol", h.rtmProtocol),
    scope: nameOf("scope", h.rtmScope),
    tos: h.rtmTos,
    flags,
  } as Omit<Route, "message">;
  if (a.src) r.src = `${ipAttr(a.src, "RTA_SRC")}/${h.rtmSrcLen}`;
  if (a.gateway) r.gateway = ipAttr(a.gateway, "RTA_GATEWAY");
  if (a.oif !== undefined) {
    r.ifindex = a.oif;
    const n = names?.get(a.oif);
    if (n !== undefined) r.dev = n;
  }
  if (a.iif !== undefined) {
    r.iifIndex = a.iif;
    const n = names?.get(a.iif);
    if (n !== undefined) r.iif = n;
  }
  if (a.priority !== undefined) r.metric = a.priority;
  if (a.prefsrc) r.prefsrc = ipAttr(a.prefsrc, "RTA_PREFSRC");
  if (a.via) r.via = decodeVia(a.via);
  if (a.flow !== undefined) r.realms = realmsOf(a.flow);
  if (a.multipath) r.nexthops = decodeMultipath(a.multipath, names);
  if (a.metrics) r.metrics = a.metrics;
  if (a.pref !== undefined) {
    const p = Object.entries(ROUTE_PREFS).find(([, v]) => v === a.pref);
    r.pref = p ? p[0] : a.pref;
  }
  // Last: a property defined after this one would be slower to add.
  return withMessage(r, raw === undefined ? message : raw.keep());
}

/**
 * Routes of one table (main by default), or of all tables with `{ table: "all" }`, chosen by
 * `ip route show`'s selectors.
 *
 * @example
 * ```ts
 * import { Rtnl, listRoutes } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * const local6 = await listRoutes(rt, { family: "inet6", table: "local" });
 * const viaGw = await listRoutes(rt, { via: "192.0.2.1", dev: "eth0" });
 * const covering = await listRoutes(rt, { match: "198.51.100.7" });
 * ```
 */
export async function listRoutes(
  rt: Rtnl,
  options: ListRoutesOptions & ConsistencyOptions = {},
): Promise<DumpList<Route>> {
  return await readConsistent("listRoutes", options, async (t) => {
    const out: Route[] = [];
    for await (const r of routeStream(rt, options, t, true)) out.push(r);
    return out;
  });
}

/**
 * The routes {@link listRoutes} lists, one at a time as the dump arrives: nothing is kept, so
 * memory stays bounded whatever the size of the table (a million routes print with a few
 * MiB). Breaking out of the loop stops the dump.
 *
 * @example
 * ```ts
 * import { Rtnl, streamRoutes } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * let n = 0;
 * for await (const r of streamRoutes(rt, { table: "all" })) if (r.type === "unicast") n++;
 * console.log(n, "unicast routes");
 * ```
 */
export function streamRoutes(
  rt: Rtnl,
  options: ListRoutesOptions = {},
): AsyncGenerator<Route, void, undefined> {
  return routeStream(rt, options);
}

/**
 * {@link streamRoutes}, registering its dumps with `tracker` (for {@link listRoutes}). With
 * `keep`, each route's message is kept as bytes, decoded again only if read (cheap to hold);
 * else it is the message decoded for the route (cheap when used at once).
 */
function routeStream(
  rt: Rtnl,
  options: ListRoutesOptions,
  tracker?: DumpTracker,
  keep = false,
): DumpReader<Route> {
  const open = async () => {
    const f = await routeFilter(rt, options);
    const names = await linkNameMap(rt, options.signal, tracker);
    // Each route decoded and converted as it is taken.
    const dump = rt.dumpMapped(
      rtRoute.operations.getroute,
      (m, raw) => f.keep(m) ? toRoute(m, names, keep ? raw : undefined) : undefined,
      { header: { rtmFamily: f.family }, signal: options.signal },
    );
    tracker?.track(dump);
    return dump;
  };
  return new DumpReader(open, (e) => e, { attempts: 1 }, options.signal);
}

/**
 * Delete every route the selectors match (`ip route flush`), by rounds until none is left, as
 * iproute2 does; resolves with the routes deleted.
 *
 * @throws {TypeError} without any selector (`ip route flush` requires one too; `{ table: "main" }`
 * or `{ to: "default" }` are selectors).
 * @example
 * ```ts
 * import { flushRoutes, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await flushRoutes(rt, { dev: "eth0", protocol: "static" });
 * await flushRoutes(rt, { table: 100 });
 * ```
 */
export async function flushRoutes(rt: Rtnl, selectors: RouteSelectors): Promise<Route[]> {
  const { signal, ...rest } = selectors ?? {};
  if (Object.values(rest).every((v) => v === undefined)) {
    throw new TypeError("flushRoutes needs a selector (table, dev, to, root, protocol…)");
  }
  const f = await routeFilter(rt, selectors);
  const names = await linkNameMap(rt, signal);
  const deleted: Route[] = [];
  for (let round = 0; round < 10; round++) {
    const batch: RouteMessage[] = [];
    for await (
      const m of rt.dump(rtRoute.operations.getroute, { header: { rtmFamily: f.family }, signal })
    ) if (f.keep(m)) batch.push(m);
    if (batch.length === 0) break;
    for (const m of batch) {
      try {
        await rt.call(rtRoute.operations.delroute, { header: m.header, attrs: m.attrs, signal });
        deleted.push(toRoute(m, names));
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code !== "ESRCH" && code !== "ENOENT") throw e; // gone meanwhile
      }
    }
  }
  return deleted;
}

/** Build the request for add/delete. */
async function prepare(rt: Rtnl, spec: RouteSpec, forDelete: boolean) {
  if (spec === null || typeof spec !== "object") throw new TypeError("Expected a route spec");
  if (typeof spec.dst !== "string") {
    throw new TypeError(`A route needs dst: "10.0.0.0/24", "2001:db8::/32" or "default"`);
  }
  let family = familyOf(spec.family, "Route");
  const attrs: rtRoute.RouteAttrs = {};
  let dstLen = 0;
  const setFamily = (f: number, what: string) => {
    if (family !== 0 && family !== f) {
      throw new TypeError(`Route ${what} is ${f === AF_INET ? "IPv4" : "IPv6"}, the route is not`);
    }
    family = f;
  };
  if (spec.dst !== "default") {
    const p = parsePrefix(spec.dst);
    setFamily(p.family, "dst");
    attrs.dst = p.bytes;
    dstLen = p.prefixlen;
  }
  if (spec.gateway !== undefined) {
    const g = parseIp(spec.gateway);
    setFamily(g.length === 4 ? AF_INET : AF_INET6, "gateway");
    attrs.gateway = g;
  }
  if (spec.prefsrc !== undefined) {
    const s = parseIp(spec.prefsrc);
    setFamily(s.length === 4 ? AF_INET : AF_INET6, "prefsrc");
    attrs.prefsrc = s;
  }
  let srcLen = 0;
  if (spec.src !== undefined) {
    const p = parsePrefix(spec.src);
    setFamily(p.family, "src");
    attrs.src = p.bytes;
    srcLen = p.prefixlen;
  }
  for (const nh of spec.nexthops ?? []) {
    if (nh.gateway !== undefined) {
      const g = parseIp(nh.gateway);
      setFamily(g.length === 4 ? AF_INET : AF_INET6, "next hop gateway");
    }
  }
  if (family === 0) family = AF_INET;
  const type = spec.type === undefined ? (forDelete ? 0 : 1) : numberOf("type", spec.type);
  const table = spec.table === undefined ? TABLES.main : numberOf("table", spec.table);
  if (spec.dev !== undefined) attrs.oif = await resolveLink(rt, spec.dev);
  if (spec.metric !== undefined) attrs.priority = u32(spec.metric, "metric");
  attrs.table = table;
  if (spec.metrics !== undefined && !forDelete) attrs.metrics = spec.metrics;
  if (spec.pref !== undefined) {
    const p = typeof spec.pref === "number" ? spec.pref : ROUTE_PREFS[spec.pref];
    if (p === undefined) throw new TypeError(`Unknown route preference "${spec.pref}"`);
    attrs.pref = p;
  }
  if (spec.nexthops !== undefined) {
    if (!Array.isArray(spec.nexthops) || spec.nexthops.length === 0) {
      throw new TypeError("nexthops must be a non-empty array");
    }
    attrs.multipath = await encodeMultipath(rt, spec.nexthops);
  }
  let scope: number;
  if (spec.scope !== undefined) scope = numberOf("scope", spec.scope);
  else if (forDelete) scope = SCOPES.nowhere;
  else if (type === ROUTE_TYPES.local || type === ROUTE_TYPES.nat) scope = SCOPES.host;
  else if (
    type === ROUTE_TYPES.broadcast || type === ROUTE_TYPES.multicast ||
    type === ROUTE_TYPES.anycast
  ) scope = SCOPES.link;
  else if (
    (type === ROUTE_TYPES.unicast || type === 0) && spec.gateway === undefined &&
    spec.nexthops === undefined
  ) scope = SCOPES.link;
  else scope = SCOPES.global;
  const header: Partial<rtRoute.Rtmsg> = {
    rtmFamily: family,
    rtmDstLen: dstLen,
    rtmSrcLen: srcLen,
    rtmTos: spec.tos ?? 0,
    rtmTable: table < 256 ? table : TABLES.unspec,
    rtmProtocol: spec.protocol !== undefined
      ? numberOf("protocol", spec.protocol)
      : forDelete
      ? 0
      : PROTOCOLS.boot,
    rtmScope: scope,
    rtmType: type,
    rtmFlags: spec.onlink ? rtRoute.RTNH_FLAGS.ONLINK : 0,
  };
  return { header, attrs };
}

/**
 * Add a route (`ip route add`); `EEXIST` if one with the same key exists. Options:
 * `{ replace: true }` is `ip route replace`, `{ append: true, exclusive: false }` is
 * `ip route append`.
 *
 * @example
 * ```ts
 * import { Rtnl, addRoute } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addRoute(rt, { dst: "default", gateway: "192.0.2.1", metric: 100 });
 * await addRoute(rt, { dst: "203.0.113.0/24", type: "blackhole", table: 1000 });
 * await addRoute(rt, {
 *   dst: "198.51.100.0/24",
 *   nexthops: [{ gateway: "192.0.2.1", weight: 2 }, { gateway: "192.0.2.2" }],
 *   metrics: { mtu: 1400 },
 * });
 * ```
 */
export async function addRoute(
  rt: Rtnl,
  spec: RouteSpec,
  options: NewOptions = {},
): Promise<void> {
  const { header, attrs } = await prepare(rt, spec, false);
  const defaults = options.replace || options.append
    ? { create: true }
    : { create: true, exclusive: true };
  try {
    await rt.call(rtRoute.operations.newroute, {
      header,
      attrs,
      flags: newFlags(options, defaults),
    });
  } catch (e) {
    throw spec.dev === undefined ? e : notFound(e, spec.dev);
  }
}

/**
 * Add or replace a route (`ip route replace`): {@link addRoute} with `{ replace: true }`.
 *
 * @example
 * ```ts
 * import { Rtnl, replaceRoute } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await replaceRoute(rt, { dst: "default", gateway: "192.0.2.254" });
 * ```
 */
export async function replaceRoute(rt: Rtnl, spec: RouteSpec): Promise<void> {
  await addRoute(rt, spec, { create: true, replace: true });
}

/**
 * Delete a route (`ip route del`); fields left out match any route (`ESRCH` when none does).
 *
 * @example
 * ```ts
 * import { Rtnl, deleteRoute } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await deleteRoute(rt, { dst: "198.51.100.0/24" });
 * ```
 */
export async function deleteRoute(rt: Rtnl, spec: RouteSpec): Promise<void> {
  const { header, attrs } = await prepare(rt, spec, true);
  await rt.call(rtRoute.operations.delroute, { header, attrs });
}

/**
 * The route the kernel would use for `address` (`ip route get`).
 *
 * @example
 * ```ts
 * import { Rtnl, getRoute } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * const r = await getRoute(rt, "127.0.0.1");
 * console.log(r.type, r.dev, r.prefsrc); // "local" "lo" "127.0.0.1"
 * ```
 */
export async function getRoute(
  rt: Rtnl,
  address: string,
  options: GetRouteOptions = {},
): Promise<Route> {
  const dst = parseIp(address);
  const family = dst.length === 4 ? AF_INET : AF_INET6;
  const attrs: rtRoute.RouteAttrs = { dst };
  let srcLen = 0;
  if (options.from !== undefined) {
    attrs.src = parseIp(options.from);
    if (attrs.src.length !== dst.length) throw new TypeError("from and address differ in family");
    srcLen = attrs.src.length * 8;
  }
  if (options.iif !== undefined) attrs.iif = await resolveLink(rt, options.iif);
  if (options.oif !== undefined) attrs.oif = await resolveLink(rt, options.oif);
  if (options.mark !== undefined) attrs.mark = u32(options.mark, "mark");
  const m = await rt.call(rtRoute.operations.getroute, {
    header: {
      rtmFamily: family,
      rtmDstLen: dst.length * 8,
      rtmSrcLen: srcLen,
      rtmFlags: options.fibmatch ? rtRoute.RTM_FLAGS.FIB_MATCH : 0,
    },
    attrs,
    signal: options.signal,
  });
  if (m === undefined) throw new Error("RTM_GETROUTE: the kernel sent no route");
  return toRoute(m, await linkNameMap(rt, options.signal));
}
