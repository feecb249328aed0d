/**
 * IPv4 and IPv6 routes over rtnetlink (`ip route`): list any table, add, replace, append,
 * delete (unicast, blackhole, unreachable, local, multipath, metrics…) and `ip route get`.
 *
 * @example
 * ```ts
 * import { Rtnl, addRoute, getRoute, listRoutes } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addRoute(rt, { dst: "198.51.100.0/24", gateway: "192.0.2.1" });
 * console.log(await getRoute(rt, "198.51.100.7"));
 * for (const r of await listRoutes(rt, { table: "all" })) console.log(r.dst, r.gateway, r.dev);
 * ```
 *
 * @module
 */
import { AttributeWriter } from "../../codec/attr_writer.ts";
import {
  decodeAttributeSet,
  type DecodedMessage,
  decodeStruct,
  encodeAttributeSet,
  encodeStruct,
} from "../../codec/ynl/mod.ts";
import * as rtRoute from "../generated/rt_route.ts";
import { AF_INET, AF_INET6, formatIp, parseIp, parsePrefix } from "./addr_text.ts";
import { byName, familyOf, nameOf, PROTOCOLS, ROUTE_TYPES, SCOPES, TABLES, u32 } from "./_names.ts";
import { linkIndex } from "./link.ts";
import { newFlags, type NewOptions, type Rtnl } from "./rtnl.ts";

export { PROTOCOLS, ROUTE_TYPES, TABLES };

/** A decoded `RTM_NEWROUTE` message. */
export type RouteMessage = DecodedMessage<rtRoute.Rtmsg, rtRoute.RouteAttrs>;

/** IPv6 route preferences by name (linux/icmpv6.h `ICMPV6_ROUTER_PREF_*`, from the spec). */
export const ROUTE_PREFS = {
  low: rtRoute.ROUTE_PREF.LOW,
  medium: rtRoute.ROUTE_PREF.MEDIUM,
  high: rtRoute.ROUTE_PREF.HIGH,
} as const;

/** One next hop of a multipath route. */
export interface Nexthop {
  /** Gateway address. */
  gateway?: string;
  /** Output interface, by index or name (index when listed). */
  dev?: number | string;
  /** Weight, 1–256 (default 1). */
  weight?: number;
  /** `RTNH_F_*` flags (`rtRoute.RTNH_FLAGS`, e.g. `ONLINK`). */
  flags?: number;
}

/** A route, with the common fields pulled out of the message. */
export interface Route {
  /** `AF_INET` (2) or `AF_INET6` (10). */
  family: number;
  /** `"default"` or the destination prefix `"addr/len"`. */
  dst: string;
  /** Source prefix (IPv6 source routing), if any. */
  src?: string;
  /** Table number (from `RTA_TABLE` when present). */
  table: number;
  /** Type name (`"unicast"`, `"blackhole"`, `"local"`, …). */
  type: string | number;
  /** Protocol name (`"kernel"`, `"boot"`, `"static"`, …) or number. */
  protocol: string | number;
  /** Scope name (`"global"`, `"link"`, `"host"`, …) or number. */
  scope: string | number;
  /** Gateway address. */
  gateway?: string;
  /** Output interface index. */
  dev?: number;
  /** Input interface index (`ip route get … iif`). */
  iif?: number;
  /** Metric (`RTA_PRIORITY`). */
  metric?: number;
  /** Preferred source address. */
  prefsrc?: string;
  /** TOS. */
  tos: number;
  /** `rtm_flags`. */
  flags: number;
  /** Multipath next hops. */
  nexthops?: Nexthop[];
  /** `RTA_METRICS` values (mtu, advmss, …). */
  metrics?: rtRoute.Metrics;
  /** IPv6 router preference name. */
  pref?: string | number;
  /** The whole decoded message. */
  message: RouteMessage;
}

