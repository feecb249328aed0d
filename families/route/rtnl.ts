/**
 * The rtnetlink core: a route socket that speaks in typed, spec-generated operations. Every
 * object family (links, addresses, routes, …) is built from {@link Rtnl.dump} and
 * {@link Rtnl.call}.
 *
 * @module
 */
import {
  NETLINK_ROUTE,
  NLM_F_APPEND,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REPLACE,
  NLMSG_ERROR,
} from "../../codec/constants.ts";
import {
  buildMessage,
  decodeBody,
  type DecodedMessage,
  type Operation,
} from "../../codec/schema.ts";
import type { NetlinkMessage } from "../../codec/message.ts";
import { NetlinkSocket, type OpenOptions } from "../../socket/socket.ts";

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

/** What to send in a request: fixed-header fields, attributes, extra flags. */
export interface CallOptions<H, A> {
  /** Fixed header fields; missing ones are zero. */
  header?: Partial<H>;
  /** Attributes. */
  attrs?: A;
  /** Extra `nlmsg_flags` (e.g. from {@link newFlags}). */
  flags?: number;
  /** Cancel waiting for the answer. */
  signal?: AbortSignal;
}

/** Options for {@link Rtnl.open}: those of the socket, including `netns`. */
export type RtnlOptions = OpenOptions;

/**
 * A route socket with typed operations from the generated rtnetlink tables.
 *
 * @example
 * ```ts
 * import { Rtnl, rtLink } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * for await (const link of rt.dump(rtLink.operations.getlink)) {
 *   console.log(link.header.ifiIndex, link.attrs.ifname);
 * }
 * ```
 */
export class Rtnl implements AsyncDisposable {
  /** The underlying `NETLINK_ROUTE` socket. */
  readonly socket: NetlinkSocket;

  private constructor(socket: NetlinkSocket) {
    this.socket = socket;
  }

  /**
   * Open a route socket (in another network namespace with `{ netns }`).
   *
   * @example
   * ```ts
   * import { Rtnl } from "@netlink/netlink";
   * await using rt = await Rtnl.open({ netns: "blue" });
   * ```
   */
  static async open(options: RtnlOptions = {}): Promise<Rtnl> {
    return new Rtnl(await NetlinkSocket.open(NETLINK_ROUTE, options));
  }

  /**
   * Dump all objects of `op`, decoded. Header fields and attributes filter the dump where the
   * kernel supports it.
   *
   * @example
   * ```ts
   * import { Rtnl, rtAddr } from "@netlink/netlink";
   * await using rt = await Rtnl.open();
   * for await (const a of rt.dump(rtAddr.operations.getaddr, { header: { ifaFamily: 2 } })) {
   *   console.log(a.header.ifaIndex, a.attrs.local);
   * }
   * ```
   */
  async *dump<H extends object, A extends object>(
    op: Operation<H, A>,
    options: CallOptions<H, A> = {},
  ): AsyncGenerator<DecodedMessage<H, A>> {
    const bytes = buildMessage(op, {
      dump: true,
      header: options.header,
      attrs: options.attrs,
      flags: options.flags,
    });
    for await (
      const m of this.socket.dump(bytes, { signal: options.signal, operation: opName(op, true) })
    ) {
      yield decodeBody(op, m.payload);
    }
  }

  /**
   * Send one request of `op` and wait: resolves with the decoded reply (for a get, or with
   * `NLM_F_ECHO`), or `undefined` when the kernel only acknowledged it. Kernel errors reject
   * with a `NetlinkError` naming the operation.
   *
   * @example
   * ```ts
   * import { Rtnl, rtLink } from "@netlink/netlink";
   * await using rt = await Rtnl.open();
   * const lo = await rt.call(rtLink.operations.getlink, { attrs: { ifname: "lo" } });
   * console.log(lo?.attrs.mtu);
   * ```
   */
  async call<H extends object, A extends object>(
    op: Operation<H, A>,
    options: CallOptions<H, A> = {},
  ): Promise<DecodedMessage<H, A> | undefined> {
    const bytes = buildMessage(op, {
      header: options.header,
      attrs: options.attrs,
      flags: options.flags,
    });
    const reply: NetlinkMessage = await this.socket.request(bytes, {
      signal: options.signal,
      operation: opName(op, false),
    });
    return reply.type === NLMSG_ERROR /* the ACK */ ? undefined : decodeBody(op, reply.payload);
  }

  /** Close the socket. */
  close(): void {
    this.socket.close();
  }

  /** `await using` support. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/** `RTM_GETLINK dump`-style names for error messages. */
function opName(op: Operation<object, object>, dump: boolean): string {
  const type = (dump ? op.spec.dump?.request?.value : op.spec.do?.request?.value) ??
    op.requestValue;
  return `${op.name}${dump ? " dump" : ""} (type ${type})`;
}
