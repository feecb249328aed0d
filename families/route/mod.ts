/**
 * rtnetlink, typed: links, addresses, routes, neighbours and bridge FDB entries, rules, tc,
 * namespace ids, netconf and notifications, on top of the {@link Rtnl} route socket; plus
 * address text helpers and iproute2's name databases.
 *
 * One vocabulary throughout: a link is named the same way everywhere (a name, an index,
 * `{ name }` or `{ index }`: {@link LinkRef}); what you pass in you get back (names for
 * tables, protocols, scopes, route types, devices, tc handles as tc prints them, the numbers
 * beside where they matter); every listed object, `get*()` result and `watch()` event is plain
 * JSON data (64-bit counters as numbers, or decimal strings past 2^53), with its decoded
 * message in a `message` property that is not enumerable. The generated route families come as namespaces (`rtLink`, `rtAddr`,
 * `rtRoute`, `rtNeigh`, `rtRule`, `tc`, `rtNsid`, `rtNetconf`) with their operations, enums,
 * structs and the types of their messages (`rtLink.LinkAttrs`, `tc.Tcmsg` …).
 *
 * @example
 * ```ts
 * import { addAddress, addLink, addRoute, Rtnl, watch } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addLink(rt, { name: "v0", kind: "veth", peer: "v1", up: true });
 * await addAddress(rt, { dev: "v0", address: "192.0.2.1/24" });
 * await addRoute(rt, { dst: "198.51.100.0/24", gateway: "192.0.2.2", dev: "v0" });
 * await using events = await watch(rt, { groups: ["link"] });
 * ```
 *
 * @module
 */
export * from "./rtnl.ts";
export * from "./names.ts";
export { LinkNotFoundError, routeMessageName, RtnlError } from "./errors.ts";
export * from "./addr_text.ts";
export * from "./link.ts";
export * from "./address.ts";
export * from "./route.ts";
export * from "./neigh.ts";
export * from "./rule.ts";
export * from "./watch.ts";
export * from "./view.ts";
export * from "./tc/mod.ts";
export * from "./neightbl.ts";
export * from "./netconf.ts";
export * from "./nsid.ts";
export * from "./stats.ts";
export * from "./ip_words.ts";
export * from "./ip_protocols.ts";
export type { Counter } from "./_names.ts";
export type { LinkRef, NetnsTarget } from "./_link_util.ts";
export type { RuleSelectors } from "./_rule_filter.ts";
export {
  decodePrefix,
  type GroupAddress,
  type GroupListOptions,
  listAnycast,
  listMulticast,
  type PrefixFlagsLayout,
  prefixFlagsLayout,
  type PrefixNotification,
} from "./mcast.ts";
export * from "./tuntap.ts";
export { PROTOCOLS, ROUTE_TYPES, SCOPES, TABLES } from "./_names.ts";
// The generated notification registry (message type → family, object, new/del; group names →
// numbers), and the generated route families, as namespaces.
export * as registry from "../generated/registry.ts";
// Each module directly, not the generated index (that would load every generated family).
export * as rtAddr from "../generated/rt_addr.ts";
export * as rtLink from "../generated/rt_link.ts";
export * as rtNeigh from "../generated/rt_neigh.ts";
export * as rtNetconf from "../generated/rt_netconf.ts";
export * as rtNsid from "../generated/rt_nsid.ts";
export * as rtRoute from "../generated/rt_route.ts";
export * as rtRule from "../generated/rt_rule.ts";
export * as tc from "../generated/tc.ts";