/** What {@link addRoute} adds and {@link deleteRoute} removes. */
export interface RouteSpec {
  /** `"10.0.0.0/24"`, `"2001:db8::/32"`, a bare address (host route), or `"default"`. */
  dst: string;
  /** `"inet"`/`"inet6"`/2/10; needed only for `"default"` without any address to tell. */
  family?: number | "inet" | "inet6";
  /** Gateway address. */
  gateway?: string;
  /** Output interface by name or index (`oif` is the same). */
  dev?: string | number;
  /** Output interface index. */
  oif?: number;
  /** Table number or name (default main); values past 255 go in `RTA_TABLE`. */
  table?: keyof typeof TABLES | number;
  /** Route type (default unicast). */
  type?: keyof typeof ROUTE_TYPES | number;
  /** Protocol (default `"boot"`, as `ip route add`). */
  protocol?: keyof typeof PROTOCOLS | number;
  /** Scope (default as `ip route` picks it: link for a direct route, host for local). */
  scope?: keyof typeof SCOPES | number;
  /** Metric / priority. */
  metric?: number;
  /** Same as `metric`. */
  priority?: number;
  /** Preferred source address. */
  prefsrc?: string;
  /** Source prefix (IPv6). */
  src?: string;
  /** TOS. */
  tos?: number;
  /** Gateway reachable on the link even without a matching route (`onlink`). */
  onlink?: boolean;
  /** Multipath next hops (instead of gateway/dev). */
  nexthops?: Nexthop[];
  /** `RTA_METRICS`: mtu, advmss, hoplimit, initcwnd, … */
  metrics?: rtRoute.Metrics;
  /** IPv6 router preference. */
  pref?: keyof typeof ROUTE_PREFS | number;
}

/** Options for {@link listRoutes}. */
export interface ListRoutesOptions {
  /** `"inet"`, `"inet6"`, 2 or 10; default both. */
  family?: number | "inet" | "inet6";
  /** Table number or name, or `"all"`; default main, like `ip route`. */
  table?: keyof typeof TABLES | number | "all";
  /** Also list cached (cloned) routes. */
  cloned?: boolean;
  /** Cancel the dump. */
  signal?: AbortSignal;
}

/** Options for {@link getRoute} (`ip route get`). */
export interface GetRouteOptions {
  /** Source address. */
  from?: string;
  /** Input interface (index or name): the route as if a packet came in there. */
  iif?: number | string;
  /** Output interface (index or name). */
  oif?: number | string;
  /** Firewall mark. */
  mark?: number;
  /** Cancel waiting. */
  signal?: AbortSignal;
}

/** `RTA_MULTIPATH`: struct rtnexthop, then the next hop's RTA_* attributes, one after another. */
function decodeMultipath(bytes: Uint8Array): Nexthop[] {
  const out: Nexthop[] = [];
  const head = rtRoute.rtnexthop.size;
  let off = 0;
  while (bytes.length - off >= head) {
    const h = decodeStruct(rtRoute.rtnexthop, bytes, off, off + head);
    if (h.rtnhLen < head || off + h.rtnhLen > bytes.length) break;
    const nh: Nexthop = { flags: h.rtnhFlags, weight: h.rtnhHops + 1, dev: h.rtnhIfindex };
    const a = decodeAttributeSet(rtRoute.routeAttrs, bytes, off + head, off + h.rtnhLen);
    if (a.gateway !== undefined) nh.gateway = formatIp(a.gateway);
    out.push(nh);
    off += (h.rtnhLen + 3) & ~3;
  }
  return out;
}

/** Encode next hops as `RTA_MULTIPATH` (see {@link decodeMultipath}). */
async function encodeMultipath(rt: Rtnl, nexthops: readonly Nexthop[]): Promise<Uint8Array> {
  const w = new AttributeWriter();
  for (const nh of nexthops) {
    const weight = nh.weight ?? 1;
    if (!Number.isInteger(weight) || weight < 1 || weight > 256) {
      throw new RangeError(`Next hop weight must be in 1..256, got ${weight}`);
    }
    const attrs: rtRoute.RouteAttrs = {};
    if (nh.gateway !== undefined) attrs.gateway = parseIp(nh.gateway);
    const body = encodeAttributeSet(rtRoute.routeAttrs, new AttributeWriter(), attrs).bytes();
    w.raw(encodeStruct(rtRoute.rtnexthop, {
      rtnhLen: rtRoute.rtnexthop.size + body.length,
      rtnhFlags: nh.flags ?? 0,
      rtnhHops: weight - 1,
      rtnhIfindex: nh.dev === undefined ? 0 : await linkIndex(rt, nh.dev),
    }));
    w.raw(body);
  }
  return w.bytes();
}

/**
 * Turn a decoded `RTM_NEWROUTE` message into a {@link Route}.
 *
 * @example
 * ```ts
 * import { Rtnl, toRoute, rtRoute } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for await (const m of rt.dump(rtRoute.operations.getroute)) console.log(toRoute(m).dst);
 * ```
 */
