/**
 * rtnetlink notifications as typed events (`ip monitor`): links, addresses, routes,
 * neighbours and their tables, rules, tc objects and actions, netconf, namespace ids, IPv6
 * prefixes and link statistics, each as the same object the `list*()` functions return
 * (`event.object` deep-equals what `listRoutes()` gives for that route); anything else
 * arrives raw. Which message type is which object, the operation that decodes it and the
 * group numbers all come from the generated registry (`families/generated/registry.ts`),
 * that is from the specs.
 *
 * @example
 * ```ts
 * import { watch } from "@netlink/netlink";
 * await using events = await watch({}, { groups: ["link", "ipv4-addr"] });
 * for await (const e of events) {
 *   if (e.kind === "link") console.log(e.action, e.object.name, e.object.operstate);
 *   if (e.kind === "address") console.log(e.action, e.object.dev, e.object.address);
 * }
 * ```
 *
 * @module
 */
import { decodeBody, type DecodedMessage, type Operation } from "../../codec/ynl/mod.ts";
import { isOverrun, type ReceivedMessage } from "../../socket/socket.ts";
import * as generated from "./_route_generated.ts";
import { GROUPS, MESSAGES } from "../generated/registry.ts";
import * as rtLink from "../generated/rt_link.ts";
import type * as tc from "../generated/tc.ts";
import { type Address, type AddressMessage, toAddress } from "./address.ts";
import { type Link, type LinkMessage, toLink } from "./link.ts";
import { linkNameMap } from "./_link_util.ts";
import { decodePrefix, type PrefixNotification } from "./mcast.ts";
import { type Neighbour, type NeighbourMessage, toNeighbour } from "./neigh.ts";
import { type NeighTable, type NeighTableMessage, toNeighTable } from "./neightbl.ts";
import { decodeNetconf, type Netconf } from "./netconf.ts";
import type { NsidEntry } from "./nsid.ts";
import { type Route, type RouteMessage, toRoute } from "./route.ts";
import { type Rule, type RuleMessage, toRule } from "./rule.ts";
import { type LinkStats, type LinkStatsMessage, toLinkStats } from "./stats.ts";
import {
  type Action,
  decodeActionList,
  decodeClass,
  decodeFilter,
  decodeQdisc,
  type Filter,
  formatHandle,
  type Qdisc,
  type TcClass,
} from "./tc/mod.ts";
import { Rtnl, type RtnlOptions } from "./rtnl.ts";

/** A route multicast group by its YNL name (`"rtnlgrp-link"`), from the generated registry. */
export type RouteGroupName = keyof typeof GROUPS.route;

/** Group names {@link watch} takes: the YNL names without `rtnlgrp-`, and three shorthands. */
export type WatchGroup =
  | (RouteGroupName extends `rtnlgrp-${infer S}` ? S : never)
  | "ipv4-addr"
  | "ipv6-addr"
  | "netconf";

/** Shorthands for groups whose YNL names are long, or that go together. */
const GROUP_ALIASES: Readonly<Record<"ipv4-addr" | "ipv6-addr" | "netconf", RouteGroupName[]>> = {
  "ipv4-addr": ["rtnlgrp-ipv4-ifaddr"],
  "ipv6-addr": ["rtnlgrp-ipv6-ifaddr"],
  netconf: ["rtnlgrp-ipv4-netconf", "rtnlgrp-ipv6-netconf"],
};

/**
 * The numbers of each {@link WatchGroup}, derived from the generated registry (`GROUPS.route`,
 * from the specs' multicast groups): `netconf` is both the IPv4 and IPv6 ones.
 */
export const WATCH_GROUPS: Readonly<Record<WatchGroup, readonly number[]>> = (() => {
  const out: Record<string, number[]> = {};
  for (const [name, id] of Object.entries(GROUPS.route)) {
    out[name.replace(/^rtnlgrp-/, "")] = [id];
  }
  for (const [alias, names] of Object.entries(GROUP_ALIASES)) {
    out[alias] = names.map((n) => GROUPS.route[n]);
  }
  return out as Record<WatchGroup, number[]>;
})();

/** The groups watched by default: links, addresses, routes, neighbours and rules. */
export const DEFAULT_WATCH_GROUPS: readonly WatchGroup[] = [
  "link",
  "ipv4-addr",
  "ipv6-addr",
  "ipv4-route",
  "ipv6-route",
  "neigh",
  "ipv4-rule",
  "ipv6-rule",
];

/** A tc filter chain (`RTM_NEWCHAIN`), as its notifications describe it. */
export interface TcChain {
  /** Device name (absent when unknown). */
  dev?: string;
  /** Device index. */
  ifindex: number;
  /** Parent (the qdisc or block) as tc prints it. */
  parent: string;
  /** Chain index. */
  chain: number;
}

