/**
 * The YNL codec: spec types, the family model, compilation, decoding and encoding, and the
 * types generated modules use to describe their operations' messages. Generated modules in
 * `families/generated/` import from here.
 *
 * @example
 * ```ts
 * import { defineFamily } from "@netlink/netlink/codec";
 * const family = defineFamily({
 *   name: "demo",
 *   protocol: "netlink-raw",
 *   attributeSets: { "demo-attrs": [{ name: "mtu", value: 4, type: "u32" }] },
 *   operations: {},
 * });
 * ```
 *
 * @module
 */
export * from "./spec.ts";
export * from "./values.ts";
export { AttributeSet, defineFamily, Family, StructType } from "./family.ts";
export * from "./operation.ts";
export * from "./decode.ts";
export * from "./encode.ts";
export * from "./messages.ts";
