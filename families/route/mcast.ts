/**
 * Multicast and anycast addresses of devices (`ip maddr`, /proc/net/igmp6, /proc/net/anycast6)
 * over RTM_GETMULTICAST and RTM_GETANYCAST, and IPv6 prefix notifications (RTM_NEWPREFIX on
 * RTNLGRP_IPV6_PREFIX, sent when a router advertisement carries a prefix).
 *
 * RTM_GETMULTICAST comes from the `rt-addr` spec; RTM_GETANYCAST and the prefix messages are
 * not in the YNL specs and are described here by hand from linux/rtnetlink.h (RTM_GETANYCAST,
 * RTM_NEWPREFIX, struct prefixmsg, PREFIX_*, RTNLGRP_IPV6_PREFIX) and linux/if_addr.h.
 *
 * @example
 * ```ts
 * import { Rtnl, listAnycast, listMulticast } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for (const m of await listMulticast(rt, { family: 10 })) console.log(m.ifindex, m.address);
 * for (const a of await listAnycast(rt)) console.log(a.ifindex, a.address);
 * ```
 *
 * @module
 */
import { defineFamily, type Operation } from "../../codec/schema.ts";
import * as rtAddr from "../generated/rt_addr.ts";
import * as rtLink from "../generated/rt_link.ts";
import { formatIp, formatPrefix } from "./addr_text.ts";
import type { Rtnl } from "./rtnl.ts";

/** `RTM_NEWPREFIX` (linux/rtnetlink.h): an IPv6 prefix was learnt. */
export const RTM_NEWPREFIX = 52;
/** `RTM_GETMULTICAST` (linux/rtnetlink.h). */
export const RTM_GETMULTICAST = 58;
/** `RTM_GETANYCAST` (linux/rtnetlink.h). */
export const RTM_GETANYCAST = 62;
/** `RTNLGRP_IPV6_PREFIX` (linux/rtnetlink.h): group of RTM_NEWPREFIX. */
export const RTNLGRP_IPV6_PREFIX = 18;
/** Flags of `prefixmsg.flags` (linux/rtnetlink.h PREFIX_* flags of the RA option). */
export const PREFIX_FLAGS = { ONLINK: 0x01, AUTOCONF: 0x02 } as const;

/** `struct prefixmsg` (linux/rtnetlink.h). */
export interface Prefixmsg {
  /** Address family (AF_INET6). */
  family: number;
  /** Device. */
  ifindex: number;
  /** Type of the option (3, the prefix information option). */
  type: number;
  /** Prefix length. */
  len: number;
  /** {@link PREFIX_FLAGS}. */
  flags: number;
}

/** `struct prefix_cacheinfo` (linux/rtnetlink.h). */
export interface PrefixCacheinfo {
  /** Preferred lifetime, s. */
  preferredTime: number;
  /** Valid lifetime, s. */
  validTime: number;
}

/** PREFIX_* attributes (linux/rtnetlink.h). */
export interface PrefixAttrs {
  /** `PREFIX_ADDRESS` (1). */
  address?: Uint8Array;
  /** `PREFIX_CACHEINFO` (2). */
  cacheinfo?: PrefixCacheinfo;
}

const base = rtAddr.family.spec;
const family = defineFamily({
  ...base,
  name: "rt-addr-extra",
  structs: {
    ...base.structs,
    prefixmsg: [
      { name: "family", type: "u8" },
      { name: "pad", type: "pad", len: 3 },
      { name: "ifindex", type: "s32" },
      { name: "type", type: "u8" },
      { name: "len", type: "u8" },
      { name: "flags", type: "u8" },
      { name: "pad", type: "pad", len: 1 },
    ],
    "prefix-cacheinfo": [
      { name: "preferredTime", type: "u32" },
      { name: "validTime", type: "u32" },
    ],
  },
  attributeSets: {
    ...base.attributeSets,
    "prefix-attrs": [
      { name: "address", value: 1, type: "binary", display: "ipv6" },
      { name: "cacheinfo", value: 2, type: "binary", struct: "prefix-cacheinfo" },
    ],
  },
  operations: {
    getanycast: {
      name: "getanycast",
      requestValue: RTM_GETANYCAST,
      replyValue: RTM_GETANYCAST,
      attributeSet: "addr-attrs",
      fixedHeader: "ifaddrmsg",
      dump: { request: { value: RTM_GETANYCAST }, reply: { value: RTM_GETANYCAST } },
    },
    newprefix: {
      name: "newprefix",
      replyValue: RTM_NEWPREFIX,
      attributeSet: "prefix-attrs",
      fixedHeader: "prefixmsg",
      mcgrp: "rtnlgrp-ipv6-prefix",
      event: { attributes: ["address", "cacheinfo"] },
    },
  },
  mcastGroups: { ...base.mcastGroups, "rtnlgrp-ipv6-prefix": RTNLGRP_IPV6_PREFIX },
});

/** RTM_GETANYCAST dumps (replies carry RTM_GETANYCAST too, with IFA_ANYCAST). */
export const getanycast: Operation<rtAddr.Ifaddrmsg, rtAddr.AddrAttrs> = family.operation(
  "getanycast",
);

