/**
 * `qdisc|class|filter show dev DEV` in the style of `tc -j … show` (tc's `print_qdisc`,
 * `print_class`, `print_filter`; options of htb, fq_codel, u32), read raw from the dumps.
 *
 * @module
 */
import * as tc from "../../families/generated/tc.ts";
import { parseAttributes, readString } from "../../codec/attrs.ts";
import { type Context, type LinkInfo, stdout, UsageError } from "./cli.ts";
import { MessageBuilder } from "../../codec/message.ts";
import type { Printer } from "./json.ts";
import { hex0x } from "./link_kinds.ts";

type Tb = Map<number, Uint8Array>;
const table = (b: Uint8Array, off = 0): Tb => {
  const m: Tb = new Map();
  for (const a of parseAttributes(b, off)) m.set(a.type, a.data);
  return m;
};
const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const u32 = (b: Uint8Array, o = 0) => dv(b).getUint32(o, true);

const TC_H_ROOT = 0xffffffff;

/** `print_tc_classid`. */
export function classid(h: number): string {
  h >>>= 0;
  if (h === TC_H_ROOT) return "root";
  if (h === 0) return "none";
  const maj = h >>> 16;
  const min = h & 0xffff;
  if (maj === 0) return `:${min.toString(16)}`;
  if (min === 0) return `${maj.toString(16)}:`;
  return `${maj.toString(16)}:${min.toString(16)}`;
}

/** Parse `1:`, `1:10`, `root`, `none`, `:5`. */
export function parseClassid(s: string): number {
  if (s === "root") return TC_H_ROOT;
  if (s === "none") return 0;
  const m = /^([0-9a-f]*):([0-9a-f]*)$/i.exec(s);
  if (!m) {
    if (/^[0-9a-f]+$/i.test(s)) return (parseInt(s, 16) << 16) >>> 0;
    throw new UsageError(`Error: invalid handle "${s}"`, 1);
  }
  return (((parseInt(m[1] || "0", 16) << 16) >>> 0) | parseInt(m[2] || "0", 16)) >>> 0;
}

const PROTOS: Record<number, string> = {
  0x0003: "all",
  0x0800: "ip",
  0x0806: "arp",
  0x86dd: "ipv6",
  0x8100: "802.1Q",
  0x88a8: "802.1ad",
  0x8847: "mpls_uc",
};

function devname(p: Printer, links: Map<number, LinkInfo>, index: number): void {
  const n = links.get(index)?.name ?? `if${index}`;
  p.text("dev ");
  p.any("dev", `${n} `, n);
}

function htbOpt(p: Printer, opt: Uint8Array, details: number): void {
  const tb = table(opt);
  const init = tb.get(2);
  if (init && init.length >= 20) {
    const r2q = u32(init, 4);
    const defcls = u32(init, 8);
    const direct = u32(init, 16);
    p.any("r2q", `r2q ${r2q}`, r2q);
    p.any("default", ` default ${hex0x(defcls)}`, hex0x(defcls));
    p.any("direct_packets_stat", ` direct_packets_stat ${direct}`, direct);
    if (details) {
      const v = u32(init, 0);
      const s = `${v >>> 16}.${v & 0xffff}`;
      p.any("ver", ` ver ${s}`, s);
    }
  }
  const dq = tb.get(5);
  if (dq && dq.length >= 4) p.any("direct_qlen", ` direct_qlen ${u32(dq)}`, u32(dq));
  if (tb.get(9)) p.any("offload", " offload", null);
}

function fqCodelOpt(p: Printer, opt: Uint8Array): void {
  const tb = table(opt);
  const u = (t: number, key: string, text: (v: number) => string) => {
    const b = tb.get(t);
    if (b && b.length >= 4) p.any(key, text(u32(b)), u32(b));
  };
  u(2, "limit", (v) => `limit ${v}p `);
  u(6, "flows", (v) => `flows ${v} `);
  u(5, "quantum", (v) => `quantum ${v} `);
  u(1, "target", (v) => `target ${v / 1000}ms `);
  u(4, "interval", (v) => `interval ${v / 1000}ms `);
  u(8, "memory_limit", (v) => `memory_limit ${v >>> 20}Mb `);
  const ecn = tb.get(7);
  if (ecn && u32(ecn)) p.any("ecn", "ecn ", true);
  u(9, "drop_batch", (v) => `drop_batch ${v} `);
}

