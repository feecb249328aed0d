/**
 * What `route.ts` shares with nobody else: the `RTA_MULTIPATH` codec and the route selectors
 * of `ip route show|flush` (iproute2's `filter_nlmsg`).
 *
 * @module
 */
import { AttributeWriter } from "../../codec/attr_writer.ts";
import {
  decodeAttributeSet,
  decodeStruct,
  encodeAttributeSet,
  encodeStruct,
} from "../../codec/ynl/mod.ts";
import * as rtRoute from "../generated/rt_route.ts";
import { parseIp, parsePrefix, type Prefix } from "./addr_text.ts";
import { ipAttr } from "./_ip_attr.ts";
import { inPrefix } from "./address.ts";
import { familyOf } from "./_names.ts";
import { type LinkRef, resolveLink } from "./_link_util.ts";
import { numberOf } from "./names.ts";
import type { Rtnl } from "./rtnl.ts";

/** One next hop of a multipath route, as given to `addRoute`. */
export interface NexthopSpec {
  /** Gateway address. */
  gateway?: string;
  /** Output interface. */
  dev?: LinkRef;
  /** Weight, 1–256 (default 1). */
  weight?: number;
  /** The gateway is on the link even without a matching route (`onlink`). */
  onlink?: boolean;
}

/** One next hop of a multipath route, as listed. */
export interface Nexthop {
  /** Gateway address. */
  gateway?: string;
  /** Output interface name (absent when the interface is unknown). */
  dev?: string;
  /** Output interface index. */
  ifindex: number;
  /** Weight, 1–256. */
  weight: number;
  /** `RTNH_F_*` names, lower case (`"onlink"`, `"linkdown"`, `"dead"`…). */
  flags: string[];
}

const RTNH_NAMES: readonly [number, string][] = Object.entries(rtRoute.RTNH_FLAGS).map((
  [k, v],
) => [v, k.toLowerCase()]);

/** `RTNH_F_*` names of a flags word. */
export function nexthopFlags(bits: number): string[] {
  const out: string[] = [];
  if (bits === 0) return out;
  for (const [v, k] of RTNH_NAMES) if (bits & v) out.push(k);
  return out;
}

/** `RTA_MULTIPATH`: struct rtnexthop, then the next hop's RTA_* attributes, one after another. */
export function decodeMultipath(
  bytes: Uint8Array,
  names?: ReadonlyMap<number, string>,
): Nexthop[] {
  const out: Nexthop[] = [];
  const head = rtRoute.rtnexthop.size;
  let off = 0;
  while (bytes.length - off >= head) {
    const h = decodeStruct(rtRoute.rtnexthop, bytes, off, off + head);
    if (h.rtnhLen < head || off + h.rtnhLen > bytes.length) break;
    const nh: Nexthop = {
      ifindex: h.rtnhIfindex,
      weight: h.rtnhHops + 1,
      flags: nexthopFlags(h.rtnhFlags),
    };
    const dev = names?.get(h.rtnhIfindex);
    if (dev !== undefined) nh.dev = dev;
    const a = decodeAttributeSet(rtRoute.routeAttrs, bytes, off + head, off + h.rtnhLen);
    if (a.gateway !== undefined) nh.gateway = ipAttr(a.gateway, "RTA_GATEWAY");
    out.push(nh);
    off += (h.rtnhLen + 3) & ~3;
  }
  return out;
}

/** Encode next hops as `RTA_MULTIPATH` (see {@link decodeMultipath}). */
export async function encodeMultipath(
  rt: Rtnl,
  nexthops: readonly NexthopSpec[],
): Promise<Uint8Array> {
  const w = new AttributeWriter();
  for (const nh of nexthops) {
    const weight = nh.weight ?? 1;
    if (!Number.isInteger(weight) || weight < 1 || weight > 256) {
      throw new RangeError(`Next hop weight must be in 1..256, got ${weight}`);
    }
    const attrs: rtRoute.RouteAttrs = {};
    if (nh.gateway !== undefined) attrs.gateway = parseIp(nh.gateway);
    const body = encodeAttributeSet(rtRoute.routeAttrs, new AttributeWriter(), attrs).bytes();
    w.raw(encodeStruct(rtRoute.rtnexthop, {
      rtnhLen: rtRoute.rtnexthop.size + body.length,
      rtnhFlags: nh.onlink ? rtRoute.RTNH_FLAGS.ONLINK : 0,
      rtnhHops: weight - 1,
      rtnhIfindex: nh.dev === undefined ? 0 : await resolveLink(rt, nh.dev),
    }));
    w.raw(body);
  }
  return w.bytes();
}

/**
 * Which routes `listRoutes` lists and `flushRoutes` deletes: the selectors of
 * `ip route show|flush`. Prefixes take a length (`"10.0.0.0/8"`); a bare address is a host
 * prefix; `"default"` is the prefix of length 0.
 */