/**
 * An object that was created or changed (`"new"`), or deleted: `object` is the typed object
 * the `list*()` function of its kind returns. `message` (the message as received: type,
 * flags, group, bytes) is not enumerable, so an event is plain JSON data.
 */
export interface EventOf<K extends string, T> {
  /** The object's kind. */
  kind: K;
  /** `"new"` (created or changed) or `"delete"`. */
  action: "new" | "delete";
  /** The object, as the `list*()` functions give it. */
  object: T;
  /** The message as received (not enumerable). */
  readonly message: ReceivedMessage;
}

/** A notification {@link watch} could not decode (unknown type): the message, raw. */
export interface RawEvent {
  /** `"raw"`. */
  kind: "raw";
  /** Not known for raw messages. */
  action?: undefined;
  /** Nothing decoded. */
  object?: undefined;
  /** The message as received (not enumerable). */
  readonly message: ReceivedMessage;
  /** Why it was not decoded, when decoding failed. */
  error?: unknown;
}

/**
 * The receive buffer overflowed and notifications were lost: state built from the events so
 * far is stale until re-read (dump again). The watch goes on after it.
 */
export interface OverrunEvent {
  /** `"overrun"`. */
  kind: "overrun";
  /** Not known for an overrun. */
  action?: undefined;
  /** Nothing decoded. */
  object?: undefined;
  /** The socket's marker (type `NLMSG_OVERRUN`, empty payload, sender 0, group 0). */
  readonly message: ReceivedMessage;
}

/** A typed rtnetlink notification, discriminated by `kind` (and `action`), or a marker. */
export type WatchEvent =
  | EventOf<"link", Link>
  | EventOf<"address", Address>
  | EventOf<"route", Route>
  | EventOf<"neighbour", Neighbour>
  | EventOf<"neightbl", NeighTable>
  | EventOf<"rule", Rule>
  | EventOf<"qdisc", Qdisc>
  | EventOf<"class", TcClass>
  | EventOf<"filter", Filter>
  | EventOf<"chain", TcChain>
  | EventOf<"action", Action[]>
  | EventOf<"prefix", PrefixNotification>
  | EventOf<"netconf", Netconf>
  | EventOf<"nsid", NsidEntry>
  | EventOf<"stats", LinkStats>
  | RawEvent
  | OverrunEvent;

/** The kinds of {@link WatchEvent} that carry a decoded object. */
export type WatchEventKind = Exclude<WatchEvent["kind"], "raw" | "overrun">;

/** Options for {@link watch}. */
export interface WatchOptions {
  /** Group names (default {@link DEFAULT_WATCH_GROUPS}) or group numbers. */
  groups?: readonly (WatchGroup | number)[];
  /** Stop watching. */
  signal?: AbortSignal;
  /**
   * Kernel receive buffer of the socket `watch()` opens (default: the socket's subscription
   * buffer, `SUBSCRIPTION_RECEIVE_BUFFER`, 32 MiB).
   */
  receiveBufferSize?: number;
}

/** The event stream of {@link watch}. */
export interface Watcher extends AsyncIterableIterator<WatchEvent>, AsyncDisposable {
  /** Stop watching (and close the socket {@link watch} opened). */
  close(): void;
}

/**
 * The registry's object names (`MESSAGES.route[type].object`) as event kinds; objects not
 * listed (multicast and anycast dumps, link properties) arrive raw.
 */
const KIND_OF_OBJECT: Readonly<Record<string, WatchEventKind>> = {
  link: "link",
  addr: "address",
  route: "route",
  neigh: "neighbour",
  neightbl: "neightbl",
  rule: "rule",
  qdisc: "qdisc",
  tclass: "class",
  tfilter: "filter",
  chain: "chain",
  action: "action",
  prefix: "prefix",
  netconf: "netconf",
  nsid: "nsid",
  stats: "stats",
};

// deno-lint-ignore no-explicit-any
type AnyOp = Operation<any, any>;
interface Decoder {
  kind: WatchEventKind;
  action: "new" | "delete";
  op: AnyOp;
}

type Names = ReadonlyMap<number, string>;
// deno-lint-ignore no-explicit-any
type Decoded = DecodedMessage<any, any>;