function u32Handle(h: number): string {
  if (h === 0) return "none";
  let s = "";
  const htid = h & 0xfff00000;
  const hash = (h >>> 12) & 0xff;
  const node = h & 0xfff;
  if (htid) s += `${(htid >>> 20).toString(16)}:`;
  if (node | hash) {
    if (hash) s += hash.toString(16);
    if (node) s += `:${node.toString(16)}`;
  }
  return s;
}

function u32Opt(p: Printer, opt: Uint8Array, handle: number): void {
  const tb = table(opt);
  if (handle) p.any("fh", `fh ${u32Handle(handle)} `, u32Handle(handle));
  const node = handle & 0xfff;
  if (node) p.any("order", `order ${node} `, node);
  const sel = tb.get(5);
  const div = tb.get(4);
  const hash = tb.get(2);
  if (div) p.any("ht_divisor", `ht divisor ${u32(div)} `, u32(div));
  else if (hash) {
    const h = u32(hash);
    const k = (h >>> 20).toString(16);
    const b = ((h >>> 12) & 0xff).toString(16);
    p.any("key_ht", `key ht ${k} `, k);
    p.any("bkt", `bkt ${b} `, b);
  }
  const terminal = sel !== undefined && (sel[0] & 1) !== 0;
  const cls = tb.get(1);
  if (cls) {
    if (terminal) p.text("*");
    p.any("flowid", `flowid ${classid(u32(cls))} `, classid(u32(cls)));
  } else if (terminal) p.text("terminal flowid ");
  const link = tb.get(3);
  if (link) p.any("link", `link ${u32Handle(u32(link))} `, u32Handle(u32(link)));
  const fl = tb.get(11);
  if (fl) {
    const f = u32(fl);
    if (f & 1) p.any("skip_hw", "skip_hw ", true);
    if (f & 2) p.any("skip_sw", "skip_sw ", true);
    if (f & 4) p.any("in_hw", "in_hw ", true);
    else if (f & 8) p.any("not_in_hw", "not_in_hw ", true);
  }
  if (sel && sel.length >= 16) {
    const nkeys = sel[2];
    for (let i = 0; i < nkeys && 16 + 16 * i + 16 <= sel.length; i++) {
      const o = 16 + 16 * i;
      const mask = dv(sel).getUint32(o, false);
      const val = dv(sel).getUint32(o + 4, false);
      const off = dv(sel).getInt32(o + 8, true);
      const offmask = dv(sel).getInt32(o + 12, true);
      p.openObject("match");
      p.text("\n");
      p.any("value", `  match ${val.toString(16).padStart(8, "0")}`, val.toString(16));
      p.any("mask", `/${mask.toString(16).padStart(8, "0")} `, mask.toString(16));
      p.any("offmask", `at ${offmask ? "nexthdr+" : ""}`, offmask ? "nexthdr+" : "");
      p.any("off", `${off}`, off);
      p.closeObject();
    }
  }
}

