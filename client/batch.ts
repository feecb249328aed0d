/**
 * nfnetlink batches: several requests of one netfilter subsystem sent as one transaction,
 * between `NFNL_MSG_BATCH_BEGIN` and `NFNL_MSG_BATCH_END` (linux/netfilter/nfnetlink.h). The
 * kernel applies all of them or none (`nfnetlink_rcv_batch`: on any error the subsystem aborts),
 * and answers each message that asks for it (`NLM_F_ACK`, set here on every one) with an ACK or
 * its error, extended ACK included, once the whole batch is processed.
 *
 * The batch goes out through `NetlinkSocket.requestBatch`: one datagram, each message with its
 * own sequence number, so each answer is matched to its message by seq. BEGIN and END ask for
 * no ACK (older kernels acknowledge neither, even when asked, and a newer one the END only after
 * a commit); a barrier request after the batch tells when the kernel is done, so a batch it
 * answers with nothing (one it dropped as malformed) is reported instead of waited for. How the
 * kernel's answers read (net/netfilter/nfnetlink.c):
 *
 * - an error answering the BEGIN: the batch as a whole was refused before any message ran
 *   (`ERESTART` for a stale generation id, `EPERM` without `CAP_NET_ADMIN`, …);
 * - an error answering a member: that change failed, nothing was applied;
 * - an error and an ACK answering the first member: its own processing succeeded and the
 *   subsystem's commit failed (`netlink_ack` on the first message after BEGIN);
 * - a message sent with `NLM_F_ECHO` gets the object it created or deleted back, with its seq
 *   (a copy of the notification, group set); nf_tables echoes `NFT_MSG_NEWGEN` with the first
 *   member's seq when that member asked for an echo.
 *
 * Batches on one socket may run at the same time: their seqs keep their answers apart.
 *
 * @example
 * ```ts
 * import { NetlinkSocket, NETLINK_NETFILTER } from "@netlink/netlink";
 * import * as nft from "@netlink/netlink/nftables";
 * import { buildMessage } from "@netlink/netlink/codec";
 * await using sock = await NetlinkSocket.open(NETLINK_NETFILTER);
 * const table = buildMessage(nft.operations.newtable, {
 *   header: { nfgenFamily: 1 }, // NFPROTO_INET
 *   attrs: { name: "demo" },
 *   flags: 0x400, // NLM_F_CREATE
 * });
 * const result = await nft.nfnetlinkBatch(sock, nft.NFNL_SUBSYS_NFTABLES, [{ message: table }]);
 * console.log(result.replies[0].error === undefined); // true: committed
 * ```
 *
 * @module
 */
import { NLM_F_ACK, NLM_F_REQUEST } from "../codec/constants.ts";
import { MessageBuilder, type NetlinkMessage } from "../codec/message.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { answered, type BatchAnswer, type NetlinkSocket } from "../socket/socket.ts";

/** `NFNL_MSG_BATCH_BEGIN` (linux/netfilter/nfnetlink.h: `NLMSG_MIN_TYPE`). */
const NFNL_MSG_BATCH_BEGIN = 0x10;
/** `NFNL_MSG_BATCH_END` (linux/netfilter/nfnetlink.h: `NLMSG_MIN_TYPE + 1`). */
const NFNL_MSG_BATCH_END = 0x11;
/** `NFNL_BATCH_GENID` (linux/netfilter/nfnetlink.h `enum nfnl_batch_attributes`). */
const NFNL_BATCH_GENID = 1;
/** `ERESTART`, `EIO` (asm-generic/errno.h). */
const ERESTART = 85, EIO = 5;

/** One message of a batch, with what the caller wants to know it by. */
export interface BatchEntry<T = unknown> {
  /**
   * The encoded request (e.g. from `buildMessage`). `NLM_F_REQUEST | NLM_F_ACK` are set here
   * and the socket gives it its seq; keep `NLM_F_CREATE`, `NLM_F_EXCL`, `NLM_F_ECHO`….
   */
  message: Uint8Array;
  /** Whatever identifies the change (returned with its answer), e.g. a description. */
  change?: T;
}

