/**
 * `ip route show|get|add|del|replace|append|change|prepend|flush` (iproute2's `print_route`,
 * `iproute_modify`, `iproute_flush`): selectors and options parsed here, everything else by
 * the library (`streamRoutes`, `getRoute`, `addRoute`, `deleteRoute`, `flushRoutes`).
 *
 * @module
 */
import * as rtRoute from "../../families/generated/rt_route.ts";
import { formatIp, parsePrefix } from "../../families/route/addr_text.ts";
import {
  type Realms,
  ROUTE_CACHE_FLAGS,
  ROUTE_FLAG_WORDS,
  ROUTE_METRIC_WORDS,
  type RouteVia,
} from "../../families/route/ip_words.ts";
import { numberOf as numberOfDb } from "../../families/route/names.ts";
import {
  addRoute,
  deleteRoute,
  flushRoutes,
  getRoute,
  type NexthopSpec,
  type Route,
  type RouteSelectors,
  type RouteSpec,
  streamRoutes,
} from "../../families/route/route.ts";
import {
  Args,
  type Context,
  garbage,
  invarg,
  type LinkInfo,
  matches,
  nameText,
  UsageError,
} from "./cli.ts";
import type { Printer } from "./json.ts";
import { hex0x } from "./link_kinds.ts";
import { address } from "./link_cmd.ts";

const { RTM_FLAGS } = rtRoute;

/** The library's route flag words in ip's order, listed once (printed for every route). */
const FLAG_WORDS = Object.entries(ROUTE_FLAG_WORDS);

/** `print_rt_flags`, with the library's words in ip's order. */
function printRtFlags(p: Printer, flags: number): void {
  p.openArray("flags", "");
  if (flags) { for (const [s, m] of FLAG_WORDS) if (flags & m) p.any(null, `${s} `, s); }
  p.closeArray("");
}

