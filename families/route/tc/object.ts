/**
 * What qdiscs, classes and filters share: the decoded message, the listed object with its
 * statistics, the configuration of kinds without typed options, and the device lookups of the
 * operations.
 *
 * @module
 */
import type { ConsistencyOptions, DumpTracker } from "../../../client/consistent.ts";
import type * as tc from "../../generated/tc.ts";
import { type Counter, toCounter } from "../_names.ts";
import { linkNameMap, type LinkRef, resolveLink } from "../_link_util.ts";
import type { Rtnl } from "../rtnl.ts";
import { formatHandle } from "./handles.ts";

/** A decoded tc message: what {@link Rtnl.dump} yields for the tc operations. */
export interface TcMessage {
  /** struct tcmsg. */
  header: tc.Tcmsg;
  /** TCA_* attributes. */
  attrs: tc.Attrs;
}

/**
 * Any other kind: `options` is the value of TCA_OPTIONS for the spec tables of
 * `families/generated/tc.ts` (e.g. `{ limit: 100 }` for `pfifo`).
 */
export interface OtherTcConfig {
  /** Kind, as `tc` names it. */
  kind: string;
  /** TCA_OPTIONS, as the spec tables encode and decode it. */
  options?: unknown;
}

/** Statistics of a qdisc, class, filter or action: TCA_STATS2 (or the legacy TCA_STATS). */
export interface TcStatistics {
  /** Bytes sent (a number, or its decimal string past 2^53). */
  bytes: Counter;
  /** Packets sent. */
  packets: number;
  /** Packets dropped. */
  drops: number;
  /** Times the rate was exceeded. */
  overlimits: number;
  /** Packets requeued. */
  requeues: number;
  /** Packets queued. */
  qlen: number;
  /** Bytes queued. */
  backlog: number;
  /** Estimated rate, bytes per second (with a rate estimator). */
  bps: number;
  /** Estimated rate, packets per second. */
  pps: number;
}

/**
 * What qdiscs, classes and filters share: plain JSON data, handles as `tc` prints them.
 * `message` (the decoded message, with every attribute including `xstats`) is not enumerable.
 */
export interface TcObject<C> {
  /** Device name (absent when unknown). */
  dev?: string;
  /** Device index. */
  ifindex: number;
  /** Handle as tc prints it (`"1:"` for a qdisc, `"1:10"` for a class, `"800::800"` for a u32 filter). */
  handle: string;
  /** Parent as tc prints it (`"root"`, `"1:"`, `"ffff:fff1"`; a filter's `"ingress"`, `"egress"`). */
  parent: string;
  /** Kind (`htb`, `u32`…). */
  kind: string;
  /** Decoded configuration. */
  config: C;
  /** Statistics, when the kernel sent them. */
  stats?: TcStatistics;
  /** The whole decoded message (not enumerable). */
  readonly message: TcMessage;
}

/** Options of the list functions; `consistent` as {@link ConsistencyOptions} says. */
export interface ListOptions extends ConsistencyOptions {
  /** Only this device; all devices when omitted. */
  dev?: LinkRef;
  /** Cancel the dump. */
  signal?: AbortSignal;
}

/** TCA_KIND and TCA_OPTIONS of a kind without typed options, as given. */
export function otherAttrs(c: OtherTcConfig): tc.Attrs {
  const attrs: tc.Attrs = { kind: c.kind };
  if (c.options !== undefined) attrs.options = c.options as tc.Attrs["options"];
  return attrs;
}

/** The configuration of a kind without typed options, as decoded. */
export function otherConfig(kind: string, options: unknown): OtherTcConfig {
  return options === undefined ? { kind } : { kind, options };
}

/** Statistics from TCA_STATS2 (or TCA_ACT_STATS), falling back to the legacy TCA_STATS. */
export function statistics(
  s2: tc.TcaStatsAttrs | undefined,
  s1: tc.TcStats | undefined,
): TcStatistics | undefined {
  if (s2 === undefined && s1 === undefined) return undefined;
  const est = s2?.rateEst64;
  return {
    bytes: toCounter(s2?.basic?.bytes ?? s1?.bytes ?? 0n),
    packets: s2?.pkt64 !== undefined ? Number(s2.pkt64) : s2?.basic?.packets ?? s1?.packets ?? 0,
    drops: s2?.queue?.drops ?? s1?.drops ?? 0,
    overlimits: s2?.queue?.overlimits ?? s1?.overlimits ?? 0,
    requeues: s2?.queue?.requeues ?? 0,
    qlen: s2?.queue?.qlen ?? s1?.qlen ?? 0,
    backlog: s2?.queue?.backlog ?? s1?.backlog ?? 0,
    bps: est !== undefined ? Number(est.bps) : s2?.rateEst?.bps ?? s1?.bps ?? 0,
    pps: est !== undefined ? Number(est.pps) : s2?.rateEst?.pps ?? s1?.pps ?? 0,
  };
}

/** The parts of a listed object that come from the message itself. */
export function tcObject<C>(
  m: TcMessage,
  config: C,
  names?: ReadonlyMap<number, string>,
  handle: string = formatHandle(m.header.handle),
  parent: string = formatHandle(m.header.parent),
): TcObject<C> {
  const out = { ifindex: m.header.ifindex } as TcObject<C>;
  const dev = names?.get(m.header.ifindex);
  if (dev !== undefined) out.dev = dev;
  Object.assign(out, { handle, parent, kind: m.attrs.kind ?? "", config });
  const stats = statistics(m.attrs.stats2, m.attrs.stats);
  if (stats !== undefined) out.stats = stats;
  Object.defineProperty(out, "message", { value: m, enumerable: false });
  return out;
}

/** The index of a device (a name looked up with RTM_GETLINK). */
export async function ifindexOf(rt: Rtnl, dev: LinkRef): Promise<number> {
  return await resolveLink(rt, dev);
}

/**
 * The device `dev`, or every device when it is undefined (classes and filters dump per
 * device), with the name of each.
 */
export async function devices(
  rt: Rtnl,
  dev: LinkRef | undefined,
  signal?: AbortSignal,
  tracker?: DumpTracker,
): Promise<{ indexes: number[]; names: Map<number, string> }> {
  const names = await linkNameMap(rt, signal, tracker);
  if (dev !== undefined) return { indexes: [await resolveLink(rt, dev, signal)], names };
  return { indexes: [...names.keys()], names };
}