/** How each kind's decoded message becomes the object its `list*()` function returns. */
const OBJECTS: Readonly<Record<WatchEventKind, (m: Decoded, names?: Names) => unknown>> = {
  link: (m, n) => toLink(m as LinkMessage, n),
  address: (m, n) => toAddress(m as AddressMessage, n),
  route: (m, n) => toRoute(m as RouteMessage, n),
  neighbour: (m, n) => toNeighbour(m as NeighbourMessage, n),
  neightbl: (m, n) => toNeighTable(m as NeighTableMessage, n),
  rule: (m) => toRule(m as RuleMessage),
  qdisc: (m, n) => decodeQdisc(m, n),
  class: (m, n) => decodeClass(m, n),
  filter: (m, n) => decodeFilter(m, n),
  chain: (m, n) => {
    const h = (m as DecodedMessage<tc.Tcmsg, tc.Attrs>).header;
    const c: TcChain = { ifindex: h.ifindex, parent: formatHandle(h.parent), chain: 0 };
    const dev = n?.get(h.ifindex);
    if (dev !== undefined) c.dev = dev;
    c.chain = (m.attrs as tc.Attrs).chain ?? 0;
    return c;
  },
  action: (m, n) => decodeActionList((m.attrs as tc.TcaRootAttrs).tab, n),
  prefix: (m, n) => decodePrefix(m, { names: n }),
  netconf: (m, n) => decodeNetconf(m, n),
  nsid: (m) => {
    const e: NsidEntry = { nsid: m.attrs.nsid ?? -1 };
    if (m.attrs.currentNsid !== undefined) e.currentNsid = m.attrs.currentNsid;
    return e;
  },
  stats: (m, n) => toLinkStats(m as LinkStatsMessage, n),
};

/** `event` with the received message attached, not enumerable. */
function withReceived<T extends object>(event: T, message: ReceivedMessage): T {
  Object.defineProperty(event, "message", { value: message, enumerable: false });
  return event;
}

let decoders: Map<number, Decoder> | undefined;

/** Message type → how to decode it: the registry's entry and the generated operation it names. */
function decoderOf(type: number): Decoder | undefined {
  if (decoders === undefined) {
    const byFamily = new Map<string, Record<string, AnyOp>>(
      Object.values(generated).map((ns) => [ns.family.name, ns.operations as never]),
    );
    decoders = new Map();
    for (const [t, e] of Object.entries(MESSAGES.route)) {
      const kind = KIND_OF_OBJECT[e.object];
      const op = byFamily.get(e.family)?.[e.operation];
      if (kind === undefined || op === undefined || e.action === "get") continue;
      decoders.set(Number(t), { kind, action: e.action === "del" ? "delete" : "new", op });
    }
  }
  return decoders.get(type);
}

/**
 * Decode one notification into a {@link WatchEvent} (raw when its type is unknown or it does
 * not decode); `names` (index → name, see `linkNames`) names the links it refers to.
 *
 * @example
 * ```ts
 * import { toWatchEvent, type ReceivedMessage } from "@netlink/netlink";
 * declare const msg: ReceivedMessage;
 * const e = toWatchEvent(msg);
 * if (e.kind === "route") console.log(e.action, e.object.dst, e.object.dev);
 * ```
 */
export function toWatchEvent(
  message: ReceivedMessage,
  names?: ReadonlyMap<number, string>,
): WatchEvent {
  if (isOverrun(message)) return withReceived({ kind: "overrun" }, message) as OverrunEvent;
  const d = decoderOf(message.type);
  if (d === undefined) return withReceived({ kind: "raw" }, message) as RawEvent;
  try {
    const object = OBJECTS[d.kind](decodeBody(d.op, message.payload), names);
    return withReceived({ kind: d.kind, action: d.action, object }, message) as WatchEvent;
  } catch (error) {
    return withReceived({ kind: "raw", error }, message) as RawEvent;
  }
}

/** Indexes an object refers to without a name: `ifindex`, `masterIndex`, next hops… */
function unnamed(o: Record<string, unknown>): number[] {
  const out: number[] = [];
  const check = (index: unknown, name: unknown) => {
    if (typeof index === "number" && index > 0 && name === undefined) out.push(index);
  };
  check(o.ifindex, o.dev);
  check(o.masterIndex, o.master);
  check(o.iifIndex, o.iif);
  if (Array.isArray(o.nexthops)) { for (const nh of o.nexthops) check(nh.ifindex, nh.dev); }
  return out;
}

/**
 * Look up the links an event's object names only by index (a link's first notifications can
 * come before its RTM_NEWLINK: netconf, neighbours); true when a name was found.
 */
async function learnNames(
  rt: Rtnl,
  object: unknown,
  names: Map<number, string>,
): Promise<boolean> {
  if (object === null || typeof object !== "object" || Array.isArray(object)) return false;
  let found = false;
  for (const index of unnamed(object as Record<string, unknown>)) {
    if (names.has(index)) continue;
    try {
      const m = await rt.call(rtLink.operations.getlink, {
        header: { ifiIndex: index },
        attrs: { extMask: rtLink.RTEXT_FILTER.SKIP_STATS },
      });
      if (m?.attrs.ifname) {
        names.set(index, m.attrs.ifname);
        found = true;
      }
    } catch {
      // gone already: the object stays unnamed
    }
  }
  return found;
}

