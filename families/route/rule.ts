/**
 * Policy routing rules over rtnetlink (`ip rule`), IPv4 and IPv6.
 *
 * @example
 * ```ts
 * import { Rtnl, addRule, flushRules, listRules } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addRule(rt, { priority: 100, from: "10.0.0.0/8", table: 100 });
 * for (const r of await listRules(rt)) console.log(r.priority, r.from, r.table, r.action);
 * await flushRules(rt, { family: "inet", protocol: "static" });
 * ```
 *
 * @module
 */
import {
  type ConsistencyOptions,
  type DumpList,
  type DumpTracker,
  readConsistent,
} from "../../client/consistent.ts";
import type { DecodedMessage } from "../../codec/ynl/mod.ts";
import * as rtRule from "../generated/rt_rule.ts";
import * as rtLink from "../generated/rt_link.ts";
import { AF_INET, AF_INET6, parsePrefix } from "./addr_text.ts";
import { ipAttr } from "./_ip_attr.ts";
import { familyName, familyOf, TABLES, u32, withMessage } from "./_names.ts";
import { nameOf, numberOf } from "./names.ts";
import { checkRef, type LinkRef, notFound } from "./_link_util.ts";
import { ruleSelector, type RuleSelectors } from "./_rule_filter.ts";
import { newFlags, type NewOptions, type Rtnl } from "./rtnl.ts";

/** Rule attributes (`dst` / `src` are address bytes). */
export type RuleAttrs = rtRule.FibRuleAttrs;

/** A decoded `RTM_NEWRULE` message. */
export type RuleMessage = DecodedMessage<rtRule.FibRuleHdr, RuleAttrs>;

/** The rule operations (from the generated rt-rule tables). */
export const ruleOperations: rtRule.Operations = rtRule.operations;

/** Rule actions (linux/fib_rules.h `FR_ACT_*`), named as `ip rule` names them. */
export const RULE_ACTIONS = {
  unspec: 0,
  table: 1,
  goto: 2,
  nop: 3,
  blackhole: 6,
  unreachable: 7,
  prohibit: 8,
} as const;

/** `FIB_RULE_*` flags of `fib_rule_hdr.flags` (linux/fib_rules.h), by name. */
export const RULE_FLAGS = {
  permanent: 1,
  invert: 2,
  unresolved: 4,
  iif_detached: 8,
  oif_detached: 16,
} as const;

const FIB_RULE_INVERT = RULE_FLAGS.invert;

/**
 * A rule, with the common fields pulled out of the message: plain JSON data. `message` (the
 * decoded `RTM_NEWRULE`) is not enumerable.
 */
export interface Rule {
  /** `"inet"` or `"inet6"`. */
  family: string | number;
  /** Priority (preference); 0 when absent. */
  priority: number;
  /** Table name (from `rt_tables`) or number; 0 when the rule looks up no table. */
  table: string | number;
  /** Table number (`FRA_TABLE` when present). */
  tableId: number;
  /** Action name (`"table"`, `"goto"`, `"blackhole"`, …) or number. */
  action: string | number;
  /** Source prefix, `"addr/len"`; absent for all. */
  from?: string;
  /** Destination prefix. */
  to?: string;
  /** TOS / DS field. */
  tos: number;
  /** Input interface name. */
  iif?: string;
  /** Output interface name. */
  oif?: string;
  /** Firewall mark. */
  fwmark?: number;
  /** Firewall mark mask. */
  fwmask?: number;
  /** Target priority of a goto. */
  goto?: number;
  /** Protocol (who installed it), by iproute2's `rt_protos` name. */
  protocol?: string | number;
  /** The selector is inverted (`not`). */
  not: boolean;
  /** `FIB_RULE_*` names of the header's flags ({@link RULE_FLAGS}: `"unresolved"`…). */
  flags: string[];
  /** The whole decoded message (not enumerable). */
  readonly message: RuleMessage;
}

/** What {@link addRule} adds and {@link deleteRule} removes. */
export interface RuleSpec {
  /** `"inet"`/`"inet6"`/2/10; default from `from`/`to`, else IPv4. */
  family?: number | string;
  /** Priority (preference). */
  priority?: number;
  /** Table name or number: sets the action to `"table"` when no action is given. */
  table?: string | number;
  /** Action (default `"table"`). */
  action?: keyof typeof RULE_ACTIONS | number;
  /** Source prefix. */
  from?: string;
  /** Destination prefix. */
  to?: string;
  /** TOS / DS field (a number, or a name of iproute2's `rt_dsfield`). */
  tos?: number | string;
  /**
   * Input interface. The kernel matches names, so a name need not exist yet; an index is
   * looked up.
   */
  iif?: LinkRef;
  /** Output interface (as {@link RuleSpec.iif}). */
  oif?: LinkRef;
  /** Firewall mark. */
  fwmark?: number;
  /** Firewall mark mask. */
  fwmask?: number;
  /** Goto target priority (action goto). */
  goto?: number;
  /** Protocol. */
  protocol?: string | number;
  /** Invert the selector (`ip rule add not …`). */
  not?: boolean;
  /** Ignore routing decisions with a prefix this long or shorter (`suppress_prefixlength`). */
  suppressPrefixlength?: number;
}

