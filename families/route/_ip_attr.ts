/**
 * IP addresses from received bytes: the typed helpers (toRoute, toAddress, toRule,
 * decodePrefix, conntrack tuples…) format address attributes with this, so an attribute that
 * is not 4 or 16 bytes long is a {@link NetlinkDecodeError} (malformed input) rather than the
 * RangeError `formatIp` gives a caller who passes a wrong-sized argument.
 *
 * @module
 */
import { NetlinkDecodeError } from "../../codec/errors.ts";
import { formatIp } from "./addr_text.ts";

/**
 * `bytes` (an address attribute or member named `what`) as text. The error's offset is 0: the
 * helpers work on decoded values, which no longer know where in the datagram they were.
 */
export function ipAttr(bytes: Uint8Array, what: string): string {
  if (bytes.length !== 4 && bytes.length !== 16) {
    throw new NetlinkDecodeError(
      `${what}: an IP address has 4 or 16 bytes, not ${bytes.length}`,
      0,
    );
  }
  return formatIp(bytes);
}
