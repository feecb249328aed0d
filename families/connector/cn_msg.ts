/**
 * The connector's framing (`struct cn_msg`, linux/connector.h): a header naming the connector
 * user (`idx`, `val`), sequence and acknowledgement numbers, and the length of the data after
 * it, which YNL cannot describe (a length field that sizes what follows).
 *
 * @example
 * ```ts
 * import { decodeCnMessage, encodeCnMessage } from "@netlink/netlink/connector";
 * const m = decodeCnMessage(encodeCnMessage({ id: { idx: 1, val: 1 }, data: new Uint8Array(4) }));
 * console.log(m.id, m.data.length); // { idx: 1, val: 1 } 4
 * ```
 *
 * @module
 */
import { NetlinkDecodeError } from "../../codec/mod.ts";
import * as cn from "../generated/connector.ts";

/** Size of `struct cn_msg` (linux/connector.h). */
const cnMsgSize = 20;

/** A connector message: the `cn_msg` header and its data. */
export interface CnMessage {
  /** The connector user (`idx`, `val`); process events are `{ idx: 1, val: 1 }`. */
  id: { idx: number; val: number };
  /** Sequence number (for process events: a per-CPU event counter). */
  seq: number;
  /** Acknowledgement number. */
  ack: number;
  /** Flags. */
  flags: number;
  /** The `len` bytes of data after the header. */
  data: Uint8Array;
}

/**
 * The payload of a connector netlink message: the `cn_msg` header and `len` bytes of data.
 *
 * @example
 * ```ts
 * import { encodeCnMessage } from "@netlink/netlink/connector";
 * const bytes = encodeCnMessage({ id: { idx: 1, val: 1 }, data: new Uint8Array([1, 0, 0, 0]) });
 * console.log(bytes.length); // 24
 * ```
 */
export function encodeCnMessage(
  m: Partial<Omit<CnMessage, "data">> & Pick<CnMessage, "id" | "data">,
): Uint8Array {
  if (m.data.length > 0xffff) throw new RangeError(`cn_msg data is ${m.data.length} bytes`);
  const head = cn.cnMsg.encode({
    id: { idx: m.id.idx, val: m.id.val },
    seq: m.seq ?? 0,
    ack: m.ack ?? 0,
    len: m.data.length,
    flags: m.flags ?? 0,
  });
  const out = new Uint8Array(cnMsgSize + m.data.length);
  out.set(head);
  out.set(m.data, cnMsgSize);
  return out;
}

/**
 * Decode the payload of a connector netlink message.
 *
 * @throws {NetlinkDecodeError} when the payload is shorter than `cn_msg` or its `len`.
 * @example
 * ```ts
 * import { decodeCnMessage, encodeCnMessage } from "@netlink/netlink/connector";
 * const m = decodeCnMessage(encodeCnMessage({ id: { idx: 1, val: 1 }, seq: 7, data: new Uint8Array(4) }));
 * console.log(m.seq, m.data.length); // 7 4
 * ```
 */
export function decodeCnMessage(payload: Uint8Array): CnMessage {
  if (payload.length < cnMsgSize) {
    throw new NetlinkDecodeError(
      `connector payload of ${payload.length} bytes is shorter than struct cn_msg (20)`,
      0,
    );
  }
  const h = cn.cnMsg.decode(payload, 0, cnMsgSize);
  if (cnMsgSize + h.len > payload.length) {
    throw new NetlinkDecodeError(
      `cn_msg len ${h.len} runs past the ${payload.length - cnMsgSize} bytes after the header`,
      16,
    );
  }
  return {
    id: { idx: h.id.idx, val: h.id.val },
    seq: h.seq,
    ack: h.ack,
    flags: h.flags,
    data: payload.slice(cnMsgSize, cnMsgSize + h.len),
  };
}
