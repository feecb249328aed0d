/**
 * `qdisc|class|filter show|add|del|replace|change` in the style of `tc` (tc's `print_qdisc`,
 * `print_class`, `print_filter`, and their `add` syntax for htb, tbf, fq_codel, ingress,
 * clsact, u32 and bpf with gact/mirred actions), on the library's tc functions and typed
 * objects.
 *
 * @module
 */
import type { ActionConfig } from "../../families/route/tc/action.ts";
import {
  addClass,
  changeClass,
  deleteClass,
  listClasses,
  replaceClass,
  type TcClass,
} from "../../families/route/tc/class.ts";
import {
  addFilter,
  changeFilter,
  deleteFilter,
  type Filter,
  listFilters,
  replaceFilter,
} from "../../families/route/tc/filter.ts";
import { u32HandleParts } from "../../families/route/tc/handles.ts";
import {
  defaultClassMinor,
  type HtbClassConfig,
  type HtbQdiscConfig,
} from "../../families/route/tc/htb.ts";
import {
  addQdisc,
  changeQdisc,
  deleteQdisc,
  listQdiscs,
  type Qdisc,
  replaceQdisc,
} from "../../families/route/tc/qdisc.ts";
import type { U32FilterConfig, U32IpMatch } from "../../families/route/tc/u32.ts";
import { Args, type Context, invarg, matches, stdout, UsageError } from "./cli.ts";
import type { Printer } from "./json.ts";
import { hex0x } from "./link_kinds.ts";

/** `print_qdisc`'s options of htb (`htb_print_opt`). */
function htbOpt(p: Printer, q: Qdisc, details: number): void {
  const c = q.config as HtbQdiscConfig;
  if (c.version !== undefined) {
    const d = defaultClassMinor(c.defaultClass);
    p.any("r2q", `r2q ${c.r2q}`, c.r2q ?? 0);
    p.any("default", ` default ${hex0x(d)}`, hex0x(d));
    p.any("direct_packets_stat", ` direct_packets_stat ${c.directPackets}`, c.directPackets ?? 0);
    if (details) p.any("ver", ` ver ${c.version}`, c.version);
  }
  if (c.directQlen !== undefined) {
    p.any("direct_qlen", ` direct_qlen ${c.directQlen}`, c.directQlen);
  }
  if (c.offload) p.any("offload", " offload", null);
}

/** `fq_codel_print_opt`. */
function fqCodelOpt(p: Printer, q: Qdisc): void {
  const c = q.config as unknown as Record<string, number | boolean | undefined>;
  const u = (k: string, key: string, text: (v: number) => string) => {
    const v = c[k];
    if (typeof v === "number") p.any(key, text(v), v);
  };
  u("limit", "limit", (v) => `limit ${v}p `);
  u("flows", "flows", (v) => `flows ${v} `);
  u("quantum", "quantum", (v) => `quantum ${v} `);
  u("target", "target", (v) => `target ${v / 1000}ms `);
  u("interval", "interval", (v) => `interval ${v / 1000}ms `);
  u("memoryLimit", "memory_limit", (v) => `memory_limit ${v >>> 20}Mb `);
  if (c.ecn === true) p.any("ecn", "ecn ", true);
  u("dropBatchSize", "drop_batch", (v) => `drop_batch ${v} `);
}

/** `u32_print_opt`. */
function u32Opt(p: Printer, f: Filter): void {
  const c = f.config as U32FilterConfig;
  if (f.handle !== "none") p.any("fh", `fh ${f.handle} `, f.handle);
  const { node } = u32HandleParts(f.message.header.handle);
  if (node) p.any("order", `order ${node} `, node);
  if (c.divisor !== undefined) p.any("ht_divisor", `ht divisor ${c.divisor} `, c.divisor);
  else if (c.hash !== undefined) {
    const h = u32HandleParts(c.hash);
    const k = h.htid.toString(16);
    const b = h.hash.toString(16);
    p.any("key_ht", `key ht ${k} `, k);
    p.any("bkt", `bkt ${b} `, b);
  }
  if (c.classid !== undefined) {
    if (c.terminal) p.text("*");
    p.any("flowid", `flowid ${c.classid} `, String(c.classid));
  } else if (c.terminal) p.text("terminal flowid ");
  if (c.link !== undefined) p.any("link", `link ${c.link} `, String(c.link));
  for (const fl of c.flags ?? []) p.any(fl, `${fl} `, true);
  for (const k of c.keys ?? []) {
    p.openObject("match");
    p.text("\n");
    const val = k.value.toString(16), mask = k.mask.toString(16);
    p.any("value", `  match ${val.padStart(8, "0")}`, val);
    p.any("mask", `/${mask.padStart(8, "0")} `, mask);
    const off = k.offmask ? "nexthdr+" : "";
    p.any("offmask", `at ${off}`, off);
    p.any("off", `${k.offset}`, k.offset);
    p.closeObject();
  }
}

