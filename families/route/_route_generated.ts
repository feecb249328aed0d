/**
 * The generated families of the route protocol (the registry's `protocol: "route"`), as
 * namespaces named as in the generated index. The route modules import these and nothing more
 * of the generated index, so the package root loads no other family's tables.
 *
 * @module
 */
export * as rtAddr from "../generated/rt_addr.ts";
export * as rtLink from "../generated/rt_link.ts";
export * as rtNeigh from "../generated/rt_neigh.ts";
export * as rtNetconf from "../generated/rt_netconf.ts";
export * as rtNsid from "../generated/rt_nsid.ts";
export * as rtRoute from "../generated/rt_route.ts";
export * as rtRule from "../generated/rt_rule.ts";
export * as tc from "../generated/tc.ts";
