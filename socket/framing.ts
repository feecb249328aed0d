/**
 * The sending side of `NetlinkSocket`: requests framed with the socket's next sequence number
 * and their flags, and datagrams handed to the transport with errors that say why a send was
 * refused (a message longer than the send buffer, a peer whose buffer is full, a missing
 * capability).
 *
 * @module
 */
import { NLMSG_HDRLEN } from "../codec/header.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { EAGAIN, SO_SNDBUF, SOL_SOCKET } from "../ffi/sys.ts";
import { EMSGSIZE, messageTooLongError, withDetail } from "./errors.ts";
import { explainPermission } from "./privileges.ts";
import type { Transport } from "./transport.ts";

/** A request ready to send. */
export interface PreparedRequest {
  /** The bytes to send (a copy; the caller's are not touched). */
  bytes: Uint8Array;
  /** The sequence number written into the header. */
  seq: number;
  /** The message type, from the header. */
  type: number;
}

/** The name a request gets in errors when the caller gave none. */
export function defaultOperation(type: number): string {
  return `request type ${type}`;
}

/**
 * Copy `message` (one encoded netlink message), set `seq`, add `flags` to its header and take
 * `clear` out of them.
 *
 * @throws {TypeError} when `message` is not a `Uint8Array`.
 * @throws {RangeError} when it is shorter than a header or its `nlmsg_len` is not its length.
 */
export function prepareRequest(
  message: Uint8Array,
  flags: number,
  seq: number,
  clear = 0,
): PreparedRequest {
  if (!(message instanceof Uint8Array)) {
    throw new TypeError("A request must be an encoded message (Uint8Array)");
  }
  if (message.length < NLMSG_HDRLEN) {
    throw new RangeError(`A request needs at least ${NLMSG_HDRLEN} bytes, got ${message.length}`);
  }
  const bytes = message.slice();
  const dv = new DataView(bytes.buffer);
  const len = dv.getUint32(0, true);
  if (len !== bytes.length) {
    throw new RangeError(`nlmsg_len is ${len} but the request has ${bytes.length} bytes`);
  }
  dv.setUint16(6, (dv.getUint16(6, true) | flags) & ~clear, true);
  dv.setUint32(8, seq, true);
  return { bytes, seq, type: dv.getUint16(4, true) };
}

/** Frames requests for one socket and sends its datagrams. */
export class Outbox {
  #t: Transport;
  #protocol: number;
  #seq = (Math.random() * 0x3fffffff) >>> 0 || 1;

  /** The sending side of a socket of `protocol` over `transport`. */
  constructor(transport: Transport, protocol: number) {
    this.#t = transport;
    this.#protocol = protocol;
  }

  /** Copy the request, give it the next seq, add `flags` and take out `clear`. */
  prepare(message: Uint8Array, flags: number, clear = 0): PreparedRequest {
    const next = (this.#seq + 1) >>> 0 || 1;
    const prepared = prepareRequest(message, flags, next, clear);
    this.#seq = next;
    return prepared;
  }

  /** The send buffer's size, for errors (0 when it cannot be read). */
  sendBufferSize(): number {
    try {
      return this.#t.getInt(SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF");
    } catch {
      return 0; // the sizes are a courtesy
    }
  }

  /**
   * Hand one datagram to the transport. A refusal names the sizes (`EMSGSIZE`), the full peer
   * (`EAGAIN` from a port) or the capability (`EPERM` sending to a port or a group).
   */
  transmit(data: Uint8Array, portId: number, groups: number, operation: string, seq?: number) {
    try {
      this.#t.send(data, portId, groups);
    } catch (e) {
      if (!(e instanceof NetlinkError)) throw e;
      if (e.errno === EMSGSIZE) {
        throw messageTooLongError(operation, data.length, this.sendBufferSize(), seq);
      }
      if (portId === 0 && groups === 0) throw e;
      if (e.errno === EAGAIN) {
        throw withDetail(e, `port ${portId}'s receive buffer is full (it reads ENOBUFS); retry`);
      }
      throw explainPermission(e, { kind: "send", protocol: this.#protocol });
    }
  }
}
