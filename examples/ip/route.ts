/**
 * `ip route show|get|add|del|replace` (iproute2's `print_route`, `iproute_modify`).
 *
 * @module
 */
import * as rtRoute from "../../families/generated/rt_route.ts";
import {
  buildMessage,
  decodeAttributeSet,
  decodeBody,
  type DecodedMessage,
} from "../../codec/ynl/mod.ts";
import { formatIp, parseIp, parsePrefix } from "../../families/route/addr_text.ts";
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from "../../codec/constants.ts";
import { Args, type Context, invarg, type LinkInfo, matches, UsageError } from "./cli.ts";
import {
  familyName,
  protocolName,
  protocolNumber,
  ROUTE_TYPES,
  routeTypeName,
  scopeName,
  scopeNumber,
  tableName,
  tableNumber,
} from "./names.ts";
import type { Printer } from "./json.ts";
import { hex0x } from "./link_kinds.ts";

/** A decoded `RTM_NEWROUTE` message. */
export type Route = DecodedMessage<rtRoute.Rtmsg, rtRoute.RouteAttrs>;

const RTM_F_CLONED = 0x200;
const RTM_F_NOTIFY = 0x100;
const RTM_F_OFFLOAD = 0x2000;
const RTM_F_TRAP = 0x4000;
const RTM_F_OFFLOAD_FAILED = 0x20000000;

/** iproute2's names of the `RTAX_*` metrics, in `RTAX_*` order (`RTAX_MTU` = 2 on). */
const MX: [keyof rtRoute.Metrics, string][] = [
  ["mtu", "mtu"],
  ["window", "window"],
  ["rtt", "rtt"],
  ["rttvar", "rttvar"],
  ["ssthresh", "ssthresh"],
  ["cwnd", "cwnd"],
  ["advmss", "advmss"],
  ["reordering", "reordering"],
  ["hoplimit", "hoplimit"],
  ["initcwnd", "initcwnd"],
  ["features", "features"],
  ["rtoMin", "rto_min"],
  ["initrwnd", "initrwnd"],
  ["quickack", "quickack"],
  ["ccAlgo", "congctl"],
  ["fastopenNoCookie", "fastopen_no_cookie"],
];

/** `print_rt_flags`. */
function printRtFlags(p: Printer, flags: number): void {
  p.openArray("flags", "");
  const f = (m: number, s: string) => {
    if (flags & m) p.any(null, `${s} `, s);
  };
  f(1, "dead");
  f(4, "onlink");
  f(2, "pervasive");
  f(8, "offload");
  f(64, "trap");
  f(RTM_F_NOTIFY, "notify");
  f(16, "linkdown");
  f(32, "unresolved");
  f(RTM_F_OFFLOAD, "rt_offload");
  f(RTM_F_TRAP, "rt_trap");
  f(RTM_F_OFFLOAD_FAILED, "rt_offload_failed");
  p.closeArray("");
}

