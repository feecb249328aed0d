/**
 * `ip link show` and `ip address show` (iproute2's `print_linkinfo`, `print_addrinfo`), with
 * `-o` (one line per record), `-br` (brief), `-s` (and `-h`) statistics: printers over the
 * library's {@link Link} and {@link Address} objects and their decoded messages.
 *
 * @module
 */
import * as rtAddr from "../../families/generated/rt_addr.ts";
import * as rtLink from "../../families/generated/rt_link.ts";
import { formatIp, parsePrefix } from "../../families/route/addr_text.ts";
import { type Address, listAddresses } from "../../families/route/address.ts";
import {
  ADDR_GEN_MODES,
  ADDRESS_FLAG_WORDS,
  LINK_EVENT_NAMES,
  linkFlagNames,
  linkModeName,
  operstateName,
  XDP_ATTACH_MODES,
} from "../../families/route/ip_words.ts";
import { listLinks } from "../../families/route/link.ts";
import type { Link } from "../../families/route/link_object.ts";
import { nameOf } from "../../families/route/names.ts";
import { type Context, type LinkInfo, linkInfo, UsageError } from "./cli.ts";
import type { Printer } from "./json.ts";
import { printLinkKind } from "./link_kinds.ts";
import { printLinkStats } from "./link_stats.ts";

const IFF = rtLink.IFINFO_FLAGS;

function printLinkFlags(p: Printer, flags: number, mdown: boolean): void {
  // The library's names in ip's order; RUNNING shows as the absence of NO-CARRIER.
  const names = linkFlagNames(flags).filter((f) => f !== "RUNNING");
  if (flags & IFF.UP && !(flags & IFF.RUNNING)) names.unshift("NO-CARRIER");
  p.openArray("flags", "<");
  names.forEach((f, i) => p.any(null, i < names.length - 1 ? `${f},` : f, f));
  if (mdown) p.any(null, ",M-DOWN", "M-DOWN");
  p.closeArray("> ");
}

/**
 * `print_linkinfo`. `doLink` is true for `ip link`, false for `ip address` and `ip monitor`;
 * `showQueue` prints `qlen` (not in `ip monitor`).
 */