/**
 * Options for {@link listRules} (and {@link flushRules}): the family, the protocol, and the
 * selectors of `ip rule show` ({@link RuleSelectors}: priority, table, from, to, iif, oif,
 * fwmark, not, tos).
 */
export interface ListRulesOptions extends RuleSelectors {
  /** `"inet"`, `"inet6"` or the number; default both. */
  family?: number | string;
  /** Only rules of this protocol (name or number). */
  protocol?: string | number;
  /** Cancel the dump. */
  signal?: AbortSignal;
}

/**
 * Turn a decoded `RTM_NEWRULE` message into a {@link Rule}.
 *
 * @example
 * ```ts
 * import { Rtnl, ruleOperations, toRule } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for await (const m of rt.dump(ruleOperations.getrule)) console.log(toRule(m).priority);
 * ```
 */
export function toRule(message: RuleMessage): Rule {
  const { header: h, attrs: a } = message;
  const tableId = a.table ?? h.table;
  const action = Object.entries(RULE_ACTIONS).find(([, v]) => v === h.action);
  const r: Rule = withMessage({
    family: familyName(h.family),
    priority: a.priority ?? 0,
    table: tableId === 0 ? 0 : nameOf("table", tableId),
    tableId,
    action: action ? action[0] : h.action,
    tos: h.tos,
    not: (h.flags & FIB_RULE_INVERT) !== 0,
    flags: Object.entries(RULE_FLAGS).filter(([, v]) => (h.flags & v) !== 0).map(([k]) => k),
  } as Omit<Rule, "message">, message);
  if (a.src) r.from = `${ipAttr(a.src, "FRA_SRC")}/${h.srcLen}`;
  if (a.dst) r.to = `${ipAttr(a.dst, "FRA_DST")}/${h.dstLen}`;
  if (a.iifname !== undefined) r.iif = a.iifname;
  if (a.oifname !== undefined) r.oif = a.oifname;
  if (a.fwmark !== undefined) r.fwmark = a.fwmark;
  if (a.fwmask !== undefined) r.fwmask = a.fwmask;
  if (a.goto !== undefined) r.goto = a.goto;
  if (a.protocol !== undefined) r.protocol = nameOf("protocol", a.protocol);
  return r;
}

/**
 * Routing rules (`ip rule show`; both families unless one is asked for).
 *
 * @example
 * ```ts
 * import { Rtnl, listRules } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * const v6 = await listRules(rt, { family: "inet6" });
 * ```
 */
export async function listRules(
  rt: Rtnl,
  options: ListRulesOptions & ConsistencyOptions = {},
): Promise<DumpList<Rule>> {
  return await readConsistent(
    "listRules",
    options,
    async (t) => (await ruleMessages(rt, options, t)).map((m) => toRule(m)),
  );
}

async function ruleMessages(
  rt: Rtnl,
  options: ListRulesOptions,
  tracker?: DumpTracker,
): Promise<RuleMessage[]> {
  const family = familyOf(options.family, "Rule");
  const protocol = options.protocol === undefined
    ? undefined
    : numberOf("protocol", options.protocol);
  const keep = ruleSelector(options);
  const out: RuleMessage[] = [];
  const dump = rt.dump(ruleOperations.getrule, { header: { family }, signal: options.signal });
  tracker?.track(dump);
  for await (const m of dump) {
    if (family !== 0 && m.header.family !== family) continue;
    if (m.header.family !== AF_INET && m.header.family !== AF_INET6) continue;
    if (protocol !== undefined && (m.attrs.protocol ?? 0) !== protocol) continue;
    if (keep !== undefined && !keep(m)) continue;
    out.push(m);
  }
  return out;
}

/**
 * Delete every rule with a priority other than 0 (`ip rule flush`: the `local` rule at 0
 * stays; `main` and `default` go), of one family or both, and of one protocol when given.
 * Resolves with the rules deleted.
 *
 * @example
 * ```ts
 * import { flushRules, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await flushRules(rt, { family: "inet6" });
 * ```
 */