/** `tc qdisc|class|filter show [dev DEV] [parent P]`. */
export async function showTc(ctx: Context, what: string, argv: string[]): Promise<void> {
  let dev: string | undefined;
  let parent = 0;
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i];
    if (w === "dev") dev = argv[++i];
    else if (w === "parent") parent = parseClassid(argv[++i]);
    else if (w === "root") parent = TC_H_ROOT;
    else if (w === "show" || w === "list" || w === "ls") continue;
    else dev = w;
  }
  const links = await ctx.links();
  const index = dev !== undefined ? await ctx.index(dev) : 0;
  if ((what === "class" || what === "filter") && !index) {
    throw new UsageError(`Must specify a device for "${what} show".`, 1);
  }
  const p = ctx.p;
  const o = ctx.opts;
  const op = what === "qdisc"
    ? tc.operations.getqdisc
    : what === "class"
    ? tc.operations.gettclass
    : tc.operations.gettfilter;
  // tc 6.1 prints classes as text only, even with -j.
  if (what === "class") return showClasses(ctx, links, index, parent);
  p.start();
  for await (
    const m of ctx.dumpRaw(op, { header: { ifindex: index, parent } })
  ) {
    const b = m.payload;
    const ifindex = dv(b).getInt32(4, true);
    const handle = u32(b, 8);
    const tparent = u32(b, 12);
    const info = u32(b, 16);
    if (index && ifindex !== index) continue;
    const tb = table(b, 20);
    const kindB = tb.get(1);
    const kind = kindB ? readString(kindB) : undefined;
    p.openObject();
    if (what === "qdisc") {
      if (kind === undefined) continue;
      p.any("kind", `qdisc ${kind}`, kind);
      p.any("handle", ` ${(handle >>> 16).toString(16)}:`, `${(handle >>> 16).toString(16)}:`);
      p.text(" ");
      if (!index) devname(p, links, ifindex);
      if (tparent === TC_H_ROOT) p.any("root", "root ", true);
      else if (tparent) p.any("parent", `parent ${classid(tparent)} `, classid(tparent));
      if (info !== 1) p.any("refcnt", `refcnt ${info} `, info);
      const hw = tb.get(12);
      if (hw && hw[0]) p.any("offloaded", "offloaded ", true);
      for (const [t, key] of [[13, "ingress_block"], [14, "egress_block"]] as const) {
        const x = tb.get(t);
        if (x && x.length >= 4 && u32(x)) p.any(key, `${key} ${u32(x)} `, u32(x));
      }
      p.openObject("options");
      const opt = tb.get(2);
      if (opt) {
        if (kind === "htb") htbOpt(p, opt, o.details);
        else if (kind === "fq_codel") fqCodelOpt(p, opt);
      }
      p.closeObject();
      p.text("\n");
    } else if (what === "class") {
      p.any("class", `class ${kind ?? ""} `, kind ?? "");
      p.any("handle", `${classid(handle)} `, classid(handle));
      if (tparent === TC_H_ROOT) p.any("root", "root ", true);
      else if (tparent) p.any("parent", `parent ${classid(tparent)} `, classid(tparent));
      if (info) {
        p.any("leaf", `leaf ${(info >>> 16).toString(16)}: `, `${(info >>> 16).toString(16)}:`);
      }
      p.text("\n");
    } else {
      p.text("filter ");
      if (!index) devname(p, links, ifindex);
      if (!parent) {
        if (tparent === TC_H_ROOT) p.any("root", "root ", true);
        else if (tparent === 0xfffffff2) p.any("ingress", "ingress ", true);
        else if (tparent === 0xfffffff3) p.any("egress", "egress ", true);
        else p.any("parent", `parent ${classid(tparent)} `, classid(tparent));
      }
      if (info) {
        const raw = info & 0xffff;
        const proto = ((raw & 0xff) << 8) | (raw >> 8);
        const prio = info >>> 16;
        if (proto) {
          const s = PROTOS[proto] ?? `[${proto.toString(16).padStart(4, "0")}]`;
          p.any("protocol", `protocol ${s} `, s);
        }
        if (prio) p.any("pref", `pref ${prio} `, prio);
      }
      if (kind !== undefined) p.any("kind", `${kind} `, kind);
      const chain = tb.get(11);
      if (chain) p.any("chain", `chain ${u32(chain)} `, u32(chain));
      const opt = tb.get(2);
      if (kind !== undefined && opt) {
        p.openObject("options");
        if (kind === "u32") u32Opt(p, opt, handle);
        p.closeObject();
      }
      p.text("\n");
    }
    p.closeObject();
  }
  p.finish();
  ctx.flush();
}