/** The answer to one message of a batch. */
export interface BatchReply<T = unknown> {
  /** Position of the message in the batch (0-based). */
  index: number;
  /** The `change` given with the message. */
  change: T | undefined;
  /** The message's type. */
  type: number;
  /** The sequence number it was sent with. */
  seq: number;
  /** The kernel's error for this message (errno name, extended ACK), if it failed. */
  error?: NetlinkError;
  /**
   * For a message sent with `NLM_F_ECHO` in a committed batch: the echoed object (the first
   * echoed message of the message's own type).
   */
  echo?: NetlinkMessage;
}

/** What a committed batch returns. */
export interface BatchResult<T = unknown> {
  /** One answer per message, in batch order. */
  replies: BatchReply<T>[];
  /**
   * Echoed messages no message claimed as its object (nf_tables' `NFT_MSG_NEWGEN`, echoed
   * with the first message when it asked for an echo).
   */
  unclaimed: NetlinkMessage[];
}

/** Options of {@link nfnetlinkBatch}. */
export interface BatchOptions {
  /**
   * Fail the whole batch with `ERESTART` unless the subsystem's generation id is still this one
   * (`NFNL_BATCH_GENID`; nf_tables' id comes from `NFT_MSG_GETGEN`).
   */
  genid?: number;
  /** Name of the subsystem for messages, e.g. `"nftables"`. */
  subsystemName?: string;
  /** Name of each message for errors (default: its position and type in hex). */
  describe?: (entry: BatchEntry, index: number) => string;
  /** Stop waiting. The batch may still have been applied. */
  signal?: AbortSignal;
}

/** One failure of a batch: which message, what the kernel said. */
export interface BatchFailure<T = unknown> {
  /** Position of the failing message (0-based), or -1 for the batch as a whole. */
  index: number;
  /** The `change` given with it. */
  change: T | undefined;
  /** The kernel's error (errno name and number, extended ACK). */
  error: NetlinkError;
}

/**
 * A batch the kernel refused: nothing of it was applied. {@link failures} maps every error
 * the kernel reported back to the message that caused it (index `-1`: the batch as a whole,
 * e.g. `ERESTART` when the generation id changed, or a failed commit).
 */
export class BatchError<T = unknown> extends Error {
  /** Every error, in batch order. */
  readonly failures: BatchFailure<T>[];
  /** The answers of every message (the failing ones carry their `error`). */
  readonly replies: BatchReply<T>[];

  /** Build from the failures and answers of a batch. */
  constructor(failures: BatchFailure<T>[], replies: BatchReply<T>[], subsystem = "nfnetlink") {
    const first = failures[0];
    const where = first.index < 0 ? "the batch" : `change ${first.index + 1}`;
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : "";
    super(
      `${subsystem} batch failed, nothing was applied: ${where}: ${first.error.message}${more}`,
    );
    this.name = "BatchError";
    this.failures = failures;
    this.replies = replies;
  }
}

/** The nfgenmsg + optional genid of a batch begin or end message (no `NLM_F_ACK`). */
function control(type: number, subsystem: number, genid?: number): Uint8Array {
  const b = new MessageBuilder(type, NLM_F_REQUEST);
  // struct nfgenmsg { __u8 nfgen_family = AF_UNSPEC; __u8 version = NFNETLINK_V0; __be16 res_id; }
  b.raw(new Uint8Array([0, 0, subsystem >> 8, subsystem & 0xff]));
  if (genid !== undefined) b.u32be(NFNL_BATCH_GENID, genid);
  return b.finish();
}

/** A copy of `m` with `NLM_F_REQUEST | NLM_F_ACK` set and pid 0 (the socket sets the seq). */
function normalise(m: Uint8Array): { bytes: Uint8Array; type: number } {
  if (!(m instanceof Uint8Array) || m.length < 16) {
    throw new TypeError("A batch message must be an encoded netlink message (Uint8Array)");
  }
  const bytes = m.slice();
  const dv = new DataView(bytes.buffer);
  if (dv.getUint32(0, true) !== bytes.length) {
    throw new RangeError(
      `nlmsg_len is ${dv.getUint32(0, true)} but the batch message has ${bytes.length} bytes`,
    );
  }
  dv.setUint16(6, dv.getUint16(6, true) | NLM_F_REQUEST | NLM_F_ACK, true);
  dv.setUint32(12, 0, true);
  return { bytes, type: dv.getUint16(4, true) };
}

/** A kernel error given a name that says where it belongs. */
function renamed(e: NetlinkError, operation: string): NetlinkError {
  return new NetlinkError(e.errno, { operation, seq: e.seq, request: e.request, extAck: e.extAck });
}