/** RTM_NEWPREFIX notifications: decode them with `decodeBody(newprefix, payload)`. */
export const newprefix: Operation<Prefixmsg, PrefixAttrs> = family.operation("newprefix");

/** A multicast or anycast address of a device. */
export interface GroupAddress {
  /** Address family (AF_INET 2, AF_INET6 10). */
  family: number;
  /** Device index. */
  ifindex: number;
  /** The address, as text. */
  address: string;
  /** Scope (`ifa_scope`). */
  scope: number;
  /** Creation and update times, 1/100 s since boot. */
  cacheinfo?: rtAddr.IfaCacheinfo;
}

/** Options of {@link listMulticast} and {@link listAnycast}. */
export interface GroupListOptions {
  /** AF_INET (2) or AF_INET6 (10); both when omitted. */
  family?: number;
  /** Only this device (index or name). */
  dev?: number | string;
  /** Cancel the dump. */
  signal?: AbortSignal;
}

async function ifindexOf(rt: Rtnl, dev: number | string | undefined): Promise<number | undefined> {
  if (dev === undefined || typeof dev === "number") return dev;
  const l = await rt.call(rtLink.operations.getlink, { attrs: { ifname: dev } });
  return l!.header.ifiIndex;
}

async function groups(
  rt: Rtnl,
  op: Operation<rtAddr.Ifaddrmsg, rtAddr.AddrAttrs>,
  key: "multicast" | "anycast",
  families: number[],
  options: GroupListOptions,
): Promise<GroupAddress[]> {
  const ifindex = await ifindexOf(rt, options.dev);
  const out: GroupAddress[] = [];
  for (const f of families) {
    for await (const m of rt.dump(op, { header: { ifaFamily: f }, signal: options.signal })) {
      if (ifindex !== undefined && m.header.ifaIndex !== ifindex) continue;
      const bytes = m.attrs[key];
      if (bytes === undefined) continue;
      const g: GroupAddress = {
        family: m.header.ifaFamily,
        ifindex: m.header.ifaIndex,
        address: formatIp(bytes),
        scope: m.header.ifaScope,
      };
      if (m.attrs.cacheinfo !== undefined) g.cacheinfo = m.attrs.cacheinfo;
      out.push(g);
    }
  }
  return out;
}

/**
 * Multicast addresses joined by devices (`ip maddr show`, /proc/net/igmp6): IPv6 always,
 * IPv4 on kernels with RTM_GETMULTICAST for AF_INET (6.13 and later).
 *
 * @example
 * ```ts
 * import { Rtnl, listMulticast } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * console.log(await listMulticast(rt, { dev: "lo", family: 10 }));
 * ```
 */
export async function listMulticast(
  rt: Rtnl,
  options: GroupListOptions = {},
): Promise<GroupAddress[]> {
  const families = options.family === undefined ? [2, 10] : [options.family];
  return await groups(rt, rtAddr.operations.getmulticast, "multicast", families, options);
}

/**
 * IPv6 anycast addresses of devices (/proc/net/anycast6).
 *
 * @example
 * ```ts
 * import { Rtnl, listAnycast } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for (const a of await listAnycast(rt)) console.log(a.ifindex, a.address);
 * ```
 */
export async function listAnycast(
  rt: Rtnl,
  options: Omit<GroupListOptions, "family"> = {},
): Promise<GroupAddress[]> {
  return await groups(rt, getanycast, "anycast", [10], options);
}

/** A decoded RTM_NEWPREFIX notification. */
export interface PrefixNotification {
  /** Device index. */
  ifindex: number;
  /** The prefix, `"2001:db8::/64"`. */
  prefix: string;
  /** On-link flag of the advertisement. */
  onLink: boolean;
  /** Autonomous address configuration flag. */
  autoconf: boolean;
  /** Preferred lifetime, s. */
  preferredTime?: number;
  /** Valid lifetime, s. */
  validTime?: number;
}

/**
 * Turn a decoded RTM_NEWPREFIX message into a {@link PrefixNotification}.
 *
 * @example
 * ```ts
 * import { decodeBody, decodePrefix, newprefix } from "@netlink/netlink";
 * declare const payload: Uint8Array; // of a message of type RTM_NEWPREFIX
 * console.log(decodePrefix(decodeBody(newprefix, payload)).prefix);
 * ```
 */
export function decodePrefix(m: { header: Prefixmsg; attrs: PrefixAttrs }): PrefixNotification {
  const out: PrefixNotification = {
    ifindex: m.header.ifindex,
    prefix: m.attrs.address === undefined ? "" : formatPrefix(m.attrs.address, m.header.len),
    onLink: (m.header.flags & PREFIX_FLAGS.ONLINK) !== 0,
    autoconf: (m.header.flags & PREFIX_FLAGS.AUTOCONF) !== 0,
  };
  if (m.attrs.cacheinfo !== undefined) {
    out.preferredTime = m.attrs.cacheinfo.preferredTime;
    out.validTime = m.attrs.cacheinfo.validTime;
  }
  return out;
}
