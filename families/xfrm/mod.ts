/**
 * IPsec over `NETLINK_XFRM`: security associations (states) and policies — add, update, get,
 * delete, dump, flush — the SPD/SAD counters and hash thresholds, the default actions, and the
 * typed events of the `XFRMNLGRP_*` groups.
 *
 * The tables come from `specs/local/xfrm.yaml` (generated into `families/generated/xfrm.ts`,
 * re-exported here) and go through the generic {@link Client}. This module adds what the spec
 * cannot carry: addresses (`xfrm_address_t`, read by the family next to them), template
 * arrays, algorithm keys after their structs, gets answered with a message of another type and
 * header, and dump requests without a fixed header.
 *
 * @example
 * ```ts
 * import { Xfrm } from "@netlink/netlink/xfrm";
 * await using xfrm = await Xfrm.open({ netns: "blue" });
 * await xfrm.addPolicy({
 *   selector: { src: "10.0.0.0", prefixlenS: 24, dst: "10.1.0.0", prefixlenD: 24 },
 *   dir: "out",
 *   templates: [{ src: "192.0.2.1", dst: "192.0.2.2", proto: "esp", mode: "tunnel" }],
 * });
 * for (const p of await xfrm.policies()) console.log(p.dir, p.selector.dst, p.templates.length);
 * ```
 *
 * @module
 */
export * from "../generated/xfrm.ts";
export * from "./names.ts";
export * from "./types.ts";
export {
  algorithmValue,
  decodeTemplates,
  encodeTemplates,
  policyMessage,
  selectorStruct,
  stateMessage,
  toPolicy,
  toState,
} from "./convert.ts";
export * from "./events.ts";
export * from "./xfrm.ts";
