/**
 * Traffic control over rtnetlink: qdiscs, classes, filters and actions, like `tc qdisc`,
 * `tc class`, `tc filter` and `tc actions`.
 *
 * Handles and parents are numbers (`0x10010`) or tc's text (`"1:10"`, `"1:"`, `"root"`,
 * `"ingress"`, `"clsact"`; u32 filters `"800::800"`); listed objects give them as tc prints
 * them, devices by name. {@link parseHandle} and {@link formatHandle} convert. Rates are
 * bits per second (a number, or tc text such as `"1mbit"`), sizes bytes (`1600`, `"10k"`),
 * durations microseconds (`50000`, `"50ms"`), as with `tc`.
 *
 * Typed configurations exist for HTB, TBF, fq_codel, ingress and clsact qdiscs, HTB classes,
 * u32 and bpf filters, and gact and mirred actions (one file per kind here, each encoding to
 * and decoding from the attribute sets of `families/generated/tc.ts`); any other kind passes
 * its `options` through those spec tables untouched. Every message, struct and constant comes
 * from the generated tables (`specs/upstream/tc.yaml` with `specs/overlays/tc*.yaml`).
 *
 * @example
 * ```ts
 * import { Rtnl, addClass, addFilter, addQdisc, listClasses } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addQdisc(rt, "eth0", { parent: "root", handle: "1:", kind: "htb", defaultClass: "1:10" });
 * await addClass(rt, "eth0", { parent: "1:", classid: "1:10", kind: "htb", rate: "10mbit" });
 * await addFilter(rt, "eth0", {
 *   parent: "1:",
 *   protocol: "ip",
 *   priority: 1,
 *   kind: "u32",
 *   match: { ip: { dst: "10.0.0.0/8" } },
 *   classid: "1:10",
 * });
 * for (const c of await listClasses(rt, { dev: "eth0" })) console.log(c.handle, c.config);
 * ```
 *
 * @module
 */
import * as tc from "../../generated/tc.ts";

export {
  type Duration,
  formatHandle,
  formatQdiscHandle,
  formatU32Handle,
  type Handle,
  parseDuration,
  parseHandle,
  parseRate,
  parseSize,
  parseU32Handle,
  type Rate,
  type Size,
  TC_H,
  type U32HandleParts,
  u32HandleParts,
} from "./handles.ts";
export { defaultClassMinor } from "./htb.ts";
export { TC_ACT, type Verdict } from "./verdict.ts";
export type { ListOptions, OtherTcConfig, TcMessage, TcObject, TcStatistics } from "./object.ts";
export type { HtbClassConfig, HtbQdiscConfig } from "./htb.ts";
export type { TbfQdiscConfig } from "./tbf.ts";
export type { FqCodelQdiscConfig } from "./fq_codel.ts";
export type { U32FilterConfig, U32Ip6Match, U32IpMatch, U32Key, U32Match } from "./u32.ts";
export type { BpfFilterConfig, BpfInsn } from "./bpf.ts";
export type { GactActionConfig } from "./gact.ts";
export type { MirredActionConfig } from "./mirred.ts";
export {
  addQdisc,
  type AddQdiscOptions,
  changeQdisc,
  type ClsactQdiscConfig,
  decodeQdisc,
  deleteQdisc,
  type DeleteQdiscOptions,
  type IngressQdiscConfig,
  listQdiscs,
  type Qdisc,
  type QdiscConfig,
  type QdiscPlacement,
  replaceQdisc,
} from "./qdisc.ts";
export {
  addClass,
  type AddClassOptions,
  changeClass,
  type ClassConfig,
  decodeClass,
  deleteClass,
  listClasses,
  replaceClass,
  type TcClass,
} from "./class.ts";
export {
  addFilter,
  type AddFilterOptions,
  changeFilter,
  decodeFilter,
  deleteFilter,
  type DeleteFilterOptions,
  ETH_P,
  type Filter,
  type FilterConfig,
  type FilterPlacement,
  listFilters,
  type ListFiltersOptions,
  replaceFilter,
} from "./filter.ts";
export {
  type Action,
  type ActionConfig,
  addAction,
  decodeAction,
  decodeActionList,
  deleteAction,
  listActions,
  type OtherActionConfig,
} from "./action.ts";
export {
  RTM_DELACTION,
  RTM_GETACTION,
  RTM_NEWACTION,
  type Tcamsg,
  type TcMirred,
} from "../../generated/tc.ts";

/** TCA_ROOT_* attributes of action messages (linux/rtnetlink.h): the generated `TcaRootAttrs`. */
export type ActionRootAttrs = tc.TcaRootAttrs;

/** The operations of the tc family, as generated: qdiscs, classes, filters, chains, actions. */
export type TcOperations = tc.Operations;

/**
 * The operations this module sends, from the generated tc tables: for `Rtnl.dump` and
 * `Rtnl.call` with attributes this module has no option for.
 *
 * @example
 * ```ts
 * import { Rtnl, tcOperations } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for await (const m of rt.dump(tcOperations.getqdisc)) console.log(m.attrs.kind);
 * ```
 */
export const tcOperations: TcOperations = tc.operations;