export function printLink(
  ctx: Context,
  links: Map<number, LinkInfo>,
  l: Link,
  doLink: boolean,
  showQueue = true,
): void {
  const p = ctx.p;
  const o = ctx.opts;
  const h = l.message.header;
  const a = l.message.attrs;
  const name = a.ifname ?? `if${h.ifiIndex}`;
  p.any("ifindex", `${h.ifiIndex}: `, h.ifiIndex);

  // print_name_and_link
  let shown = name;
  let mdown = false;
  if (a.link !== undefined) {
    const iflink = a.link;
    if (iflink) {
      if (a.linkNetnsid !== undefined) {
        p.jsonOnly("link_index", iflink);
        shown = `${name}@if${iflink}`;
      } else {
        const ln = links.get(iflink);
        const linkName = ln?.name ?? `if${iflink}`;
        p.jsonOnly("link", linkName);
        shown = `${name}@${linkName}`;
        mdown = !((ln?.flags ?? 0) & IFF.UP);
      }
    } else {
      p.jsonOnly("link", null);
      shown = `${name}@NONE`;
    }
  }
  p.any("ifname", `${shown}: `, name);
  printLinkFlags(p, h.ifiFlags, mdown);

  if (a.mtu !== undefined) p.any("mtu", `mtu ${a.mtu} `, a.mtu);
  if (a.xdp?.attached) {
    const mode = XDP_ATTACH_MODES[a.xdp.attached];
    p.text(`${mode ?? "xdp"} `);
  }
  if (a.qdisc !== undefined) p.any("qdisc", `qdisc ${a.qdisc} `, a.qdisc);
  if (a.master !== undefined) {
    const m = links.get(a.master)?.name ?? `if${a.master}`;
    p.any("master", `master ${m} `, m);
  }
  if (a.operstate !== undefined) {
    const s = operstateName(a.operstate);
    if (s === undefined) {
      p.jsonOnly("operstate_index", a.operstate);
      p.text(`state 0x${a.operstate.toString(16)} `);
    } else p.any("operstate", `state ${s} `, s);
  }
  if (doLink && a.linkmode !== undefined) {
    const m = linkModeName(a.linkmode);
    if (m) p.any("linkmode", `mode ${m} `, m);
    else p.any("linkmode_index", `mode ${a.linkmode} `, a.linkmode);
  }
  if (a.group !== undefined) {
    const gname = String(nameOf("group", a.group));
    p.any("group", `group ${gname} `, gname);
  }
  if (a.txqlen && showQueue) p.any("txqlen", `qlen ${a.txqlen}`, a.txqlen);
  if (a.event) {
    const ev = LINK_EVENT_NAMES[a.event];
    if (ev === undefined) p.any("event", `event ${a.event} `, a.event);
    else p.any("event", `event ${ev} `, ev);
  }

  if (!o.family || o.family === 17 || o.details) {
    p.text("\n");
    p.any("link_type", `    link/${l.type} `, l.type);
    if (l.address !== undefined) p.any("address", l.address, l.address);
    if (l.broadcast !== undefined) {
      if (h.ifiFlags & IFF.POINT_TO_POINT) {
        p.text(" peer ");
        p.jsonOnly("link_pointtopoint", true);
      } else p.text(" brd ");
      p.any("broadcast", l.broadcast, l.broadcast);
    }
    if (l.permAddress !== undefined && l.permAddress !== l.address) {
      p.text(" permaddr ");
      p.any("permaddr", l.permAddress, l.permAddress);
    }
  }
  if (a.linkNetnsid !== undefined) {
    p.jsonOnly("link_netnsid", a.linkNetnsid);
    p.text(` link-netnsid ${a.linkNetnsid}`);
  }
  if (a.protoDown) p.any("proto_down", " protodown on ", true);

  if (o.details) {
    if (a.promiscuity !== undefined) {
      p.any("promiscuity", ` promiscuity ${a.promiscuity} `, a.promiscuity);
    }
    if (a.allmulti !== undefined) p.any("allmulti", ` allmulti ${a.allmulti} `, a.allmulti);
    if (a.minMtu !== undefined) p.any("min_mtu", `minmtu ${a.minMtu} `, a.minMtu);
    if (a.maxMtu !== undefined) p.any("max_mtu", `maxmtu ${a.maxMtu} `, a.maxMtu);
    if (a.linkinfo) printLinkKind(ctx, links, a.linkinfo);
    if (doLink) {
      const mode = a.afSpec?.inet6?.addrGenMode;
      if (mode !== undefined) {
        const m = ADDR_GEN_MODES[mode];
        if (m) p.any("inet6_addr_gen_mode", `addrgenmode ${m} `, m);
        else p.any("inet6_addr_gen_mode", `addrgenmode ${mode} `, String(mode));
      }
    }
    const u = (key: string, text: string, v: number | undefined) => {
      if (v !== undefined) p.any(key, `${text} ${v} `, v);
    };
    u("num_tx_queues", "numtxqueues", a.numTxQueues);
    u("num_rx_queues", "numrxqueues", a.numRxQueues);
    u("gso_max_size", "gso_max_size", a.gsoMaxSize);
    u("gso_max_segs", "gso_max_segs", a.gsoMaxSegs);
    u("tso_max_size", "tso_max_size", a.tsoMaxSize);
    u("tso_max_segs", "tso_max_segs", a.tsoMaxSegs);
    u("gro_max_size", "gro_max_size", a.groMaxSize);
    if (a.physPortName !== undefined) {
      p.any("phys_port_name", `portname ${a.physPortName} `, a.physPortName);
    }
    if (a.physPortId) {
      const s = hex(a.physPortId);
      p.any("phys_port_id", `portid ${s} `, s);
    }
    if (a.physSwitchId) {
      const s = hex(a.physSwitchId);
      p.any("phys_switch_id", `switchid ${s} `, s);
    }
    if (a.parentDevBusName !== undefined) {
      p.any("parentbus", `parentbus ${a.parentDevBusName} `, a.parentDevBusName);
    }
    if (a.parentDevName !== undefined) {
      p.any("parentdev", `parentdev ${a.parentDevName} `, a.parentDevName);
    }
  }
  if ((doLink || o.details) && a.ifalias !== undefined) {
    p.text("\n    ");
    p.any("ifalias", `alias ${a.ifalias}`, a.ifalias);
  }
  if (doLink && o.stats) {
    p.text("\n");
    printLinkStats(ctx, l);
  }
  const alt = a.propList?.altIfname;
  if (alt) {
    p.openArray("altnames", "");
    for (const n of alt) {
      p.text("\n    altname ");
      p.any(null, n, n);
    }
    p.closeArray("");
  }
  p.text("\n");
}

