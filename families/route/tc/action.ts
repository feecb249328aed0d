/**
 * Actions (`tc actions`): the configuration of each kind, actions as listed, and the standalone
 * action table (RTM_NEWACTION, RTM_DELACTION, RTM_GETACTION with struct tcamsg and TCA_ROOT_*).
 * Filters carry the same action lists inline (TCA_U32_ACT, TCA_BPF_ACT…).
 *
 * @example
 * ```ts
 * import { addAction, listActions, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addAction(rt, { kind: "gact", action: "drop", index: 7 });
 * for (const a of await listActions(rt, "gact")) console.log(a.index, a.config);
 * ```
 *
 * @module
 */
import {
  type ConsistencyOptions,
  type DumpList,
  readConsistent,
} from "../../../client/consistent.ts";
import * as tc from "../../generated/tc.ts";
import { INDEXES } from "../../../codec/ynl/mod.ts";
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from "../../../codec/constants.ts";
import type { Rtnl } from "../rtnl.ts";
import { decodeGact, encodeGact, type GactActionConfig } from "./gact.ts";
import { decodeMirred, encodeMirred, type MirredActionConfig } from "./mirred.ts";
import { linkNameMap } from "../_link_util.ts";
import { ifindexOf, statistics, type TcStatistics } from "./object.ts";

/** Any other action kind; `options` as the spec tables encode TCA_ACT_OPTIONS. */
export interface OtherActionConfig {
  /** Kind, as `tc` names it. */
  kind: string;
  /** TCA_ACT_OPTIONS. */
  options?: unknown;
  /** Index in the action table. */
  index?: number;
}

/** Configuration of an action, by kind. */
export type ActionConfig = GactActionConfig | MirredActionConfig | OtherActionConfig;

/**
 * An action as listed (standalone, or attached to a filter): plain JSON data. `message` (its
 * attributes as decoded by the spec tables) is not enumerable.
 */
export interface Action {
  /** Kind. */
  kind: string;
  /** Index in the action table of its kind. */
  index: number;
  /** Position in its list (1-based), as in the kernel's TCA_ACT_TAB. */
  order: number;
  /** Decoded configuration. */
  config: ActionConfig;
  /** References to it. */
  refcnt?: number;
  /** Filters bound to it. */
  bindcnt?: number;
  /** Statistics. */
  stats?: TcStatistics;
  /** Every attribute as decoded by the spec tables (not enumerable). */
  readonly message: tc.ActAttrs;
}

/** The attributes of one action (TCA_ACT_*), resolving a mirred target device by name. */
export async function encodeAction(rt: Rtnl, a: ActionConfig): Promise<tc.ActAttrs> {
  if (a.kind === "gact") return { kind: "gact", options: encodeGact(a as GactActionConfig) };
  if (a.kind === "mirred") {
    const m = a as MirredActionConfig;
    return { kind: "mirred", options: encodeMirred(m, await ifindexOf(rt, m.dev)) };
  }
  const o = a as OtherActionConfig;
  const out: tc.ActAttrs = { kind: o.kind };
  if (o.options !== undefined) out.options = o.options as tc.ActAttrs["options"];
  if (o.index !== undefined) out.index = o.index;
  return out;
}

/** The attributes of a list of actions (TCA_*_ACT of filters, TCA_ROOT_TAB), in order. */
export async function encodeActions(
  rt: Rtnl,
  list: ActionConfig[] | undefined,
): Promise<tc.ActAttrs[] | undefined> {
  return list === undefined ? undefined : await Promise.all(list.map((a) => encodeAction(rt, a)));
}

/** The generic part of an action's parameters (`tc_gen` of linux/pkt_cls.h). */
interface TcGen {
  index: number;
  refcnt: number;
  bindcnt: number;
}

/** Decode one action at position `order` of its list; `names` names mirred's device. */
export function decodeAction(
  a: tc.ActAttrs,
  order: number,
  names?: ReadonlyMap<number, string>,
): Action {
  const kind = a.kind ?? "";
  const k = a as tc.ActAttrsByKind;
  let config: ActionConfig = a.options === undefined ? { kind } : { kind, options: a.options };
  let gen: TcGen | undefined;
  if (k.kind === "gact" && k.options?.parms !== undefined) {
    gen = k.options.parms;
    config = decodeGact(k.options.parms);
  } else if (k.kind === "mirred" && k.options?.parms !== undefined) {
    gen = k.options.parms;
    config = decodeMirred(k.options.parms, names);
  }
  const out = { kind, index: a.index ?? gen?.index ?? 0, order, config } as Action;
  Object.defineProperty(out, "message", { value: a, enumerable: false });
  if (gen !== undefined) {
    out.refcnt = gen.refcnt;
    out.bindcnt = gen.bindcnt;
  }
  const stats = statistics(a.stats, undefined);
  if (stats !== undefined) out.stats = stats;
  return out;
}

/** Decode a list of actions, each with its position as the kernel numbered it. */
export function decodeActionList(
  list: tc.ActAttrs[] | undefined,
  names?: ReadonlyMap<number, string>,
): Action[] {
  if (list === undefined) return [];
  const idx = (list as { [INDEXES]?: number[] })[INDEXES];
  return list.map((a, i) => decodeAction(a, idx?.[i] ?? i + 1, names));
}

/**
 * List the actions of one kind (`tc -s actions list action KIND`), standalone and bound to
 * filters alike.
 *
 * @example
 * ```ts
 * import { Rtnl, listActions } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for (const a of await listActions(rt, "mirred")) console.log(a.index, a.config, a.stats);
 * ```
 */
export async function listActions(
  rt: Rtnl,
  kind: string,
  options: { signal?: AbortSignal } & ConsistencyOptions = {},
): Promise<DumpList<Action>> {
  return await readConsistent("listActions", options, async (t) => {
    const names = await linkNameMap(rt, options.signal, t);
    const out: Action[] = [];
    const dump = t.track(rt.dump(tc.operations.getaction, {
      attrs: { tab: [{ kind }] },
      signal: options.signal,
    }));
    for await (const m of dump) out.push(...decodeActionList(m.attrs.tab, names));
    return out;
  });
}

/**
 * Add a standalone action (`tc actions add action …`), to be shared by filters through its
 * index. The kernel wants CAP_NET_ADMIN in the initial user namespace for this (`EPERM`
 * otherwise), unlike actions given inline to filters.
 *
 * @example
 * ```ts
 * import { Rtnl, addAction } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addAction(rt, { kind: "gact", action: "drop", index: 7 });
 * ```
 */
export async function addAction(
  rt: Rtnl,
  action: ActionConfig,
  options: { replace?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  // struct tcamsg stays zero: tca_family AF_UNSPEC.
  await rt.call(tc.operations.newaction, {
    attrs: { tab: [await encodeAction(rt, action)] },
    flags: NLM_F_CREATE | (options.replace ? NLM_F_REPLACE : NLM_F_EXCL),
    signal: options.signal,
  });
}

/**
 * Delete a standalone action by kind and index (`tc actions del action KIND index N`).
 *
 * @example
 * ```ts
 * import { Rtnl, deleteAction } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await deleteAction(rt, "gact", 7);
 * ```
 */
export async function deleteAction(
  rt: Rtnl,
  kind: string,
  index: number,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  await rt.call(tc.operations.delaction, {
    attrs: { tab: [{ kind, index }] },
    signal: options.signal,
  });
}
