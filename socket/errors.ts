/**
 * The errors the socket layer makes itself, all {@link NetlinkError}s with the errno the kernel
 * gave (or would give) plus a sentence saying what it means here: a reply an overrun may have
 * dropped, notifications lost, a message too long for the send buffer.
 *
 * @module
 */
import { NetlinkError, type NetlinkErrorOptions } from "../codec/netlink_error.ts";

/** `ENOBUFS`, `EMSGSIZE` (asm-generic/errno.h). */
export const ENOBUFS = 105, EMSGSIZE = 90;

/**
 * Add `detail` to an error's message, after the errno text and before the `[seq N]` suffix:
 * `RTM_GETLINK failed: ENOBUFS (No buffer space available): DETAIL [seq 7]`.
 */
export function withDetail<E extends NetlinkError>(e: E, detail: string): E {
  const suffix = e.seq === undefined ? "" : ` [seq ${e.seq}]`;
  const base = suffix !== "" && e.message.endsWith(suffix)
    ? e.message.slice(0, -suffix.length)
    : e.message;
  e.message = `${base}: ${detail}${suffix}`;
  return e;
}

/** A {@link NetlinkError} for `errno` with `detail` in its message. */
export function detailedError(
  errno: number,
  options: NetlinkErrorOptions,
  detail: string,
): NetlinkError {
  return withDetail(new NetlinkError(errno, options), detail);
}

/**
 * The receive queue overflowed while `operation` (seq `seq`) waited, and its answer did not
 * come: the kernel may have dropped it. A batch is not to be retried blindly: the kernel may
 * have applied it.
 */
export function lostReplyError(
  operation: string,
  seq: number,
  kind: "request" | "dump" | "batch",
): NetlinkError {
  const detail = kind === "batch"
    ? "answers to the batch may have been dropped, and it may or may not have been applied: " +
      "read the state back (a larger receiveBufferSize makes this rarer)"
    : `the ${
      kind === "dump" ? "rest of the dump" : "reply"
    } may have been dropped; retry (a larger receiveBufferSize makes this rarer)`;
  return detailedError(
    ENOBUFS,
    { operation, seq },
    `the socket's receive buffer overflowed and ${detail}`,
  );
}

/** What a subscription that asked for `overrun: "throw"` fails with. */
export function lostNotificationsError(): NetlinkError {
  return detailedError(
    ENOBUFS,
    { operation: "recvmsg" },
    "the socket's receive buffer overflowed and notifications were lost; " +
      "re-read the state (dump) to resynchronise",
  );
}

/** A message longer than the send buffer allows. */
export function messageTooLongError(
  operation: string,
  length: number,
  sendBuffer: number,
  seq?: number,
): NetlinkError {
  return detailedError(
    EMSGSIZE,
    { operation, seq },
    `the ${length}-byte message does not fit the ${sendBuffer}-byte send buffer (at most ${
      Math.max(0, sendBuffer - 32)
    } bytes); raise it with the sendBufferSize option`,
  );
}
