/**
 * The selectors of `ip rule show|flush` (iproute2 6.1 ip/iprule.c `filter_nlmsg`), as a test
 * on decoded `RTM_NEWRULE` messages: what `listRules` and `flushRules` keep.
 *
 * @module
 */
import type { DecodedMessage } from "../../codec/ynl/mod.ts";
import type * as rtRule from "../generated/rt_rule.ts";
import { maskPrefix, parsePrefix, type Prefix } from "./addr_text.ts";
import { u32 } from "./_names.ts";
import { numberOf } from "./names.ts";

/** The selectors of `ip rule show` that {@link ruleSelector} applies. */
export interface RuleSelectors {
  /** Only the rule of this priority (`pref N`). */
  priority?: number;
  /** Only rules looking up this table, by name or number (`table T`). */
  table?: string | number;
  /**
   * Only rules of this prefix's family whose source lies inside it (`from P`: the rule's
   * source at least as long, and equal on the prefix's bits; a bare address is a /32 or /128).
   */
  from?: string;
  /** Only rules whose destination is inside this prefix (`to P`), as `from`. */
  to?: string;
  /** Only rules matching this input interface name (`iif D`). */
  iif?: string;
  /** Only rules matching this output interface name (`oif D`). */
  oif?: string;
  /** Only rules with this firewall mark (`fwmark M`). */
  fwmark?: number;
  /** With {@link RuleSelectors.fwmark}: and this mask (`fwmark M/K`). */
  fwmask?: number;
  /** Only inverted rules (`not`). */
  not?: boolean;
  /** Only rules with this TOS / DS field (`tos T`). */
  tos?: number;
}

type RuleMessage = DecodedMessage<rtRule.FibRuleHdr, rtRule.FibRuleAttrs>;

/** `FIB_RULE_INVERT` (linux/fib_rules.h; `RULE_FLAGS.invert` of rule.ts). */
const FIB_RULE_INVERT = 2;

/** iproute2's prefix test of a rule's source or destination (`inet_addr_match_rta`). */
function prefixKeeps(f: Prefix, family: number, len: number, addr?: Uint8Array) {
  if (f.family !== family || f.prefixlen > len) return false;
  if (addr === undefined) return true;
  const a = maskPrefix(addr, f.prefixlen), b = maskPrefix(f.bytes, f.prefixlen);
  return a.every((x, i) => x === b[i]);
}

/**
 * A test keeping the rules `sel` selects, or `undefined` when it selects every rule.
 *
 * @throws {TypeError} for a prefix, table or mark that is not one.
 */
export function ruleSelector(sel: RuleSelectors): ((m: RuleMessage) => boolean) | undefined {
  const tests: ((m: RuleMessage) => boolean)[] = [];
  if (sel.priority !== undefined) {
    const p = u32(sel.priority, "Rule priority");
    tests.push((m) => (m.attrs.priority ?? 0) === p);
  }
  if (sel.not) tests.push((m) => (m.header.flags & FIB_RULE_INVERT) !== 0);
  for (const key of ["from", "to"] as const) {
    const text = sel[key];
    if (text === undefined) continue;
    const f = parsePrefix(text);
    tests.push((m) =>
      key === "from"
        ? prefixKeeps(f, m.header.family, m.header.srcLen, m.attrs.src)
        : prefixKeeps(f, m.header.family, m.header.dstLen, m.attrs.dst)
    );
  }
  if (sel.tos !== undefined) {
    const tos = u32(sel.tos, "Rule tos");
    tests.push((m) => m.header.tos === tos);
  }
  if (sel.fwmark !== undefined) {
    const mark = u32(sel.fwmark, "Rule fwmark");
    const mask = sel.fwmask === undefined ? undefined : u32(sel.fwmask, "Rule fwmask");
    tests.push((m) =>
      (m.attrs.fwmark ?? 0) === mark && (mask === undefined || (m.attrs.fwmask ?? 0) === mask)
    );
  }
  if (sel.iif !== undefined) tests.push((m) => m.attrs.iifname === sel.iif);
  if (sel.oif !== undefined) tests.push((m) => m.attrs.oifname === sel.oif);
  if (sel.table !== undefined) {
    const t = numberOf("table", sel.table);
    tests.push((m) => (m.attrs.table ?? m.header.table) === t);
  }
  if (tests.length === 0) return undefined;
  return (m) => tests.every((t) => t(m));
}
