/**
 * `ip monitor [all | OBJECT…] [label]`: print changes as they happen, with the library's
 * `watch()` (typed events, links named), one object per event in the format of `show`, with
 * `[LINK]`-style banners for `all` and `label`, and `-t`/`-ts` timestamps. With `-j`, one
 * JSON array per event on its own line, deletions marked `"deleted": true`.
 *
 * @module
 */
import type { PrefixNotification } from "../../families/route/mcast.ts";
import type { Netconf } from "../../families/route/netconf.ts";
import { getNsid } from "../../families/route/nsid.ts";
import { watch, type WatchEvent, type WatchGroup } from "../../families/route/watch.ts";
import { listNetns } from "../../socket/netns.ts";
import { type Context, invarg, type LinkInfo, stdout, UsageError } from "./cli.ts";
import { printAddr, printLink } from "./link.ts";
import { printNeigh } from "./neigh.ts";
import { printRoute } from "./route.ts";
import { printRule } from "./rule.ts";

/** The objects `ip monitor` takes, with their groups (IPv4 first, IPv6 second). */
const OBJECTS: Record<string, { groups: WatchGroup[]; family?: boolean }> = {
  link: { groups: ["link"] },
  address: { groups: ["ipv4-addr", "ipv6-addr"], family: true },
  route: { groups: ["ipv4-route", "ipv6-route"], family: true },
  mroute: { groups: ["ipv4-mroute", "ipv6-mroute"], family: true },
  prefix: { groups: ["ipv6-prefix"] },
  neigh: { groups: ["neigh"] },
  netconf: { groups: ["ipv4-netconf", "ipv6-netconf", "mpls-netconf"] },
  rule: { groups: ["ipv4-rule", "ipv6-rule"], family: true },
  nsid: { groups: ["nsid"] },
};

/** The banner of each kind of event (`[LINK]`…). */
const BANNERS: Partial<Record<WatchEvent["kind"], string>> = {
  link: "[LINK]",
  address: "[ADDR]",
  route: "[ROUTE]",
  neighbour: "[NEIGH]",
  rule: "[RULE]",
  netconf: "[NETCONF]",
  nsid: "[NSID]",
  prefix: "[PREFIX]",
};

