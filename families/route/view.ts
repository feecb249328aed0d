/**
 * Consistent views of the route tables: {@link followTable} (dump, follow notifications,
 * re-dump and reconcile after an overrun) with the route module's list functions as the dump,
 * {@link watch} as the notifications and each object's kernel identity as the key. Each view
 * yields changes (`add`, `update`, `delete`, flagged `resync` when found by a re-dump) and a
 * `sync` event after the first dump and after each resync; `view.table` is the current table
 * and `view.resyncs` counts the resyncs.
 *
 * Notifications are read on a socket of their own (opened in the namespace of the given
 * {@link Rtnl}, with `receiveBufferSize`, or `subscriber`), the dumps on the given one, so an
 * overrun never costs a dump its reply.
 *
 * @example
 * ```ts
 * import { Rtnl, routeView } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await using routes = await routeView(rt, { signal: AbortSignal.timeout(60_000) });
 * for await (const e of routes) {
 *   if (e.type === "sync") console.log(routes.table.size, "routes,", routes.resyncs, "resyncs");
 *   else console.log(e.type, e.object.dst, e.object.dev);
 * }
 * ```
 *
 * @module
 */
import { type FollowOptions, followTable, sameData, type TableView } from "../../client/view.ts";
import { type Address, listAddresses } from "./address.ts";
import { type Link, listLinks } from "./link.ts";
import { listNeighbours, type Neighbour } from "./neigh.ts";
import { listRoutes, type Route } from "./route.ts";
import { listRules, type Rule } from "./rule.ts";
import { listClasses, listQdiscs, type Qdisc, type TcClass } from "./tc/mod.ts";
import type { Rtnl } from "./rtnl.ts";
import { watch, type WatchEvent, type WatchEventKind, type WatchGroup } from "./watch.ts";

/** Options of the route views. */
export interface RouteViewOptions extends FollowOptions {
  /**
   * Receive buffer of the socket the view opens for notifications (default 4 MiB; a small
   * one overruns sooner, and the view resyncs).
   */
  receiveBufferSize?: number;
  /**
   * A route socket to follow the notifications on instead of opening one (its groups are
   * joined; it is not closed with the view). Keep it apart from the one dumps go through.
   */
  subscriber?: Rtnl;
  /** Retries of an interrupted dump before the view waits and dumps again (default 3). */
  retries?: number;
}

/** What one typed view is made of. */
interface Spec<K extends WatchEventKind, T> {
  kind: K;
  groups: WatchGroup[];
  dump(rt: Rtnl, signal: AbortSignal, retries: number): Promise<T[]>;
  key(o: T): string;
  accept?(o: T): boolean;
  equal?(a: T, b: T): boolean;
}

type ObjectOf<K extends WatchEventKind> = Extract<WatchEvent, { kind: K }>["object"];

function typedView<K extends WatchEventKind>(
  rt: Rtnl,
  o: RouteViewOptions,
  spec: Spec<K, ObjectOf<K>>,
): Promise<TableView<ObjectOf<K>>> {
  const retries = o.retries ?? 3;
  return followTable<WatchEvent, ObjectOf<K>>({
    subscribe: (signal) =>
      watch(
        o.subscriber ?? {
          netns: rt.socket.netns,
          receiveBufferSize: o.receiveBufferSize ?? 4 << 20,
        },
        { groups: spec.groups, signal },
      ),
    dump: (signal) => spec.dump(rt, signal, retries),
    classify(e) {
      if (e.kind === "overrun") return "overrun";
      if (e.kind !== spec.kind) return undefined;
      const object = e.object as ObjectOf<K>;
      if (spec.accept && !spec.accept(object)) return undefined;
      return { action: e.action!, object };
    },
    key: spec.key,
    equal: spec.equal,
  }, o);
}

/**
 * The key of a route in a {@link routeView}, the kernel's identity of a route: family, table,
 * destination, source prefix, TOS and metric, and for IPv6 the output interface too (IPv6
 * keeps one route per device for a prefix: `fe80::/64` on every link). IPv4 routes added with
 * `append` that share these are one entry here.
 *
 * @example
 * ```ts
 * import { routeKey, type Route } from "@netlink/netlink";
 * declare const r: Route;
 * routeKey(r); // "inet 254 10.0.0.0/24  0 0"
 * ```
 */
export function routeKey(r: Route): string {
  const key = `${r.family} ${r.tableId} ${r.dst} ${r.src ?? ""} ${r.tos} ${r.metric ?? 0}`;
  return r.family === "inet6" ? `${key} ${r.ifindex ?? ""}` : key;
}

/**
 * A consistent view of every route of every table (`ip route show table all`, cached routes
 * left out), keyed by {@link routeKey}.
 *
 * IPv4 routes the kernel removes because their device went down or lost its address are not
 * notified by the kernel; the view learns of them at its next resync only.
 *
 * @example
 * ```ts
 * import { Rtnl, routeView } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await using view = await routeView(rt, { receiveBufferSize: 1 << 20 });
 * for await (const e of view) {
 *   if (e.type === "sync") break; // the first dump is in view.table
 * }
 * console.log([...view.table.values()].map((r) => r.dst));
 * ```
 */
export function routeView(rt: Rtnl, options: RouteViewOptions = {}): Promise<TableView<Route>> {
  return typedView(rt, options, {
    kind: "route",
    groups: ["ipv4-route", "ipv6-route"],
    dump: (rt, signal, retries) =>
      listRoutes(rt, { table: "all", consistent: { retries }, signal }),
    accept: (r) => !r.flags.includes("cloned"),
    key: routeKey,
  });
}

