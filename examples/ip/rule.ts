/**
 * `ip rule show|add|del|flush` (iproute2's `print_rule`, `iprule_modify`, `iprule_flush`), on
 * the library's `listRules`, `addRule`, `deleteRule`, `flushRules`.
 *
 * @module
 */
import * as rtRoute from "../../families/generated/rt_route.ts";
import * as rtRule from "../../families/generated/rt_rule.ts";
import { formatIp, parsePrefix } from "../../families/route/addr_text.ts";
import { realmsOf } from "../../families/route/ip_words.ts";
import { nameOf, parseNumber } from "../../families/route/names.ts";
import {
  addRule,
  deleteRule,
  flushRules,
  listRules,
  type ListRulesOptions,
  type Rule,
  type RuleSpec,
} from "../../families/route/rule.ts";
import { Args, type Context, invarg, matches, nameText, UsageError } from "./cli.ts";
import { hex0x } from "./link_kinds.ts";

const { FR_ACT } = rtRule;

let protocols: Map<number, string> | undefined;

/** An IP protocol's name from the system's `/etc/protocols` (`getprotobynumber`). */
function ipProtocol(n: number): string {
  if (protocols === undefined) {
    protocols = new Map();
    try {
      const fs = (globalThis as {
        process?: { getBuiltinModule?(id: string): unknown };
      }).process?.getBuiltinModule?.("node:fs") as
        | { readFileSync(p: string, e: "utf8"): string }
        | undefined;
      for (const line of fs?.readFileSync("/etc/protocols", "utf8").split("\n") ?? []) {
        const m = /^\s*([^#\s]+)\s+(\d+)/.exec(line);
        if (m && !protocols.has(Number(m[2]))) protocols.set(Number(m[2]), m[1]);
      }
    } catch {
      // no /etc/protocols: numbers
    }
  }
  return protocols.get(n) ?? `ipproto-${n}`;
}

/** `print_rule` (`deleted`: an `ip monitor` deletion, printed as `Deleted …`). */
export function printRule(ctx: Context, rule: Rule, deleted = false): void {
  const { header: h, attrs: a } = rule.message;
  const p = ctx.p;
  const hostLen = h.family === 2 ? 32 : h.family === 10 ? 128 : -1;
  p.openObject();
  if (deleted) p.any("deleted", "Deleted ", true);
  const prio = a.priority ?? 0;
  p.any("priority", `${prio}:\t`, prio);
  if (rule.not) p.any("not", "not ", null);
  if (a.src) {
    const s = formatIp(a.src);
    p.text("from ");
    p.any("src", s, s);
    if (h.srcLen !== hostLen) p.any("srclen", `/${h.srcLen}`, h.srcLen);
  } else if (h.srcLen) {
    p.any("src", "from 0", "0");
    p.any("srclen", `/${h.srcLen}`, h.srcLen);
  } else p.any("src", "from all", "all");
  if (a.dst) {
    const s = formatIp(a.dst);
    p.text(" to ");
    p.any("dst", s, s);
    if (h.dstLen !== hostLen) p.any("dstlen", `/${h.dstLen}`, h.dstLen);
  } else if (h.dstLen) {
    p.any("dst", " to 0", "0");
    p.any("dstlen", `/${h.dstLen}`, h.dstLen);
  }
  if (h.tos) {
    const n = nameOf("dsfield", h.tos);
    const t = typeof n === "string" ? n : `0x${h.tos.toString(16).padStart(2, "0")}`;
    p.any("tos", ` tos ${t}`, t);
  }
  if (a.fwmark !== undefined || a.fwmask !== undefined) {
    const mark = a.fwmark ?? 0;
    p.any("fwmark", ` fwmark ${hex0x(mark)}`, hex0x(mark));
    const mask = a.fwmask;
    if (mask !== undefined && mask !== 0xffffffff) p.any("fwmask", `/${hex0x(mask)}`, hex0x(mask));
  }
  if (a.iifname !== undefined) {
    p.text(" iif ");
    p.any("iif", a.iifname, a.iifname);
    if (rule.flags.includes("iif_detached")) p.any("iif_detached", " [detached]", null);
  }
  if (a.oifname !== undefined) {
    p.text(" oif ");
    p.any("oif", a.oifname, a.oifname);
    if (rule.flags.includes("oif_detached")) p.any("oif_detached", " [detached]", null);
  }
  if (a.l3mdev) p.any("l3mdev", " lookup [l3mdev-table]", null);
  if (a.uidRange) {
    const { start, end } = a.uidRange;
    p.any("uid_start", ` uidrange ${start}`, start);
    p.any("uid_end", `-${end}`, end);
  }
  if (a.ipProto !== undefined) {
    const s = ipProtocol(a.ipProto);
    p.any("ipproto", ` ipproto ${s}`, s);
  }
  for (const [r, name] of [[a.sportRange, "sport"], [a.dportRange, "dport"]] as const) {
    if (!r) continue;
    if (r.start === r.end) p.any(name, ` ${name} ${r.start}`, r.start);
    else {
      p.any(`${name}_start`, ` ${name} ${r.start}`, r.start);
      p.any(`${name}_end`, `-${r.end}`, r.end);
    }
  }
  if (a.tunId !== undefined) p.any("tun_id", ` tun_id ${a.tunId}`, a.tunId);
  const table = a.table ?? h.table;
  if (table) {
    const t = nameText("table", table);
    p.any("table", ` lookup ${t}`, t);
    const sp = a.suppressPrefixlen;
    if (sp !== undefined && sp !== 0xffffffff) {
      p.any("suppress_prefixlen", ` suppress_prefixlength ${sp | 0}`, sp | 0);
    }
    const sg = a.suppressIfgroup;
    if (sg !== undefined && sg !== 0xffffffff) {
      const g = nameText("group", sg);
      p.any("suppress_ifgroup", ` suppress_ifgroup ${g}`, g);
    }
  }
  if (a.flow !== undefined) {
    const { from, to } = realmsOf(a.flow);
    if (from !== undefined) p.any("flow_from", ` realms ${from}/`, String(from));
    else p.text(" realms ");
    p.any("flow_to", String(to), String(to));
  }
  if (h.action === rtRoute.RTM_TYPE.NAT) {
    p.any("masquerade", " masquerade", null);
  } else if (h.action === FR_ACT.GOTO) {
    if (a.goto !== undefined) p.any("goto", ` goto ${a.goto}`, a.goto);
    else p.any("goto", " goto none", "none");
    if (rule.flags.includes("unresolved")) p.any("unresolved", " [unresolved]", null);
  } else if (h.action === FR_ACT.NOP) p.any("nop", " nop", null);
  else if (h.action !== FR_ACT.TO_TBL) {
    const s = nameText("type", h.action);
    p.any("action", ` ${s}`, s);
  }
  if (a.protocol !== undefined && ((a.protocol && a.protocol !== 2) || ctx.opts.details)) {
    const s = nameText("protocol", a.protocol);
    p.any("protocol", ` proto ${s}`, s);
  }
  p.text("\n");
  p.closeObject();
}

/**
 * The selectors of `ip rule show|flush` (`[not] [from P] [to P] [pref N] [table T] [iif D]
 * [oif D] [fwmark M[/K]] [tos T] [protocol P]`), as the library's {@link ListRulesOptions}.
 */
function ruleSelectors(ctx: Context, argv: string[]): ListRulesOptions {
  const family = ctx.opts.family || 2;
  const sel: ListRulesOptions = { family };
  const args = new Args(argv);
  const prefix = (v: string) => {
    let f = -1;
    try {
      f = parsePrefix(v).family;
    } catch { /* not a prefix */ }
    if (f !== family) {
      const what = family === 10 ? "inet6" : "inet";
      throw new UsageError(`Error: ${what} prefix is expected rather than "${v}".`, 1);
    }
    return v;
  };
  while (args.more) {
    const w = args.next();
    if (matches(w, "preference") || matches(w, "order") || matches(w, "priority")) {
      sel.priority = args.number("preference value is invalid\n");
    } else if (w === "not") sel.not = true;
    else if (w === "tos" || matches(w, "dsfield")) {
      sel.tos = args.named("dsfield", "TOS value is invalid\n");
    } else if (w === "fwmark") {
      const v = args.value();
      const [m, k] = v.split("/");
      sel.fwmark = parseNumber(m) ?? invarg("fwmark value is invalid\n", m);
      if (k !== undefined) sel.fwmask = parseNumber(k) ?? invarg("fwmask value is invalid\n", k);
    } else if (w === "dev" || w === "iif") sel.iif = args.value();
    else if (w === "oif") sel.oif = args.value();
    else if (matches(w, "lookup") || matches(w, "table")) {
      sel.table = args.named("table", "table id value is invalid\n");
    } else if (matches(w, "protocol")) {
      sel.protocol = args.named("protocol", 'invalid "protocol"\n');
    } else if (["l3mdev", "uidrange", "ipproto", "sport", "dport"].includes(w)) {
      throw new UsageError(`ip.ts: the "ip rule" selector "${w}" is not supported`, 1);
    } else {
      // ip: a bare prefix is a destination.
      const from = matches(w, "from") || matches(w, "src");
      const to = !from;
      const v = from || matches(w, "to") || matches(w, "dst") ? args.value() : w;
      if (v === "all" || v === "default" || v === "any") continue; // every rule, as ip
      if (to) sel.to = prefix(v);
      else sel.from = prefix(v);
    }
  }
  return sel;
}

/** `ip rule show [SELECTOR]`. */
export async function showRules(ctx: Context, argv: string[]): Promise<void> {
  const sel = ruleSelectors(ctx, argv);
  const p = ctx.p;
  p.start();
  for (const r of await listRules(ctx.rt, sel)) printRule(ctx, r);
  p.finish();
  ctx.flush();
}

/** `ip rule flush [SELECTOR]`: the rules selected, but priority 0. */
export async function flushRule(ctx: Context, argv: string[]): Promise<void> {
  await flushRules(ctx.rt, ruleSelectors(ctx, argv));
}

/** `ip rule add|del [not] [from P] [to P] [tos T] [fwmark M[/K]] [iif D] [oif D] [pref N] [table T] [ACTION]`. */
export async function modifyRule(ctx: Context, cmd: string, argv: string[]): Promise<void> {
  const add = cmd === "add";
  const spec: RuleSpec = {};
  if (ctx.opts.family) spec.family = ctx.opts.family;
  const args = new Args(argv);
  // Without a selector the kernel would delete the first rule (`from all lookup local`).
  if (!args.more) throw new UsageError(`"ip rule ${add ? "add" : "del"}" requires arguments.`, 1);
  const prefix = (v: string) => {
    try {
      parsePrefix(v);
    } catch {
      throw new UsageError(`Error: inet prefix is expected rather than "${v}".`, 1);
    }
    return v;
  };
  while (args.more) {
    const w = args.next();
    if (w === "not") spec.not = true;
    else if (w === "from" || w === "to") {
      const v = args.value();
      if (v === "all") continue;
      const pf = parsePrefix(prefix(v));
      const fam = spec.family === undefined
        ? undefined
        : spec.family === 2 || spec.family === "inet"
        ? 2
        : 10;
      if (fam !== undefined && fam !== pf.family) {
        throw new UsageError("Error: inconsistent address family.", 1);
      }
      spec.family = pf.family;
      if (w === "from") spec.from = v;
      else spec.to = v;
    } else if (w === "tos" || matches(w, "dsfield")) {
      spec.tos = args.named("dsfield", "TOS value is invalid\n");
    } else if (w === "fwmark") {
      const v = args.value();
      const [m, k] = v.split("/");
      spec.fwmark = parseNumber(m) ?? invarg("fwmark value is invalid\n", v);
      if (k !== undefined) spec.fwmask = parseNumber(k) ?? invarg("fwmask value is invalid\n", v);
    } else if (w === "iif" || w === "dev") spec.iif = args.value();
    else if (w === "oif") spec.oif = args.value();
    else if (matches(w, "preference") || matches(w, "order") || matches(w, "priority")) {
      spec.priority = args.number("preference value is invalid\n");
    } else if (matches(w, "table") || w === "lookup") {
      spec.table = args.named("table", "invalid table ID\n");
    } else if (w === "suppress_prefixlength") {
      spec.suppressPrefixlength = args.number("suppress_prefixlength value is invalid\n");
    } else if (matches(w, "protocol")) {
      spec.protocol = args.named("protocol", 'Invalid "protocol"\n');
    } else if (w === "goto") spec.goto = args.number("invalid fib rule goto target\n");
    else if (w === "nop" || w === "blackhole" || w === "unreachable" || w === "prohibit") {
      spec.action = w;
    } else invarg("Failed to parse rule type", w);
  }
  if (add && spec.table === undefined && spec.action === undefined && spec.goto === undefined) {
    spec.table = "main";
  }
  if (add) await addRule(ctx.rt, spec);
  else await deleteRule(ctx.rt, spec);
}
