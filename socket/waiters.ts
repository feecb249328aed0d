/**
 * What `NetlinkSocket` keeps for each request it waits on, by sequence number: a plain request
 * (one reply, or the ACK) or a dump (a stream of replies until `NLMSG_DONE`).
 *
 * @module
 */
import type { NetlinkMessage } from "../codec/message.ts";
import type { MessageStream } from "./stream.ts";

/** What both kinds of waiter have. */
interface WaiterBase {
  /** The request's sequence number. */
  seq: number;
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
}

/** Either kind. */
export type Waiter = RequestWaiter | DumpWaiter;