/** `hexstring_n2a`. */
export function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

const IFA_F = rtAddr.IFA_FLAGS;

function addrText(family: number, b: Uint8Array): string {
  return family === 2 || family === 10 ? formatIp(b) : hex(b);
}

/** `print_addrinfo`. */
export function printAddr(ctx: Context, links: Map<number, LinkInfo>, addr: Address): void {
  const p = ctx.p;
  const { header: h, attrs: a } = addr.message;
  let flags = a.flags ?? h.ifaFlags;
  const local = a.local ?? a.address;
  const address = a.address ?? a.local;
  if (ctx.opts.oneline) {
    const dev = links.get(h.ifaIndex)?.name ?? `if${h.ifaIndex}`;
    p.jsonOnly("index", h.ifaIndex);
    p.jsonOnly("dev", dev);
    p.text(`${h.ifaIndex}: ${dev}`);
  }
  const fam = nameOf("family", h.ifaFamily);
  if (typeof fam === "string" && fam !== "unspec" && fam !== "bridge") {
    p.any("family", `    ${fam} `, fam);
  } else p.any("family_index", `    family ${h.ifaFamily} `, h.ifaFamily);
  if (local) {
    const s = addrText(h.ifaFamily, local);
    p.any("local", s, s);
    if (address && addrText(h.ifaFamily, address) !== s) {
      p.text(" peer ");
      const t = addrText(h.ifaFamily, address);
      p.any("address", t, t);
    }
    p.any("prefixlen", `/${h.ifaPrefixlen} `, h.ifaPrefixlen);
    if (addr.metric !== undefined) p.any("metric", `metric ${addr.metric} `, addr.metric);
  }
  if (addr.broadcast !== undefined) {
    p.text("brd ");
    p.any("broadcast", `${addr.broadcast} `, addr.broadcast);
  }
  if (addr.anycast !== undefined) {
    p.text("any ");
    p.any("anycast", `${addr.anycast} `, addr.anycast);
  }
  const sc = String(addr.scope);
  p.any("scope", `scope ${sc} `, sc);
  for (const [name, mask] of Object.entries(ADDRESS_FLAG_WORDS)) {
    if (mask === IFA_F.PERMANENT) {
      if (!(flags & mask)) p.any("dynamic", "dynamic ", true);
    } else if (flags & mask) {
      if (mask === IFA_F.SECONDARY && h.ifaFamily === 10) p.any("temporary", "temporary ", true);
      else p.any(name, `${name} `, true);
    }
    flags &= ~mask;
  }
  if (flags) {
    p.jsonOnly("ifa_flags", `0x${flags.toString(16)}`);
    p.text(`flags ${flags.toString(16).padStart(2, "0")} `);
  }
  if (addr.label !== undefined) p.any("label", addr.label, addr.label);
  if (a.cacheinfo) {
    const ci = a.cacheinfo;
    p.text("\n       valid_lft ");
    if (ci.ifaValid === 0xffffffff) {
      p.jsonOnly("valid_life_time", 0xffffffff);
      p.text("forever");
    } else p.any("valid_life_time", `${ci.ifaValid}sec`, ci.ifaValid);
    p.text(" preferred_lft ");
    if (ci.ifaPrefered === 0xffffffff) {
      p.jsonOnly("preferred_life_time", 0xffffffff);
      p.text("forever");
    } else if (a.flags !== undefined && (a.flags & IFA_F.DEPRECATED)) {
      const v = ci.ifaPrefered | 0;
      p.any("preferred_life_time", `${v}sec`, v);
    } else p.any("preferred_life_time", `${ci.ifaPrefered}sec`, ci.ifaPrefered);
  }
  p.text("\n");
}

/** The `show` filters of `ip link` and `ip address`. */
interface ShowFilter {
  dev?: string;
  up: boolean;
  master?: string;
  kind?: string;
  /** `ip address` only: addresses in this scope, with this label, inside this prefix. */
  scope?: string;
  label?: string;
  to?: string;
  permanent?: boolean;
  flags: string[];
}

const SHOW_WORDS = new Set(["show", "list", "lst"]);