export async function flushRules(rt: Rtnl, options: ListRulesOptions = {}): Promise<Rule[]> {
  const deleted: Rule[] = [];
  for (const m of await ruleMessages(rt, options)) {
    if (m.attrs.priority === undefined) continue; // priority 0: the kernel sends none
    try {
      await rt.call(ruleOperations.delrule, { header: m.header, attrs: m.attrs });
      deleted.push(toRule(m));
    } catch (e) {
      if ((e as { code?: string }).code !== "ENOENT") throw e;
    }
  }
  return deleted;
}

/** A rule's interface as the kernel matches it: by name (an index is looked up). */
async function ifname(rt: Rtnl, ref: LinkRef): Promise<string> {
  const o = checkRef(ref);
  if ("name" in o) return o.name;
  try {
    const m = await rt.call(rtLink.operations.getlink, { header: { ifiIndex: o.index } });
    return m!.attrs.ifname!;
  } catch (e) {
    throw notFound(e, ref);
  }
}

async function prepare(rt: Rtnl, s: RuleSpec, forDelete: boolean) {
  if (s === null || typeof s !== "object") throw new TypeError("Expected a rule spec");
  let family = familyOf(s.family, "Rule");
  const attrs: RuleAttrs = {};
  const header: Partial<rtRule.FibRuleHdr> = {};
  for (const [key, text] of [["src", s.from], ["dst", s.to]] as const) {
    if (text === undefined) continue;
    const p = parsePrefix(text);
    if (family !== 0 && p.family !== family) {
      throw new TypeError(`Rule ${key === "src" ? "from" : "to"} "${text}" is of another family`);
    }
    family = p.family;
    if (p.prefixlen > 0) {
      attrs[key] = p.bytes;
      header[key === "src" ? "srcLen" : "dstLen"] = p.prefixlen;
    }
  }
  if (family === 0) family = AF_INET;
  header.family = family;
  let action: number | undefined;
  if (s.action !== undefined) {
    action = typeof s.action === "number" ? u32(s.action, "action") : RULE_ACTIONS[s.action];
    if (action === undefined) {
      throw new TypeError(
        `Unknown rule action "${s.action}": use ${Object.keys(RULE_ACTIONS).join(", ")}`,
      );
    }
  }
  if (s.table !== undefined) {
    const table = numberOf("table", s.table);
    header.table = table < 256 ? table : TABLES.unspec;
    attrs.table = table;
    action ??= RULE_ACTIONS.table;
  }
  if (s.goto !== undefined) {
    attrs.goto = u32(s.goto, "goto");
    action ??= RULE_ACTIONS.goto;
  }
  if (action === undefined && !forDelete) {
    throw new TypeError("A rule needs a table, a goto or an action");
  }
  header.action = action ?? 0;
  if (s.priority !== undefined) attrs.priority = u32(s.priority, "priority");
  if (s.iif !== undefined) attrs.iifname = await ifname(rt, s.iif);
  if (s.oif !== undefined) attrs.oifname = await ifname(rt, s.oif);
  if (s.tos !== undefined) header.tos = numberOf("dsfield", s.tos);
  if (s.fwmark !== undefined) attrs.fwmark = u32(s.fwmark, "fwmark");
  if (s.fwmask !== undefined) attrs.fwmask = u32(s.fwmask, "fwmask");
  if (s.protocol !== undefined) attrs.protocol = numberOf("protocol", s.protocol);
  if (s.not) header.flags = FIB_RULE_INVERT;
  if (s.suppressPrefixlength !== undefined) {
    attrs.suppressPrefixlen = u32(s.suppressPrefixlength, "suppressPrefixlength");
  }
  return { header, attrs };
}

/**
 * Add a rule (`ip rule add`); `EEXIST` when an identical rule exists.
 *
 * @example
 * ```ts
 * import { Rtnl, addRule } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addRule(rt, { priority: 1000, fwmark: 0x10, fwmask: 0xff, table: 1010 });
 * await addRule(rt, { priority: 1001, to: "2001:db8::/32", action: "unreachable" });
 * ```
 */
export async function addRule(rt: Rtnl, spec: RuleSpec, options: NewOptions = {}): Promise<void> {
  const { header, attrs } = await prepare(rt, spec, false);
  await rt.call(ruleOperations.newrule, {
    header,
    attrs,
    flags: newFlags(options, { create: true, exclusive: true }),
  });
}

/**
 * Delete the first rule matching the spec (`ip rule del`); `ENOENT` when none does.
 *
 * @example
 * ```ts
 * import { Rtnl, deleteRule } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await deleteRule(rt, { priority: 1000 });
 * ```
 */
export async function deleteRule(rt: Rtnl, spec: RuleSpec): Promise<void> {
  const { header, attrs } = await prepare(rt, spec, true);
  await rt.call(ruleOperations.delrule, { header, attrs });
}
