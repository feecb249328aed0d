/**
 * `ip monitor [link] [address] [route] [neigh] [rule]`: print changes as they happen, one
 * object per message, in the same format as `show` (JSON lines with `-j`).
 *
 * @module
 */
import type { Rtnl } from "../../families/route/rtnl.ts";
import { toWatchEvent, WATCH_GROUPS, type WatchGroup } from "../../families/route/watch.ts";
import type { Context } from "./cli.ts";
import { printAddr, printLink } from "./link.ts";
import { printRoute } from "./route.ts";

const GROUPS: Record<string, WatchGroup[]> = {
  link: ["link"],
  address: ["ipv4-addr", "ipv6-addr"],
  route: ["ipv4-route", "ipv6-route"],
};

/** `ip monitor`. */
export async function monitor(ctx: Context, argv: string[]): Promise<void> {
  const want = argv.filter((a) => a !== "all");
  const objects = want.length
    ? Object.keys(GROUPS).filter((k) => want.some((w) => k.startsWith(w)))
    : Object.keys(GROUPS);
  const rt: Rtnl = ctx.rt;
  const groups = objects.flatMap((o) => GROUPS[o].flatMap((g) => WATCH_GROUPS[g]));
  for (const g of groups) rt.socket.join(g);
  const sub = rt.socket.subscribe();
  const p = ctx.p;
  for await (const m of sub) {
    const links = await ctx.links();
    p.start();
    const e = toWatchEvent(m);
    if (e.kind === "link") {
      const l = e.object;
      if (e.action === "delete") links.delete(l.header.ifiIndex);
      else {
        links.set(l.header.ifiIndex, {
          name: l.attrs.ifname ?? `if${l.header.ifiIndex}`,
          flags: l.header.ifiFlags,
          type: l.header.ifiType,
        });
      }
      if (e.action === "delete") p.any("deleted", "Deleted ", true);
      p.openObject();
      printLink(ctx, links, l, true);
      p.closeObject();
    } else if (e.kind === "address") {
      const a = e.object;
      p.openObject();
      if (e.action === "delete") p.any("deleted", "Deleted ", true);
      const name = links.get(a.header.ifaIndex)?.name ?? `if${a.header.ifaIndex}`;
      p.jsonOnly("index", a.header.ifaIndex);
      p.jsonOnly("dev", name);
      p.text(`${a.header.ifaIndex}: ${name}`);
      printAddr(ctx, links, a);
      p.closeObject();
    } else if (e.kind === "route") {
      if (e.action === "delete") p.text("Deleted ");
      printRoute(ctx, links, e.object, { table: 0, cloned: 2 });
    }
    p.finish();
    ctx.flush();
  }
}
