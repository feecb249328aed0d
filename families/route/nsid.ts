/**
 * Network namespace ids (`ip netns set NAME ID`, `ip netns list-id`): the numbers this
 * namespace uses for its peers, over RTM_NEWNSID / RTM_GETNSID.
 *
 * The YNL specs have no table for these, so it is written by hand from linux/rtnetlink.h
 * (RTM_*NSID, struct rtgenmsg, RTNLGRP_NSID) and linux/net_namespace.h (NETNSA_*).
 *
 * @example
 * ```ts
 * import { Rtnl, getNsid, listNsids, setNsid } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await setNsid(rt, "blue", { nsid: 5 });
 * console.log(await getNsid(rt, "blue")); // 5
 * console.log(await listNsids(rt));
 * ```
 *
 * @module
 */
import { openNetns } from "../../socket/netns.ts";
import { defineFamily, type Operation } from "../../codec/schema.ts";
import type { Rtnl } from "./rtnl.ts";
import type { Rtgenmsg } from "../generated/rt_link.ts";

/** `RTM_NEWNSID` (linux/rtnetlink.h). */
export const RTM_NEWNSID = 88;
/** `RTM_DELNSID` (linux/rtnetlink.h): notification only. */
export const RTM_DELNSID = 89;
/** `RTM_GETNSID` (linux/rtnetlink.h). */
export const RTM_GETNSID = 90;
/** `RTNLGRP_NSID` (linux/rtnetlink.h): nsid notifications. */
export const RTNLGRP_NSID = 28;
/** `NETNSA_NSID_NOT_ASSIGNED` (linux/net_namespace.h); also "pick one" in RTM_NEWNSID. */
export const NSID_NOT_ASSIGNED: -1 = -1;

/** NETNSA_* attributes (linux/net_namespace.h). */
export interface NsidAttrs {
  /** `NETNSA_NSID` (1). */
  nsid?: number;
  /** `NETNSA_PID` (2): a process in the namespace. */
  pid?: number;
  /** `NETNSA_FD` (3): a file descriptor of the namespace. */
  fd?: number;
  /** `NETNSA_TARGET_NSID` (4): answer from the point of view of this peer. */
  targetNsid?: number;
  /** `NETNSA_CURRENT_NSID` (5): id of the current namespace in the target's view. */
  currentNsid?: number;
}

const family = defineFamily({
  name: "rt-nsid",
  protocol: "netlink-raw",
  protonum: 0,
  structs: { rtgenmsg: [{ name: "family", type: "u8" }, { name: "pad", type: "pad", len: 3 }] },
  attributeSets: {
    "nsid-attrs": [
      { name: "nsid", value: 1, type: "s32" },
      { name: "pid", value: 2, type: "u32" },
      { name: "fd", value: 3, type: "u32" },
      { name: "targetNsid", value: 4, type: "s32" },
      { name: "currentNsid", value: 5, type: "s32" },
    ],
  },
  operations: {
    newnsid: {
      name: "newnsid",
      requestValue: RTM_NEWNSID,
      attributeSet: "nsid-attrs",
      fixedHeader: "rtgenmsg",
      do: { request: { value: RTM_NEWNSID } },
    },
    getnsid: {
      name: "getnsid",
      requestValue: RTM_GETNSID,
      replyValue: RTM_NEWNSID,
      attributeSet: "nsid-attrs",
      fixedHeader: "rtgenmsg",
      do: { request: { value: RTM_GETNSID }, reply: { value: RTM_NEWNSID } },
      dump: { request: { value: RTM_GETNSID }, reply: { value: RTM_NEWNSID } },
    },
  },
});

/** The RTM_NEWNSID and RTM_GETNSID operations, for notifications and direct requests. */
export const nsidOperations: {
  /** RTM_NEWNSID. */
  readonly newnsid: Operation<Rtgenmsg, NsidAttrs>;
  /** RTM_GETNSID (do and dump). */
  readonly getnsid: Operation<Rtgenmsg, NsidAttrs>;
} = {
  newnsid: family.operation("newnsid"),
  getnsid: family.operation("getnsid"),
};

/**
 * A network namespace: a name under `/run/netns`, an absolute path (`/proc/PID/ns/net`),
 * `{ pid }` or an open `{ fd }`.
 */
export type NetnsRef = string | { pid: number } | { fd: number };

async function withNetns<T>(ns: NetnsRef, fn: (attrs: NsidAttrs) => Promise<T>): Promise<T> {
  if (typeof ns !== "string") return fn("pid" in ns ? { pid: ns.pid } : { fd: ns.fd });
  using handle = await openNetns(ns);
  return await fn({ fd: handle.fd });
}

/**
 * Give a peer namespace an id in this one (`ip netns set NAME ID`); without `nsid` the kernel
 * picks one. `EEXIST` if it already has one.
 *
 * @example
 * ```ts
 * import { Rtnl, setNsid } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * await setNsid(rt, "blue", { nsid: 7 });
 * await setNsid(rt, { pid: 1234 });
 * ```
 */
export async function setNsid(
  rt: Rtnl,
  netns: NetnsRef,
  options: { nsid?: number; signal?: AbortSignal } = {},
): Promise<void> {
  await withNetns(netns, async (attrs) => {
    await rt.call(nsidOperations.newnsid, {
      header: { family: 0 },
      attrs: { nsid: options.nsid ?? NSID_NOT_ASSIGNED, ...attrs },
      signal: options.signal,
    });
  });
}

/**
 * The id this namespace uses for `netns`, or -1 ({@link NSID_NOT_ASSIGNED}) if none.
 *
 * @example
 * ```ts
 * import { Rtnl, getNsid } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * console.log(await getNsid(rt, "/proc/1/ns/net"));
 * ```
 */
export async function getNsid(
  rt: Rtnl,
  netns: NetnsRef,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  return await withNetns(netns, async (attrs) => {
    const m = await rt.call(nsidOperations.getnsid, {
      header: { family: 0 },
      attrs,
      signal: options.signal,
    });
    return m?.attrs.nsid ?? NSID_NOT_ASSIGNED;
  });
}

/** One assigned id, as listed by {@link listNsids}. */
export interface NsidEntry {
  /** The id. */
  nsid: number;
  /** With a target: the current namespace's id in the peer's view. */
  currentNsid?: number;
}

/**
 * Every id assigned in this namespace (`ip netns list-id`).
 *
 * @example
 * ```ts
 * import { Rtnl, listNsids } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for (const { nsid } of await listNsids(rt)) console.log(nsid);
 * ```
 */
export async function listNsids(
  rt: Rtnl,
  options: { targetNsid?: number; signal?: AbortSignal } = {},
): Promise<NsidEntry[]> {
  const out: NsidEntry[] = [];
  const attrs: NsidAttrs = {};
  if (options.targetNsid !== undefined) attrs.targetNsid = options.targetNsid;
  for await (
    const m of rt.dump(nsidOperations.getnsid, {
      header: { family: 0 },
      attrs,
      signal: options.signal,
    })
  ) {
    const e: NsidEntry = { nsid: m.attrs.nsid ?? NSID_NOT_ASSIGNED };
    if (m.attrs.currentNsid !== undefined) e.currentNsid = m.attrs.currentNsid;
    out.push(e);
  }
  return out;
}
