/**
 * rtnetlink notifications as typed events (`ip monitor`): links, addresses, routes,
 * neighbours, rules, tc objects and actions, netconf, namespace ids and IPv6 prefixes;
 * anything else arrives raw.
 *
 * @example
 * ```ts
 * import { watch } from "@netlink/netlink";
 * await using events = await watch({}, { groups: ["link", "ipv4-addr"] });
 * for await (const e of events) {
 *   if (e.kind === "link") console.log(e.action, e.object.attrs.ifname);
 * }
 * ```
 *
 * @module
 */
import type { DecodedMessage, Operation } from "../../codec/schema.ts";
import { decodeBody } from "../../codec/schema.ts";
import type { ReceivedMessage } from "../../socket/socket.ts";
import * as rtAddr from "../generated/rt_addr.ts";
import * as rtLink from "../generated/rt_link.ts";
import * as rtNeigh from "../generated/rt_neigh.ts";
import * as rtRoute from "../generated/rt_route.ts";
import type { FibRuleHdr } from "../generated/rt_rule.ts";
import * as tc from "../generated/tc.ts";
import { type RuleAttrs, ruleOperations } from "./rule.ts";
import { getnetconf, type NetconfAttrs, type Netconfmsg } from "./netconf.ts";
import { type NsidAttrs, nsidOperations } from "./nsid.ts";
import { newprefix, type PrefixAttrs, type Prefixmsg } from "./mcast.ts";
import { type ActionRootAttrs, type Tcamsg, tcOperations } from "./tc.ts";
import type { Rtgenmsg } from "../generated/rt_link.ts";
import { Rtnl, type RtnlOptions } from "./rtnl.ts";

/**
 * Multicast groups by name (linux/rtnetlink.h `RTNLGRP_*`); `netconf` is both the IPv4 and
 * IPv6 ones.
 */
export const WATCH_GROUPS: Readonly<Record<string, readonly number[]>> = {
  link: [rtLink.RTNLGRP_LINK],
  neigh: [rtNeigh.RTNLGRP_NEIGH],
  tc: [tc.RTNLGRP_TC],
  "ipv4-addr": [rtAddr.RTNLGRP_IPV4_IFADDR],
  "ipv4-route": [7], // RTNLGRP_IPV4_ROUTE
  "ipv4-rule": [8], // RTNLGRP_IPV4_RULE
  "ipv6-addr": [rtAddr.RTNLGRP_IPV6_IFADDR],
  "ipv6-route": [11], // RTNLGRP_IPV6_ROUTE
  "ipv6-ifinfo": [12], // RTNLGRP_IPV6_IFINFO
  "ipv6-prefix": [18], // RTNLGRP_IPV6_PREFIX
  "ipv6-rule": [19], // RTNLGRP_IPV6_RULE
  netconf: [24, 25], // RTNLGRP_IPV4_NETCONF, RTNLGRP_IPV6_NETCONF
  mdb: [26], // RTNLGRP_MDB
  nsid: [28], // RTNLGRP_NSID
  nexthop: [32], // RTNLGRP_NEXTHOP
  brvlan: [33], // RTNLGRP_BRVLAN
  stats: [rtLink.RTNLGRP_STATS],
};

/** Group names {@link watch} takes. */
export type WatchGroup =
  | "link"
  | "neigh"
  | "tc"
  | "ipv4-addr"
  | "ipv4-route"
  | "ipv4-rule"
  | "ipv6-addr"
  | "ipv6-route"
  | "ipv6-ifinfo"
  | "ipv6-prefix"
  | "ipv6-rule"
  | "netconf"
  | "mdb"
  | "nsid"
  | "nexthop"
  | "brvlan"
  | "stats";

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

/** What a notification is about, and whether it announces a new (or changed) or gone object. */
export interface EventBase<K extends string, H, A> {
  /** The object's kind. */
  kind: K;
  /** `"new"` (created or changed) or `"delete"`. */
  action: "new" | "delete";
  /** The decoded message. */
  object: DecodedMessage<H, A>;
  /** The message as received (type, flags, group…). */
  message: ReceivedMessage;
}

/** A notification {@link watch} could not decode (unknown type): the message, raw. */
export interface RawEvent {
  /** `"raw"`. */
  kind: "raw";
  /** Not known for raw messages. */
  action?: undefined;
  /** Nothing decoded. */
  object?: undefined;
  /** The message as received. */
  message: ReceivedMessage;
  /** Why it was not decoded, when decoding failed. */
  error?: unknown;
}

/** A typed rtnetlink notification. */
export type WatchEvent =
  | EventBase<"link", rtLink.Ifinfomsg, rtLink.LinkAttrs>
  | EventBase<"address", rtAddr.Ifaddrmsg, rtAddr.AddrAttrs>
  | EventBase<"route", rtRoute.Rtmsg, rtRoute.RouteAttrs>
  | EventBase<"neighbour", rtNeigh.Ndmsg, rtNeigh.NeighbourAttrs>
  | EventBase<"rule", FibRuleHdr, RuleAttrs>
  | EventBase<"qdisc" | "class" | "filter" | "chain", tc.Tcmsg, tc.Attrs>
  | EventBase<"action", Tcamsg, ActionRootAttrs>
  | EventBase<"prefix", Prefixmsg, PrefixAttrs>
  | EventBase<"netconf", Netconfmsg, NetconfAttrs>
  | EventBase<"nsid", Rtgenmsg, NsidAttrs>
  | RawEvent;