/**
 * A consistent view of the IPv4 and IPv6 addresses (`ip address show`), keyed by family,
 * interface index, address, prefix length and peer. Lifetimes (which count down) are not
 * compared.
 *
 * @example
 * ```ts
 * import { addressView, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await using view = await addressView(rt);
 * for await (const e of view) if (e.type !== "sync") console.log(e.type, e.object.address);
 * ```
 */
export function addressView(
  rt: Rtnl,
  options: RouteViewOptions = {},
): Promise<TableView<Address>> {
  return typedView(rt, options, {
    kind: "address",
    groups: ["ipv4-addr", "ipv6-addr"],
    dump: (rt, signal, retries) => listAddresses(rt, { consistent: { retries }, signal }),
    key: (a) => `${a.family} ${a.ifindex} ${a.address}/${a.prefixlen} ${a.peer ?? ""}`,
    equal: (a, b) => sameData(withoutLifetimes(a), withoutLifetimes(b)),
  });
}

function withoutLifetimes(a: Address): Partial<Address> {
  const { validLifetime: _v, preferredLifetime: _p, ...rest } = a;
  return rest;
}

/**
 * A consistent view of the interfaces (`ip link show`), keyed by index.
 *
 * @example
 * ```ts
 * import { linkView, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await using view = await linkView(rt);
 * for await (const e of view) if (e.type !== "sync") console.log(e.type, e.object.name);
 * ```
 */
export function linkView(rt: Rtnl, options: RouteViewOptions = {}): Promise<TableView<Link>> {
  return typedView(rt, options, {
    kind: "link",
    groups: ["link"],
    dump: (rt, signal, retries) => listLinks(rt, { consistent: { retries }, signal }),
    accept: (l) => l.family === undefined, // not a bridge port's or a family's own view
    key: (l) => String(l.index),
  });
}

/**
 * A consistent view of the IPv4 and IPv6 neighbours (`ip neigh show`; proxy entries left
 * out), keyed by family, interface index and address.
 *
 * @example
 * ```ts
 * import { neighbourView, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await using view = await neighbourView(rt);
 * for await (const e of view) if (e.type !== "sync") console.log(e.type, e.object.dst, e.object.state);
 * ```
 */
export function neighbourView(
  rt: Rtnl,
  options: RouteViewOptions = {},
): Promise<TableView<Neighbour>> {
  return typedView(rt, options, {
    kind: "neighbour",
    groups: ["neigh"],
    dump: (rt, signal, retries) => listNeighbours(rt, { consistent: { retries }, signal }),
    accept: (n) => (n.family === "inet" || n.family === "inet6") && !n.flags.includes("proxy"),
    key: (n) => `${n.family} ${n.ifindex} ${n.dst ?? ""}`,
  });
}

/**
 * A consistent view of the routing rules of both families (`ip rule show`), keyed by the
 * whole rule (a rule has no other identity).
 *
 * @example
 * ```ts
 * import { ruleView, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await using view = await ruleView(rt);
 * for await (const e of view) if (e.type !== "sync") console.log(e.type, e.object.priority);
 * ```
 */
export function ruleView(rt: Rtnl, options: RouteViewOptions = {}): Promise<TableView<Rule>> {
  return typedView(rt, options, {
    kind: "rule",
    groups: ["ipv4-rule", "ipv6-rule"],
    dump: (rt, signal, retries) => listRules(rt, { consistent: { retries }, signal }),
    key: (r) => JSON.stringify(r),
  });
}

function withoutStats<T extends { stats?: unknown }>(o: T): Omit<T, "stats"> {
  const { stats: _s, ...rest } = o;
  return rest;
}

/**
 * A consistent view of the qdiscs of every device (`tc qdisc show`), keyed by interface
 * index, handle and parent. Statistics (which change without notifications) are not compared.
 *
 * @example
 * ```ts
 * import { qdiscView, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await using view = await qdiscView(rt);
 * for await (const e of view) if (e.type !== "sync") console.log(e.type, e.object.kind);
 * ```
 */
export function qdiscView(rt: Rtnl, options: RouteViewOptions = {}): Promise<TableView<Qdisc>> {
  return typedView(rt, options, {
    kind: "qdisc",
    groups: ["tc"],
    dump: (rt, signal, retries) => listQdiscs(rt, { consistent: { retries }, signal }),
    key: (q) => `${q.ifindex} ${q.handle} ${q.parent}`,
    equal: (a, b) => sameData(withoutStats(a), withoutStats(b)),
  });
}

/**
 * A consistent view of the tc classes of every device (`tc class show`), keyed by interface
 * index and class id. Statistics are not compared.
 *
 * @example
 * ```ts
 * import { classView, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await using view = await classView(rt);
 * for await (const e of view) if (e.type !== "sync") console.log(e.type, e.object.handle);
 * ```
 */
export function classView(rt: Rtnl, options: RouteViewOptions = {}): Promise<TableView<TcClass>> {
  return typedView(rt, options, {
    kind: "class",
    groups: ["tc"],
    dump: (rt, signal, retries) => listClasses(rt, { consistent: { retries }, signal }),
    key: (c) => `${c.ifindex} ${c.handle}`,
    equal: (a, b) => sameData(withoutStats(a), withoutStats(b)),
  });
}
