/**
 * Linux netlink for Deno and Bun, through libc FFI with no native build step: sockets for every
 * netlink protocol with async iteration, one shared codec, and typed families.
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
 * @module
 */
export * from "./codec/mod.ts";
export * from "./socket/socket.ts";
export * from "./socket/netns.ts";
export * from "./families/uevent.ts";
export * from "./families/route/mod.ts";