/** `print_timestamp`: `Timestamp: <asctime> N usec` (`-t`) or `[ISO.usec] ` (`-ts`). */
function timestamp(short: boolean): string {
  const now = Date.now();
  const d = new Date(now);
  const usec = String((now % 1000) * 1000).padStart(6, "0");
  const two = (n: number) => String(n).padStart(2, "0");
  if (short) {
    const date = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
    const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
    return `[${date}T${time}.${usec}] `;
  }
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov"];
  months.push("Dec");
  const asctime = `${days[d.getDay()]} ${months[d.getMonth()]} ${String(d.getDate()).padStart(2)} ${
    two(d.getHours())
  }:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
  return `Timestamp: ${asctime} ${Number(usec)} usec\n`;
}

/** `print_netconf`. */
function printNetconf(ctx: Context, c: Netconf, deleted: boolean): void {
  const p = ctx.p;
  p.openObject();
  if (deleted) p.any("deleted", "Deleted ", true);
  p.any("family", `${c.family} `, String(c.family));
  const dev = c.dev ?? `if${c.ifindex}`;
  p.any("interface", `${dev} `, dev);
  const onOff = (key: string, v: boolean | undefined) => {
    if (v !== undefined) p.any(key, `${key} ${v ? "on" : "off"} `, v ? "on" : "off");
  };
  onOff("forwarding", c.forwarding);
  if (c.rpFilter !== undefined) {
    const m = ["off", "strict", "loose"][c.rpFilter] ?? "unknown mode";
    p.any("rp_filter", `rp_filter ${m} `, m);
  }
  onOff("mc_forwarding", c.mcForwarding);
  onOff("proxy_neigh", c.proxyNeigh);
  onOff("ignore_routes_with_linkdown", c.ignoreRoutesWithLinkdown);
  onOff("input", c.input);
  p.text("\n");
  p.closeObject();
}

/** The names of the namespaces under /run/netns by their ids here (`netns_map_init`). */
async function nsidNames(ctx: Context, into: Map<number, string>): Promise<void> {
  for (const name of await listNetns()) {
    const id = await getNsid(ctx.rt, name).catch(() => -1);
    if (id >= 0) into.set(id, name);
  }
}

/** `print_nsid`, naming the namespace from the map kept as ip keeps it. */
async function printNsid(
  ctx: Context,
  e: { nsid: number; currentNsid?: number },
  deleted: boolean,
  names: Map<number, string>,
): Promise<void> {
  const p = ctx.p;
  p.openObject();
  if (deleted) p.any("deleted", "Deleted ", true);
  if (e.nsid < 0) p.text("nsid unassigned ");
  else p.any("nsid", `nsid ${e.nsid} `, e.nsid);
  if (e.currentNsid !== undefined) {
    p.any("current-nsid", `current-nsid ${e.currentNsid} `, e.currentNsid);
  }
  if (!deleted) await nsidNames(ctx, names);
  const name = names.get(e.nsid);
  if (name !== undefined) p.any("name", `(iproute2 netns name: ${name})`, name);
  p.text("\n");
  p.closeObject();
}

/** `print_prefix`. */
function printPrefix(ctx: Context, pr: PrefixNotification, links: Map<number, LinkInfo>): void {
  const p = ctx.p;
  p.openObject();
  p.any("prefix", `prefix ${pr.prefix} `, pr.prefix);
  const dev = pr.dev ?? links.get(pr.ifindex)?.name ?? `if${pr.ifindex}`;
  p.any("dev", `dev ${dev} `, dev);
  if (pr.onLink) p.any("onlink", "onlink ", true);
  if (pr.autoconf) p.any("autoconf", "autoconf ", true);
  if (pr.validTime !== undefined) p.any("valid", `valid ${pr.validTime} `, pr.validTime);
  if (pr.preferredTime !== undefined) {
    p.any("preferred", `preferred ${pr.preferredTime} `, pr.preferredTime);
  }
  p.text("\n");
  p.closeObject();
}

/** Remember the name an event gives a link, for the printers that look links up. */
function learn(links: Map<number, LinkInfo>, index: number | undefined, name?: string): void {
  if (index === undefined || name === undefined) return;
  const l = links.get(index);
  if (l === undefined) links.set(index, { name, flags: 0, type: 1 });
  else l.name = name;
}

/** `ip monitor [all | OBJECT…] [label] [dev DEV]`. */
export async function monitor(ctx: Context, argv: string[]): Promise<void> {
  let banner = false;
  const objects: string[] = [];
  let dev: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i];
    if (w === "all") banner = true;
    else if (w === "label") banner = true;
    else if (w === "dev") {
      dev = argv[++i];
      if (dev === undefined) {
        throw new UsageError('Command line is not complete. Try option "help"', 255);
      }
    } else {
      const o = Object.keys(OBJECTS).find((k) => w.length > 0 && k.startsWith(w));
      if (o === undefined) {
        throw new UsageError(`Argument "${w}" is unknown, try "ip monitor help".`, 255);
      }
      objects.push(o);
    }
  }
  const wanted = objects.length ? objects : Object.keys(OBJECTS);
  const family = ctx.opts.family;
  const groups = wanted.flatMap((o) => {
    const spec = OBJECTS[o];
    if (!spec.family || (family !== 2 && family !== 10)) return spec.groups;
    return [spec.groups[family === 2 ? 0 : 1]];
  });
  const links = await ctx.links();
  // `dev DEV`: links, addresses, routes, neighbours and netconf of that device only (ip prints
  // no `dev` for routes and neighbours then); rules, nsids and prefixes as they come.
  let ifindex = 0;
  if (dev !== undefined) {
    for (const [i, l] of links) if (l.name === dev) ifindex = i;
    if (!ifindex) invarg("Device does not exist\n", dev);
  }
  const other = (index: number | undefined) => ifindex !== 0 && index !== ifindex;
  const nsids = new Map<number, string>();
  if (wanted.includes("nsid")) await nsidNames(ctx, nsids);
  const p = ctx.p;
  await using events = await watch(ctx.rt, { groups });
  for await (const e of events) {
    if (e.kind === "raw" || e.kind === "overrun") continue;
    if (
      (e.kind === "link" && other(e.object.index)) ||
      ((e.kind === "address" || e.kind === "route" || e.kind === "neighbour" ||
        e.kind === "netconf") && other(e.object.ifindex))
    ) continue;
    const deleted = e.action === "delete";
    p.start();
    let head = ctx.opts.timestamp ? timestamp(ctx.opts.timestamp === 2) : "";
    if (banner && BANNERS[e.kind]) head += BANNERS[e.kind];
    p.text(head);
    if (e.kind === "link") {
      const l = e.object;
      learn(links, l.index, l.name);
      const info = links.get(l.index)!;
      info.flags = l.message.header.ifiFlags;
      info.type = l.message.header.ifiType;
      p.openObject();
      if (deleted) p.any("deleted", "Deleted ", true);
      printLink(ctx, links, l, false, false);
      p.closeObject();
    } else if (e.kind === "address") {
      const a = e.object;
      learn(links, a.ifindex, a.dev);
      p.openObject();
      if (deleted) p.any("deleted", "Deleted ", true);
      const name = links.get(a.ifindex)?.name ?? `if${a.ifindex}`;
      p.jsonOnly("index", a.ifindex);
      p.jsonOnly("dev", name);
      p.text(`${a.ifindex}: ${name}`);
      printAddr(ctx, links, a);
      p.closeObject();
    } else if (e.kind === "route") {
      learn(links, e.object.ifindex, e.object.dev);
      printRoute(ctx, links, e.object, { table: 0, cloned: 2, deleted, oif: ifindex !== 0 });
    } else if (e.kind === "neighbour") {
      if (family && e.object.family !== (family === 2 ? "inet" : "inet6")) {
        p.take();
        continue;
      }
      learn(links, e.object.ifindex, e.object.dev);
      printNeigh(ctx, links, e.object, ifindex, deleted);
    } else if (e.kind === "rule") printRule(ctx, e.object, deleted);
    else if (e.kind === "netconf") printNetconf(ctx, e.object, deleted);
    else if (e.kind === "nsid") await printNsid(ctx, e.object, deleted, nsids);
    else if (e.kind === "prefix") printPrefix(ctx, e.object, links);
    else {
      p.take();
      continue;
    }
    p.finish();
    const out = p.take();
    stdout(out);
  }
}
