/**
 * How {@link Client} (client.ts) reads replies and names failures: the operation a reply is
 * decoded with, kernel errors located at the offending attribute by C name, and the
 * operation's name used in error messages.
 *
 * @module
 */
import { decodeBody, type DecodedMessage, type Operation } from "../codec/ynl/mod.ts";
import { attributePath } from "./attribute_path.ts";
import { NetlinkError } from "../codec/netlink_error.ts";

/**
 * Decode reply `m` to `op`: as `explicit` when given; else by the operation its own message
 * type (generic netlink: command) names, when that differs from `op`'s reply (or, with no
 * reply declared, its request) and the family knows it; else as `op`.
 */
export function decodeReply(
  op: Operation<object, object>,
  m: { type: number; payload: Uint8Array },
  explicit?: Operation<object, object>,
): DecodedMessage<object, object> {
  return decodeReplyAt(op, m.type, m.payload, 0, m.payload.length, explicit);
}

/**
 * {@link decodeReply} of a message of type `type` whose payload is `data[start, end)`, where
 * it lies (in a receive buffer: what is kept is copied).
 */
export function decodeReplyAt(
  op: Operation<object, object>,
  type: number,
  data: Uint8Array,
  start: number,
  end: number,
  explicit?: Operation<object, object>,
): DecodedMessage<object, object> {
  if (explicit !== undefined) return decodeBody(explicit, data, start, end);
  const expected = op.replyValue ?? op.requestValue;
  if (expected !== undefined) {
    const value = op.family.isGenetlink ? (start < end ? data[start] : undefined) : type;
    if (value !== undefined && value !== expected) {
      const other = op.family.operationFor(value, "reply");
      if (other !== undefined) return decodeBody(other, data, start, end);
    }
  }
  return decodeBody(op, data, start, end);
}

/**
 * A kernel error whose extended ACK points into `request` (a message of `op`), as the same
 * {@link NetlinkError} naming the attribute in C names instead of the offset (`cause`: the
 * original); anything else as it is.
 */
export function located(e: unknown, op: Operation<object, object>, request: Uint8Array): unknown {
  if (!(e instanceof NetlinkError) || e.constructor !== NetlinkError) return e;
  const offset = e.extAck?.offset;
  if (offset === undefined || e.attribute !== undefined) return e;
  const attribute = attributePath(op, request, offset, { names: "c" });
  if (attribute === undefined) return e;
  const { operation, seq, request: header, extAck } = e;
  const out = new NetlinkError(e.errno, { operation, seq, request: header, extAck, attribute });
  out.cause = e;
  return out;
}

/** `CTRL_CMD_GETFAMILY`-style names for errors: the spec's C name of the request. */
export function operationName(op: Operation<object, object>, dump: boolean): string {
  const type = (dump ? op.spec.dump?.request?.value : op.spec.do?.request?.value) ??
    op.requestValue;
  return `${op.family.name} ${op.name}${dump ? " dump" : ""} (${
    op.family.isGenetlink ? "cmd" : "type"
  } ${type})`;
}