/** Options for {@link watch}. */
export interface WatchOptions {
  /** Group names (default {@link DEFAULT_WATCH_GROUPS}) or group numbers. */
  groups?: readonly (WatchGroup | number)[];
  /** Stop watching. */
  signal?: AbortSignal;
  /** Kernel receive buffer (default 4 MiB, enough for busy tables). */
  receiveBufferSize?: number;
}

/** The event stream of {@link watch}. */
export interface Watcher extends AsyncIterableIterator<WatchEvent>, AsyncDisposable {
  /** Stop watching (and close the socket {@link watch} opened). */
  close(): void;
}

// deno-lint-ignore no-explicit-any
type AnyOp = Operation<any, any>;
const BY_TYPE = new Map<number, [string, "new" | "delete", AnyOp]>([
  [16, ["link", "new", rtLink.operations.getlink]],
  [17, ["link", "delete", rtLink.operations.getlink]],
  [20, ["address", "new", rtAddr.operations.getaddr]],
  [21, ["address", "delete", rtAddr.operations.getaddr]],
  [24, ["route", "new", rtRoute.operations.getroute]],
  [25, ["route", "delete", rtRoute.operations.getroute]],
  [28, ["neighbour", "new", rtNeigh.operations.getneigh]],
  [29, ["neighbour", "delete", rtNeigh.operations.getneigh]],
  [32, ["rule", "new", ruleOperations.getrule]],
  [33, ["rule", "delete", ruleOperations.getrule]],
  [36, ["qdisc", "new", tc.operations.getqdisc]],
  [37, ["qdisc", "delete", tc.operations.getqdisc]],
  [40, ["class", "new", tc.operations.gettclass]],
  [41, ["class", "delete", tc.operations.gettclass]],
  [44, ["filter", "new", tc.operations.gettfilter]],
  [45, ["filter", "delete", tc.operations.gettfilter]],
  [100, ["chain", "new", tc.operations.getchain]],
  [101, ["chain", "delete", tc.operations.getchain]],
  [48, ["action", "new", tcOperations.getaction]],
  [49, ["action", "delete", tcOperations.getaction]],
  [52, ["prefix", "new", newprefix]],
  [80, ["netconf", "new", getnetconf]],
  [81, ["netconf", "delete", getnetconf]],
  [88, ["nsid", "new", nsidOperations.getnsid]],
  [89, ["nsid", "delete", nsidOperations.getnsid]],
]);

/**
 * Decode one notification into a {@link WatchEvent} (raw when its type is unknown or it does
 * not decode).
 *
 * @example
 * ```ts
 * import { toWatchEvent, type ReceivedMessage } from "@netlink/netlink";
 * declare const msg: ReceivedMessage;
 * const e = toWatchEvent(msg);
 * if (e.kind === "route") console.log(e.action, e.object.header.rtmDstLen);
 * ```
 */
export function toWatchEvent(message: ReceivedMessage): WatchEvent {
  const entry = BY_TYPE.get(message.type);
  if (entry === undefined) return { kind: "raw", message };
  try {
    const object = decodeBody(entry[2], message.payload);
    return { kind: entry[0], action: entry[1], object, message } as WatchEvent;
  } catch (error) {
    return { kind: "raw", message, error };
  }
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
      const n = WATCH_GROUPS[g];
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
 * Resolves once subscribed, so nothing that happens afterwards is missed. Ends on `signal`,
 * `return()`, `close()` or `await using`.
 *
 * @example
 * ```ts
 * import { watch } from "@netlink/netlink";
 * const events = await watch({}, {
 *   groups: ["link", "ipv4-route", "ipv6-route"],
 *   signal: AbortSignal.timeout(10_000),
 * });
 * for await (const e of events) {
 *   if (e.kind === "route") console.log(e.action, e.object.attrs.dst);
 *   else if (e.kind === "raw") console.log("type", e.message.type);
 * }
 * ```
 */
export async function watch(
  target: Rtnl | RtnlOptions = {},
  options: WatchOptions = {},
): Promise<Watcher> {
  const groups = groupNumbers(options.groups ?? DEFAULT_WATCH_GROUPS);
  let rt: Rtnl;
  let own = false;
  if (target instanceof Rtnl) {
    rt = target;
    for (const g of groups) rt.socket.join(g);
  } else {
    rt = await Rtnl.open({
      receiveBufferSize: options.receiveBufferSize ?? 4 << 20,
      ...target,
      join: [...(target.join ?? []), ...groups],
    });
    own = true;
  }
  const stream = rt.socket.subscribe({ signal: options.signal });
  let closed = false;
  const finish = async () => {
    if (closed) return;
    closed = true;
    await stream.return?.();
    if (own) rt.close();
  };
  const watcher: Watcher = {
    async next(): Promise<IteratorResult<WatchEvent>> {
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
      return { done: false, value: toWatchEvent(r.value) };
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