/**
 * Send `entries` as one nfnetlink batch of `subsystem` (e.g. `NFNL_SUBSYS_NFTABLES`) and map
 * the kernel's answers back to them.
 *
 * @returns every message's answer (and its echo) when the kernel committed the batch.
 * @throws {BatchError} when the kernel refused it: nothing was applied; each failure names
 *   its message.
 * @throws {NetlinkError} `ENOBUFS` when answers were lost to a full receive buffer, `EIO` when
 *   the kernel answered only some messages (in both cases the batch may or may not have been
 *   applied: read the state back).
 * @example
 * ```ts
 * import type { NetlinkSocket } from "@netlink/netlink";
 * import { BatchError, nfnetlinkBatch } from "@netlink/netlink/nftables";
 * declare const sock: NetlinkSocket;
 * declare const messages: Uint8Array[];
 * try {
 *   await nfnetlinkBatch(sock, 10, messages.map((message, i) => ({ message, change: `#${i}` })));
 * } catch (e) {
 *   if (e instanceof BatchError) for (const f of e.failures) console.log(f.change, f.error.code);
 * }
 * ```
 */
export async function nfnetlinkBatch<T = unknown>(
  socket: NetlinkSocket,
  subsystem: number,
  entries: readonly BatchEntry<T>[],
  options: BatchOptions = {},
): Promise<BatchResult<T>> {
  if (!Number.isInteger(subsystem) || subsystem < 0 || subsystem > 0xff) {
    throw new RangeError(`An nfnetlink subsystem is a number from 0 to 255, got ${subsystem}`);
  }
  const prepared = entries.map((e) => normalise(e.message));
  const name = options.subsystemName ?? "nfnetlink";
  const describe = options.describe ??
    ((_e: BatchEntry, i: number) => `message ${i + 1} (type 0x${prepared[i].type.toString(16)})`);
  const names = entries.map((e, i) => `${name} batch: ${describe(e, i)}`);
  const answers = await socket.requestBatch([
    control(NFNL_MSG_BATCH_BEGIN, subsystem, options.genid),
    ...prepared.map((p) => p.bytes),
    control(NFNL_MSG_BATCH_END, subsystem),
  ], {
    barrier: true,
    signal: options.signal,
    operation: `${name} batch`,
    operations: [`${name} batch`, ...names, `${name} batch end`],
  });
  return outcome(answers, entries, name);
}

/** Read the answers of BEGIN, the members and END as the batch's result, or throw. */
function outcome<T>(
  answers: BatchAnswer[],
  entries: readonly BatchEntry<T>[],
  name: string,
): BatchResult<T> {
  const begin = answers[0], end = answers[answers.length - 1];
  const members = answers.slice(1, -1);
  const failures: BatchFailure<T>[] = [];
  const batchFailure = (e: NetlinkError, what: string) =>
    failures.push({ index: -1, change: undefined, error: renamed(e, what) });
  if (begin.error) {
    batchFailure(
      begin.error,
      begin.error.errno === ERESTART
        ? `${name} batch (the generation id changed; read the state again and retry)`
        : `${name} batch`,
    );
  }
  if (end.error) batchFailure(end.error, `${name} batch end`);
  const unclaimed: NetlinkMessage[] = [...begin.replies, ...end.replies];
  const replies: BatchReply<T>[] = members.map((a, i) => {
    const r: BatchReply<T> = { index: i, change: entries[i].change, type: a.type, seq: a.seq };
    for (const m of a.replies) {
      if (m.type === a.type && r.echo === undefined) r.echo = m;
      else unclaimed.push(m);
    }
    if (a.error && a.acked) {
      // Its own processing was acknowledged: the error is the subsystem's commit failing.
      batchFailure(a.error, `${name} batch commit`);
    } else if (a.error) {
      r.error = a.error;
      failures.push({ index: i, change: entries[i].change, error: a.error });
    }
    return r;
  });
  if (failures.length > 0) throw new BatchError(failures, replies, name);
  const silent = members.filter((a) => !answered(a)).length;
  if (silent > 0) {
    // The kernel answered some messages only: it dropped the batch (malformed) or the answers
    // went missing. Whether it was applied is unknown.
    throw new NetlinkError(EIO, {
      operation: `${name} batch: the kernel answered ${
        members.length - silent
      } of ${members.length} messages; read the state back`,
    });
  }
  return { replies, unclaimed };
}