function addr(family: number, b: Uint8Array): string {
  if ((family === 2 && b.length === 4) || (family === 10 && b.length === 16)) return formatIp(b);
  if (b.length === 4 || b.length === 16) return formatIp(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(":");
}

/** What `ip route show` filters on. */
export interface RouteFilter {
  /** Table id; 0 = all. */
  table: number;
  /** Cached routes: 0 (no), 1 (only), or 2 (any: route get). */
  cloned: number;
  /** Route type (`RTN_*`). */
  type?: number;
  /** Output device index. */
  oif?: number;
  /** Routing protocol (`RTPROT_*`). */
  protocol?: number;
  /** Scope (`RT_SCOPE_*`). */
  scope?: number;
  /** A prefix: `exact` for `exact`, otherwise routes containing it or inside it. */
  dst?: { bytes: Uint8Array; prefixlen: number; exact: boolean };
}

function inPrefix(b: Uint8Array, pfx: Uint8Array, len: number): boolean {
  if (b.length !== pfx.length) return false;
  for (let i = 0; i < len; i++) {
    const byte = i >> 3;
    const bit = 0x80 >> (i & 7);
    if ((b[byte] & bit) !== (pfx[byte] & bit)) return false;
  }
  return true;
}

/** `filter_nlmsg` (the parts ip.ts supports). */
function keep(ctx: Context, r: Route, f: RouteFilter): boolean {
  const h = r.header;
  const table = r.attrs.table ?? h.rtmTable;
  if (ctx.opts.family && h.rtmFamily !== ctx.opts.family) return false;
  if (f.cloned !== 2 && (f.cloned === 1) !== ((h.rtmFlags & RTM_F_CLONED) !== 0)) return false;
  if (f.table > 0 && f.table !== table) return false;
  if (f.type !== undefined && h.rtmType !== f.type) return false;
  if (f.protocol !== undefined && h.rtmProtocol !== f.protocol) return false;
  if (f.scope !== undefined && h.rtmScope !== f.scope) return false;
  if (f.oif !== undefined && (r.attrs.oif ?? 0) !== f.oif) return false;
  if (f.dst) {
    const d = f.dst;
    const dst = r.attrs.dst ?? new Uint8Array(d.bytes.length);
    if (d.exact) {
      if (h.rtmDstLen !== d.prefixlen || !inPrefix(dst, d.bytes, d.prefixlen)) return false;
    } else if (h.rtmDstLen > d.prefixlen || !inPrefix(d.bytes, dst, h.rtmDstLen)) return false;
  }
  return true;
}

/** `print_route`. */
export function printRoute(
  ctx: Context,
  links: Map<number, LinkInfo>,
  r: Route,
  f: RouteFilter,
): void {
  const p = ctx.p;
  const h = r.header;
  const a = r.attrs;
  const details = ctx.opts.details;
  const hostLen = h.rtmFamily === 2 ? 32 : h.rtmFamily === 10 ? 128 : -1;
  const table = a.table ?? h.rtmTable;
  const dev = (i: number) => links.get(i)?.name ?? `if${i}`;
  p.openObject();
  if (h.rtmType !== 1 || details) {
    const t = routeTypeName(h.rtmType);
    p.any("type", `${t} `, t);
  }
  let dst: string;
  if (a.dst) {
    dst = h.rtmDstLen !== hostLen
      ? `${addr(h.rtmFamily, a.dst)}/${h.rtmDstLen}`
      : addr(h.rtmFamily, a.dst);
  } else if (h.rtmDstLen) dst = `0/${h.rtmDstLen} `;
  else dst = "default";
  p.any("dst", `${dst} `, dst);
  if (a.src) {
    const s = h.rtmSrcLen !== hostLen
      ? `${addr(h.rtmFamily, a.src)}/${h.rtmSrcLen}`
      : addr(h.rtmFamily, a.src);
    p.any("from", `from ${s} `, s);
  } else if (h.rtmSrcLen) {
    p.any("src", `from 0/${h.rtmSrcLen} `, `0/${h.rtmSrcLen}`);
  }
  if (a.nhId !== undefined) p.any("nhid", `nhid ${a.nhId} `, a.nhId);
  if (h.rtmTos) {
    const t = `0x${h.rtmTos.toString(16).padStart(2, "0")}`;
    p.any("tos", `tos ${t} `, t);
  }
  if (a.gateway) {
    const g = addr(h.rtmFamily, a.gateway);
    p.jsonOnly("gateway", g);
    p.text(`via ${g} `);
  }
  if (a.via) printVia(p, a.via);
  if (a.oif !== undefined && f.oif === undefined) {
    p.jsonOnly("dev", dev(a.oif));
    p.text(`dev ${dev(a.oif)} `);
  }
  if (table && (table !== 254 || details) && !f.table) {
    const t = tableName(table);
    p.any("table", `table ${t} `, t);
  }
  if (!(h.rtmFlags & RTM_F_CLONED)) {
    if ((h.rtmProtocol !== 3 || details) && f.protocol === undefined) {
      const s = protocolName(h.rtmProtocol);
      p.any("protocol", `proto ${s} `, s);
    }
    if ((h.rtmScope !== 0 || details) && f.scope === undefined) {
      const s = scopeName(h.rtmScope);
      p.any("scope", `scope ${s} `, s);
    }
  }
  if (a.prefsrc) {
    const s = addr(h.rtmFamily, a.prefsrc);
    p.jsonOnly("prefsrc", s);
    p.text(`src ${s} `);
  }
  if (a.priority !== undefined) p.any("metric", `metric ${a.priority} `, a.priority);
  printRtFlags(p, h.rtmFlags);
  if (a.mark) {
    p.jsonOnly("mark", a.mark);
    p.text(a.mark >= 16 ? `mark 0x${a.mark.toString(16)} ` : `mark ${a.mark} `);
  }
  if (a.flow !== undefined) printFlow(p, a.flow);
  if (a.uid !== undefined) p.any("uid", `uid ${a.uid} `, a.uid);
  if (h.rtmFamily === 2) {
    if (h.rtmFlags & RTM_F_CLONED) printCacheFlags(p, h.rtmFlags);
    if (a.cacheinfo) printCacheinfo(ctx, a.cacheinfo);
  } else if (h.rtmFamily === 10 && a.cacheinfo) printCacheinfo(ctx, a.cacheinfo);
  if (a.metrics) printMetrics(p, a.metrics);
  if (a.iif !== undefined) {
    p.jsonOnly("iif", dev(a.iif));
    p.text(`iif ${dev(a.iif)} `);
  }
  if (a.pref !== undefined) {
    const s = a.pref === 3 ? "low" : a.pref === 0 ? "medium" : a.pref === 1 ? "high" : undefined;
    if (s) p.any("pref", `pref ${s}`, s);
    else p.any("pref", `${a.pref}`, a.pref);
  }
  if (a.ttlPropagate !== undefined) {
    p.jsonOnly("ttl-propogate", a.ttlPropagate !== 0);
    p.text(`ttl-propogate ${a.ttlPropagate ? "enabled" : "disabled"}`);
  }
  if (a.multipath) printMultipath(p, h, a.multipath, dev);
  p.text("\n");
  p.closeObject();
}

function printVia(p: Printer, via: Uint8Array): void {
  const fam = via[0] | (via[1] << 8);
  const host = addr(fam, via.subarray(2));
  p.openObject("via");
  p.jsonOnly("family", familyName(fam));
  p.jsonOnly("host", host);
  p.closeObject();
  p.text(`via ${familyName(fam)} ${host} `);
}

function printFlow(p: Printer, flow: number): void {
  const from = flow >>> 16;
  const to = flow & 0xffff;
  const realm = (n: number) => (n === 0 ? "unknown" : String(n));
  p.openObject("flow");
  if (from) p.jsonOnly("from", realm(from));
  p.jsonOnly("to", realm(to));
  p.closeObject();
  p.text(`realm${from ? "s" : ""} ${from ? realm(from) + "/" : ""}${realm(to)} `);
}

const RTCF: [number, string][] = [
  [0x80000000, "local"],
  [0x40000000, "reject"],
  [0x20000000, "mc"],
  [0x10000000, "brd"],
  [0x08000000, "dst-nat"],
  [0x04000000, "src-nat"],
  [0x02000000, "masq"],
  [0x01000000, "dst-direct"],
  [0x00800000, "src-direct"],
  [0x00400000, "redirected"],
  [0x00200000, "redirect"],
  [0x00100000, "fastroute"],
  [0x00020000, "notify"],
  [0x00010000, "proxy"],
];

function printCacheFlags(p: Printer, flagsIn: number): void {
  let flags = (flagsIn & ~0xffff) >>> 0;
  if (p.json) p.openArray("cache");
  else {
    p.text("\n    cache ");
    if (flags === 0) return;
    p.text("<");
  }
  for (const [m, s] of RTCF) {
    if (flags & m) {
      flags = (flags & ~m) >>> 0;
      p.jsonOnly(null, s);
      p.text(`${s}${flags ? "," : "> "}`);
    }
  }
  if (flags) p.any("flags", `${flags.toString(16)}>`, flags.toString(16));
  if (p.json) p.closeArray();
}

function printCacheinfo(ctx: Context, ci: rtRoute.RtaCacheinfo): void {
  const p = ctx.p;
  const hz = 100;
  if (ci.rtaExpires) {
    const v = Math.trunc((ci.rtaExpires | 0) / hz);
    p.any("expires", `expires ${v}sec `, v);
  }
  if (ci.rtaError) p.any("error", `error ${ci.rtaError} `, ci.rtaError);
  if (ctx.opts.stats) {
    if (ci.rtaClntref) p.any("users", `users ${ci.rtaClntref} `, ci.rtaClntref);
    if (ci.rtaUsed) p.any("used", `used ${ci.rtaUsed} `, ci.rtaUsed);
    if (ci.rtaLastuse) {
      const v = Math.trunc(ci.rtaLastuse / hz);
      p.any("age", `age ${v}sec `, v);
    }
  }
}

function printMetrics(p: Printer, mx: rtRoute.Metrics): void {
  const lock = mx.lock ?? 0;
  p.openArray("metrics", "");
  p.openObject();
  MX.forEach(([key, name], k) => {
    const i = k + 2; // RTAX_MTU
    const v = mx[key];
    if (v === undefined && !(lock & (1 << i))) return;
    let val = typeof v === "number" ? v : 0;
    if (key === "hoplimit" && (val | 0) === -1) return;
    p.text(`${name} ${lock & (1 << i) ? "lock " : ""}`);
    if (key === "features") {
      let feat = val;
      if (feat & 1) {
        p.any("ecn", "ecn ", null);
        feat &= ~1;
      }
      if (feat) p.any("features", `${hex0x(val)} `, hex0x(val));
    } else if (key === "rtt" || key === "rttvar" || key === "rtoMin") {
      if (key === "rtt") val = Math.trunc(val / 8);
      else if (key === "rttvar") val = Math.trunc(val / 4);
      p.jsonOnly(name, val);
      p.text(val >= 1000 ? `${val / 1e3}s ` : `${val}ms `);
    } else if (key === "ccAlgo") {
      const s = mx.ccAlgo ?? "";
      p.any("congestion", `${s} `, s);
    } else p.any(name, `${val} `, val);
  });
  p.closeObject();
  p.closeArray("");
}

function printMultipath(
  p: Printer,
  h: rtRoute.Rtmsg,
  data: Uint8Array,
  dev: (i: number) => string,
): void {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  p.openArray("nexthops", "");
  let off = 0;
  while (data.length - off >= 8) {
    const len = dv.getUint16(off, true);
    const flags = dv.getUint8(off + 2);
    const hops = dv.getUint8(off + 3);
    const ifindex = dv.getInt32(off + 4, true);
    if (len > data.length - off || len < 8) break;
    p.openObject();
    p.text("\n\tnexthop ");
    if (len > 8) {
      const nh = decodeAttributeSet(rtRoute.routeAttrs, data, off + 8, off + len);
      if (nh.gateway) {
        const g = addr(h.rtmFamily, nh.gateway);
        p.jsonOnly("gateway", g);
        p.text(`via ${g} `);
      }
      if (nh.via) printVia(p, nh.via);
      if (nh.flow !== undefined) printFlow(p, nh.flow);
    }
    p.any("dev", `dev ${dev(ifindex)} `, dev(ifindex));
    if (h.rtmFamily !== 28) p.any("weight", `weight ${hops + 1} `, hops + 1);
    printRtFlags(p, flags);
    p.closeObject();
    off += (len + 3) & ~3;
  }
  p.closeArray("");
}

/** `ip route show [table T] [type T] [dev D] [proto P] [scope S] [PREFIX]`. */
export async function showRoutes(ctx: Context, argv: string[]): Promise<void> {
  const f: RouteFilter = { table: 254, cloned: 0 };
  const args = new Args(argv);
  while (args.more) {
    const w = args.next();
    if (w === "show" || w === "list" || w === "lst") continue;
    if (matches(w, "table")) {
      const t = args.value(w);
      if (t === "all") f.table = 0;
      else if (t === "cache") f.cloned = 1;
      else {
        const n = tableNumber(t);
        if (n === undefined) invarg("table id value is invalid\n", t);
        f.table = n;
      }
    } else if (matches(w, "cached") || matches(w, "cloned")) f.cloned = 1;
    else if (w === "dev" || w === "oif") f.oif = await ctx.index(args.value(w));
    else if (matches(w, "protocol")) {
      const v = args.value(w);
      if (v !== "all") f.protocol = protocolNumber(v) ?? invarg('invalid "protocol"\n', v);
    } else if (matches(w, "scope")) {
      const v = args.value(w);
      if (v !== "all") f.scope = scopeNumber(v) ?? invarg('invalid "scope"\n', v);
    } else if (matches(w, "type")) {
      const v = args.value(w);
      const t = ROUTE_TYPES.indexOf(v);
      if (t < 0) invarg("node type value is invalid\n", v);
      f.type = t;
    } else {
      let v = w;
      let exact = false;
      if (matches(v, "to")) v = args.value(w);
      if (matches(v, "root") || matches(v, "match")) v = args.value(v);
      else if (matches(v, "exact")) {
        v = args.value(v);
        exact = true;
      }
      if (v === "all" || v === "default") {
        if (v === "default") f.dst = { bytes: new Uint8Array(4), prefixlen: 0, exact: true };
        continue;
      }
      const pf = parsePrefix(v);
      f.dst = { bytes: pf.bytes, prefixlen: pf.prefixlen, exact: exact || v.includes("/") };
    }
  }
  let family = ctx.opts.family;
  if (family === 0 && f.table) family = 2;
  const links = await ctx.links();
  const p = ctx.p;
  p.start();
  for await (
    const r of ctx.rt.dump(rtRoute.operations.getroute, { header: { rtmFamily: family } })
  ) {
    if (family && r.header.rtmFamily !== family) continue;
    if (!keep(ctx, r, f)) continue;
    printRoute(ctx, links, r, f);
    if (!p.json) ctx.flush();
  }
  p.finish();
  ctx.flush();
}

/** `ip route get ADDR [from A] [iif D] [oif D] [mark M]`. */
export async function getRoute(ctx: Context, argv: string[]): Promise<void> {
  const args = new Args(argv);
  const attrs: rtRoute.RouteAttrs = {};
  const header: Partial<rtRoute.Rtmsg> = { rtmFamily: ctx.opts.family };
  let fibmatch = false;
  while (args.more) {
    const w = args.next();
    if (w === "from") {
      const pf = parsePrefix(args.value(w));
      attrs.src = pf.bytes;
      header.rtmSrcLen = pf.prefixlen;
      header.rtmFamily ||= pf.family;
    } else if (w === "iif") attrs.iif = await ctx.index(args.value(w));
    else if (w === "oif" || w === "dev") attrs.oif = await ctx.index(args.value(w));
    else if (w === "mark") attrs.mark = Number(args.value(w));
    else if (w === "fibmatch") fibmatch = true;
    else {
      const v = w === "to" ? args.value(w) : w;
      const pf = parsePrefix(v);
      attrs.dst = pf.bytes;
      header.rtmDstLen = pf.prefixlen;
      header.rtmFamily ||= pf.family;
    }
  }
  if (!attrs.dst) throw new UsageError("need at least a destination address", 1);
  if (fibmatch) header.rtmFlags = 0x2000 /* RTM_F_FIB_MATCH */;
  const links = await ctx.links();
  const op = rtRoute.operations.getroute;
  const reply = await ctx.rt.socket.request(buildMessage(op, { header, attrs }), {
    operation: "getroute",
  });
  const p = ctx.p;
  p.start();
  if (reply.type === rtRoute.RTM_NEWROUTE) {
    const r = decodeBody(op, reply.payload);
    printRoute(ctx, links, r, { table: 0, cloned: 2 });
  }
  p.finish();
  ctx.flush();
}

/** `ip route add|del|replace|append|change …`. */
export async function modifyRoute(ctx: Context, cmd: string, argv: string[]): Promise<void> {
  const del = cmd === "del";
  const header: Partial<rtRoute.Rtmsg> = {
    rtmFamily: ctx.opts.family,
    rtmTable: 254,
    rtmProtocol: del ? 0 : 3,
    rtmScope: del ? 255 : 0,
    rtmType: del ? 0 : 1,
  };
  const attrs: rtRoute.RouteAttrs = {};
  const metrics: rtRoute.Metrics = {};
  let gw = false;
  let dstSet = false;
  let typeSet = false;
  let scopeSet = false;
  const nexthops: Uint8Array[] = [];
  const args = new Args(argv);
  const family = (f: number) => {
    if (!header.rtmFamily) header.rtmFamily = f;
    else if (header.rtmFamily !== f) throw new UsageError("Error: inconsistent address family.", 1);
  };
  while (args.more) {
    const w = args.next();
    if (w === "via") {
      const b = parseIp(args.value(w));
      family(b.length === 4 ? 2 : 10);
      attrs.gateway = b;
      gw = true;
    } else if (w === "dev" || w === "oif") attrs.oif = await ctx.index(args.value(w));
    else if (w === "src") attrs.prefsrc = parseIp(args.value(w));
    else if (matches(w, "table")) {
      const v = args.value(w);
      const t = tableNumber(v) ?? invarg('"table" value is invalid\n', v);
      if (t < 256) header.rtmTable = t;
      else {
        header.rtmTable = 0;
        attrs.table = t;
      }
    } else if (matches(w, "metric") || matches(w, "priority") || w === "preference") {
      attrs.priority = Number(args.value(w));
    } else if (matches(w, "protocol")) {
      const v = args.value(w);
      header.rtmProtocol = protocolNumber(v) ?? invarg('"protocol" value is invalid\n', v);
    } else if (matches(w, "scope")) {
      const v = args.value(w);
      header.rtmScope = scopeNumber(v) ?? invarg('invalid "scope" value\n', v);
      scopeSet = true;
    } else if (w === "mtu") metrics.mtu = Number(args.value(w));
    else if (w === "advmss") metrics.advmss = Number(args.value(w));
    else if (w === "hoplimit") metrics.hoplimit = Number(args.value(w));
    else if (w === "initcwnd") metrics.initcwnd = Number(args.value(w));
    else if (w === "window") metrics.window = Number(args.value(w));
    else if (w === "pref") {
      const v = args.value(w);
      attrs.pref = v === "low" ? 3 : v === "medium" ? 0 : v === "high" ? 1 : Number(v);
    } else if (w === "onlink") header.rtmFlags = (header.rtmFlags ?? 0) | 4;
    else if (w === "nexthop") {
      nexthops.push(await parseNexthop(ctx, args, family));
    } else if (ROUTE_TYPES.includes(w) && !dstSet) {
      header.rtmType = ROUTE_TYPES.indexOf(w);
      typeSet = true;
    } else {
      const v = w === "to" ? args.value(w) : w;
      if (v === "default" || v === "all") {
        header.rtmDstLen = 0;
      } else {
        const pf = parsePrefix(v);
        family(pf.family);
        attrs.dst = pf.bytes;
        header.rtmDstLen = pf.prefixlen;
      }
      dstSet = true;
    }
  }
  if (!header.rtmFamily) header.rtmFamily = 2;
  if (Object.keys(metrics).length) attrs.metrics = metrics;
  if (nexthops.length) {
    const total = nexthops.reduce((n, b) => n + b.length, 0);
    const mp = new Uint8Array(total);
    let o = 0;
    for (const b of nexthops) {
      mp.set(b, o);
      o += b.length;
    }
    attrs.multipath = mp;
  }
  if (del && !typeSet) header.rtmType = 0;
  if (!del || typeSet) {
    const t = header.rtmType!;
    if (!scopeSet) {
      if (t === 2 || t === 10) header.rtmScope = 254;
      else if (t === 3 || t === 5 || t === 4) header.rtmScope = 253;
      else if (t === 1 || t === 0) {
        if (del) header.rtmScope = 255;
        else if (!gw && !nexthops.length) header.rtmScope = 253;
      }
    }
  }
  const flags = cmd === "add"
    ? NLM_F_CREATE | NLM_F_EXCL
    : cmd === "replace"
    ? NLM_F_CREATE | NLM_F_REPLACE
    : cmd === "append"
    ? NLM_F_CREATE | NLM_F_APPEND
    : cmd === "change"
    ? NLM_F_REPLACE
    : 0;
  const op = del ? rtRoute.operations.delroute : rtRoute.operations.newroute;
  await ctx.rt.call(op, { header, attrs, flags });
}

async function parseNexthop(
  ctx: Context,
  args: Args,
  family: (f: number) => void,
): Promise<Uint8Array> {
  let ifindex = 0;
  let hops = 0;
  let flags = 0;
  let gateway: Uint8Array | undefined;
  while (args.more && args.peek() !== "nexthop") {
    const w = args.peek()!;
    if (w === "via") {
      args.next();
      gateway = parseIp(args.value(w));
      family(gateway.length === 4 ? 2 : 10);
    } else if (w === "dev") {
      args.next();
      ifindex = await ctx.index(args.value(w));
    } else if (matches(w, "weight")) {
      args.next();
      hops = Number(args.value(w)) - 1;
    } else if (w === "onlink") {
      args.next();
      flags |= 4;
    } else break;
  }
  const attrLen = gateway ? 4 + ((gateway.length + 3) & ~3) : 0;
  const out = new Uint8Array(8 + attrLen);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, out.length, true);
  dv.setUint8(2, flags);
  dv.setUint8(3, hops);
  dv.setInt32(4, ifindex, true);
  if (gateway) {
    dv.setUint16(8, 4 + gateway.length, true);
    dv.setUint16(10, 5, true);
    out.set(gateway, 12);
  }
  return out;
}
