/**
 * Network namespace ids (`ip netns set NAME ID`, `ip netns list-id`): the numbers this
 * namespace uses for its peers, over RTM_NEWNSID / RTM_GETNSID.
 *
 * The messages are those of the generated `rt-nsid` family (our local spec
 * `specs/local/rt-nsid.yaml`, from linux/rtnetlink.h and linux/net_namespace.h).
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
import * as rtNsid from "../generated/rt_nsid.ts";
import type { Rtnl } from "./rtnl.ts";

/** `NETNSA_NSID_NOT_ASSIGNED` (-1): no id; in {@link setNsid}, "let the kernel pick one". */
export const NSID_NOT_ASSIGNED: typeof rtNsid.NETNSA_NSID_NOT_ASSIGNED =
  rtNsid.NETNSA_NSID_NOT_ASSIGNED;

/**
 * A network namespace: a name under `/run/netns`, an absolute path (`/proc/PID/ns/net`),
 * `{ pid }` or an open `{ fd }`.
 */
export type NetnsRef = string | { pid: number } | { fd: number };

async function withNetns<T>(ns: NetnsRef, fn: (attrs: rtNsid.NsidAttrs) => Promise<T>): Promise<T> {
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
    await rt.call(rtNsid.operations.newnsid, {
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
    const m = await rt.call(rtNsid.operations.getnsid, {
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
  const attrs: rtNsid.NsidAttrs = {};
  if (options.targetNsid !== undefined) attrs.targetNsid = options.targetNsid;
  for await (
    const m of rt.dump(rtNsid.operations.getnsid, {
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
