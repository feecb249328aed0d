/**
 * What the dispatcher tells its waiters, apart from routing: the seqs a waiter is registered
 * under, the error a peer answered it with (naming the operation, and for a kernel `EPERM` the
 * capability), the decode error of a malformed answer, and the calls of a dump's visitor.
 *
 * @module
 */
import { NetlinkDecodeError } from "../codec/errors.ts";
import type { NetlinkHeader } from "../codec/header.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import type { ExtendedAck } from "../codec/nlmsgerr.ts";
import type { BatchAnswer } from "./batch.ts";
import { explainPermission } from "./privileges.ts";
import type { ReceivedDatagram } from "./transport.ts";
import type { BatchWaiter, DumpWaiter, Waiter } from "./waiters.ts";

/** The seqs `p` is registered under: a batch's messages' and its barrier's. */
export function seqsOf(p: Waiter): number[] {
  if (p.kind !== "batch") return [p.seq];
  const seqs = p.answers.map((a) => a.seq);
  if (p.barrierSeq !== undefined) seqs.push(p.barrierSeq);
  return seqs;
}

/** The name of message `a` of batch `p` in errors. */
function batchOperation(p: BatchWaiter, a: BatchAnswer): string {
  return p.operations?.[p.answers.indexOf(a)] ??
    `${p.operation}: message ${p.answers.indexOf(a) + 1} (type ${a.type})`;
}

/** The decode error of a malformed answer to `p`, naming its operation and seq. */
export function malformedReply(p: Waiter, e: unknown): NetlinkDecodeError {
  const why = e instanceof Error ? e.message : String(e);
  const offset = e instanceof NetlinkDecodeError ? e.offset : 0;
  return new NetlinkDecodeError(`${p.operation}: malformed answer [seq ${p.seq}]: ${why}`, offset);
}

/**
 * The error a peer answered `p` (or message `a` of batch `p`) with; a kernel `EPERM` names
 * the capability.
 */
export function answerError(
  protocol: number,
  p: Waiter,
  errno: number,
  extAck: ExtendedAck | undefined,
  request?: NetlinkHeader,
  a?: BatchAnswer,
): unknown {
  const operation = a === undefined ? p.operation : batchOperation(p as BatchWaiter, a);
  const seq = a?.seq ?? p.seq;
  const e = new NetlinkError(errno, { operation, seq, request, extAck });
  if (p.peer !== 0) return e;
  const type = a?.type ?? p.type;
  return explainPermission(e, { kind: "request", protocol, type });
}

/** Visit `count` data messages of dump `p` at `[start, end)` of `d`. */
export function visitRun(
  p: DumpWaiter,
  d: ReceivedDatagram,
  start: number,
  end: number,
  count: number,
): void {
  if (count === 0 || p.abandoned) return;
  const v = p.visited!;
  v.messages += count;
  v.datagrams++;
  try {
    p.visit!(d.data, start, end, d);
  } catch (e) {
    // Stop: the caller sees the error; the rest of the dump is read and dropped.
    p.abandoned = true;
    p.stream.fail(e);
  }
}