/** The words of `tc … show [dev D] [parent P | root | ingress | egress]`. */
async function showArgs(ctx: Context, argv: string[]) {
  let dev: string | undefined;
  let parent: string | undefined;
  const args = new Args(argv);
  while (args.more) {
    const w = args.next();
    if (w === "dev") dev = args.value();
    else if (w === "parent") parent = args.value();
    else if (w === "root" || w === "ingress" || w === "egress") parent = w;
    else if (dev === undefined) dev = w;
    else invarg("unknown argument", w);
  }
  const index = dev === undefined ? 0 : await ctx.index(dev);
  return { dev, index, parent };
}

/** `tc qdisc|class|filter show [dev DEV] [parent P]`. */
export async function showTc(ctx: Context, what: string, argv: string[]): Promise<void> {
  const { index, parent } = await showArgs(ctx, argv);
  const links = await ctx.links();
  const devname = (i: number) => {
    const n = links.get(i)?.name ?? `if${i}`;
    ctx.p.text("dev ");
    ctx.p.any("dev", `${n} `, n);
  };
  if ((what === "class" || what === "filter") && !index) {
    throw new UsageError(`Must specify a device for "${what} show".`, 1);
  }
  // tc 6.1 prints classes as text only, even with -j.
  if (what === "class") return showClasses(ctx, index, parent);
  const p = ctx.p;
  p.start();
  if (what === "qdisc") {
    for (const q of await listQdiscs(ctx.rt, index ? { dev: index } : {})) {
      p.openObject();
      p.any("kind", `qdisc ${q.kind}`, q.kind);
      p.any("handle", ` ${q.handle}`, q.handle);
      p.text(" ");
      if (!index) devname(q.ifindex);
      if (q.parent === "root") p.any("root", "root ", true);
      else if (q.parent !== "none") p.any("parent", `parent ${q.parent} `, q.parent);
      if (q.refcnt !== 1) p.any("refcnt", `refcnt ${q.refcnt} `, q.refcnt);
      const a = q.message.attrs;
      if (a.hwOffload) p.any("offloaded", "offloaded ", true);
      if (a.ingressBlock) {
        p.any("ingress_block", `ingress_block ${a.ingressBlock} `, a.ingressBlock);
      }
      if (a.egressBlock) p.any("egress_block", `egress_block ${a.egressBlock} `, a.egressBlock);
      p.openObject("options");
      if (q.kind === "htb") htbOpt(p, q, ctx.opts.details);
      else if (q.kind === "fq_codel") fqCodelOpt(p, q);
      p.closeObject();
      p.text("\n");
      p.closeObject();
    }
  } else {
    for (const f of await listFilters(ctx.rt, { dev: index, parent })) {
      p.openObject();
      p.text("filter ");
      if (!index) devname(f.ifindex);
      if (parent === undefined) {
        if (f.parent === "root" || f.parent === "ingress" || f.parent === "egress") {
          p.any(f.parent, `${f.parent} `, true);
        } else p.any("parent", `parent ${f.parent} `, f.parent);
      }
      if (f.message.header.info) {
        const proto = typeof f.protocol === "string"
          ? f.protocol
          : `[${f.protocol.toString(16).padStart(4, "0")}]`;
        if (f.protocol !== 0) p.any("protocol", `protocol ${proto} `, proto);
        if (f.priority) p.any("pref", `pref ${f.priority} `, f.priority);
      }
      if (f.kind) p.any("kind", `${f.kind} `, f.kind);
      const chain = f.message.attrs.chain;
      if (chain !== undefined) p.any("chain", `chain ${chain} `, chain);
      if (f.kind && f.message.attrs.options !== undefined) {
        p.openObject("options");
        if (f.kind === "u32") u32Opt(p, f);
        p.closeObject();
      }
      p.text("\n");
      p.closeObject();
    }
  }
  p.finish();
  ctx.flush();
}

