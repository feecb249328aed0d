/**
 * `ip neigh show|add|del|replace` (iproute2's `print_neigh`, `ipneigh_modify`).
 *
 * @module
 */
import * as rtNeigh from "../../families/generated/rt_neigh.ts";
import type { DecodedMessage } from "../../codec/ynl/mod.ts";
import { formatIp, parseIp, parseMac } from "../../families/route/addr_text.ts";
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from "../../codec/constants.ts";
import { Args, type Context, invarg, type LinkInfo, matches, UsageError } from "./cli.ts";
import { llAddr, protocolName } from "./names.ts";

type Neigh = DecodedMessage<rtNeigh.Ndmsg, rtNeigh.NeighbourAttrs>;

const NUD: [string, number][] = [
  ["INCOMPLETE", 0x01],
  ["REACHABLE", 0x02],
  ["STALE", 0x04],
  ["DELAY", 0x08],
  ["PROBE", 0x10],
  ["FAILED", 0x20],
  ["NOARP", 0x40],
  ["PERMANENT", 0x80],
];
const NTF_PROXY = 0x08;
const NTF_ROUTER = 0x80;
const NTF_EXT_LEARNED = 0x10;
const NTF_OFFLOADED = 0x20;

function nudNumber(s: string): number | undefined {
  if (matches(s, "permanent")) return 0x80;
  if (matches(s, "reachable")) return 0x02;
  if (s === "noarp") return 0x40;
  if (s === "none") return 0;
  if (s === "stale") return 0x04;
  if (s === "incomplete") return 0x01;
  if (s === "delay") return 0x08;
  if (s === "probe") return 0x10;
  if (matches(s, "failed")) return 0x20;
  return undefined;
}

/** `print_neigh`. */
function printNeigh(
  ctx: Context,
  links: Map<number, LinkInfo>,
  n: Neigh,
  filterIndex: number,
): void {
  const p = ctx.p;
  const h = n.header;
  const a = n.attrs;
  p.openObject();
  if (a.dst) {
    const s = formatIp(a.dst);
    p.any("dst", `${s} `, s);
  }
  if (!filterIndex && h.ndmIfindex) {
    const d = links.get(h.ndmIfindex)?.name ?? `if${h.ndmIfindex}`;
    p.text("dev ");
    p.any("dev", `${d} `, d);
  }
  if (a.lladdr) {
    const s = llAddr(a.lladdr, links.get(h.ndmIfindex)?.type ?? 1);
    p.text("lladdr ");
    p.any("lladdr", `${s} `, s);
  }
  if (h.ndmFlags & NTF_ROUTER) p.any("router", "router ", null);
  if (h.ndmFlags & NTF_PROXY) p.any("proxy", "proxy ", null);
  if ((a.flagsExt ?? 0) & 1) p.any("managed", "managed ", null);
  if (h.ndmFlags & NTF_EXT_LEARNED) p.any("extern_learn", "extern_learn ", null);
  if (h.ndmFlags & NTF_OFFLOADED) p.any("offload", "offload ", null);
  if (ctx.opts.stats) {
    const ci = a.cacheinfo;
    if (ci) {
      const hz = 100;
      if (ci.refcnt) p.any("refcnt", ` ref ${ci.refcnt}`, ci.refcnt);
      const u = Math.trunc(ci.used / hz);
      const c = Math.trunc(ci.confirmed / hz);
      const up = Math.trunc(ci.updated / hz);
      p.any("used", ` used ${u}`, u);
      p.any("confirmed", `/${c}`, c);
      p.any("updated", `/${up}`, up);
    }
    if (a.probes !== undefined) p.any("probes", `probes ${a.probes} `, a.probes);
  }
  if (h.ndmState) {
    let nud = h.ndmState;
    p.openArray("state", "");
    for (const [name, m] of NUD) {
      if (nud & m) {
        nud &= ~m;
        p.any(null, `${name} `, name);
      }
    }
    p.closeArray("");
  }
  if (a.protocol) {
    const s = protocolName(a.protocol);
    p.any("protocol", `proto ${s} `, s);
  }
  p.text("\n");
  p.closeObject();
}

