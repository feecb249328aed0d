/**
 * The pure-bytes netlink codec: message headers, attributes, NLMSG_ERROR with extended
 * ACKs, errno names, uevents. No I/O and no runtime globals, so it runs anywhere.
 *
 * @example
 * ```ts
 * import {
 *   decodeErrorMessage,
 *   MessageBuilder,
 *   NLM_F_ACK,
 *   NLM_F_REQUEST,
 *   parseMessages,
 * } from "@netlink/netlink/codec";
 * const request = new MessageBuilder(18, NLM_F_REQUEST | NLM_F_ACK, { seq: 1 })
 *   .raw(new Uint8Array(16))
 *   .string(3, "lo")
 *   .finish();
 * declare const reply: Uint8Array;
 * for (const m of parseMessages(reply)) {
 *   if (m.type === 2) console.log(decodeErrorMessage(m.payload, m.flags).error);
 * }
 * ```
 *
 * @module
 */

export * from "./errors.ts";
export * from "./constants.ts";
export * from "./header.ts";
export * from "./message.ts";
export * from "./attrs.ts";
export * from "./attr_writer.ts";
export * from "./errno.ts";
export * from "./nlmsgerr.ts";
export * from "./uevent.ts";
export * from "./netlink_error.ts";
export * from "./byte_output.ts";
export * from "./ynl/mod.ts";