/** `print_rate`: bits per second with SI prefixes. */
function rateText(bitsPerSec: number): string {
  const units = ["", "K", "M", "G", "T"];
  let rate = BigInt(Math.round(bitsPerSec));
  let i = 0;
  for (; i < units.length - 1; i++) {
    if (rate < 1000n) break;
    if (rate % 1000n !== 0n && rate < 1000000n) break;
    rate /= 1000n;
  }
  return `${rate}${units[i]}bit`;
}

/** `sprint_size`. */
function sizeText(szIn: number): string {
  const sz = szIn >>> 0;
  const kilo = 1024;
  const mega = kilo * kilo;
  if (sz >= mega && Math.abs(mega * Math.round(sz / mega) - sz) < 1024) {
    return `${Math.round(sz / mega)}Mb`;
  }
  if (sz >= kilo && Math.abs(kilo * Math.round(sz / kilo) - sz) < 16) {
    return `${Math.round(sz / kilo)}Kb`;
  }
  return `${sz}b`;
}

async function showClasses(ctx: Context, index: number, parent?: string): Promise<void> {
  let out = "";
  const d = ctx.opts.details;
  for (const c of await listClasses(ctx.rt, { dev: index })) {
    if (parent !== undefined && c.parent !== parent) continue;
    out += `class ${c.kind} ${c.handle === "none" ? "" : c.handle} `;
    out += c.parent === "root" ? "root " : `parent ${c.parent} `;
    if (c.leaf !== undefined) out += `leaf ${c.leaf} `;
    if (c.kind === "htb") out += htbClass(c, d);
    out += "\n";
  }
  ctx.p.take();
  stdout(out);
}

/** `htb_print_opt` for a class. */
function htbClass(c: TcClass, details: number): string {
  if (c.config.kind !== "htb") return "";
  const cfg = c.config as HtbClassConfig & { rate: number; ceil: number };
  if (cfg.level === undefined) return "";
  const burst = cfg.burst as number, cburst = cfg.cburst as number;
  let out = "";
  if (!cfg.level) out += `prio ${cfg.prio ?? 0} `;
  if (!cfg.level && details) out += `quantum ${cfg.quantum ?? 0} `;
  out += `rate ${rateText(cfg.rate)} `;
  if (cfg.overhead) out += `overhead ${cfg.overhead} `;
  out += `ceil ${rateText(cfg.ceil)} `;
  // tc: the link layer when it is not ethernet (or unspec), or with -d.
  if (!["unspec", "ethernet"].includes(cfg.linklayer!) || details) {
    out += `linklayer ${cfg.linklayer} `;
  }
  if (details) {
    out += `burst ${sizeText(burst)}/${cfg.cell} mpu ${sizeText(cfg.mpu ?? 0)} `;
    out += `cburst ${sizeText(cburst)}/${cfg.ceilCell} mpu ${sizeText(cfg.ceilMpu ?? 0)} `;
    out += `level ${cfg.level} `;
  } else out += `burst ${sizeText(burst)} cburst ${sizeText(cburst)} `;
  return out;
}

/** `dev D`, the placement words and the kind of a `tc … add|del|replace|change` command. */
interface Placement {
  dev?: string;
  parent?: string;
  handle?: string;
  classid?: string;
  protocol?: string;
  priority?: number;
  chain?: number;
  kind?: string;
}

function placement(args: Args, what: string): Placement {
  const o: Placement = {};
  while (args.more) {
    const w = args.next();
    if (w === "dev") o.dev = args.value();
    else if (w === "root") o.parent = "root";
    else if (w === "ingress" || w === "clsact") {
      if (what === "qdisc") o.kind = w;
      else o.parent = "ingress";
    } else if (w === "egress") o.parent = "egress";
    else if (w === "parent") o.parent = args.value();
    else if (w === "handle") o.handle = args.value();
    else if (w === "classid" && what === "class") o.classid = args.value();
    else if (w === "protocol") o.protocol = args.value();
    else if (w === "prio" || w === "pref" || w === "priority") {
      o.priority = args.number("invalid priority value", 0xffff);
    } else if (w === "chain") o.chain = args.number("invalid chain index value");
    else if (w === "estimator" || w === "stab") {
      throw new UsageError(`ip.ts: "${w}" is not supported`, 1);
    } else {
      o.kind = w;
      break;
    }
  }
  if (o.dev === undefined) throw new UsageError(`Must specify a device for "${what}".`, 1);
  return o;
}