function parseShow(args: string[], doLink: boolean): ShowFilter {
  const f: ShowFilter = { up: false, flags: [] };
  for (let i = 0; i < args.length; i++) {
    const w = args[i];
    const value = () => {
      if (i + 1 >= args.length) {
        throw new UsageError(`Command line is not complete. Try option "help"`, 255);
      }
      return args[++i];
    };
    if (w === "dev") f.dev = value();
    else if (w === "up") f.up = true;
    else if (w === "master") f.master = value();
    else if (w === "type") f.kind = value();
    else if (!doLink && w === "scope") f.scope = value();
    else if (!doLink && w === "label") f.label = value();
    else if (!doLink && w === "to") f.to = value();
    else if (!doLink && (w === "permanent" || w === "dynamic")) f.permanent = w === "permanent";
    else if (!doLink && ["secondary", "primary", "tentative", "deprecated"].includes(w)) {
      f.flags.push(w);
    } else if (SHOW_WORDS.has(w) && i === 0) continue;
    else if (f.dev !== undefined) {
      throw new UsageError(`Error: either "dev" is duplicate, or "${w}" is a garbage.`, 255);
    } else f.dev = w;
  }
  return f;
}

/** Whether `ip address show` was given an address selector. */
function selected(f: ShowFilter): boolean {
  return f.scope !== undefined || f.label !== undefined || f.to !== undefined ||
    f.permanent !== undefined || f.flags.length > 0;
}

/** Links and the addresses of each, as `ip link|address show` selects them. */
export async function selectLinks(
  ctx: Context,
  args: string[],
  doLink: boolean,
): Promise<{ links: Link[]; addrs: Map<number, Address[]>; filter: ShowFilter }> {
  const f = parseShow(args, doLink);
  // `ip link` lists with AF_PACKET whatever -4/-6 say; `to PREFIX` sets the prefix's family.
  if (doLink && ctx.opts.family !== 17) ctx.opts.family = 17;
  if (f.to !== undefined && !ctx.opts.family) ctx.opts.family = parsePrefix(f.to).family;
  const o = ctx.opts;
  // Like iproute2, dump with the family (`-6` gets the kernel's IPv6 view of links); for one
  // device it asks for that link alone, which the kernel answers in full whatever the family.
  const family = o.family === 17 || f.dev !== undefined ? 0 : o.family;
  const all = await listLinks(ctx.rt, { family, stats: o.stats > 0 });
  if (family) {
    // The kernel's per-family link dump has no IFLA_TXQLEN; iproute2 then asks with an ioctl.
    // Take it from a full listing instead.
    const full = new Map((await listLinks(ctx.rt)).map((l) => [l.index, l.txqlen]));
    for (const l of all) {
      if (l.message.attrs.txqlen === undefined) l.message.attrs.txqlen = full.get(l.index);
    }
  }
  const map = new Map<number, LinkInfo>(all.map((l) => [l.index, linkInfo(l)]));
  ctx.setLinks(map);
  let links: Link[] = all;
  if (f.dev !== undefined) {
    links = all.filter((l) => l.name === f.dev);
    if (links.length === 0) throw new UsageError(`Device "${f.dev}" does not exist.`, 1);
  }
  if (f.up) links = links.filter((l) => l.up);
  if (f.master !== undefined) {
    const mi = await ctx.index(f.master);
    links = links.filter((l) => l.masterIndex === mi);
  }
  if (f.kind !== undefined) links = links.filter((l) => l.kind === f.kind);
  const addrs = new Map<number, Address[]>();
  if (!doLink && o.family !== 17) {
    const list = await listAddresses(ctx.rt, {
      family: o.family || undefined,
      scope: f.scope === undefined || f.scope === "all" ? undefined : f.scope,
      label: f.label,
      to: f.to,
      permanent: f.permanent,
      flags: f.flags.filter((x) => x !== "primary"),
    });
    for (const a of list) {
      if (f.flags.includes("primary") && a.flags.includes("secondary")) continue;
      const at = addrs.get(a.ifindex) ?? [];
      at.push(a);
      addrs.set(a.ifindex, at);
    }
    // ipaddr_filter: a link stays when an address of it matches, or when it has none at all
    // and no family was asked for (`to PREFIX` asks for the prefix's).
    const any = new Set(
      (selected(f) ? await listAddresses(ctx.rt, { family: o.family || undefined }) : list)
        .map((a) => a.ifindex),
    );
    links = links.filter((l) => addrs.has(l.index) || (!o.family && !any.has(l.index)));
  }
  return { links, addrs, filter: f };
}