export interface RouteSelectors {
  /** `"inet"`, `"inet6"`, 2 or 10; default both. */
  family?: number | string;
  /** Table name or number, or `"all"`; default main, like `ip route`. */
  table?: string | number;
  /** Cached (cloned) routes: left out (`"exclude"`, the default), with the others, or only. */
  cache?: "exclude" | "include" | "only";
  /** Routes whose destination is exactly this prefix (`ip route show PREFIX`, `exact`). */
  to?: string;
  /** Routes inside this prefix: its length or longer (`root`). */
  root?: string;
  /** Routes that contain this prefix or address (`match`: what a lookup could use). */
  match?: string;
  /** Routes whose source prefix (`RTA_SRC`) is exactly this one (`from`). */
  from?: string;
  /** Routes through a gateway in this prefix, or this gateway (`via`). */
  via?: string;
  /** Routes whose preferred source is in this prefix, or this address (`src`). */
  src?: string;
  /** Output interface (`dev`). */
  dev?: LinkRef;
  /** Input interface (`iif`). */
  iif?: LinkRef;
  /** Protocol name or number (`proto`). */
  protocol?: string | number;
  /** Scope name or number. */
  scope?: string | number;
  /** Route type (`"unicast"`, `"blackhole"`…). */
  type?: string | number;
  /** Metric (`RTA_PRIORITY`; 0 when absent). */
  metric?: number;
  /** Cancel the dump. */
  signal?: AbortSignal;
}

type RouteMessage = { header: rtRoute.Rtmsg; attrs: rtRoute.RouteAttrs };

function prefixOf(text: string, family: number): Prefix {
  if (text === "default") {
    if (family === 0) return { family: 0, bytes: new Uint8Array(0), prefixlen: 0 };
    return { family, bytes: new Uint8Array(family === 2 ? 4 : 16), prefixlen: 0 };
  }
  return parsePrefix(text);
}

/** The family-less "default": matches the zero-length prefix of either family. */
function covers(p: Prefix, r: Uint8Array | undefined, rfamily: number, rlen: number, how: string) {
  if (p.family !== 0 && p.family !== rfamily) return false;
  const bytes = r ?? new Uint8Array(rfamily === 2 ? 4 : 16);
  const pb = p.family === 0 ? new Uint8Array(bytes.length) : p.bytes;
  if (how === "exact") return rlen === p.prefixlen && inPrefix(bytes, pb, p.prefixlen);
  if (how === "root") return rlen >= p.prefixlen && inPrefix(bytes, pb, p.prefixlen);
  return rlen <= p.prefixlen && inPrefix(pb, bytes, rlen); // match
}

/** The selectors as a predicate on decoded route messages, and the dump's family and table. */
export async function routeFilter(rt: Rtnl, s: RouteSelectors) {
  let family = familyOf(s.family, "Route");
  const table = s.table === undefined
    ? numberOf("table", "main")
    : s.table === "all"
    ? undefined
    : numberOf("table", s.table);
  const prefixes: [Prefix, "exact" | "root" | "match", "dst" | "src"][] = [];
  for (
    const [text, how, key] of [
      [s.to, "exact", "dst"],
      [s.root, "root", "dst"],
      [s.match, "match", "dst"],
      [s.from, "exact", "src"],
    ] as const
  ) {
    if (text === undefined) continue;
    const p = prefixOf(text, family);
    if (p.family !== 0) family ||= p.family;
    prefixes.push([p, how, key]);
  }
  const via = s.via === undefined ? undefined : parsePrefix(s.via);
  const src = s.src === undefined ? undefined : parsePrefix(s.src);
  const oif = s.dev === undefined ? undefined : await resolveLink(rt, s.dev, s.signal);
  const iif = s.iif === undefined ? undefined : await resolveLink(rt, s.iif, s.signal);
  const protocol = s.protocol === undefined ? undefined : numberOf("protocol", s.protocol);
  const scope = s.scope === undefined ? undefined : numberOf("scope", s.scope);
  const type = s.type === undefined ? undefined : numberOf("type", s.type);
  const cache = s.cache ?? "exclude";
  const CLONED = rtRoute.RTM_FLAGS.CLONED;
  return {
    family,
    keep({ header: h, attrs: a }: RouteMessage): boolean {
      if (h.rtmFamily !== 2 && h.rtmFamily !== 10) return false;
      if (family !== 0 && h.rtmFamily !== family) return false;
      if (table !== undefined && (a.table ?? h.rtmTable) !== table) return false;
      const cloned = (h.rtmFlags & CLONED) !== 0;
      if ((cache === "exclude" && cloned) || (cache === "only" && !cloned)) return false;
      for (const [p, how, key] of prefixes) {
        const len = key === "dst" ? h.rtmDstLen : h.rtmSrcLen;
        if (!covers(p, a[key], h.rtmFamily, len, how)) return false;
      }
      if (via !== undefined && !(a.gateway && inPrefix(a.gateway, via.bytes, via.prefixlen))) {
        return false;
      }
      if (src !== undefined && !(a.prefsrc && inPrefix(a.prefsrc, src.bytes, src.prefixlen))) {
        return false;
      }
      if (oif !== undefined && a.oif !== oif) return false;
      if (iif !== undefined && a.iif !== iif) return false;
      if (protocol !== undefined && h.rtmProtocol !== protocol) return false;
      if (scope !== undefined && h.rtmScope !== scope) return false;
      if (type !== undefined && h.rtmType !== type) return false;
      if (s.metric !== undefined && (a.priority ?? 0) !== s.metric) return false;
      return true;
    },
  };
}
