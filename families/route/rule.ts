/**
 * Policy routing rules over rtnetlink (`ip rule`), IPv4 and IPv6.
 *
 * @example
 * ```ts
 * import { Rtnl, addRule, listRules } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await addRule(rt, { priority: 100, from: "10.0.0.0/8", table: 100 });
 * for (const r of await listRules(rt)) console.log(r.priority, r.from, r.table, r.action);
 * ```
 *
 * @module
 */
import type { DecodedMessage } from "../../codec/ynl/mod.ts";
import * as rtRule from "../generated/rt_rule.ts";
import { AF_INET, AF_INET6, formatIp, parsePrefix } from "./addr_text.ts";
import { byName, familyOf, nameOf, PROTOCOLS, TABLES, u32 } from "./_names.ts";
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

const FIB_RULE_INVERT = 2;

/** A rule, with the common fields pulled out of the message. */
export interface Rule {
  /** `AF_INET` (2) or `AF_INET6` (10). */
  family: number;
  /** Priority (preference); 0 when absent. */
  priority: number;
  /** Table number (`FRA_TABLE` when present). */
  table: number;
  /** Action name (`"table"`, `"goto"`, `"blackhole"`, …) or number. */
  action: string | number;
  /** Source prefix, `"addr/len"`; absent for all. */
  from?: string;
  /** Destination prefix. */
  to?: string;
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
  /** Protocol (who installed it). */
  protocol?: string | number;
  /** The selector is inverted (`not`). */
  not: boolean;
  /** The whole decoded message. */
  message: RuleMessage;
}

/** What {@link addRule} adds and {@link deleteRule} removes. */
export interface RuleSpec {
  /** `"inet"`/`"inet6"`/2/10; default from `from`/`to`, else IPv4. */
  family?: number | "inet" | "inet6";
  /** Priority (preference). */
  priority?: number;
  /** Table number or name: sets the action to `"table"` when no action is given. */
  table?: keyof typeof TABLES | number;
  /** Action (default `"table"`). */
  action?: keyof typeof RULE_ACTIONS | number;
  /** Source prefix. */
  from?: string;
  /** Destination prefix. */
  to?: string;
  /** Input interface name. */
  iif?: string;
  /** Output interface name. */
  oif?: string;
  /** Firewall mark. */
  fwmark?: number;
  /** Firewall mark mask. */
  fwmask?: number;
  /** Goto target priority (action goto). */
  goto?: number;
  /** Protocol. */
  protocol?: keyof typeof PROTOCOLS | number;
  /** Invert the selector (`ip rule add not …`). */
  not?: boolean;
}

/** Options for {@link listRules}. */
export interface ListRulesOptions {
  /** `"inet"`, `"inet6"` or the number; default both. */
  family?: number | "inet" | "inet6";
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
  const r: Rule = {
    family: h.family,
    priority: a.priority ?? 0,
    table: a.table ?? h.table,
    action: nameOf(RULE_ACTIONS, h.action) as string | number,
    not: (h.flags & FIB_RULE_INVERT) !== 0,
    message,
  };
  if (a.src) r.from = `${formatIp(a.src)}/${h.srcLen}`;
  if (a.dst) r.to = `${formatIp(a.dst)}/${h.dstLen}`;
  if (a.iifname !== undefined) r.iif = a.iifname;
  if (a.oifname !== undefined) r.oif = a.oifname;
  if (a.fwmark !== undefined) r.fwmark = a.fwmark;
  if (a.fwmask !== undefined) r.fwmask = a.fwmask;
  if (a.goto !== undefined) r.goto = a.goto;
  if (a.protocol !== undefined) r.protocol = nameOf(PROTOCOLS, a.protocol) as string | number;
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
export async function listRules(rt: Rtnl, options: ListRulesOptions = {}): Promise<Rule[]> {
  const family = familyOf(options.family, "Rule");
  const out: Rule[] = [];
  for await (
    const m of rt.dump(ruleOperations.getrule, {
      header: { family },
      signal: options.signal,
    })
  ) {
    if (family !== 0 && m.header.family !== family) continue;
    if (m.header.family !== AF_INET && m.header.family !== AF_INET6) continue;
    out.push(toRule(m));
  }
  return out;
}

function prepare(s: RuleSpec, forDelete: boolean) {
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
  let action = s.action === undefined ? undefined : byName(RULE_ACTIONS, s.action, "action");
  if (s.table !== undefined) {
    const table = byName(TABLES, s.table, "table", 0xffffffff);
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
  if (s.iif !== undefined) attrs.iifname = s.iif;
  if (s.oif !== undefined) attrs.oifname = s.oif;
  if (s.fwmark !== undefined) attrs.fwmark = u32(s.fwmark, "fwmark");
  if (s.fwmask !== undefined) attrs.fwmask = u32(s.fwmask, "fwmask");
  if (s.protocol !== undefined) attrs.protocol = byName(PROTOCOLS, s.protocol, "protocol");
  if (s.not) header.flags = FIB_RULE_INVERT;
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
  const { header, attrs } = prepare(spec, false);
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
  const { header, attrs } = prepare(spec, true);
  await rt.call(ruleOperations.delrule, { header, attrs });
}