/** Options of a qdisc kind, as the library's config. */
function qdiscConfig(kind: string, args: Args): Record<string, unknown> {
  const c: Record<string, unknown> = { kind };
  const set = (key: string, value: unknown) => (c[key] = value);
  while (args.more) {
    const w = args.next();
    if (kind === "htb" && w === "default") set("defaultClass", args.value());
    else if (kind === "htb" && w === "r2q") set("r2q", args.number("invalid r2q"));
    else if (kind === "htb" && w === "direct_qlen") {
      set("directQlen", args.number("invalid direct_qlen"));
    } else if (
      kind === "tbf" && ["rate", "burst", "latency", "limit", "peakrate", "mtu"].includes(w)
    ) {
      set(w === "latency" ? "latency" : w, args.value());
    } else if (kind === "tbf" && (w === "buffer" || w === "maxburst")) set("burst", args.value());
    else if (kind === "fq_codel" && ["limit", "flows", "quantum"].includes(w)) {
      set(w, args.number(`invalid ${w}`));
    } else if (kind === "fq_codel" && ["target", "interval", "ce_threshold"].includes(w)) {
      set(w === "ce_threshold" ? "ceThreshold" : w, args.value());
    } else if (kind === "fq_codel" && w === "memory_limit") set("memoryLimit", args.value());
    else if (kind === "fq_codel" && w === "drop_batch") {
      set("dropBatchSize", args.number("bad drop_batch"));
    } else if (kind === "fq_codel" && (w === "ecn" || w === "noecn")) set("ecn", w === "ecn");
    else throw new UsageError(`What is "${w}"?`, 1);
  }
  return c;
}

/** `tc qdisc add|del|replace|change dev D [root|parent P|ingress|clsact] [handle H] KIND …`. */
export async function modifyQdisc(ctx: Context, cmd: string, argv: string[]): Promise<void> {
  const args = new Args(argv);
  const o = placement(args, "qdisc");
  if (cmd === "del") {
    const parent = o.kind === "ingress" || o.kind === "clsact" ? "ingress" : o.parent;
    await deleteQdisc(ctx.rt, o.dev!, { parent, handle: o.handle });
    return;
  }
  if (o.kind === undefined) throw new UsageError("Error: missing qdisc kind", 1);
  const config = qdiscConfig(o.kind, args);
  const options = { ...config, parent: o.parent, handle: o.handle } as Parameters<
    typeof addQdisc
  >[2];
  const fn = cmd === "add" ? addQdisc : cmd === "replace" ? replaceQdisc : changeQdisc;
  await fn(ctx.rt, o.dev!, options);
}

/** `tc class add|del|replace|change dev D parent P classid C htb rate R [ceil R] …`. */
export async function modifyClass(ctx: Context, cmd: string, argv: string[]): Promise<void> {
  const args = new Args(argv);
  const o = placement(args, "class");
  if (cmd === "del") {
    if (o.classid === undefined) throw new UsageError("Error: missing classid", 1);
    await deleteClass(ctx.rt, o.dev!, o.classid);
    return;
  }
  if (o.kind !== "htb") throw new UsageError(`ip.ts: class kind "${o.kind}" is not supported`, 1);
  const c: Record<string, unknown> = { kind: "htb" };
  while (args.more) {
    const w = args.next();
    if (["rate", "ceil", "burst", "cburst"].includes(w)) c[w] = args.value();
    else if (w === "prio") c.prio = args.number("invalid prio");
    else if (w === "quantum") c.quantum = args.number("invalid quantum");
    else if (w === "mtu") c.mtu = args.number("invalid mtu");
    else throw new UsageError(`What is "${w}"?`, 1);
  }
  if (c.rate === undefined) throw new UsageError('"rate" is required.', 1);
  if (o.parent === undefined || o.classid === undefined) {
    throw new UsageError("Error: a class needs parent and classid", 1);
  }
  const options = { ...c, parent: o.parent, classid: o.classid } as Parameters<typeof addClass>[2];
  const fn = cmd === "add" ? addClass : cmd === "replace" ? replaceClass : changeClass;
  await fn(ctx.rt, o.dev!, options);
}

