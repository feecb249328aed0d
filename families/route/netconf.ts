/**
 * Per-device IP configuration flags (`ip netconf`): forwarding, rp_filter, mc_forwarding,
 * proxy_neigh, ignore_routes_with_linkdown… over RTM_GETNETCONF.
 *
 * The YNL specs have no netconf family, so the table below is written by hand from
 * linux/netconf.h (struct netconfmsg, NETCONFA_*) and linux/rtnetlink.h (RTM_*NETCONF,
 * RTNLGRP_*_NETCONF).
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
import { defineFamily, type Operation } from "../../codec/schema.ts";
import * as rtLink from "../generated/rt_link.ts";
import type { Rtnl } from "./rtnl.ts";

/** `RTM_NEWNETCONF` (linux/rtnetlink.h): replies and notifications. */
export const RTM_NEWNETCONF = 80;
/** `RTM_DELNETCONF` (linux/rtnetlink.h): a device's configuration went away. */
export const RTM_DELNETCONF = 81;
/** `RTM_GETNETCONF` (linux/rtnetlink.h): get or dump. */
export const RTM_GETNETCONF = 82;
/** Multicast groups of netconf notifications (linux/rtnetlink.h, enum rtnetlink_groups). */
export const RTNLGRP_NETCONF = { IPV4: 24, IPV6: 25, MPLS: 29 } as const;
/** Special `ifindex` values (linux/netconf.h): the `all` and `default` settings. */
export const NETCONFA_IFINDEX = { ALL: -1, DEFAULT: -2 } as const;

/** `struct netconfmsg` (linux/netconf.h). */
export interface Netconfmsg {
  /** Address family. */
  family: number;
}

/** NETCONFA_* attributes (linux/netconf.h). */
export interface NetconfAttrs {
  /** `NETCONFA_IFINDEX` (1): device, or -1 `all`, -2 `default`. */
  ifindex?: number;
  /** `NETCONFA_FORWARDING` (2). */
  forwarding?: number;
  /** `NETCONFA_RP_FILTER` (3): 0 off, 1 strict, 2 loose (IPv4). */
  rpFilter?: number;
  /** `NETCONFA_MC_FORWARDING` (4). */
  mcForwarding?: number;
  /** `NETCONFA_PROXY_NEIGH` (5). */
  proxyNeigh?: number;
  /** `NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN` (6). */
  ignoreRoutesWithLinkdown?: number;
  /** `NETCONFA_INPUT` (7): MPLS input. */
  input?: number;
  /** `NETCONFA_BC_FORWARDING` (8): IPv4 broadcast forwarding. */
  bcForwarding?: number;
}

const family = defineFamily({
  name: "rt-netconf",
  protocol: "netlink-raw",
  protonum: 0,
  structs: {
    netconfmsg: [{ name: "family", type: "u8" }, { name: "pad", type: "pad", len: 3 }],
  },
  attributeSets: {
    "netconf-attrs": [
      { name: "ifindex", value: 1, type: "s32" },
      { name: "forwarding", value: 2, type: "s32" },
      { name: "rpFilter", value: 3, type: "s32" },
      { name: "mcForwarding", value: 4, type: "s32" },
      { name: "proxyNeigh", value: 5, type: "s32" },
      { name: "ignoreRoutesWithLinkdown", value: 6, type: "s32" },
      { name: "input", value: 7, type: "s32" },
      { name: "bcForwarding", value: 8, type: "s32" },
    ],
  },
  operations: {
    getnetconf: {
      name: "getnetconf",
      requestValue: RTM_GETNETCONF,
      replyValue: RTM_NEWNETCONF,
      attributeSet: "netconf-attrs",
      fixedHeader: "netconfmsg",
      do: { request: { value: RTM_GETNETCONF }, reply: { value: RTM_NEWNETCONF } },
      dump: { request: { value: RTM_GETNETCONF }, reply: { value: RTM_NEWNETCONF } },
    },
  },
});

/** RTM_GETNETCONF (do and dump), to decode notifications or send requests directly. */
export const getnetconf: Operation<Netconfmsg, NetconfAttrs> = family.operation("getnetconf");

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
export function decodeNetconf(m: { header: Netconfmsg; attrs: NetconfAttrs }): Netconf {
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
    const m of rt.dump(getnetconf, {
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
  else if (options.dev === "all") ifindex = NETCONFA_IFINDEX.ALL;
  else if (options.dev === "default") ifindex = NETCONFA_IFINDEX.DEFAULT;
  else {
    const l = await rt.call(rtLink.operations.getlink, { attrs: { ifname: options.dev } });
    ifindex = l!.header.ifiIndex;
  }
  const m = await rt.call(getnetconf, {
    header: { family },
    attrs: { ifindex },
    signal: options.signal,
  });
  if (m === undefined) throw new Error("RTM_GETNETCONF: no reply");
  return decodeNetconf(m);
}
