/**
 * Batches: several requests sent as one datagram by `NetlinkSocket.requestBatch`, each with
 * its own sequence number (consecutive, assigned by the socket), and the kernel's answer to
 * each — its ACK, its error with the extended ACK, its replies and, for a message sent with
 * `NLM_F_ECHO`, the notifications echoed to it.
 *
 * When is a batch answered? Without a barrier, once every message that asked for an ACK
 * (`NLM_F_ACK`, kept as the caller set it) has been answered. A message the kernel never
 * answers would then leave the batch waiting: nfnetlink, for one, answers no message of a batch
 * it drops as malformed, and after a refused `NFNL_MSG_BATCH_BEGIN` only that BEGIN. With a
 * barrier, an `NLMSG_NOOP` asking for an ACK goes out as a datagram of its own right after the
 * batch; the kernel handles each datagram inside `sendmsg()` and queues its answers before the
 * call returns, so the barrier's answer comes after every answer the batch will get, and the
 * batch settles then, with the messages nobody answered marked so ({@link answered} false).
 *
 * Echoes: the kernel sends a notification to the requester (`nlmsg_notify` with `report`) as a
 * copy of the multicast, group set; the socket gives it to the batch message whose seq it
 * carries when it also carries this socket's port id and the message asked for `NLM_F_ECHO`,
 * and to the subscriptions as any notification.
 *
 * @module
 */
import type { NetlinkMessage } from "../codec/message.ts";
import type { NetlinkError } from "../codec/netlink_error.ts";

/** The kernel's answer to one message of a batch. */
export interface BatchAnswer {
  /** The sequence number the message was sent with. */
  seq: number;
  /** The message type. */
  type: number;
  /** Its flags as sent (`NLM_F_REQUEST` added). */
  flags: number;
  /** The kernel acknowledged it: an `NLMSG_ERROR` with error 0 came. */
  acked: boolean;
  /**
   * The kernel's error for it (errno name and number, extended ACK; an `EPERM` is a
   * `CapabilityError`): the first one, when several came.
   */
  error?: NetlinkError;
  /** Every other message answering it, in order: replies and echoed notifications. */
  replies: NetlinkMessage[];
}

/**
 * Whether the kernel answered a message of a batch (an ACK or an error came).
 *
 * @example
 * ```ts
 * import { answered, type BatchAnswer } from "@netlink/netlink";
 * declare const answers: BatchAnswer[];
 * const silent = answers.filter((a) => !answered(a)).map((a) => a.seq);
 * ```
 */
export function answered(a: BatchAnswer): boolean {
  return a.acked || a.error !== undefined;
}

/** The messages as one datagram, each padded to 4 bytes (`NLMSG_ALIGN`). */
export function concatMessages(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += (p.length + 3) & ~3;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += (p.length + 3) & ~3;
  }
  return out;
}