function groupNumbers(groups: readonly (WatchGroup | number)[]): number[] {
  if (!Array.isArray(groups) || groups.length === 0) {
    throw new TypeError("watch() needs at least one group");
  }
  const out = new Set<number>();
  for (const g of groups) {
    if (typeof g === "number") {
      if (!Number.isInteger(g) || g < 1 || g > 1024) {
        throw new RangeError(`Cannot join group ${g}: groups are numbered 1..1024`);
      }
      out.add(g);
    } else {
      const n = (WATCH_GROUPS as Record<string, readonly number[]>)[g];
      if (n === undefined) {
        throw new TypeError(
          `Unknown rtnetlink group "${g}": use ${Object.keys(WATCH_GROUPS).join(", ")}`,
        );
      }
      for (const x of n) out.add(x);
    }
  }
  return [...out];
}

/**
 * Watch rtnetlink notifications. Pass an open {@link Rtnl} to join the groups on its socket,
 * or socket options (e.g. `{ netns }`) to open a socket of its own, closed when the watch ends.
 * Objects name the links they refer to: the watch reads the link names once when it starts,
 * follows link notifications (it joins the link group for that; link events are yielded only
 * when asked for), and asks the kernel for a link it has not heard of yet.
 * Resolves once subscribed, so nothing that happens afterwards is missed. Ends on `signal`,
 * `return()`, `close()` or `await using`; an already-aborted signal rejects at once. A
 * receive-buffer overrun (notifications were lost) yields an {@link OverrunEvent} and the
 * watch goes on.
 *
 * @example
 * ```ts
 * import { watch } from "@netlink/netlink";
 * const events = await watch({}, {
 *   groups: ["link", "ipv4-route", "ipv6-route"],
 *   signal: AbortSignal.timeout(10_000),
 * });
 * for await (const e of events) {
 *   if (e.kind === "route") console.log(e.action, e.object.dst, e.object.dev);
 *   else if (e.kind === "raw") console.log("type", e.message.type);
 * }
 * ```
 */
export async function watch(
  target: Rtnl | RtnlOptions = {},
  options: WatchOptions = {},
): Promise<Watcher> {
  const groups = groupNumbers(options.groups ?? DEFAULT_WATCH_GROUPS);
  options.signal?.throwIfAborted();
  const linkGroup = GROUPS.route["rtnlgrp-link"];
  const wantLinks = groups.includes(linkGroup);
  const join = wantLinks ? groups : [...groups, linkGroup];
  let rt: Rtnl;
  let own = false;
  if (target instanceof Rtnl) {
    rt = target;
    for (const g of join) rt.socket.join(g);
  } else {
    rt = await Rtnl.open({
      ...(options.receiveBufferSize === undefined
        ? {}
        : { receiveBufferSize: options.receiveBufferSize }),
      ...target,
      join: [...(target.join ?? []), ...join],
    });
    own = true;
  }
  const stream = rt.socket.subscribe({ signal: options.signal });
  // Subscribed first, then the names: a link made meanwhile arrives as an event.
  let names: Map<number, string>;
  try {
    names = await linkNameMap(rt, options.signal);
  } catch (e) {
    await stream.return?.();
    if (own) rt.close();
    throw e;
  }
  let closed = false;
  const finish = async () => {
    if (closed) return;
    closed = true;
    await stream.return?.();
    if (own) rt.close();
  };
  const watcher: Watcher = {
    async next(): Promise<IteratorResult<WatchEvent>> {
      for (;;) {
        if (closed) return { done: true, value: undefined };
        let r: IteratorResult<ReceivedMessage>;
        try {
          r = await stream.next();
        } catch (e) {
          await finish();
          throw e;
        }
        if (r.done) {
          await finish();
          return { done: true, value: undefined };
        }
        let e = toWatchEvent(r.value, names);
        if (e.object !== undefined && e.kind !== "link" && await learnNames(rt, e.object, names)) {
          e = toWatchEvent(r.value, names); // now with the names looked up
        }
        if (e.kind === "link") {
          // Names are never forgotten: events of a deleted link's routes come after it.
          if (e.object.name !== "") names.set(e.object.index, e.object.name);
          if (!wantLinks) continue;
        }
        return { done: false, value: e };
      }
    },
    async return(): Promise<IteratorResult<WatchEvent>> {
      await finish();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
    close() {
      void finish();
    },
    async [Symbol.asyncDispose]() {
      await finish();
    },
  };
  return watcher;
}
