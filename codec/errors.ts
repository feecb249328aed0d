/**
 * The one error type the codec throws for malformed bytes.
 *
 * @module
 */

/**
 * Thrown when bytes do not form valid netlink data: a length field that is too
 * short or runs past the end, a scalar attribute of the wrong size, a bad udev
 * header. Decoders never let a `RangeError` from a `DataView` escape and never
 * loop on hostile input; this is the only error they throw for bad bytes.
 *
 * @example
 * ```ts
 * import { NetlinkDecodeError, parseMessages } from "@netlink/netlink/codec";
 *
 * try {
 *   parseMessages(new Uint8Array(8));
 * } catch (e) {
 *   if (e instanceof NetlinkDecodeError) console.log(e.offset, e.message);
 * }
 * ```
 */
export class NetlinkDecodeError extends Error {
  /** Byte offset, relative to the bytes handed to the decoder, where the problem was found. */
  readonly offset: number;

  /**
   * Create a decode error.
   *
   * @example
   * ```ts
   * import { NetlinkDecodeError } from "@netlink/netlink/codec";
   *
   * const err = new NetlinkDecodeError("nla_len 2 is shorter than the header", 20);
   * console.log(err.name, err.offset); // "NetlinkDecodeError" 20
   * ```
   */
  constructor(message: string, offset: number) {
    super(message);
    this.name = "NetlinkDecodeError";
    this.offset = offset;
  }
}
