/**
 * `ip rule show|add|del` (iproute2's `print_rule`, `iprule_modify`). Rules are read and
 * written raw: the kernel's rt-rule spec types `FRA_SRC`/`FRA_DST` as u32, which cannot hold
 * IPv6 addresses.
 *
 * @module
 */
import * as rtRule from "../../families/generated/rt_rule.ts";
import { MessageBuilder, parseAttributes, readString } from "../../codec/attrs.ts";
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

const FRA = {
  DST: 1,
  SRC: 2,
  IIFNAME: 3,
  GOTO: 4,
  PRIORITY: 6,
  FWMARK: 10,
  FLOW: 11,
  TUN_ID: 12,
  SUPPRESS_IFGROUP: 13,
  SUPPRESS_PREFIXLEN: 14,
  TABLE: 15,
  FWMASK: 16,
  OIFNAME: 17,
  L3MDEV: 19,
  UID_RANGE: 20,
  PROTOCOL: 21,
  IP_PROTO: 22,
  SPORT_RANGE: 23,
  DPORT_RANGE: 24,
} as const;

const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const u32 = (b: Uint8Array) => dv(b).getUint32(0, true);

const IP_PROTOS: Record<number, string> = { 1: "icmp", 6: "tcp", 17: "udp", 58: "ipv6-icmp" };