/** `tick_in_usec` from /proc/net/psched (`tc_core_init`). */
async function tickInUsec(): Promise<number> {
  const g = globalThis as unknown as { Deno?: { readTextFileSync(p: string): string } };
  let text: string;
  try {
    text = g.Deno
      ? g.Deno.readTextFileSync("/proc/net/psched")
      : (await import("node:fs")).readFileSync("/proc/net/psched", "utf8");
  } catch {
    return 1;
  }
  const [t2usIn, us2t, clockRes] = text.trim().split(/\s+/).map((x) => parseInt(x, 16));
  const t2us = clockRes === 1000000000 ? us2t : t2usIn;
  return (t2us / us2t) * (clockRes / 1000000);
}

/** `print_rate` (bits, SI units). */
function rateText(bytesPerSec: bigint): string {
  const units = ["", "K", "M", "G", "T"];
  let rate = bytesPerSec << 3n;
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

async function showClasses(
  ctx: Context,
  links: Map<number, LinkInfo>,
  index: number,
  parent: number,
): Promise<void> {
  const hdr = new Uint8Array(20);
  dv(hdr).setInt32(4, index, true);
  dv(hdr).setUint32(12, parent, true);
  const mb = new MessageBuilder(tc.RTM_GETTCLASS, 0x300 /* NLM_F_DUMP */);
  mb.raw(hdr);
  const tick = await tickInUsec();
  let out = "";
  for await (const m of ctx.rt.socket.dump(mb.finish(), { operation: "gettclass" })) {
    const b = m.payload;
    const ifindex = dv(b).getInt32(4, true);
    const handle = u32(b, 8);
    const tparent = u32(b, 12);
    const info = u32(b, 16);
    const tb = table(b, 20);
    const kindB = tb.get(1);
    if (!kindB) continue;
    const kind = readString(kindB);
    out += `class ${kind} ${handle ? classid(handle) : ""} `;
    if (!index) out += `dev ${links.get(ifindex)?.name ?? `if${ifindex}`} `;
    out += tparent === TC_H_ROOT ? "root " : `parent ${classid(tparent)} `;
    if (info) out += `leaf ${(info >>> 16).toString(16)}: `;
    const opt = tb.get(2);
    if (opt && kind === "htb") {
      const ot = table(opt);
      const parms = ot.get(1);
      if (parms && parms.length >= 44) {
        const level = u32(parms, 36);
        if (!level) out += `prio ${u32(parms, 40) | 0} `;
        if (!level && ctx.opts.details) out += `quantum ${u32(parms, 32) | 0} `;
        const r64 = ot.get(6);
        const c64 = ot.get(7);
        const rate = r64 && r64.length >= 8 ? dv(r64).getBigUint64(0, true) : BigInt(u32(parms, 8));
        const ceil = c64 && c64.length >= 8
          ? dv(c64).getBigUint64(0, true)
          : BigInt(u32(parms, 20));
        out += `rate ${rateText(rate)} `;
        const overhead = dv(parms).getUint16(2, true);
        if (overhead) out += `overhead ${overhead} `;
        const xmit = (r: bigint, ticks: number) => (Number(r) * Math.trunc(ticks / tick)) / 1000000;
        const buffer = xmit(rate, u32(parms, 24));
        out += `ceil ${rateText(ceil)} `;
        const cbuffer = xmit(ceil, u32(parms, 28));
        const linklayer = parms[1] & 0x0f;
        if (linklayer > 1 || ctx.opts.details) {
          out += `linklayer ${["unspec", "ethernet", "atm"][linklayer] ?? "unknown"} `;
        }
        if (ctx.opts.details) {
          out += `burst ${sizeText(buffer)}/${1 << parms[0]} mpu ${
            sizeText(dv(parms).getUint16(6, true))
          } `;
          out += `cburst ${sizeText(cbuffer)}/${1 << parms[12]} mpu ${
            sizeText(dv(parms).getUint16(18, true))
          } `;
          out += `level ${level | 0} `;
        } else out += `burst ${sizeText(buffer)} cburst ${sizeText(cbuffer)} `;
      }
    }
    out += "\n";
  }
  ctx.p.take();
  stdout(out);
}
