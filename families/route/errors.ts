/**
 * The errors of the route API, all of them `NetlinkError`s (errno, name, operation, seq,
 * extended ACK): {@link LinkNotFoundError} names the device the caller gave, and every failed
 * request names its message type as the kernel's headers do (`RTM_NEWROUTE`) and the
 * attribute the kernel's extended ACK points at, as a path of the headers' names
 * ({@link RtnlError.attribute}: `IFLA_LINKINFO/IFLA_INFO_DATA/IFLA_VXLAN_ID`).
 *
 * @example
 * ```ts
 * import { addLink, LinkNotFoundError, Rtnl, RtnlError } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * try {
 *   await addLink(rt, { name: "vx0", kind: "vxlan", data: { id: 1 << 24 } });
 * } catch (e) {
 *   if (e instanceof RtnlError) console.log(e.operation, e.attribute); // RTM_NEWLINK IFLA_LINKINFO/IFLA_INFO_DATA/IFLA_VXLAN_ID
 *   if (e instanceof LinkNotFoundError) console.log(e.message); // Cannot find device "…"
 * }
 * ```
 *
 * @module
 */
import { NetlinkError, type NetlinkErrorOptions } from "../../codec/netlink_error.ts";
import type { Operation } from "../../codec/ynl/mod.ts";
import * as generated from "./_route_generated.ts";
import { FAMILIES } from "../generated/registry.ts";

/** `ENODEV` (asm-generic/errno-base.h). */
export const ENODEV = 19;

/**
 * A device named by the caller does not exist: `ENODEV`, with the name (or index) as given.
 *
 * @example
 * ```ts
 * import { LinkNotFoundError } from "@netlink/netlink";
 * new LinkNotFoundError("v9").message; // 'Cannot find device "v9"'
 * ```
 */
export class LinkNotFoundError extends NetlinkError {
  /** The device as the caller named it. */
  readonly link: string | number;

  /** The error for `link`, seen while doing `operation` (default `"link lookup"`). */
  constructor(link: string | number, options: Partial<NetlinkErrorOptions> = {}) {
    super(ENODEV, { ...options, operation: options.operation ?? "link lookup" });
    this.name = "LinkNotFoundError";
    this.link = link;
    this.message = typeof link === "number"
      ? `Cannot find device with index ${link}`
      : `Cannot find device "${link}"`;
  }
}

/**
 * A kernel error for a route request: {@link NetlinkError} with the message type's name as
 * the operation (`RTM_NEWLINK`, from the generated families) and the attribute the extended
 * ACK's offset points at ({@link NetlinkError.attribute}, in C names:
 * `IFLA_LINKINFO/IFLA_INFO_DATA/IFLA_VXLAN_ID`; `ifinfomsg.ifi-index` for a header member;
 * undefined when the kernel sent no offset).
 */
export class RtnlError extends NetlinkError {
  /** Wrap `cause` (a kernel error) with the operation's name and the attribute path. */
  constructor(cause: NetlinkError, operation: string, attribute?: string) {
    super(cause.errno, {
      operation,
      seq: cause.seq,
      request: cause.request,
      extAck: cause.extAck,
      attribute,
    });
    this.name = "RtnlError";
    this.cause = cause;
  }
}

let messageNames: Map<number, string> | undefined;

/**
 * The name the kernel's headers give a route message type (`24` → `"RTM_NEWROUTE"`), from
 * the constants the generator writes for each spec's operations; undefined for an unknown
 * type.
 *
 * @example
 * ```ts
 * import { routeMessageName } from "@netlink/netlink";
 * routeMessageName(24); // "RTM_NEWROUTE"
 * ```
 */
export function routeMessageName(type: number): string | undefined {
  if (messageNames === undefined) {
    messageNames = new Map();
    for (const ns of Object.values(generated)) {
      const f = FAMILIES[ns.family.name as keyof typeof FAMILIES];
      if (f?.protocol !== "route") continue;
      for (const [k, v] of Object.entries(ns)) {
        if (/^RTM_[A-Z]+$/.test(k) && typeof v === "number" && !messageNames.has(v)) {
          messageNames.set(v, k);
        }
      }
    }
  }
  return messageNames.get(type);
}

/**
 * A kernel error for a request of `op` as an {@link RtnlError} (the attribute as
 * `Client.call` resolved it in the bytes it sent); any other error as it is.
 */
export function explain(e: unknown, op: Operation<object, object>, dump: boolean): unknown {
  if (!(e instanceof NetlinkError) || e instanceof RtnlError || e.seq === undefined) return e;
  const type = (dump ? op.spec.dump?.request?.value : op.spec.do?.request?.value) ??
    op.requestValue;
  const name = (type === undefined ? undefined : routeMessageName(type)) ?? e.operation;
  return new RtnlError(e, name, e.attribute);
}
