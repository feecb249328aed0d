/**
 * What `NetlinkSocket` keeps for each request it waits on, by sequence number — a plain request
 * (one reply, or the ACK), a dump (a stream of replies until `NLMSG_DONE`) or a batch (several
 * requests in one datagram, one seq each) — and for each subscription to unsolicited messages.
 *
 * @module
 */
import type { NetlinkMessage } from "../codec/message.ts";
import type { BatchAnswer } from "./batch.ts";
import type { MessageStream } from "./stream.ts";
import type { DatagramVisitor } from "./dispatch.ts";

/** What both kinds of waiter have. */
interface WaiterBase {
  /** The request's sequence number. */
  seq: number;
  /** The request's message type (for errors that name a capability). */
  type: number;
  /** Port id of the peer that answers (0: the kernel). */
  peer: number;
  /** Name of the operation, for errors. */
  operation: string;
  /** A message of the answer carried `NLM_F_DUMP_INTR`. */
  interrupted: boolean;
  /** Release what the waiter holds (an abort listener). */
  done: () => void;
}

/** A request waiting for its reply or its ACK. */
export interface RequestWaiter extends WaiterBase {
  /** Discriminant. */
  kind: "request";
  /** Sent with `NLM_F_ACK`: settle on the ACK. Otherwise settle on the first answer. */
  ack: boolean;
  /** The first reply message, kept until the ACK (or the end) settles the request. */
  reply?: NetlinkMessage;
  /** Settle with the reply (or the ACK). */
  resolve: (m: NetlinkMessage) => void;
  /** Settle with an error. */
  reject: (e: unknown) => void;
}

/** A dump waiting for its messages and its `NLMSG_DONE`. */
export interface DumpWaiter extends WaiterBase {
  /** Discriminant. */
  kind: "dump";
  /** Where its messages go (one array per datagram when `batched`). */
  stream: MessageStream<NetlinkMessage | NetlinkMessage[]>;
  /** The stream carries one array per datagram (`NetlinkSocket.dumpBatches`). */
  batched: boolean;
  /** Messages of the current datagram, for a batched dump. */
  batch?: NetlinkMessage[];
  /** The consumer stopped: keep reading (and dropping) until the end. */
  abandoned: boolean;
  /** The request, until it is sent (the kernel runs one dump per socket at a time). */
  unsent?: Uint8Array;
  /**
   * `NetlinkSocket.dumpDatagrams`: called with each datagram's run of data messages, in the
   * receive buffer, instead of anything being pushed to `stream` (which only ends or fails).
   */
  visit?: DatagramVisitor;
  /** Data messages and datagrams handed to `visit`. */
  visited?: { messages: number; datagrams: number };
}

/**
 * A batch waiting for the answers to its messages (registered under each of their seqs and the
 * barrier's): settled by the barrier's answer, or, without one, once every message that asked
 * for an ACK was answered. `seq` and `type` are its first message's.
 */
export interface BatchWaiter extends WaiterBase {
  /** Discriminant. */
  kind: "batch";
  /** One answer per message, in order, filled in as they come. */
  answers: BatchAnswer[];
  /** The same answers by seq. */
  bySeq: Map<number, BatchAnswer>;
  /** The seq of the `NLMSG_NOOP` sent after the batch, if any. */
  barrierSeq?: number;
  /** How many messages that asked for an ACK have no answer yet. */
  awaiting: number;
  /** The socket's port id: echoed notifications carry it in `nlmsg_pid`. */
  portId: number;
  /** Names of the messages for their errors. */
  operations?: readonly (string | undefined)[];
  /** Settle with the answers. */
  resolve: (answers: BatchAnswer[]) => void;
  /** Settle with an error. */
  reject: (e: unknown) => void;
}

/** Any kind. */
export type Waiter = RequestWaiter | DumpWaiter | BatchWaiter;

/** A consumer of unsolicited messages (`subscribe()`) or datagrams (`datagrams()`). */
export interface Subscription<T> {
  /** Where its messages go. */
  stream: MessageStream<T>;
  /** Whether it takes messages from this sender port id. */
  accepts: (sender: number) => boolean;
  /** On an overrun: yield a marker and go on, or fail. */
  overrun: "mark" | "throw";
  /**
   * `NetlinkSocket.subscribeDatagrams`: called with each datagram in the receive buffer
   * instead of anything being pushed to `stream` (which only ends or fails).
   */
  visit?: DatagramVisitor;
  /** With `visit`: called where the marker would be yielded after an overrun. */
  onOverrun?: () => void;
}
