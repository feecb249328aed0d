/**
 * Per-device IP configuration flags (`ip netconf`): forwarding, rp_filter, mc_forwarding,
 * proxy_neigh, ignore_routes_with_linkdown… over RTM_GETNETCONF.
 *
 * The messages are those of the generated `rt-netconf` family (our local spec
 * `specs/local/rt-netconf.yaml`, from linux/netconf.h and linux/rtnetlink.h).
 *
 * @example
 * ```ts
 * import { Rtnl, getNetconf, listNetconf } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * const all = await getNetconf(rt, "inet", { dev: "all" });
 * console.log(all.forwarding, all.rpFilter);
 * for (const c of await listNetconf(rt, { family: 10 })) console.log(c.ifindex, c.forwarding);
 * ```
 *
 * @module
 */
import * as rtNetconf from "../generated/rt_netconf.ts";
import { familyName, familyOf } from "./_names.ts";
import { linkNameMap, type LinkRef, resolveLink } from "./_link_util.ts";
import type { Rtnl } from "./rtnl.ts";

/**
 * One device's (or `all`/`default`) configuration; flags are booleans, absent when not sent.
 * Plain JSON data.
 */
export interface Netconf {
  /** `"inet"`, `"inet6"` or `"mpls"`. */
  family: string | number;
  /** Device name, or `"all"` / `"default"` (absent for a device whose name is unknown). */
  dev?: string;
  /** Device index, or -1 for `all`, -2 for `default`. */
  ifindex: number;
  /** Forwarding. */
  forwarding?: boolean;
  /** Reverse path filter: 0 off, 1 strict, 2 loose. */
  rpFilter?: number;
  /** Multicast forwarding. */
  mcForwarding?: boolean;
  /** Proxy ARP / NDP. */
  proxyNeigh?: boolean;
  /** Ignore routes whose device is down. */
  ignoreRoutesWithLinkdown?: boolean;
  /** MPLS input. */
  input?: boolean;
  /** Broadcast forwarding. */
  bcForwarding?: boolean;
}

/**
 * Decode a netconf message (a reply, or an RTM_NEWNETCONF notification); `names` (see
 * `linkNames`) names its device.
 *
 * @example
 * ```ts
 * import { decodeNetconf } from "@netlink/netlink";
 * decodeNetconf({ header: { family: 2 }, attrs: { ifindex: -1, forwarding: 1 } });
 * // { family: "inet", dev: "all", ifindex: -1, forwarding: true }
 * ```
 */
export function decodeNetconf(
  m: { header: rtNetconf.Netconfmsg; attrs: rtNetconf.NetconfAttrs },
  names?: ReadonlyMap<number, string>,
): Netconf {
  const a = m.attrs;
  const ifindex = a.ifindex ?? 0;
  const out: Netconf = { family: familyName(m.header.family), ifindex };
  const dev = ifindex === rtNetconf.NETCONFA_IFINDEX_ALL
    ? "all"
    : ifindex === rtNetconf.NETCONFA_IFINDEX_DEFAULT
    ? "default"
    : names?.get(ifindex);
  if (dev !== undefined) out.dev = dev;
  const flag = (v: number | undefined) => (v === undefined ? undefined : v !== 0);
  const set = <K extends keyof Netconf>(k: K, v: Netconf[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set("forwarding", flag(a.forwarding));
  set("rpFilter", a.rpFilter);
  set("mcForwarding", flag(a.mcForwarding));
  set("proxyNeigh", flag(a.proxyNeigh));
  set("ignoreRoutesWithLinkdown", flag(a.ignoreRoutesWithLinkdown));
  set("input", flag(a.input));
  set("bcForwarding", flag(a.bcForwarding));
  return out;
}

/**
 * Dump the configuration of every device (`ip netconf show`), of one family or all.
 *
 * @example
 * ```ts
 * import { Rtnl, listNetconf } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for (const c of await listNetconf(rt)) console.log(c.family, c.ifindex, c.forwarding);
 * ```
 */
export async function listNetconf(
  rt: Rtnl,
  options: { family?: number | string; signal?: AbortSignal } = {},
): Promise<Netconf[]> {
  const family = familyOf(options.family, "Netconf", [2, 10, 28]);
  const names = await linkNameMap(rt, options.signal);
  const out: Netconf[] = [];
  for await (
    const m of rt.dump(rtNetconf.operations.getnetconf, {
      header: { family },
      signal: options.signal,
    })
  ) out.push(decodeNetconf(m, names));
  return out;
}

/**
 * Get one device's configuration (`ip netconf show dev DEV`); `dev` may be `"all"` or
 * `"default"`.
 *
 * @example
 * ```ts
 * import { Rtnl, getNetconf } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * console.log((await getNetconf(rt, "inet6", { dev: "lo" })).forwarding);
 * ```
 */
export async function getNetconf(
  rt: Rtnl,
  family: number | string,
  options: { dev: LinkRef | "all" | "default"; signal?: AbortSignal },
): Promise<Netconf> {
  let ifindex: number;
  if (options.dev === "all") ifindex = rtNetconf.NETCONFA_IFINDEX_ALL;
  else if (options.dev === "default") ifindex = rtNetconf.NETCONFA_IFINDEX_DEFAULT;
  else ifindex = await resolveLink(rt, options.dev, options.signal);
  const m = await rt.call(rtNetconf.operations.getnetconf, {
    header: { family: familyOf(family, "Netconf", [2, 10, 28]) },
    attrs: { ifindex },
    signal: options.signal,
  });
  if (m === undefined) throw new Error("RTM_GETNETCONF: no reply");
  return decodeNetconf(m, await linkNameMap(rt, options.signal));
}
