/**
 * The rtnetlink core: {@link Rtnl}, the generic {@link Client} on a `NETLINK_ROUTE` socket with
 * every generated route family (links, addresses, routes, neighbours, rules, tc, namespace ids,
 * netconf). Every object family of this folder is built from its `dump` and `call`.
 *
 * @module
 */
import {
  NETLINK_ROUTE,
  NLM_F_APPEND,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REPLACE,
} from "../../codec/constants.ts";
import type { DecodedMessage, Family, Operation } from "../../codec/ynl/mod.ts";
import { type CallOptions, Client, type ClientOptions, protocolOf } from "../../client/client.ts";
import { explain } from "./errors.ts";
import * as generated from "./_route_generated.ts";
import { FAMILIES } from "../generated/registry.ts";

/**
 * The flags of a NEW request, as explicit options. The kernel's answers reach the caller as
 * a `NetlinkError`: `EEXIST` with `exclusive` when the object exists, `ENOENT` without
 * `create` when it does not.
 */
export interface NewOptions {
  /** Create the object if it does not exist (`NLM_F_CREATE`). */
  create?: boolean;
  /** Fail with `EEXIST` if it exists (`NLM_F_EXCL`). */
  exclusive?: boolean;
  /** Replace an existing object (`NLM_F_REPLACE`). */
  replace?: boolean;
  /** Append to the list, e.g. another route with the same key (`NLM_F_APPEND`). */
  append?: boolean;
}

/**
 * Turn {@link NewOptions} into `nlmsg_flags`, starting from `defaults` for what is unset.
 *
 * @example
 * ```ts
 * import { newFlags } from "@netlink/netlink";
 * newFlags({ replace: true }, { create: true }); // NLM_F_CREATE | NLM_F_REPLACE = 0x500
 * ```
 */
export function newFlags(options: NewOptions, defaults: NewOptions = {}): number {
  const o = { ...defaults, ...options };
  return (o.create ? NLM_F_CREATE : 0) | (o.exclusive ? NLM_F_EXCL : 0) |
    (o.replace ? NLM_F_REPLACE : 0) | (o.append ? NLM_F_APPEND : 0);
}

/** Options for {@link Rtnl.open}: those of the socket, including `netns`. */
export type RtnlOptions = ClientOptions;

/** The generated families of the route protocol, as the registry lists them. */
export const ROUTE_FAMILIES: readonly Family[] = Object.values(generated)
  .map((ns) => ns.family)
  .filter((f) => FAMILIES[f.name as keyof typeof FAMILIES]?.protocol === "route");

/**
 * A route socket with typed operations from the generated rtnetlink tables: the generic
 * {@link Client} opened on `NETLINK_ROUTE` with {@link ROUTE_FAMILIES}, so `call`, `get`, `dump`
 * and `events` take any of their operations and groups. Kernel errors of `call`, `get` and
 * `dump` are {@link RtnlError}s: the operation named as the kernel's headers name the message
 * (`RTM_NEWLINK`), the extended ACK's offset as an attribute path.
 *
 * @example
 * ```ts
 * import { Rtnl, rtLink } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for await (const link of rt.dump(rtLink.operations.getlink)) {
 *   console.log(link.header.ifiIndex, link.attrs.ifname);
 * }
 * const lo = await rt.call(rtLink.operations.getlink, { attrs: { ifname: "lo" } });
 * console.log(lo?.attrs.mtu);
 * ```
 */
export class Rtnl extends Client {
  /**
   * Open a route socket (in another network namespace with `{ netns }`) that decodes the
   * events of every route family.
   *
   * @example
   * ```ts
   * import { Rtnl } from "@netlink/netlink";
   * await using rt = await Rtnl.open({ netns: "blue" });
   * ```
   */
  static override open(options?: RtnlOptions): Promise<Rtnl>;
  /**
   * Open a route socket whose events are decoded by `families` only (route families, as
   * {@link Client.open} takes them).
   *
   * @throws {TypeError} for a family that does not speak rtnetlink.
   * @example
   * ```ts
   * import { Rtnl, rtLink } from "@netlink/netlink";
   * await using rt = await Rtnl.open([rtLink.family]);
   * ```
   */
  static override open(
    families: Family | readonly Family[],
    options?: RtnlOptions,
  ): Promise<Rtnl>;
  static override async open(
    first: RtnlOptions | Family | readonly Family[] = {},
    second: RtnlOptions = {},
  ): Promise<Rtnl> {
    const given = Array.isArray(first) || isFamily(first);
    const families: readonly Family[] = given
      ? (Array.isArray(first) ? first : [first as Family])
      : ROUTE_FAMILIES;
    for (const f of families) {
      if (protocolOf(f) !== NETLINK_ROUTE) {
        throw new TypeError(`Family "${f.name}" does not speak rtnetlink (NETLINK_ROUTE)`);
      }
    }
    const options = (given ? second : first) as RtnlOptions;
    return new Rtnl(await Client.socketFor(families, options), families);
  }

  /**
   * {@link Client.call}, with kernel errors as {@link RtnlError}s.
   *
   * @example
   * ```ts
   * import { Rtnl, rtLink } from "@netlink/netlink";
   * await using rt = await Rtnl.open();
   * const lo = await rt.call(rtLink.operations.getlink, { attrs: { ifname: "lo" } });
   * ```
   */
  override async call<H extends object, A extends object>(
    op: Operation<H, A>,
    options: CallOptions<H, A> = {},
  ): Promise<DecodedMessage<H, A> | undefined> {
    try {
      return await super.call(op, options);
    } catch (e) {
      throw explain(e, op as Operation<object, object>, false);
    }
  }

  /** Kernel errors of a failed {@link Client.dump} as {@link RtnlError}s. */
  protected override dumpError(e: unknown, op: Operation<object, object>): unknown {
    return explain(e, op, true);
  }
}

function isFamily(v: unknown): v is Family {
  return typeof v === "object" && v !== null && "spec" in v && "name" in v;
}
