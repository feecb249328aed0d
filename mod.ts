/**
 * Linux netlink for Deno and Bun, through libc FFI with no native build step: sockets for every
 * netlink protocol with async iteration, one shared codec, one client for every family the YNL
 * specs describe, and typed rtnetlink.
 *
 * This root is the curated surface: the socket ({@link NetlinkSocket}, its options and
 * errors), the codec essentials, the generic {@link Client}, the route API with the generated
 * route families as namespaces (`rtLink`, `rtAddr`, `tc` …), and uevents. Every other generated
 * family has its own subpath export, e.g. `@netlink/netlink/ethtool`; the whole codec is
 * `@netlink/netlink/codec`.
 *
 * ```ts
 * import { MessageBuilder, NETLINK_ROUTE, NetlinkSocket } from "@netlink/netlink";
 *
 * await using sock = await NetlinkSocket.open(NETLINK_ROUTE);
 * const RTM_GETLINK = 18; // linux/rtnetlink.h
 * const req = new MessageBuilder(RTM_GETLINK).raw(new Uint8Array(16));
 * for await (const msg of sock.dump(req.finish())) console.log(msg.type, msg.payload.length);
 * ```
 *
 * @example
 * ```ts
 * import { Client } from "@netlink/netlink";
 * import * as ethtool from "@netlink/netlink/ethtool";
 * await using eth = await Client.open(ethtool.family);
 * for await (const l of eth.dump(ethtool.operations.linkinfoGet)) console.log(l.attrs.header);
 * ```
 *
 * @module
 */
export * from "./codec/mod.ts";
export * from "./socket/socket.ts";
export * from "./socket/netns.ts";
export * from "./client/mod.ts";
export * from "./families/route/mod.ts";
export * from "./families/uevent.ts";
export * from "./capture/mod.ts";