function addr(family: number, b: Uint8Array): string {
  if ((family === 2 && b.length === 4) || (family === 10 && b.length === 16)) return formatIp(b);
  if (b.length === 4 || b.length === 16) return formatIp(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(":");
}

/** What `ip route show` was asked for, as far as it changes what is printed. */
export interface RouteFilter {
  /** Table id; 0 = all. */
  table: number;
  /** Cached routes: 0 (no), 1 (only), or 2 (any: route get). */
  cloned: number;
  /** `dev` was given: the device is not printed. */
  oif?: boolean;
  /** `proto` was given: the protocol is not printed. */
  protocol?: boolean;
  /** `scope` was given: the scope is not printed. */
  scope?: boolean;
  /** `via` was given a host address: the gateway is not printed. */
  via?: boolean;
  /** `src` was given a host address: the preferred source is not printed. */
  src?: boolean;
  /** `metric` was given: the metric is not printed. */
  metric?: boolean;
  /** A deletion (`ip monitor`): printed as `Deleted …`. */
  deleted?: boolean;
}

/** `print_route`. */
export function printRoute(
  ctx: Context,
  links: Map<number, LinkInfo>,
  route: Route,
  f: RouteFilter,
): void {
  const p = ctx.p;
  const h = route.message.header;
  const a = route.message.attrs;
  const details = ctx.opts.details;
  const hostLen = h.rtmFamily === 2 ? 32 : h.rtmFamily === 10 ? 128 : -1;
  const table = a.table ?? h.rtmTable;
  const dev = (i: number) => links.get(i)?.name ?? `if${i}`;
  p.openObject();
  if (f.deleted) p.any("deleted", "Deleted ", true);
  if (h.rtmType !== 1 || details) {
    const t = nameText("type", h.rtmType);
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
  if (a.gateway && !f.via) {
    const g = addr(h.rtmFamily, a.gateway);
    p.jsonOnly("gateway", g);
    p.text(`via ${g} `);
  }
  if (route.via) printVia(p, route.via);
  if (a.oif !== undefined && !f.oif) {
    p.jsonOnly("dev", dev(a.oif));
    p.text(`dev ${dev(a.oif)} `);
  }
  if (table && (table !== 254 || details) && !f.table) {
    const t = nameText("table", table);
    p.any("table", `table ${t} `, t);
  }
  if (!(h.rtmFlags & RTM_FLAGS.CLONED)) {
    if ((h.rtmProtocol !== 3 || details) && !f.protocol) {
      const s = nameText("protocol", h.rtmProtocol);
      p.any("protocol", `proto ${s} `, s);
    }
    if ((h.rtmScope !== 0 || details) && !f.scope) {
      const s = nameText("scope", h.rtmScope);
      p.any("scope", `scope ${s} `, s);
    }
  }
  if (a.prefsrc && !f.src) {
    const s = addr(h.rtmFamily, a.prefsrc);
    p.jsonOnly("prefsrc", s);
    p.text(`src ${s} `);
  }
  if (a.priority !== undefined && !f.metric) {
    p.any("metric", `metric ${a.priority} `, a.priority);
  }
  printRtFlags(p, h.rtmFlags);
  if (a.mark) {
    p.jsonOnly("mark", a.mark);
    p.text(a.mark >= 16 ? `mark 0x${a.mark.toString(16)} ` : `mark ${a.mark} `);
  }
  if (route.realms) printFlow(p, route.realms);
  if (a.uid !== undefined) p.any("uid", `uid ${a.uid} `, a.uid);
  if (h.rtmFamily === 2) {
    if (h.rtmFlags & RTM_FLAGS.CLONED) printCacheFlags(p, h.rtmFlags);
    if (a.cacheinfo) printCacheinfo(ctx, a.cacheinfo);
  } else if (h.rtmFamily === 10 && a.cacheinfo) printCacheinfo(ctx, a.cacheinfo);
  if (a.metrics) printMetrics(p, a.metrics);
  if (a.iif !== undefined) {
    p.jsonOnly("iif", dev(a.iif));
    p.text(`iif ${dev(a.iif)} `);
  }
  if (route.pref !== undefined) {
    if (typeof route.pref === "string") p.any("pref", `pref ${route.pref}`, route.pref);
    else p.any("pref", `${route.pref}`, route.pref);
  }
  if (a.ttlPropagate !== undefined) {
    p.jsonOnly("ttl-propogate", a.ttlPropagate !== 0);
    p.text(`ttl-propogate ${a.ttlPropagate ? "enabled" : "disabled"}`);
  }
  if (route.nexthops) printMultipath(p, h, route, dev);
  p.text("\n");
  p.closeObject();
}

function printVia(p: Printer, via: RouteVia): void {
  const name = String(via.family);
  p.openObject("via");
  p.jsonOnly("family", name);
  p.jsonOnly("host", via.host);
  p.closeObject();
  p.text(`via ${name} ${via.host} `);
}

function printFlow(p: Printer, realms: Realms): void {
  const from = realms.from === undefined ? undefined : String(realms.from);
  const to = String(realms.to);
  p.openObject("flow");
  if (from !== undefined) p.jsonOnly("from", from);
  p.jsonOnly("to", to);
  p.closeObject();
  p.text(`realm${from !== undefined ? "s" : ""} ${from !== undefined ? from + "/" : ""}${to} `);
}

function printCacheFlags(p: Printer, flagsIn: number): void {
  let flags = (flagsIn & ~0xffff) >>> 0;
  if (p.json) p.openArray("cache");
  else {
    p.text("\n    cache ");
    if (flags === 0) return;
    p.text("<");
  }
  for (const [s, m] of Object.entries(ROUTE_CACHE_FLAGS)) {
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
  ROUTE_METRIC_WORDS.forEach(([key, name], k) => {
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
  route: Route,
  dev: (i: number) => string,
): void {
  p.openArray("nexthops", "");
  for (const nh of route.nexthops ?? []) {
    p.openObject();
    p.text("\n\tnexthop ");
    if (nh.gateway !== undefined) {
      p.jsonOnly("gateway", nh.gateway);
      p.text(`via ${nh.gateway} `);
    }
    const d = nh.dev ?? dev(nh.ifindex);
    p.any("dev", `dev ${d} `, d);
    p.any("weight", `weight ${nh.weight} `, nh.weight);
    let bits = 0;
    for (const f of nh.flags) {
      bits |= ROUTE_FLAG_WORDS[f] ?? 0;
    }
    printRtFlags(p, bits);
    p.closeObject();
  }
  void h;
  p.closeArray("");
}

/** The selectors of `ip route show|flush` (and what they hide from the printout). */
async function parseSelectors(
  ctx: Context,
  argv: string[],
): Promise<{ sel: RouteSelectors; f: RouteFilter }> {
  const f: RouteFilter = { table: 254, cloned: 0 };
  const sel: RouteSelectors = {};
  const args = new Args(argv);
  const hostLen = (text: string) => !text.includes("/");
  while (args.more) {
    const w = args.next();
    if (matches(w, "table")) {
      const t = args.value();
      if (t === "all") f.table = 0;
      else if (t === "cache") f.cloned = 1;
      else f.table = numberOr(t, "table", "table id value is invalid\n");
    } else if (matches(w, "cached") || matches(w, "cloned")) f.cloned = 1;
    else if (w === "dev" || w === "oif") {
      sel.dev = await ctx.index(args.value());
      f.oif = true;
    } else if (w === "iif") sel.iif = await ctx.index(args.value());
    else if (matches(w, "protocol")) {
      const v = args.value();
      if (v !== "all") {
        sel.protocol = numberOr(v, "protocol", 'invalid "protocol"\n');
        f.protocol = true;
      }
    } else if (matches(w, "scope")) {
      const v = args.value();
      if (v !== "all") {
        sel.scope = numberOr(v, "scope", 'invalid "scope"\n');
        f.scope = true;
      }
    } else if (matches(w, "type")) {
      sel.type = numberOr(args.value(), "type", "node type value is invalid\n");
    } else if (w === "via") {
      const v = prefixArg(args.value());
      sel.via = v;
      f.via = hostLen(v);
    } else if (w === "src") {
      const v = prefixArg(args.value());
      sel.src = v;
      f.src = hostLen(v);
    } else if (matches(w, "metric") || matches(w, "priority") || w === "preference") {
      sel.metric = args.number('"metric" value is invalid\n');
      f.metric = true;
    } else if (w === "from") {
      let v = args.value();
      if (matches(v, "root") || matches(v, "match") || matches(v, "exact")) v = args.value();
      sel.from = prefixArg(v);
    } else {
      let v = w;
      if (matches(v, "to")) v = args.value();
      let how: "to" | "root" | "match" = "to";
      if (matches(v, "root")) [how, v] = ["root", args.value()];
      else if (matches(v, "match")) [how, v] = ["match", args.value()];
      else if (matches(v, "exact")) v = args.value();
      if (v === "all") continue;
      sel[how] = v === "default" ? "default" : prefixArg(v);
    }
  }
  let family = ctx.opts.family;
  if (family === 0 && f.table) family = 2;
  if (family) sel.family = family;
  sel.table = f.table === 0 ? "all" : f.table;
  sel.cache = f.cloned === 1 ? "only" : "exclude";
  return { sel, f };
}

/** A name or number of a database, or `invarg(msg)`. */
function numberOr(v: string, db: "table" | "protocol" | "scope" | "type", msg: string): number {
  try {
    return numberOfDb(db, v);
  } catch {
    return invarg(msg, v);
  }
}

/** A prefix of `family` (0: any), or ip's error for one (`get_prefix`). */
function prefixArg(v: string, family = 0): string {
  let f: number;
  try {
    f = parsePrefix(v).family;
  } catch {
    f = -1;
  }
  if (f < 0 || (family !== 0 && f !== family)) {
    const what = family === 2 ? "inet" : family === 10 ? "inet6" : "any valid";
    throw new UsageError(`Error: ${what} prefix is expected rather than "${v}".`, 1);
  }
  return v;
}

/** `ip route show [table T] [type T] [dev D] [proto P] [scope S] [via A] [src A] [metric M] [from P] [root|match|exact P]`. */
export async function showRoutes(ctx: Context, argv: string[]): Promise<void> {
  const { sel, f } = await parseSelectors(ctx, argv);
  const links = await ctx.links();
  const p = ctx.p;
  p.start();
  // Printed as the dump arrives, written in large chunks: memory stays bounded.
  for await (const r of streamRoutes(ctx.rt, sel)) {
    printRoute(ctx, links, r, f);
    ctx.flush();
  }
  p.finish();
  ctx.flush();
}

/** `ip route flush SELECTORS` (some selector is needed, as with ip). */
export async function flushRoute(ctx: Context, argv: string[]): Promise<void> {
  if (argv.length === 0) throw new UsageError('"ip route flush" requires arguments.', 1);
  const { sel } = await parseSelectors(ctx, argv);
  await flushRoutes(ctx.rt, sel);
}

/** `ip route get ADDR [from A] [iif D] [oif D] [mark M] [fibmatch]`. */
export async function getRouteCmd(ctx: Context, argv: string[]): Promise<void> {
  const args = new Args(argv);
  let dst: string | undefined;
  const o: Parameters<typeof getRoute>[2] = {};
  while (args.more) {
    const w = args.next();
    if (w === "from") o.from = prefixArg(args.value()).split("/")[0];
    else if (w === "iif") o.iif = args.value();
    else if (w === "oif" || w === "dev") o.oif = args.value();
    else if (w === "mark") o.mark = args.number("mark value is invalid\n");
    else if (w === "fibmatch") o.fibmatch = true;
    else {
      // ip: every address word is parsed in the family of the first (the last one counts).
      const family = ctx.opts.family || (dst === undefined ? 0 : parsePrefix(dst).family);
      dst = prefixArg(w === "to" ? args.value() : w, family).split("/")[0];
    }
  }
  if (dst === undefined) throw new UsageError("need at least a destination address", 1);
  for (const k of ["iif", "oif"] as const) {
    if (o[k] !== undefined) o[k] = await ctx.index(o[k] as string);
  }
  const r = await getRoute(ctx.rt, dst, o);
  const links = await ctx.links();
  const p = ctx.p;
  p.start();
  printRoute(ctx, links, r, { table: 0, cloned: 2 });
  p.finish();
  ctx.flush();
}

/** The metrics `ip route add` takes, by keyword. */
const METRIC_WORDS: Record<string, string> = {
  mtu: "mtu",
  advmss: "advmss",
  hoplimit: "hoplimit",
  initcwnd: "initcwnd",
  initrwnd: "initrwnd",
  window: "window",
  reordering: "reordering",
};

/** `ip route add|del|replace|append|change|prepend …`. */
export async function modifyRoute(ctx: Context, cmd: string, argv: string[]): Promise<void> {
  const spec: Partial<RouteSpec> = {};
  const metrics: rtRoute.Metrics = {};
  const nexthops: NexthopSpec[] = [];
  const args = new Args(argv);
  while (args.more) {
    const w = args.next();
    if (w === "via") spec.gateway = address(args.value());
    else if (w === "dev" || w === "oif") spec.dev = await ctx.index(args.value());
    else if (w === "src") spec.prefsrc = address(args.value());
    else if (w === "from") spec.src = prefixArg(args.value());
    else if (matches(w, "table")) spec.table = args.named("table", '"table" value is invalid\n');
    else if (matches(w, "metric") || matches(w, "priority") || w === "preference") {
      spec.metric = args.number('"metric" value is invalid\n');
    } else if (matches(w, "protocol")) {
      spec.protocol = args.named("protocol", '"protocol" value is invalid\n');
    } else if (matches(w, "scope")) spec.scope = args.named("scope", 'invalid "scope" value\n');
    else if (METRIC_WORDS[w] !== undefined) {
      (metrics as Record<string, number>)[METRIC_WORDS[w]] = args.number(
        `"${w}" value is invalid\n`,
      );
    } else if (w === "pref") {
      const v = args.value();
      if (v !== "low" && v !== "medium" && v !== "high") invarg('"pref" value is invalid\n', v);
      spec.pref = v;
    } else if (w === "onlink") spec.onlink = true;
    else if (w === "nexthop") nexthops.push(await parseNexthop(ctx, args));
    else if (spec.dst === undefined && spec.type === undefined && isRouteType(w)) {
      spec.type = w;
      if (!args.more) args.value(); // ip: a type is followed by the destination
    } else if (spec.dst !== undefined) garbage("to", w);
    else {
      const v = w === "to" ? args.value() : w;
      spec.dst = v === "default" || v === "all" ? "default" : prefixArg(v);
    }
  }
  // ip: no destination is a usage error (never a default route nobody asked for).
  if (spec.dst === undefined) {
    throw new UsageError("Usage: ip route { list | flush } SELECTOR (see ip-route(8))", 255);
  }
  if (ctx.opts.family) spec.family = ctx.opts.family;
  if (Object.keys(metrics).length) spec.metrics = metrics;
  if (nexthops.length) spec.nexthops = nexthops;
  const full = spec as RouteSpec;
  if (cmd === "del") await deleteRoute(ctx.rt, full);
  else if (cmd === "add") await addRoute(ctx.rt, full);
  else if (cmd === "replace") await addRoute(ctx.rt, full, { replace: true });
  else if (cmd === "append") await addRoute(ctx.rt, full, { append: true });
  else if (cmd === "prepend") await addRoute(ctx.rt, full, { exclusive: false });
  else await addRoute(ctx.rt, full, { replace: true, create: false }); // change
}

function isRouteType(w: string): boolean {
  if (parseIp_(w)) return false;
  try {
    numberOfDb("type", w);
    return !/^[0-9]/.test(w);
  } catch {
    return false;
  }
}

function parseIp_(w: string): boolean {
  try {
    parsePrefix(w);
    return true;
  } catch {
    return false;
  }
}

async function parseNexthop(ctx: Context, args: Args): Promise<NexthopSpec> {
  const nh: NexthopSpec = {};
  while (args.more && args.peek() !== "nexthop") {
    const w = args.peek()!;
    if (w === "via") {
      args.next();
      nh.gateway = address(args.value());
    } else if (w === "dev") {
      args.next();
      nh.dev = await ctx.index(args.value());
    } else if (matches(w, "weight")) {
      args.next();
      nh.weight = args.number('"weight" is invalid\n', 256);
    } else if (w === "onlink") {
      args.next();
      nh.onlink = true;
    } else break;
  }
  return nh;
}
