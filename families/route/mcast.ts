/**
 * Multicast and anycast addresses of devices (`ip maddr`, /proc/net/igmp6, /proc/net/anycast6)
 * over RTM_GETMULTICAST and RTM_GETANYCAST, and IPv6 prefix notifications (RTM_NEWPREFIX on
 * RTNLGRP_IPV6_PREFIX, sent when a router advertisement carries a prefix). The messages are
 * those of the generated `rt-addr` family (`rtAddr.operations.getmulticast`, `getanycast`,
 * `newprefix`).
 *
 * @example
 * ```ts
 * import { listAnycast, listMulticast, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for (const m of await listMulticast(rt, { family: 10 })) console.log(m.ifindex, m.address);
 * for (const a of await listAnycast(rt)) console.log(a.ifindex, a.address);
 * ```
 *
 * @module
 */
import type { Operation } from "../../codec/ynl/mod.ts";
import * as rtAddr from "../generated/rt_addr.ts";
import { AF_INET, AF_INET6 } from "./addr_text.ts";
import { ipAttr } from "./_ip_attr.ts";
import { familyName, familyOf } from "./_names.ts";
import { nameOf } from "./names.ts";
import { linkNameMap, type LinkRef, resolveLink } from "./_link_util.ts";
import type { Rtnl } from "./rtnl.ts";

/**
 * RTM_NEWPREFIX notifications, to decode with `decodeBody(newprefix, payload)`: the generated
 * `rtAddr.operations.newprefix`, kept under this name for existing callers.
 *
 * @deprecated Use `rtAddr.operations.newprefix`.
 */
export const newprefix: rtAddr.Operations["newprefix"] = rtAddr.operations.newprefix;

/**
 * `RTM_NEWPREFIX` (52), kept under this name for existing callers.
 *
 * @deprecated Use `rtAddr.RTM_NEWPREFIX`.
 */
export const RTM_NEWPREFIX: typeof rtAddr.RTM_NEWPREFIX = rtAddr.RTM_NEWPREFIX;

/** A multicast or anycast address of a device: plain JSON data. */
export interface GroupAddress {
  /** `"inet"` or `"inet6"`. */
  family: string | number;
  /** Device name (absent when unknown). */
  dev?: string;
  /** Device index. */
  ifindex: number;
  /** The address, as text. */
  address: string;
  /** Scope (`ifa_scope`), by iproute2's name. */
  scope: string | number;
  /** Creation and update times, 1/100 s since boot. */
  cacheinfo?: rtAddr.IfaCacheinfo;
}

/** Options of {@link listMulticast} and {@link listAnycast}. */
export interface GroupListOptions {
  /** `"inet"`, `"inet6"` or the number; both when omitted. */
  family?: number | string;
  /** Only this device. */
  dev?: LinkRef;
  /** Cancel the dump. */
  signal?: AbortSignal;
}

