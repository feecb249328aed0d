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
 * const all = await getNetconf(rt, 2, { dev: "all" });
 * console.log(all.forwarding, all.rpFilter);
 * for (const c of await listNetconf(rt, { family: 10 })) console.log(c.ifindex, c.forwarding);
 * ```
 *
 * @module
 */
import * as rtLink from "../generated/rt_link.ts";
import * as rtNetconf from "../generated/rt_netconf.ts";
import type { Rtnl } from "./rtnl.ts";

/** One device's (or `all`/`default`) configuration; flags are booleans, absent when not sent. */
export interface Netconf {
  /** Address family (AF_INET 2, AF_INET6 10, AF_MPLS 28). */
  family: number;
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
 * Decode a netconf message (a reply, or an RTM_NEWNETCONF notification).
 *
 * @example
 * ```ts
 * import { decodeNetconf } from "@netlink/netlink";
 * decodeNetconf({ header: { family: 2 }, attrs: { ifindex: -1, forwarding: 1 } });
 * // { family: 2, ifindex: -1, forwarding: true }
 * ```
 */
export function decodeNetconf(
  m: { header: rtNetconf.Netconfmsg; attrs: rtNetconf.NetconfAttrs },
): Netconf {
  const a = m.attrs;
  const out: Netconf = { family: m.header.family, ifindex: a.ifindex ?? 0 };
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
  options: { family?: number; signal?: AbortSignal } = {},
): Promise<Netconf[]> {
  const out: Netconf[] = [];
  for await (
    const m of rt.dump(rtNetconf.operations.getnetconf, {
      header: { family: options.family ?? 0 },
      signal: options.signal,
    })
  ) out.push(decodeNetconf(m));
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
 * console.log((await getNetconf(rt, 10, { dev: "lo" })).forwarding);
 * ```
 */
export async function getNetconf(
  rt: Rtnl,
  family: number,
  options: { dev: number | string; signal?: AbortSignal },
): Promise<Netconf> {
  let ifindex: number;
  if (typeof options.dev === "number") ifindex = options.dev;
  else if (options.dev === "all") ifindex = rtNetconf.NETCONFA_IFINDEX_ALL;
  else if (options.dev === "default") ifindex = rtNetconf.NETCONFA_IFINDEX_DEFAULT;
  else {
    const l = await rt.call(rtLink.operations.getlink, { attrs: { ifname: options.dev } });
    ifindex = l!.header.ifiIndex;
  }
  const m = await rt.call(rtNetconf.operations.getnetconf, {
    header: { family },
    attrs: { ifindex },
    signal: options.signal,
  });
  if (m === undefined) throw new Error("RTM_GETNETCONF: no reply");
  return decodeNetconf(m);
}