/** `ip link show` (doLink) and `ip address show`, with `-o` and `-br`. */
export async function showLinks(ctx: Context, args: string[], doLink: boolean): Promise<void> {
  const { links, addrs, filter } = await selectLinks(ctx, args, doLink);
  const map = await ctx.links();
  const o = ctx.opts;
  const p = ctx.p;
  p.start();
  // With `label`, ip prints the addresses alone, without their links.
  const noLink = filter.label !== undefined && !doLink && !o.brief;
  for (const l of links) {
    const mark = p.length;
    if (noLink) {
      const mine = addrs.get(l.index) ?? [];
      if (mine.length === 0) continue;
      p.openObject();
      p.openArray("addr_info", "");
      for (const a of mine) {
        p.openObject();
        printAddr(ctx, map, a);
        p.closeObject();
      }
      p.closeArray("");
      p.closeObject();
      ctx.flush();
      continue;
    }
    if (o.brief) {
      p.openObject();
      printBrief(ctx, map, l, doLink ? undefined : addrs.get(l.index) ?? []);
      p.closeObject();
      continue;
    }
    const mine = addrs.get(l.index) ?? [];
    if (o.oneline && !doLink) {
      for (const a of mine) {
        const at = p.length;
        p.openObject();
        printAddr(ctx, map, a);
        p.closeObject();
        oneline(ctx, at);
      }
      continue;
    }
    p.openObject();
    printLink(ctx, map, l, doLink);
    if (!doLink) {
      p.openArray("addr_info", "");
      for (const a of mine) {
        p.openObject();
        printAddr(ctx, map, a);
        p.closeObject();
      }
      p.closeArray("");
      if (o.stats) {
        printLinkStats(ctx, l);
        if (!p.json) p.text("\n");
      }
    }
    p.closeObject();
    if (o.oneline) oneline(ctx, mark);
    ctx.flush();
  }
  p.finish();
  ctx.flush();
}

/**
 * `-o`: the record printed since `mark` on one line, its line breaks as `\` (iproute2's
 * `_SL_`).
 */
function oneline(ctx: Context, mark: number): void {
  if (ctx.p.json) return;
  const text = ctx.p.take(mark);
  const body = text.endsWith("\n") ? text.slice(0, -1) : text;
  ctx.p.text(body.replaceAll("\n", "\\") + "\n");
}

/** `print_linkinfo_brief` (and the addresses of `ip -br address`). */
function printBrief(
  ctx: Context,
  links: Map<number, LinkInfo>,
  l: Link,
  addrs: Address[] | undefined,
): void {
  const p = ctx.p;
  const a = l.message.attrs;
  let name = l.name;
  if (a.link !== undefined) {
    if (a.link === 0) name += "@NONE";
    else if (a.linkNetnsid !== undefined) {
      p.jsonOnly("link_index", a.link);
      name += `@if${a.link}`;
    } else {
      const ln = links.get(a.link)?.name ?? `if${a.link}`;
      p.jsonOnly("link", ln);
      name += `@${ln}`;
    }
  }
  p.jsonOnly("ifname", l.name);
  p.text(`${name.padEnd(16)} `);
  const state = l.operstate ?? "UNKNOWN";
  p.any("operstate", `${state.padEnd(14)} `, state);
  if (addrs === undefined) {
    if (l.address !== undefined) p.any("address", `${l.address} `, l.address);
    const mdown = a.link !== undefined && a.link !== 0 && a.linkNetnsid === undefined &&
      !((links.get(a.link)?.flags ?? 0) & IFF.UP);
    printLinkFlags(p, l.message.header.ifiFlags, mdown);
  } else {
    p.openArray("addr_info", "");
    for (const x of addrs) {
      p.openObject();
      p.any("local", x.address, x.address);
      if (x.peer !== undefined) {
        p.text(" peer ");
        p.any("address", x.peer, x.peer);
      }
      p.any("prefixlen", `/${x.prefixlen} `, x.prefixlen);
      p.closeObject();
    }
    p.closeArray("");
  }
  p.text("\n");
  if (!p.json) ctx.flush();
}
