/**
 * rtnetlink notifications as typed events (`ip monitor`): links, addresses, routes,
 * neighbours and their tables, rules, tc objects and actions, netconf, namespace ids, IPv6
 * prefixes and link statistics; anything else arrives raw. Which message type is which object,
 * the operation that decodes it and the group numbers all come from the generated registry
 * (`families/generated/registry.ts`), that is from the specs.
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
import { decodeBody, type DecodedMessage, type Operation } from "../../codec/ynl/mod.ts";
import type { ReceivedMessage } from "../../socket/socket.ts";
import * as generated from "../generated/mod.ts";
import { GROUPS, MESSAGES } from "../generated/registry.ts";
import type * as rtAddr from "../generated/rt_addr.ts";
import type * as rtLink from "../generated/rt_link.ts";
import type * as rtNeigh from "../generated/rt_neigh.ts";
import type * as rtNetconf from "../generated/rt_netconf.ts";
import type * as rtNsid from "../generated/rt_nsid.ts";
import type * as rtRoute from "../generated/rt_route.ts";
import type * as rtRule from "../generated/rt_rule.ts";
import type * as tc from "../generated/tc.ts";
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
  | EventBase<"neightbl", rtNeigh.Ndtmsg, rtNeigh.NdtAttrs>
  | EventBase<"rule", rtRule.FibRuleHdr, rtRule.FibRuleAttrs>
  | EventBase<"qdisc" | "class" | "filter" | "chain", tc.Tcmsg, tc.Attrs>
  | EventBase<"action", tc.Tcamsg, tc.TcaRootAttrs>
  | EventBase<"prefix", rtAddr.Prefixmsg, rtAddr.PrefixAttrs>
  | EventBase<"netconf", rtNetconf.Netconfmsg, rtNetconf.NetconfAttrs>
  | EventBase<"nsid", rtNsid.Rtgenmsg, rtNsid.NsidAttrs>
  | EventBase<"stats", rtLink.IfStatsMsg, rtLink.StatsAttrs>
  | RawEvent;

/** The kinds of {@link WatchEvent} that carry a decoded object. */
export type WatchEventKind = Exclude<WatchEvent["kind"], "raw">;

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
  const d = decoderOf(message.type);
  if (d === undefined) return { kind: "raw", message };
  try {
    const object = decodeBody(d.op, message.payload);
    return { kind: d.kind, action: d.action, object, message } as WatchEvent;
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
