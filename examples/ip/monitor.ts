/**
 * `ip monitor [link] [address] [route] [neigh] [rule]`: print changes as they happen, one
 * object per message, in the same format as `show` (JSON lines with `-j`).
 *
 * @module
 */
import * as rtLink from "../../families/generated/rt_link.ts";
import * as rtAddr from "../../families/generated/rt_addr.ts";
import * as rtRoute from "../../families/generated/rt_route.ts";
import type { Rtnl } from "../../families/route/rtnl.ts";
import { decodeBody } from "../../codec/schema.ts";
import type { Context } from "./cli.ts";
import { printAddr, printLink } from "./link.ts";
import { printRoute } from "./route.ts";

const GROUPS: Record<string, number[]> = {
  link: [1],
  address: [5, 9],
  route: [7, 11],
};

/** `ip monitor`. */
export async function monitor(ctx: Context, argv: string[]): Promise<void> {
  const want = argv.filter((a) => a !== "all");
  const objects = want.length
    ? Object.keys(GROUPS).filter((k) => want.some((w) => k.startsWith(w)))
    : Object.keys(GROUPS);
  const rt: Rtnl = ctx.rt;
  const groups = objects.flatMap((o) => GROUPS[o]);
  for (const g of groups) rt.socket.join(g);
  const sub = rt.socket.subscribe();
  const p = ctx.p;
  for await (const m of sub) {
    const links = await ctx.links();
    p.start();
    if (m.type === 16 || m.type === 17) {
      const l = decodeBody(rtLink.operations.getlink, m.payload);
      if (m.type === 17) links.delete(l.header.ifiIndex);
      else {
        links.set(l.header.ifiIndex, {
          name: l.attrs.ifname ?? `if${l.header.ifiIndex}`,
          flags: l.header.ifiFlags,
          type: l.header.ifiType,
        });
      }
      if (m.type === 17) p.any("deleted", "Deleted ", true);
      p.openObject();
      printLink(ctx, links, l, true);
      p.closeObject();
    } else if (m.type === 20 || m.type === 21) {
      const a = decodeBody(rtAddr.operations.getaddr, m.payload);
      p.openObject();
      if (m.type === 21) p.any("deleted", "Deleted ", true);
      const name = links.get(a.header.ifaIndex)?.name ?? `if${a.header.ifaIndex}`;
      p.jsonOnly("index", a.header.ifaIndex);
      p.jsonOnly("dev", name);
      p.text(`${a.header.ifaIndex}: ${name}`);
      printAddr(ctx, links, a);
      p.closeObject();
    } else if (m.type === 24 || m.type === 25) {
      const r = decodeBody(rtRoute.operations.getroute, m.payload);
      if (m.type === 25) p.text("Deleted ");
      printRoute(ctx, links, r, { table: 0, cloned: 2 });
    }
    p.finish();
    ctx.flush();
  }
}
