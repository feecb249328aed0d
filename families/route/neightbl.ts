/**
 * Neighbour tables (`ip ntable`): the ARP and NDISC cache limits and, per device, the
 * neighbour parameters (reachable time, GC stale time, probes…), over RTM_GETNEIGHTBL and
 * RTM_SETNEIGHTBL of the generated `rt-neigh` tables. Times are milliseconds.
 *
 * @example
 * ```ts
 * import { Rtnl, listNeighTables, setNeighTable } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await setNeighTable(rt, "arp_cache", { dev: "eth0", parms: { gcStaletime: 120000 } });
 * for (const t of await listNeighTables(rt)) console.log(t.name, t.ifindex, t.parms);
 * ```
 *
 * @module
 */
import * as rtNeigh from "../generated/rt_neigh.ts";
import { familyName, familyOf, withMessage } from "./_names.ts";
import { linkNameMap, type LinkRef, resolveLink } from "./_link_util.ts";
import type { Rtnl } from "./rtnl.ts";

/** Per-device (or default) neighbour parameters, NDTPA_* of linux/neighbour.h; times in ms. */
export interface NeighParms {
  /** Current reachable time (randomised from `baseReachableTime`; read only). */
  reachableTime?: number;
  /** Base reachable time. */
  baseReachableTime?: number;
  /** Retransmit time. */
  retransTime?: number;
  /** Time after which an unused stale entry may be collected. */
  gcStaletime?: number;
  /** Delay before the first probe. */
  delayProbeTime?: number;
  /** Queued packets per unresolved entry. */
  queueLen?: number;
  /** Queued bytes per unresolved entry. */
  queueLenbytes?: number;
  /** Probes through the user-space daemon. */
  appProbes?: number;
  /** Unicast probes. */
  ucastProbes?: number;
  /** Multicast probes. */
  mcastProbes?: number;
  /** Multicast re-probes. */
  mcastReprobes?: number;
  /** Maximum random delay of answers to anycast solicitations. */
  anycastDelay?: number;
  /** Maximum random delay of proxied answers. */
  proxyDelay?: number;
  /** Queued proxy packets. */
  proxyQlen?: number;
  /** Minimum time between entry updates. */
  locktime?: number;
  /** Interval between probes. */
  intervalProbeTimeMs?: number;
  /** Reference count (read only). */
  refcnt?: number;
}

/** A decoded `RTM_NEWNEIGHTBL` message. */
export type NeighTableMessage = { header: rtNeigh.Ndtmsg; attrs: rtNeigh.NdtAttrs };

/**
 * One entry of the RTM_GETNEIGHTBL dump: a table's settings, or one device's parameters.
 * Plain JSON data; `message` (the decoded message, with the table's statistics) is not
 * enumerable.
 */
export interface NeighTable {
  /** `"inet"` or `"inet6"`. */
  family: string | number;
  /** Table name (`arp_cache`, `ndisc_cache`). */
  name: string;
  /** Device of these parameters (absent for the table and its default parameters). */
  dev?: string;
  /** Device index of these parameters; 0 for the table and its default parameters. */
  ifindex: number;
  /** GC threshold 1 (table entries only). */
  thresh1?: number;
  /** GC threshold 2. */
  thresh2?: number;
  /** GC threshold 3. */
  thresh3?: number;
  /** GC interval, ms. */
  gcInterval?: number;
  /** Parameters. */
  parms: NeighParms;
  /** The whole decoded message (not enumerable). */
  readonly message: NeighTableMessage;
}

const PARM_KEYS = [
  "reachableTime",
  "baseReachableTime",
  "retransTime",
  "gcStaletime",
  "delayProbeTime",
  "queueLen",
  "queueLenbytes",
  "appProbes",
  "ucastProbes",
  "mcastProbes",
  "mcastReprobes",
  "anycastDelay",
  "proxyDelay",
  "proxyQlen",
  "locktime",
  "intervalProbeTimeMs",
  "refcnt",
] as const;

function decodeParms(p: rtNeigh.NdtpaAttrs | undefined): NeighParms {
  const out: Record<string, number> = {};
  if (p === undefined) return out;
  for (const k of PARM_KEYS) {
    const v = p[k];
    if (v !== undefined) out[k] = Number(v);
  }
  return out as NeighParms;
}

const U64_PARMS = new Set([
  "reachableTime",
  "baseReachableTime",
  "retransTime",
  "gcStaletime",
  "delayProbeTime",
  "anycastDelay",
  "proxyDelay",
  "locktime",
  "intervalProbeTimeMs",
]);

