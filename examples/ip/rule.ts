/**
 * `ip rule show|add|del` (iproute2's `print_rule`, `iprule_modify`) over the generated rt-rule
 * tables.
 *
 * @module
 */
import * as rtRule from "../../families/generated/rt_rule.ts";
import type { DecodedMessage } from "../../codec/ynl/mod.ts";
import { NLM_F_CREATE, NLM_F_EXCL } from "../../codec/constants.ts";
import { formatIp, parsePrefix } from "../../families/route/addr_text.ts";
import { Args, type Context, invarg, matches, UsageError } from "./cli.ts";
import {
  parseNumber,
  protocolName,
  protocolNumber,
  routeTypeName,
  tableName,
  tableNumber,
} from "./names.ts";
import { hex0x } from "./link_kinds.ts";

type Rule = DecodedMessage<rtRule.FibRuleHdr, rtRule.FibRuleAttrs>;

const { FR_ACT } = rtRule;
const FIB_RULE_INVERT = 2;
const FIB_RULE_UNRESOLVED = 4;
const FIB_RULE_IIF_DETACHED = 8;
const FIB_RULE_OIF_DETACHED = 16;

const IP_PROTOS: Record<number, string> = { 1: "icmp", 6: "tcp", 17: "udp", 58: "ipv6-icmp" };

/** `print_rule`. */
function printRule(ctx: Context, { header: h, attrs: a }: Rule): void {
  const p = ctx.p;
  const hostLen = h.family === 2 ? 32 : h.family === 10 ? 128 : -1;
  p.openObject();
  const prio = a.priority ?? 0;
  p.any("priority", `${prio}:\t`, prio);
  if (h.flags & FIB_RULE_INVERT) p.any("not", "not ", null);
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
    const t = `0x${h.tos.toString(16).padStart(2, "0")}`;
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
    if (h.flags & FIB_RULE_IIF_DETACHED) p.any("iif_detached", " [detached]", null);
  }
  if (a.oifname !== undefined) {
    p.text(" oif ");
    p.any("oif", a.oifname, a.oifname);
    if (h.flags & FIB_RULE_OIF_DETACHED) p.any("oif_detached", " [detached]", null);
  }
  if (a.l3mdev) p.any("l3mdev", " lookup [l3mdev-table]", null);
  if (a.uidRange) {
    const { start, end } = a.uidRange;
    p.any("uid_start", ` uidrange ${start}`, start);
    p.any("uid_end", `-${end}`, end);
  }
  if (a.ipProto !== undefined) {
    const s = IP_PROTOS[a.ipProto] ?? String(a.ipProto);
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
    const t = tableName(table);
    p.any("table", ` lookup ${t}`, t);
    const sp = a.suppressPrefixlen;
    if (sp !== undefined && sp !== 0xffffffff) {
      p.any("suppress_prefixlen", ` suppress_prefixlength ${sp | 0}`, sp | 0);
    }
    const sg = a.suppressIfgroup;
    if (sg !== undefined && sg !== 0xffffffff) {
      const g = sg === 0 ? "default" : String(sg);
      p.any("suppress_ifgroup", ` suppress_ifgroup ${g}`, g);
    }
  }
  if (a.flow !== undefined) {
    const from = a.flow >>> 16;
    const to = a.flow & 0xffff;
    const realm = (n: number) => (n === 0 ? "unknown" : String(n));
    if (from) p.any("flow_from", ` realms ${realm(from)}/`, realm(from));
    else p.text(" realms ");
    p.any("flow_to", realm(to), realm(to));
  }
  if (h.action === 10 /* RTN_NAT */) {
    p.any("masquerade", " masquerade", null);
  } else if (h.action === FR_ACT.GOTO) {
    if (a.goto !== undefined) p.any("goto", ` goto ${a.goto}`, a.goto);
    else p.any("goto", " goto none", "none");
    if (h.flags & FIB_RULE_UNRESOLVED) p.any("unresolved", " [unresolved]", null);
  } else if (h.action === FR_ACT.NOP) p.any("nop", " nop", null);
  else if (h.action !== FR_ACT.TO_TBL) {
    const s = routeTypeName(h.action);
    p.any("action", ` ${s}`, s);
  }
  if (a.protocol !== undefined && ((a.protocol && a.protocol !== 2) || ctx.opts.details)) {
    const s = protocolName(a.protocol);
    p.any("protocol", ` proto ${s}`, s);
  }
  p.text("\n");
  p.closeObject();
}

