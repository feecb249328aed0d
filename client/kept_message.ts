/**
 * Messages of a dump as {@link Client.dumpMapped} hands them to its map: {@link RawMessage},
 * where the message lies in its datagram's copy, and what its `keep()` gives, a message that
 * is cheap to hold on to — it shares that copy with the other messages kept from it, and is
 * decoded again on first access.
 *
 * @module
 */
import { decodeBody, type DecodedMessage, type Operation } from "../codec/ynl/mod.ts";
import { NLMSG_HDRLEN } from "../codec/header.ts";
import { u16, u32 } from "../codec/_bytes.ts";
import { decodeReplyAt } from "./client_reply.ts";
import type { Batch } from "./dump_reader.ts";

/**
 * The messages of one datagram of a dump, copied out of the receive buffer: each is decoded
 * as a reply to `op` (see `decodeReplyAt`) when taken, and handed to `map` if there is one
 * (`undefined` from it skips the message).
 */
export class MessageRun<T> implements Batch<T> {
  #data: Uint8Array;
  #off = 0;
  #op: Operation<object, object>;
  #explicit: Operation<object, object> | undefined;
  #map: ((m: DecodedMessage<object, object>, raw: RawMessage) => T | undefined) | undefined;
  #raw: RawMessage | undefined;

  /** The whole messages of `data`, to decode as replies to `op` (as `explicit` if given). */
  constructor(
    data: Uint8Array,
    op: Operation<object, object>,
    explicit: Operation<object, object> | undefined,
    map: ((m: DecodedMessage<object, object>, raw: RawMessage) => T | undefined) | undefined,
  ) {
    this.#data = data;
    this.#op = op;
    this.#explicit = explicit;
    this.#map = map;
  }

  /** The next message, decoded (and mapped); `undefined` after the last one. */
  take(): T | undefined {
    const data = this.#data;
    while (this.#off < data.length) {
      const off = this.#off;
      const len = u32(data, off);
      this.#off = Math.min(data.length, off + ((len + 3) & ~3));
      const m = decodeReplyAt(
        this.#op,
        u16(data, off + 4),
        data,
        off + NLMSG_HDRLEN,
        off + len,
        this.#explicit,
      );
      if (this.#map === undefined) return m as T;
      const v = this.#map(m, (this.#raw ??= new RawMessage(data)).at(off, off + len, m.operation));
      if (v !== undefined) return v;
    }
    return undefined;
  }
}

/**
 * One message of a dump where it lies: `data[start, end)` is its `nlmsghdr` and payload, in
 * the copy of its datagram's messages that the dump took out of the receive buffer — valid
 * during the call of the map it is given to (the object is reused for the next message).
 */
export class RawMessage<H extends object = object, A extends object = object> {
  /** The copy of the datagram's messages. */
  readonly data: Uint8Array;
  /** Where the message (its `nlmsghdr`) starts in {@link data}. */
  start = 0;
  /** Where the message ends in {@link data} (its padding excluded). */
  end = 0;
  #operation: Operation<H, A> | undefined;

  /** Messages of `data`, one after another (see {@link at}). */
  constructor(data: Uint8Array) {
    this.data = data;
  }

  /** Point at the message at `[start, end)` of {@link data}, decoded as `operation`. */
  at(start: number, end: number, operation: Operation<H, A>): this {
    this.start = start;
    this.end = end;
    this.#operation = operation;
    return this;
  }

  /**
   * This message, to keep after the call: it shares the datagram's copy with the other
   * messages kept from it, and is decoded again when first read.
   */
  keep(): DecodedMessage<H, A> {
    return new KeptMessage(this.#operation!, this.data, this.start + NLMSG_HDRLEN, this.end);
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
