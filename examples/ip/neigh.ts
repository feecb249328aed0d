/**
 * `ip neigh show|add|del|replace|change|flush` (iproute2's `print_neigh`, `ipneigh_modify`),
 * on the library's `listNeighbours`, `addNeighbour`, `deleteNeighbour`, `flushNeighbours`.
 *
 * @module
 */
import * as rtNeigh from "../../families/generated/rt_neigh.ts";
import { parseMac } from "../../families/route/addr_text.ts";
import { formatLinkAddress } from "../../families/route/link_object.ts";
import {
  addNeighbour,
  deleteNeighbour,
  flushNeighbours,
  listNeighbours,
  type ListNeighboursOptions,
  type Neighbour,
  type NeighbourSpec,
  type NeighbourStateName,
} from "../../families/route/neigh.ts";
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
import { address, prefix } from "./link_cmd.ts";

const NUD = rtNeigh.NUD_STATE;
const NTF = rtNeigh.NTF_FLAGS;

/** `nud_state_a2n`: ip's state words (some by prefix) as the library's names. */
function nudName(s: string): NeighbourStateName | "none" | undefined {
  if (matches(s, "permanent")) return "permanent";
  if (matches(s, "reachable")) return "reachable";
  if (s === "noarp") return "noarp";
  if (s === "none") return "none";
  if (s === "stale") return "stale";
  if (s === "incomplete") return "incomplete";
  if (s === "delay") return "delay";
  if (s === "probe") return "probe";
  if (matches(s, "failed")) return "failed";
  return undefined;
}

/** `print_neigh` (`deleted`: an `ip monitor` deletion, printed as `Deleted …`). */
export function printNeigh(
  ctx: Context,
  links: Map<number, LinkInfo>,
  n: Neighbour,
  filterIndex: number,
  deleted = false,
): void {
  const p = ctx.p;
  const { header: h, attrs: a } = n.message;
  p.openObject();
  if (deleted) p.any("deleted", "Deleted ", true);
  if (n.dst !== undefined) p.any("dst", `${n.dst} `, n.dst);
  if (!filterIndex && h.ndmIfindex) {
    const d = links.get(h.ndmIfindex)?.name ?? `if${h.ndmIfindex}`;
    p.text("dev ");
    p.any("dev", `${d} `, d);
  }
  if (a.lladdr) {
    const s = formatLinkAddress(a.lladdr, links.get(h.ndmIfindex)?.type ?? 1);
    p.text("lladdr ");
    p.any("lladdr", `${s} `, s);
  }
  if (h.ndmFlags & NTF.ROUTER) p.any("router", "router ", null);
  if (h.ndmFlags & NTF.PROXY) p.any("proxy", "proxy ", null);
  if ((a.flagsExt ?? 0) & rtNeigh.NTF_EXT_FLAGS.MANAGED) p.any("managed", "managed ", null);
  if (h.ndmFlags & NTF.EXT_LEARNED) p.any("extern_learn", "extern_learn ", null);
  if (h.ndmFlags & NTF.OFFLOADED) p.any("offload", "offload ", null);
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
    p.openArray("state", "");
    for (const s of n.state) {
      const name = s.toUpperCase();
      p.any(null, `${name} `, name);
    }
    p.closeArray("");
  }
  if (a.protocol) {
    const s = nameText("protocol", a.protocol);
    p.any("protocol", `proto ${s} `, s);
  }
  p.text("\n");
  p.closeObject();
}

/** ip's default `nud` filter for show: every state but `noarp` (and not `none`). */
const SHOWN: NeighbourStateName[] = (Object.keys(NUD) as (keyof typeof NUD)[])
  .filter((k) => k !== "NOARP").map((k) => k.toLowerCase() as NeighbourStateName);

/** `ip neigh show|flush` selectors. */
async function selectors(
  ctx: Context,
  argv: string[],
  flush: boolean,
): Promise<{ sel: ListNeighboursOptions; index: number }> {
  const args = new Args(argv);
  const sel: ListNeighboursOptions = {};
  let index = 0;
  let states: (NeighbourStateName | "none")[] | "all" | undefined;
  while (args.more) {
    const w = args.next();
    if (w === "dev") {
      index = await ctx.index(args.value());
      sel.dev = index;
    } else if (w === "nud") {
      const v = args.value();
      if (v === "all") states = "all";
      else {
        const s = nudName(v) ?? invarg("nud state is bad", v);
        if (states === undefined || states === "all") states = [];
        states.push(s);
      }
    } else if (w === "proxy") sel.proxy = true;
    else if (sel.to !== undefined) garbage("to", w);
    else {
      const v = w === "to" ? args.value() : w;
      if (v !== "all") sel.to = prefix(v);
    }
  }
  sel.state = states ?? (flush ? undefined : SHOWN);
  sel.family = ctx.opts.family; // 0: both; a selector either way, as `ip neigh flush all` is
  return { sel, index };
}

/** `ip neigh show [dev D] [nud S] [proxy] [ADDRESS]`. */
export async function showNeigh(ctx: Context, argv: string[]): Promise<void> {
  const { sel, index } = await selectors(ctx, argv, false);
  const links = await ctx.links();
  const p = ctx.p;
  p.start();
  for (const n of await listNeighbours(ctx.rt, sel)) printNeigh(ctx, links, n, index);
  p.finish();
  ctx.flush();
}

/** `ip neigh flush [dev D] [nud S] [ADDRESS]`. */
export async function flushNeigh(ctx: Context, argv: string[]): Promise<void> {
  if (argv.length === 0) throw new UsageError("Flush requires arguments.", 1);
  const { sel } = await selectors(ctx, argv, true);
  await flushNeighbours(ctx.rt, sel);
}

/** `ip neigh add|del|replace|change ADDR [lladdr MAC] dev D [nud S] [router] [proxy]`. */
export async function modifyNeigh(ctx: Context, cmd: string, argv: string[]): Promise<void> {
  const args = new Args(argv);
  const spec: Partial<NeighbourSpec> = {};
  while (args.more) {
    const w = args.next();
    if (w === "lladdr") {
      const v = args.value();
      try {
        parseMac(v);
      } catch {
        throw new UsageError(`"${v}" is invalid lladdr.`, 1);
      }
      spec.lladdr = v;
    } else if (w === "nud") {
      const v = args.value();
      const s = nudName(v) ?? invarg("nud state is bad", v);
      spec.state = s === "none" ? 0 : s;
    } else if (w === "dev") spec.dev = await ctx.index(args.value());
    else if (w === "router") spec.router = true;
    else if (w === "proxy") {
      spec.dst = address(args.value());
      spec.proxy = true;
    } else if (spec.dst !== undefined) garbage("to", w);
    else spec.dst = address(w === "to" ? args.value() : w);
  }
  if (spec.dst === undefined || spec.dev === undefined) {
    throw new UsageError("Device and destination are required arguments.", 255);
  }
  const full = spec as NeighbourSpec;
  if (cmd === "del") await deleteNeighbour(ctx.rt, full);
  else if (cmd === "add") await addNeighbour(ctx.rt, full);
  else if (cmd === "replace") await addNeighbour(ctx.rt, full, { replace: true });
  else await addNeighbour(ctx.rt, full, { replace: true, create: false });
}