/** `ip rule show`. */
export async function showRules(ctx: Context, _argv: string[]): Promise<void> {
  const family = ctx.opts.family || 2;
  const p = ctx.p;
  p.start();
  for await (const r of ctx.rt.dump(rtRule.operations.getrule, { header: { family } })) {
    if (r.header.family === family) printRule(ctx, r);
  }
  p.finish();
  ctx.flush();
}

/** `ip rule add|del [not] [from P] [to P] [tos T] [fwmark M[/K]] [iif D] [oif D] [pref N] [table T] [ACTION]`. */
export async function modifyRule(ctx: Context, cmd: string, argv: string[]): Promise<void> {
  const add = cmd === "add";
  const header: Partial<rtRule.FibRuleHdr> = { action: add ? FR_ACT.TO_TBL : FR_ACT.UNSPEC };
  const attrs: rtRule.FibRuleAttrs = {};
  let family = ctx.opts.family;
  let table = 0;
  const u32 = (v: string) => parseNumber(v, 0xffffffff) ?? 0;
  const args = new Args(argv);
  if (add && !args.more) throw new UsageError('"ip rule add" requires arguments.', 1);
  while (args.more) {
    const w = args.next();
    if (w === "not") header.flags = FIB_RULE_INVERT;
    else if (w === "from" || w === "to") {
      const v = args.value(w);
      if (v === "all") continue;
      const pf = parsePrefix(v);
      if (family && family !== pf.family) {
        throw new UsageError("Error: inconsistent address family.", 1);
      }
      family = pf.family;
      if (w === "from") [header.srcLen, attrs.src] = [pf.prefixlen, pf.bytes];
      else [header.dstLen, attrs.dst] = [pf.prefixlen, pf.bytes];
    } else if (w === "tos" || matches(w, "dsfield")) {
      header.tos = parseNumber(args.value(w), 255) ?? 0;
    } else if (w === "fwmark") {
      const [m, k] = args.value(w).split("/");
      attrs.fwmark = u32(m);
      if (k !== undefined) attrs.fwmask = u32(k);
    } else if (w === "iif" || w === "dev") attrs.iifname = args.value(w);
    else if (w === "oif") attrs.oifname = args.value(w);
    else if (matches(w, "preference") || matches(w, "order") || matches(w, "priority")) {
      const v = args.value(w);
      attrs.priority = parseNumber(v, 0xffffffff) ?? invarg("preference value is invalid\n", v);
    } else if (matches(w, "table") || w === "lookup") {
      const v = args.value(w);
      table = tableNumber(v) ?? invarg("invalid table ID\n", v);
      if (table < 256) header.table = table;
      else attrs.table = table;
      if (header.action === FR_ACT.UNSPEC) header.action = FR_ACT.TO_TBL;
    } else if (w === "suppress_prefixlength") {
      attrs.suppressPrefixlen = Number(args.value(w)) >>> 0;
    } else if (matches(w, "protocol")) {
      const v = args.value(w);
      attrs.protocol = protocolNumber(v) ?? invarg('Invalid "protocol"\n', v);
    } else if (w === "goto") {
      header.action = FR_ACT.GOTO;
      attrs.goto = Number(args.value(w)) >>> 0;
    } else if (w === "nop") header.action = FR_ACT.NOP;
    else if (w === "blackhole") header.action = FR_ACT.BLACKHOLE;
    else if (w === "unreachable") header.action = FR_ACT.UNREACHABLE;
    else if (w === "prohibit") header.action = FR_ACT.PROHIBIT;
    else invarg("Failed to parse rule type", w);
  }
  header.family = family || 2;
  if (add && !table && header.action === FR_ACT.TO_TBL) header.table = 254;
  const op = add ? rtRule.operations.newrule : rtRule.operations.delrule;
  await ctx.rt.call(op, { header, attrs, flags: add ? NLM_F_CREATE | NLM_F_EXCL : 0 });
}