/** `action gact VERDICT` / `action VERDICT` / `action mirred egress|ingress redirect|mirror dev D`. */
function parseAction(args: Args): ActionConfig {
  let w = args.value();
  if (w === "gact") w = args.value();
  if (w === "mirred") {
    let direction: "egress" | "ingress" = "egress";
    let action: "redirect" | "mirror" = "redirect";
    let dev: string | undefined;
    while (args.more && !["action", "flowid", "classid"].includes(args.peek()!)) {
      const x = args.next();
      if (x === "egress" || x === "ingress") direction = x;
      else if (x === "redirect" || x === "mirror") action = x;
      else if (x === "dev") dev = args.value();
      else break;
    }
    if (dev === undefined) throw new UsageError("Error: mirred needs a device", 1);
    return { kind: "mirred", direction, action, dev };
  }
  return { kind: "gact", action: w as "drop" };
}

/** One `match ip|ip6 FIELD VALUE [MASK]` of u32, into `m`. */
function parseMatch(args: Args, m: { ip?: U32IpMatch; ip6?: U32IpMatch }): void {
  const which = args.value();
  if (which !== "ip" && which !== "ip6") {
    throw new UsageError(`ip.ts: u32 "match ${which}" is not supported`, 1);
  }
  const field = args.value();
  const sel = (m[which] ??= {}) as Record<string, unknown>;
  if (field === "src" || field === "dst") sel[field] = args.value();
  else if (["protocol", "tos", "sport", "dport"].includes(field)) {
    const v = args.number(`Illegal "match" value`);
    const full = field === "sport" || field === "dport" ? 0xffff : 0xff;
    if (args.more && /^0x[0-9a-f]+$/i.test(args.peek()!)) {
      if (parseInt(args.next().slice(2), 16) !== full) {
        throw new UsageError("ip.ts: u32 matches take full masks only", 1);
      }
    }
    sel[field === "protocol" && which === "ip6" ? "protocol" : field] = v;
  } else throw new UsageError(`Illegal "match" field "${field}"`, 1);
}

/** `tc filter add|del|replace|change dev D [parent P] [protocol P] [pref N] [handle H] KIND …`. */
export async function modifyFilter(ctx: Context, cmd: string, argv: string[]): Promise<void> {
  const args = new Args(argv);
  const o = placement(args, "filter");
  if (cmd === "del") {
    await deleteFilter(ctx.rt, o.dev!, {
      parent: o.parent,
      priority: o.priority,
      protocol: o.protocol,
      handle: o.handle,
      kind: o.kind,
      chain: o.chain,
    });
    return;
  }
  const c: Record<string, unknown> = { kind: o.kind };
  const actions: ActionConfig[] = [];
  if (o.kind === "u32") {
    const match: { ip?: U32IpMatch; ip6?: U32IpMatch } = {};
    while (args.more) {
      const w = args.next();
      if (w === "match") parseMatch(args, match);
      else if (w === "flowid" || w === "classid") c.classid = args.value();
      else if (w === "divisor") c.divisor = args.number('Illegal "divisor"');
      else if (w === "link") c.link = args.value();
      else if (w === "ht") c.hash = args.value();
      else if (w === "skip_hw") c.skipHw = true;
      else if (matches(w, "action")) actions.push(parseAction(args));
      else throw new UsageError(`What is "${w}"?`, 1);
    }
    c.match = match;
  } else if (o.kind === "bpf") {
    while (args.more) {
      const w = args.next();
      if (w === "bytecode" || w === "bc") c.bytecode = args.value();
      else if (w === "flowid" || w === "classid") c.classid = args.value();
      else if (w === "da" || w === "direct-action") c.directAction = true;
      else if (w === "skip_hw") c.skipHw = true;
      else if (matches(w, "action")) actions.push(parseAction(args));
      else throw new UsageError(`What is "${w}"?`, 1);
    }
  } else throw new UsageError(`ip.ts: filter kind "${o.kind}" is not supported`, 1);
  if (actions.length) c.actions = actions;
  const options = {
    ...c,
    parent: o.parent,
    protocol: o.protocol,
    priority: o.priority,
    handle: o.handle,
    chain: o.chain,
  } as Parameters<typeof addFilter>[2];
  const fn = cmd === "add" ? addFilter : cmd === "replace" ? replaceFilter : changeFilter;
  await fn(ctx.rt, o.dev!, options);
}
