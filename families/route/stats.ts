/**
 * Link statistics over RTM_GETSTATS (`ip stats`, and the counters of `ip -s link`): per link,
 * the groups chosen by a filter mask (IFLA_STATS_FILTER_BIT of linux/if_link.h).
 *
 * @example
 * ```ts
 * import { Rtnl, getLinkStats, listLinkStats } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * const lo = await getLinkStats(rt, "lo");
 * console.log(lo.link64?.rxBytes);
 * for (const s of await listLinkStats(rt)) console.log(s.ifindex, s.link64?.txPackets);
 * ```
 *
 * @module
 */
import * as rtLink from "../generated/rt_link.ts";
import type { Rtnl } from "./rtnl.ts";

/**
 * Bits of the filter mask (linux/if_link.h: IFLA_STATS_FILTER_BIT(ATTR) = 1 << (ATTR - 1)).
 */
export const STATS_FILTER = {
  /** IFLA_STATS_LINK_64: struct rtnl_link_stats64. */
  LINK_64: 1 << 0,
  /** IFLA_STATS_LINK_XSTATS: per-kind extended statistics. */
  LINK_XSTATS: 1 << 1,
  /** IFLA_STATS_LINK_XSTATS_SLAVE. */
  LINK_XSTATS_SLAVE: 1 << 2,
  /** IFLA_STATS_LINK_OFFLOAD_XSTATS. */
  LINK_OFFLOAD_XSTATS: 1 << 3,
  /** IFLA_STATS_AF_SPEC: per address family (MPLS…). */
  AF_SPEC: 1 << 4,
} as const;

/** Statistics of one link. */
export interface LinkStats {
  /** Device index. */
  ifindex: number;
  /** IFLA_STATS_LINK_64 counters, when asked for. */
  link64?: rtLink.RtnlLinkStats64;
  /** Every attribute as decoded by the rt-link tables. */
  attrs: rtLink.StatsAttrs;
}

/** Options of the statistics functions. */
export interface StatsOptions {
  /** Groups to get, a mask of {@link STATS_FILTER} (default LINK_64). */
  filterMask?: number;
  /** Cancel the request. */
  signal?: AbortSignal;
}

function decode(
  m: { header: rtLink.IfStatsMsg; attrs: rtLink.StatsAttrs },
): LinkStats {
  const out: LinkStats = { ifindex: m.header.ifindex, attrs: m.attrs };
  if (m.attrs.link64 !== undefined) out.link64 = m.attrs.link64;
  return out;
}

/**
 * Statistics of every link (`ip stats show`).
 *
 * @example
 * ```ts
 * import { Rtnl, listLinkStats, STATS_FILTER } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * const all = await listLinkStats(rt, { filterMask: STATS_FILTER.LINK_64 });
 * ```
 */
export async function listLinkStats(rt: Rtnl, options: StatsOptions = {}): Promise<LinkStats[]> {
  const out: LinkStats[] = [];
  for await (
    const m of rt.dump(rtLink.operations.getstats, {
      header: { filterMask: options.filterMask ?? STATS_FILTER.LINK_64 },
      signal: options.signal,
    })
  ) out.push(decode(m));
  return out;
}

/**
 * Statistics of one link (`ip stats show dev DEV`), by index or name.
 *
 * @example
 * ```ts
 * import { Rtnl, getLinkStats } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * console.log((await getLinkStats(rt, "lo")).link64?.rxPackets);
 * ```
 */
export async function getLinkStats(
  rt: Rtnl,
  dev: number | string,
  options: StatsOptions = {},
): Promise<LinkStats> {
  let ifindex: number;
  if (typeof dev === "number") ifindex = dev;
  else {
    const l = await rt.call(rtLink.operations.getlink, { attrs: { ifname: dev } });
    ifindex = l!.header.ifiIndex;
  }
  const m = await rt.call(rtLink.operations.getstats, {
    header: { ifindex, filterMask: options.filterMask ?? STATS_FILTER.LINK_64 },
    signal: options.signal,
  });
  if (m === undefined) throw new Error("RTM_GETSTATS: no reply");
  return decode(m);
}