/** `ip neigh show [dev D] [nud S] [proxy] [PREFIX]`. */
export async function showNeigh(ctx: Context, argv: string[]): Promise<void> {
  const args = new Args(argv);
  let index = 0;
  let state = 0xff & ~0x40;
  let stateSet = false;
  let proxy = false;
  let pfx: Uint8Array | undefined;
  while (args.more) {
    const w = args.next();
    if (w === "show" || w === "list" || w === "lst") continue;
    if (w === "dev") index = await ctx.index(args.value(w));
    else if (w === "nud") {
      const v = args.value(w);
      if (!stateSet) state = 0;
      stateSet = true;
      if (v === "all") state = ~0;
      else {
        const s = nudNumber(v);
        if (s === undefined) invarg("nud state is bad", v);
        state |= s === 0 ? 0x100 : s;
      }
    } else if (w === "proxy") proxy = true;
    else pfx = parseIp(w === "to" ? args.value(w) : w);
  }
  const links = await ctx.links();
  const p = ctx.p;
  const family = ctx.opts.family;
  p.start();
  for await (
    const n of ctx.rt.dump(rtNeigh.operations.getneigh, {
      header: { ndmFamily: family, ndmFlags: proxy ? NTF_PROXY : 0 },
      attrs: index ? { ifindex: index } : undefined,
    })
  ) {
    const h = n.header;
    if (family && h.ndmFamily !== family) continue;
    if (index && h.ndmIfindex !== index) continue;
    if (
      !(state & h.ndmState) && !(h.ndmFlags & NTF_PROXY) && !(h.ndmFlags & NTF_EXT_LEARNED) &&
      (h.ndmState || !(state & 0x100))
    ) continue;
    if (pfx && (!n.attrs.dst || formatIp(n.attrs.dst) !== formatIp(pfx))) continue;
    printNeigh(ctx, links, n, index);
  }
  p.finish();
  ctx.flush();
}

/** `ip neigh add|del|replace|change ADDR [lladdr MAC] dev D [nud S] [router] [proxy]`. */
export async function modifyNeigh(ctx: Context, cmd: string, argv: string[]): Promise<void> {
  const args = new Args(argv);
  const header: Partial<rtNeigh.Ndmsg> = { ndmFamily: ctx.opts.family, ndmState: 0x80 };
  const attrs: rtNeigh.NeighbourAttrs = {};
  let dev: string | undefined;
  while (args.more) {
    const w = args.next();
    if (w === "lladdr") attrs.lladdr = parseMac(args.value(w));
    else if (w === "nud") {
      const v = args.value(w);
      const s = nudNumber(v);
      if (s === undefined) invarg("nud state is bad", v);
      header.ndmState = s;
    } else if (w === "dev") dev = args.value(w);
    else if (w === "router") header.ndmFlags = (header.ndmFlags ?? 0) | NTF_ROUTER;
    else if (w === "proxy") {
      attrs.dst = parseIp(args.value(w));
      header.ndmFlags = (header.ndmFlags ?? 0) | NTF_PROXY;
    } else {
      attrs.dst = parseIp(w === "to" ? args.value(w) : w);
    }
  }
  if (!attrs.dst || dev === undefined) {
    throw new UsageError("Device and destination are required arguments.", 255);
  }
  header.ndmFamily ||= attrs.dst.length === 4 ? 2 : 10;
  header.ndmIfindex = await ctx.index(dev);
  const flags = cmd === "add"
    ? NLM_F_CREATE | NLM_F_EXCL
    : cmd === "replace"
    ? NLM_F_CREATE | NLM_F_REPLACE
    : cmd === "change"
    ? NLM_F_REPLACE
    : 0;
  const op = cmd === "del" ? rtNeigh.operations.delneigh : rtNeigh.operations.newneigh;
  await ctx.rt.call(op, { header, attrs, flags });
}