export function toRoute(message: RouteMessage): Route {
  const { header: h, attrs: a } = message;
  const r: Route = {
    family: h.rtmFamily,
    dst: a.dst && h.rtmDstLen > 0 ? `${formatIp(a.dst)}/${h.rtmDstLen}` : "default",
    table: a.table ?? h.rtmTable,
    type: nameOf(ROUTE_TYPES, h.rtmType) as string | number,
    protocol: nameOf(PROTOCOLS, h.rtmProtocol) as string | number,
    scope: nameOf(SCOPES, h.rtmScope) as string | number,
    tos: h.rtmTos,
    flags: h.rtmFlags,
    message,
  };
  if (a.src) r.src = `${formatIp(a.src)}/${h.rtmSrcLen}`;
  if (a.gateway) r.gateway = formatIp(a.gateway);
  if (a.oif !== undefined) r.dev = a.oif;
  if (a.iif !== undefined) r.iif = a.iif;
  if (a.priority !== undefined) r.metric = a.priority;
  if (a.prefsrc) r.prefsrc = formatIp(a.prefsrc);
  if (a.multipath) r.nexthops = decodeMultipath(a.multipath);
  if (a.metrics) r.metrics = a.metrics;
  if (a.pref !== undefined) r.pref = nameOf(ROUTE_PREFS, a.pref) as string | number;
  return r;
}

/**
 * Routes of one table (main by default), or of all tables with `{ table: "all" }`.
 *
 * @example
 * ```ts
 * import { Rtnl, listRoutes } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * const local6 = await listRoutes(rt, { family: "inet6", table: "local" });
 * ```
 */
export async function listRoutes(rt: Rtnl, options: ListRoutesOptions = {}): Promise<Route[]> {
  const family = familyOf(options.family, "Route");
  const table = options.table === "all"
    ? undefined
    : byName(TABLES, options.table ?? "main", "table", 0xffffffff);
  const out: Route[] = [];
  for await (
    const m of rt.dump(rtRoute.operations.getroute, {
      header: { rtmFamily: family },
      signal: options.signal,
    })
  ) {
    const r = toRoute(m);
    if (family !== 0 && r.family !== family) continue;
    if (r.family !== AF_INET && r.family !== AF_INET6) continue;
    if (table !== undefined && r.table !== table) continue;
    if (!options.cloned && (r.flags & rtRoute.RTM_FLAGS.CLONED)) continue;
    out.push(r);
  }
  return out;
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
  const type = spec.type === undefined
    ? (forDelete ? 0 : 1)
    : byName(ROUTE_TYPES, spec.type, "type");
  const table = spec.table === undefined
    ? TABLES.main
    : byName(TABLES, spec.table, "table", 0xffffffff);
  if (spec.dev !== undefined || spec.oif !== undefined) {
    attrs.oif = await linkIndex(rt, spec.oif ?? spec.dev!);
  }
  const metric = spec.metric ?? spec.priority;
  if (metric !== undefined) attrs.priority = u32(metric, "metric");
  attrs.table = table;
  if (spec.metrics !== undefined && !forDelete) attrs.metrics = spec.metrics;
  if (spec.pref !== undefined) attrs.pref = byName(ROUTE_PREFS, spec.pref, "pref");
  if (spec.nexthops !== undefined) {
    if (!Array.isArray(spec.nexthops) || spec.nexthops.length === 0) {
      throw new TypeError("nexthops must be a non-empty array");
    }
    attrs.multipath = await encodeMultipath(rt, spec.nexthops);
  }
  let scope: number;
  if (spec.scope !== undefined) scope = byName(SCOPES, spec.scope, "scope");
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
      ? byName(PROTOCOLS, spec.protocol, "protocol")
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
  await rt.call(rtRoute.operations.newroute, {
    header,
    attrs,
    flags: newFlags(options, defaults),
  });
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
 * console.log(r.type, r.dev, r.prefsrc); // "local" 1 "127.0.0.1"
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
  if (options.iif !== undefined) attrs.iif = await linkIndex(rt, options.iif);
  if (options.oif !== undefined) attrs.oif = await linkIndex(rt, options.oif);
  if (options.mark !== undefined) attrs.mark = u32(options.mark, "mark");
  const m = await rt.call(rtRoute.operations.getroute, {
    header: { rtmFamily: family, rtmDstLen: dst.length * 8, rtmSrcLen: srcLen },
    attrs,
    signal: options.signal,
  });
  if (m === undefined) throw new Error("RTM_GETROUTE: the kernel sent no route");
  return toRoute(m);
}