async function groups(
  rt: Rtnl,
  op: Operation<rtAddr.Ifaddrmsg, rtAddr.AddrAttrs>,
  key: "multicast" | "anycast",
  families: number[],
  options: GroupListOptions,
): Promise<GroupAddress[]> {
  const ifindex = options.dev === undefined ? undefined : await resolveLink(rt, options.dev);
  const names = await linkNameMap(rt, options.signal);
  const out: GroupAddress[] = [];
  for (const f of families) {
    for await (const m of rt.dump(op, { header: { ifaFamily: f }, signal: options.signal })) {
      if (ifindex !== undefined && m.header.ifaIndex !== ifindex) continue;
      const bytes = m.attrs[key];
      if (bytes === undefined) continue;
      const g: GroupAddress = {
        family: familyName(m.header.ifaFamily),
        ifindex: m.header.ifaIndex,
        address: ipAttr(bytes, key === "multicast" ? "IFA_MULTICAST" : "IFA_ANYCAST"),
        scope: nameOf("scope", m.header.ifaScope),
      };
      const dev = names.get(m.header.ifaIndex);
      if (dev !== undefined) g.dev = dev;
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
 * import { listMulticast, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * console.log(await listMulticast(rt, { dev: "lo", family: 10 }));
 * ```
 */
export async function listMulticast(
  rt: Rtnl,
  options: GroupListOptions = {},
): Promise<GroupAddress[]> {
  const f = familyOf(options.family, "Multicast");
  const families = f === 0 ? [AF_INET, AF_INET6] : [f];
  return await groups(rt, rtAddr.operations.getmulticast, "multicast", families, options);
}

/**
 * IPv6 anycast addresses of devices (/proc/net/anycast6).
 *
 * @example
 * ```ts
 * import { listAnycast, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for (const a of await listAnycast(rt)) console.log(a.ifindex, a.address);
 * ```
 */
export async function listAnycast(
  rt: Rtnl,
  options: Omit<GroupListOptions, "family"> = {},
): Promise<GroupAddress[]> {
  return await groups(rt, rtAddr.operations.getanycast, "anycast", [AF_INET6], options);
}

/** A decoded RTM_NEWPREFIX notification: plain JSON data. */
export interface PrefixNotification {
  /** Device name, when known. */
  dev?: string;
  /** Device index. */
  ifindex: number;
  /** The prefix, `"2001:db8::/64"`. */
  prefix: string;
  /** On-link flag (L) of the advertisement. */
  onLink: boolean;
  /** Autonomous address configuration flag (A). */
  autoconf: boolean;
  /** Preferred lifetime, s. */
  preferredTime?: number;
  /** Valid lifetime, s. */
  validTime?: number;
}

/** How `prefixmsg.flags` is laid out; see {@link prefixFlagsLayout}. */
export type PrefixFlagsLayout = "option" | "legacy";

const LEGACY_BITS = rtAddr.IF_PREFIX_FLAGS.ONLINK | rtAddr.IF_PREFIX_FLAGS.AUTOCONF;

/**
 * The layout of a `prefixmsg.flags` byte. Since Linux 6.7 (and the stable kernels it was
 * backported to) it is the Prefix Information option's flags byte as the router sent it
 * (`"option"`: `rtAddr.PREFIX_FLAGS`, L = 0x80, A = 0x40); before, the kernel wrote only its
 * own on-link and autoconf bits (`"legacy"`: `rtAddr.IF_PREFIX_FLAGS`, 0x01 and 0x02). The two
 * share no bit that a kernel sets, so a byte with any bit outside the legacy ones is an option
 * byte; one with only legacy bits is read as legacy (the option's low bits are reserved: RFC
 * 4861 requires senders to clear them).
 *
 * @example
 * ```ts
 * import { prefixFlagsLayout } from "@netlink/netlink";
 * prefixFlagsLayout(0xc0); // "option"
 * prefixFlagsLayout(0x03); // "legacy"
 * ```
 */
export function prefixFlagsLayout(flags: number): PrefixFlagsLayout {
  return (flags & ~LEGACY_BITS & 0xff) !== 0 ? "option" : "legacy";
}

/**
 * Turn a decoded RTM_NEWPREFIX message into a {@link PrefixNotification}. The flags are read
 * in the layout {@link prefixFlagsLayout} recognises, or in `options.layout` when the sender's
 * kernel is known; `options.names` (see `linkNames`) names the device.
 *
 * @example
 * ```ts
 * import { decodeBody, decodePrefix, rtAddr } from "@netlink/netlink";
 * declare const payload: Uint8Array; // of a message of type RTM_NEWPREFIX
 * console.log(decodePrefix(decodeBody(rtAddr.operations.newprefix, payload)).prefix);
 * ```
 */
export function decodePrefix(
  m: { header: rtAddr.Prefixmsg; attrs: rtAddr.PrefixAttrs },
  options: { layout?: PrefixFlagsLayout; names?: ReadonlyMap<number, string> } = {},
): PrefixNotification {
  const flags = m.header.flags;
  const [onLink, autoconf] = (options.layout ?? prefixFlagsLayout(flags)) === "option"
    ? [rtAddr.PREFIX_FLAGS.ONLINK, rtAddr.PREFIX_FLAGS.AUTO]
    : [rtAddr.IF_PREFIX_FLAGS.ONLINK, rtAddr.IF_PREFIX_FLAGS.AUTOCONF];
  const out: PrefixNotification = {
    ...(options.names?.has(m.header.ifindex) ? { dev: options.names.get(m.header.ifindex) } : {}),
    ifindex: m.header.ifindex,
    prefix: m.attrs.address === undefined
      ? ""
      : `${ipAttr(m.attrs.address, "PREFIX_ADDRESS")}/${m.header.len}`,
    onLink: (flags & onLink) !== 0,
    autoconf: (flags & autoconf) !== 0,
  };
  if (m.attrs.cacheinfo !== undefined) {
    out.preferredTime = m.attrs.cacheinfo.preferredTime;
    out.validTime = m.attrs.cacheinfo.validTime;
  }
  return out;
}
