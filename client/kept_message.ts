/**
 * Messages of a dump as {@link Client.dumpMapped} hands them to its map: {@link RawMessage},
 * where the message lies in the receive buffer, and what its `keep()` gives, a message that
 * is cheap to hold on to — it shares one copy of its datagram with the other messages kept
 * from it, and is decoded again on first access.
 *
 * @module
 */
import { decodeBody, type DecodedMessage, type Operation } from "../codec/ynl/mod.ts";
import { NLMSG_HDRLEN } from "../codec/header.ts";

/**
 * One message of a dump where it lies: `data[start, end)` is its `nlmsghdr` and payload, in the
 * socket's receive buffer — valid only during the call of the map it is given to.
 */
export class RawMessage<H extends object = object, A extends object = object> {
  /** The receive buffer. */
  readonly data: Uint8Array;
  /** Where the message (its `nlmsghdr`) starts in {@link data}. */
  start = 0;
  /** Where the message ends in {@link data} (its padding excluded). */
  end = 0;
  #operation: Operation<H, A> | undefined;
  #runStart: number;
  #runEnd: number;
  #copy: Uint8Array | undefined;

  /** The messages of `data[runStart, runEnd)`, one after another (see {@link at}). */
  constructor(data: Uint8Array, runStart: number, runEnd: number) {
    this.data = data;
    this.#runStart = runStart;
    this.#runEnd = runEnd;
  }

  /** Point at the message at `[start, end)` of the run, decoded as `operation`. */
  at(start: number, end: number, operation: Operation<H, A>): this {
    this.start = start;
    this.end = end;
    this.#operation = operation;
    return this;
  }

  /**
   * This message, to keep after the call: its datagram's messages are copied once, for all
   * the messages kept from it, and it is decoded again when first read.
   */
  keep(): DecodedMessage<H, A> {
    const copy = this.#copy ??= this.data.slice(this.#runStart, this.#runEnd);
    const s = this.start - this.#runStart;
    return new KeptMessage(this.#operation!, copy, s + NLMSG_HDRLEN, this.end - this.#runStart);
  }
}

/** A message of `operation` whose payload is `bytes[start, end)`, decoded on first access. */
class KeptMessage<H extends object, A extends object> implements DecodedMessage<H, A> {
  readonly operation: Operation<H, A>;
  #bytes: Uint8Array;
  #start: number;
  #end: number;
  #decoded: DecodedMessage<H, A> | undefined;

  constructor(operation: Operation<H, A>, bytes: Uint8Array, start: number, end: number) {
    this.operation = operation;
    this.#bytes = bytes;
    this.#start = start;
    this.#end = end;
  }

  #message(): DecodedMessage<H, A> {
    return this.#decoded ??= decodeBody(this.operation, this.#bytes, this.#start, this.#end);
  }

  get header(): H {
    return this.#message().header;
  }

  get attrs(): A {
    return this.#message().attrs;
  }

  get cmd(): number | undefined {
    return this.#message().cmd;
  }

  get version(): number | undefined {
    return this.#message().version;
  }

  /** The decoded message, as `JSON.stringify` sees it. */
  toJSON(): DecodedMessage<H, A> {
    return this.#message();
  }
}