/** `print_rule` over a raw `fib_rule_hdr` message. */
function printRule(ctx: Context, payload: Uint8Array): void {
  const p = ctx.p;
  const family = payload[0];
  const dstLen = payload[1];
  const srcLen = payload[2];
  const tos = payload[3];
  const hdrTable = payload[4];
  const action = payload[7];
  const flags = dv(payload).getUint32(8, true);
  const tb = new Map<number, Uint8Array>();
  for (const a of parseAttributes(payload, 12)) tb.set(a.type, a.data);
  const hostLen = family === 2 ? 32 : family === 10 ? 128 : -1;
  p.openObject();
  const prio = tb.has(FRA.PRIORITY) ? u32(tb.get(FRA.PRIORITY)!) : 0;
  p.any("priority", `${prio}:\t`, prio);
  if (flags & 2) p.any("not", "not ", null);
  const src = tb.get(FRA.SRC);
  if (src) {
    const s = formatIp(src);
    p.text("from ");
    p.any("src", s, s);
    if (srcLen !== hostLen) p.any("srclen", `/${srcLen}`, srcLen);
  } else if (srcLen) {
    p.any("src", "from 0", "0");
    p.any("srclen", `/${srcLen}`, srcLen);
  } else p.any("src", "from all", "all");
  const dst = tb.get(FRA.DST);
  if (dst) {
    const s = formatIp(dst);
    p.text(" to ");
    p.any("dst", s, s);
    if (dstLen !== hostLen) p.any("dstlen", `/${dstLen}`, dstLen);
  } else if (dstLen) {
    p.any("dst", " to 0", "0");
    p.any("dstlen", `/${dstLen}`, dstLen);
  }
  if (tos) {
    const t = `0x${tos.toString(16).padStart(2, "0")}`;
    p.any("tos", ` tos ${t}`, t);
  }
  const fwmark = tb.get(FRA.FWMARK);
  const fwmask = tb.get(FRA.FWMASK);
  if (fwmark || fwmask) {
    const mark = fwmark ? u32(fwmark) : 0;
    const mask = fwmask ? u32(fwmask) : 0;
    p.any("fwmark", ` fwmark ${hex0x(mark)}`, hex0x(mark));
    if (fwmask && mask !== 0xffffffff) p.any("fwmask", `/${hex0x(mask)}`, hex0x(mask));
  }
  const iif = tb.get(FRA.IIFNAME);
  if (iif) {
    const s = readString(iif);
    p.text(" iif ");
    p.any("iif", s, s);
    if (flags & 8) p.any("iif_detached", " [detached]", null);
  }
  const oif = tb.get(FRA.OIFNAME);
  if (oif) {
    const s = readString(oif);
    p.text(" oif ");
    p.any("oif", s, s);
    if (flags & 16) p.any("oif_detached", " [detached]", null);
  }
  const l3 = tb.get(FRA.L3MDEV);
  if (l3 && l3[0]) p.any("l3mdev", " lookup [l3mdev-table]", null);
  const uid = tb.get(FRA.UID_RANGE);
  if (uid) {
    const start = u32(uid);
    const end = dv(uid).getUint32(4, true);
    p.any("uid_start", ` uidrange ${start}`, start);
    p.any("uid_end", `-${end}`, end);
  }
  const ipp = tb.get(FRA.IP_PROTO);
  if (ipp) {
    const s = IP_PROTOS[ipp[0]] ?? String(ipp[0]);
    p.any("ipproto", ` ipproto ${s}`, s);
  }
  for (const [t, name] of [[FRA.SPORT_RANGE, "sport"], [FRA.DPORT_RANGE, "dport"]] as const) {
    const r = tb.get(t);
    if (!r) continue;
    const start = dv(r).getUint16(0, true);
    const end = dv(r).getUint16(2, true);
    if (start === end) p.any(name, ` ${name} ${start}`, start);
    else {
      p.any(`${name}_start`, ` ${name} ${start}`, start);
      p.any(`${name}_end`, `-${end}`, end);
    }
  }
  const tun = tb.get(FRA.TUN_ID);
  if (tun) {
    const v = dv(tun).getBigUint64(0, false);
    p.any("tun_id", ` tun_id ${v}`, v);
  }
  const table = tb.has(FRA.TABLE) ? u32(tb.get(FRA.TABLE)!) : hdrTable;
  if (table) {
    const t = tableName(table);
    p.any("table", ` lookup ${t}`, t);
    const sp = tb.get(FRA.SUPPRESS_PREFIXLEN);
    if (sp && (u32(sp) | 0) !== -1) {
      const v = u32(sp) | 0;
      p.any("suppress_prefixlen", ` suppress_prefixlength ${v}`, v);
    }
    const sg = tb.get(FRA.SUPPRESS_IFGROUP);
    if (sg && (u32(sg) | 0) !== -1) {
      const g = u32(sg) === 0 ? "default" : String(u32(sg));
      p.any("suppress_ifgroup", ` suppress_ifgroup ${g}`, g);
    }
  }
  const flow = tb.get(FRA.FLOW);
  if (flow) {
    const v = u32(flow);
    const from = v >>> 16;
    const to = v & 0xffff;
    const realm = (n: number) => (n === 0 ? "unknown" : String(n));
    if (from) p.any("flow_from", ` realms ${realm(from)}/`, realm(from));
    else p.text(" realms ");
    p.any("flow_to", realm(to), realm(to));
  }
  if (action === 10) {
    p.any("masquerade", " masquerade", null);
  } else if (action === 2) {
    const g = tb.get(FRA.GOTO);
    if (g) p.any("goto", ` goto ${u32(g)}`, u32(g));
    else p.any("goto", " goto none", "none");
    if (flags & 4) p.any("unresolved", " [unresolved]", null);
  } else if (action === 3) p.any("nop", " nop", null);
  else if (action !== 1) {
    const s = routeTypeName(action);
    p.any("action", ` ${s}`, s);
  }
  const proto = tb.get(FRA.PROTOCOL);
  if (proto) {
    const v = proto[0];
    if ((v && v !== 2) || ctx.opts.details) {
      const s = protocolName(v);
      p.any("protocol", ` proto ${s}`, s);
    }
  }
  p.text("\n");
  p.closeObject();
}

/** `ip rule show`. */
export async function showRules(ctx: Context, _argv: string[]): Promise<void> {
  const family = ctx.opts.family || 2;
  const p = ctx.p;
  p.start();
  for await (const m of ctx.dumpRaw(rtRule.operations.getrule, { header: { family } })) {
    if (m.payload[0] !== family) continue;
    printRule(ctx, m.payload);
  }
  p.finish();
  ctx.flush();
}

