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
import { withMessage } from "./_names.ts";
import { linkNameMap, type LinkRef, notFound, resolveLink } from "./_link_util.ts";
import { type LinkCounters, toCounters } from "./link.ts";
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

/** A decoded `RTM_NEWSTATS` message. */
export type LinkStatsMessage = { header: rtLink.IfStatsMsg; attrs: rtLink.StatsAttrs };

/**
 * Statistics of one link: plain JSON data (counters as numbers, or decimal strings past
 * 2^53). `message` (the decoded `RTM_NEWSTATS` with every group) is not enumerable.
 */
export interface LinkStats {
  /** Device name (absent when unknown). */
  dev?: string;
  /** Device index. */
  ifindex: number;
  /** IFLA_STATS_LINK_64 counters, when asked for. */
  link64?: LinkCounters;
  /** The whole decoded message (not enumerable). */
  readonly message: LinkStatsMessage;
}

/** Options of the statistics functions. */
export interface StatsOptions {
  /** Groups to get, a mask of {@link STATS_FILTER} (default LINK_64). */
  filterMask?: number;
  /** Cancel the request. */
  signal?: AbortSignal;
}

/**
 * Turn a decoded `RTM_NEWSTATS` message into {@link LinkStats}; `names` (see `linkNames`)
 * names its device.
 *
 * @example
 * ```ts
 * import { Rtnl, rtLink, toLinkStats } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for await (const m of rt.dump(rtLink.operations.getstats, { header: { filterMask: 1 } })) {
 *   console.log(toLinkStats(m).link64?.rxBytes);
 * }
 * ```
 */
export function toLinkStats(m: LinkStatsMessage, names?: ReadonlyMap<number, string>): LinkStats {
  const out: LinkStats = withMessage(
    { ifindex: m.header.ifindex } as Omit<LinkStats, "message">,
    m,
  );
  const dev = names?.get(m.header.ifindex);
  if (dev !== undefined) out.dev = dev;
  if (m.attrs.link64 !== undefined) out.link64 = toCounters(m.attrs.link64);
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
  const names = await linkNameMap(rt, options.signal);
  const out: LinkStats[] = [];
  for await (
    const m of rt.dump(rtLink.operations.getstats, {
      header: { filterMask: options.filterMask ?? STATS_FILTER.LINK_64 },
      signal: options.signal,
    })
  ) out.push(toLinkStats(m, names));
  return out;
}

/**
 * Statistics of one link (`ip stats show dev DEV`).
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
  dev: LinkRef,
  options: StatsOptions = {},
): Promise<LinkStats> {
  const ifindex = await resolveLink(rt, dev, options.signal);
  let m: LinkStatsMessage | undefined;
  try {
    m = await rt.call(rtLink.operations.getstats, {
      header: { ifindex, filterMask: options.filterMask ?? STATS_FILTER.LINK_64 },
      signal: options.signal,
    });
  } catch (e) {
    throw notFound(e, dev);
  }
  if (m === undefined) throw new Error("RTM_GETSTATS: no reply");
  return toLinkStats(m, await linkNameMap(rt, options.signal));
}