/**
 * List neighbour tables and their per-device parameters (`ip ntable show`).
 *
 * @example
 * ```ts
 * import { Rtnl, listNeighTables } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * const arp = (await listNeighTables(rt, { family: 2 })).find((t) => t.ifindex === 0);
 * console.log(arp?.thresh3, arp?.parms.gcStaletime);
 * ```
 */
export async function listNeighTables(
  rt: Rtnl,
  options: { family?: number | string; dev?: LinkRef; signal?: AbortSignal } = {},
): Promise<NeighTable[]> {
  const family = familyOf(options.family, "Neighbour table");
  const index = options.dev === undefined ? undefined : await resolveLink(rt, options.dev);
  const names = await linkNameMap(rt, options.signal);
  const out: NeighTable[] = [];
  for await (
    const m of rt.dump(rtNeigh.operations.getneightbl, {
      header: { family },
      signal: options.signal,
    })
  ) {
    if (family !== 0 && m.header.family !== family) continue;
    const t = toNeighTable(m, names);
    if (index !== undefined && t.ifindex !== index) continue;
    out.push(t);
  }
  return out;
}

/**
 * Turn a decoded `RTM_NEWNEIGHTBL` message into a {@link NeighTable}; `names` (see
 * `linkNames`) names its device.
 *
 * @example
 * ```ts
 * import { Rtnl, rtNeigh, toNeighTable } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for await (const m of rt.dump(rtNeigh.operations.getneightbl)) console.log(toNeighTable(m));
 * ```
 */
export function toNeighTable(
  m: NeighTableMessage,
  names?: ReadonlyMap<number, string>,
): NeighTable {
  const a = m.attrs;
  const t: NeighTable = withMessage({
    family: familyName(m.header.family),
    name: a.name ?? "",
    ifindex: a.parms?.ifindex ?? 0,
    parms: decodeParms(a.parms),
  } as Omit<NeighTable, "message">, m);
  const dev = t.ifindex ? names?.get(t.ifindex) : undefined;
  if (dev !== undefined) t.dev = dev;
  if (a.thresh1 !== undefined) t.thresh1 = a.thresh1;
  if (a.thresh2 !== undefined) t.thresh2 = a.thresh2;
  if (a.thresh3 !== undefined) t.thresh3 = a.thresh3;
  if (a.gcInterval !== undefined) t.gcInterval = Number(a.gcInterval);
  return t;
}

/** What {@link setNeighTable} changes. */
export interface SetNeighTableOptions {
  /** Family of the table (default: inet for `arp_cache`, inet6 for `ndisc_cache`). */
  family?: number | string;
  /** Device whose parameters change; the table defaults when omitted. */
  dev?: LinkRef;
  /** GC threshold 1 (table only). */
  thresh1?: number;
  /** GC threshold 2. */
  thresh2?: number;
  /** GC threshold 3. */
  thresh3?: number;
  /** GC interval, ms. */
  gcInterval?: number;
  /** Parameters to change. */
  parms?: Omit<NeighParms, "reachableTime" | "refcnt">;
  /** Cancel waiting for the answer. */
  signal?: AbortSignal;
}

/**
 * Change a neighbour table or one device's parameters (`ip ntable change name NAME [dev DEV] …`).
 *
 * @example
 * ```ts
 * import { Rtnl, setNeighTable } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await setNeighTable(rt, "ndisc_cache", { dev: "eth0", parms: { baseReachableTime: 20000 } });
 * ```
 */
export async function setNeighTable(
  rt: Rtnl,
  name: string,
  options: SetNeighTableOptions = {},
): Promise<void> {
  const family = familyOf(options.family, "Neighbour table") || (name === "ndisc_cache" ? 10 : 2);
  const attrs: rtNeigh.NdtAttrs = { name };
  if (options.thresh1 !== undefined) attrs.thresh1 = options.thresh1;
  if (options.thresh2 !== undefined) attrs.thresh2 = options.thresh2;
  if (options.thresh3 !== undefined) attrs.thresh3 = options.thresh3;
  if (options.gcInterval !== undefined) attrs.gcInterval = BigInt(options.gcInterval);
  if (options.parms !== undefined || options.dev !== undefined) {
    const ifindex = options.dev === undefined ? 0 : await resolveLink(rt, options.dev);
    const parms: Record<string, number | bigint> = { ifindex };
    for (const [k, v] of Object.entries(options.parms ?? {})) {
      if (v === undefined) continue;
      parms[k] = U64_PARMS.has(k) ? BigInt(v) : v;
    }
    attrs.parms = parms as rtNeigh.NdtpaAttrs;
  }
  await rt.call(rtNeigh.operations.setneightbl, {
    header: { family },
    attrs,
    signal: options.signal,
  });
}