/** `ip rule add|del [not] [from P] [to P] [tos T] [fwmark M[/K]] [iif D] [oif D] [pref N] [table T] [ACTION]`. */
export async function modifyRule(ctx: Context, cmd: string, argv: string[]): Promise<void> {
  const add = cmd === "add";
  const hdr = new Uint8Array(12);
  let family = ctx.opts.family;
  let action = add ? 1 : 0;
  let flags = 0;
  let table = 0;
  const attrs: [number, Uint8Array][] = [];
  const u32b = (v: number) => {
    const b = new Uint8Array(4);
    dv(b).setUint32(0, v >>> 0, true);
    return b;
  };
  const str = (s: string) => new TextEncoder().encode(s + "\0");
  const args = new Args(argv);
  if (add && !args.more) throw new UsageError('"ip rule add" requires arguments.', 1);
  while (args.more) {
    const w = args.next();
    if (w === "not") flags |= 2;
    else if (w === "from" || w === "to") {
      const v = args.value(w);
      if (v === "all") continue;
      const pf = parsePrefix(v);
      if (family && family !== pf.family) {
        throw new UsageError("Error: inconsistent address family.", 1);
      }
      family = pf.family;
      hdr[w === "from" ? 2 : 1] = pf.prefixlen;
      attrs.push([w === "from" ? FRA.SRC : FRA.DST, pf.bytes]);
    } else if (w === "tos" || matches(w, "dsfield")) {
      hdr[3] = parseNumber(args.value(w), 255) ?? 0;
    } else if (w === "fwmark") {
      const [m, k] = args.value(w).split("/");
      attrs.push([FRA.FWMARK, u32b(parseNumber(m, 0xffffffff) ?? 0)]);
      if (k !== undefined) attrs.push([FRA.FWMASK, u32b(parseNumber(k, 0xffffffff) ?? 0)]);
    } else if (w === "iif" || w === "dev") attrs.push([FRA.IIFNAME, str(args.value(w))]);
    else if (w === "oif") attrs.push([FRA.OIFNAME, str(args.value(w))]);
    else if (matches(w, "preference") || matches(w, "order") || matches(w, "priority")) {
      const v = args.value(w);
      attrs.push([
        FRA.PRIORITY,
        u32b(parseNumber(v, 0xffffffff) ?? invarg("preference value is invalid\n", v)),
      ]);
    } else if (matches(w, "table") || w === "lookup") {
      const v = args.value(w);
      table = tableNumber(v) ?? invarg("invalid table ID\n", v);
      if (table < 256) hdr[4] = table;
      else attrs.push([FRA.TABLE, u32b(table)]);
      if (action === 0) action = 1;
    } else if (w === "suppress_prefixlength") {
      attrs.push([FRA.SUPPRESS_PREFIXLEN, u32b(Number(args.value(w)))]);
    } else if (matches(w, "protocol")) {
      const v = args.value(w);
      attrs.push([
        FRA.PROTOCOL,
        Uint8Array.of(protocolNumber(v) ?? invarg('Invalid "protocol"\n', v)),
      ]);
    } else if (w === "goto") {
      action = 2;
      attrs.push([FRA.GOTO, u32b(Number(args.value(w)))]);
    } else if (w === "nop") action = 3;
    else if (w === "blackhole") action = 6;
    else if (w === "unreachable") action = 7;
    else if (w === "prohibit") action = 8;
    else invarg("Failed to parse rule type", w);
  }
  if (!family) family = 2;
  if (add && !table && action === 1) hdr[4] = 254;
  hdr[0] = family;
  hdr[7] = action;
  dv(hdr).setUint32(8, flags, true);
  const type = add ? rtRule.RTM_NEWRULE : rtRule.RTM_DELRULE;
  const mb = new MessageBuilder(type, add ? NLM_F_CREATE | NLM_F_EXCL : 0);
  mb.raw(hdr);
  for (const [t, b] of attrs) mb.attr(t, b);
  await ctx.rt.socket.request(mb.finish(), { operation: add ? "newrule" : "delrule" });
}
