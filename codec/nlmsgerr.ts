/**
 * NLMSG_ERROR messages: ACKs and errors (struct nlmsgerr) with their extended ACK TLVs
 * (enum nlmsgerr_attrs), both from linux/netlink.h.
 *
 * @module
 */

import { hex, putU32, s32 } from "./_bytes.ts";
import { type Attribute, parseAttributes, readS64, readString, readU32, readU64 } from "./attrs.ts";
import {
  NL_ATTR_TYPE_BINARY,
  NL_ATTR_TYPE_BITFIELD32,
  NL_ATTR_TYPE_FLAG,
  NL_ATTR_TYPE_NESTED,
  NL_ATTR_TYPE_NESTED_ARRAY,
  NL_ATTR_TYPE_NUL_STRING,
  NL_ATTR_TYPE_S16,
  NL_ATTR_TYPE_S32,
  NL_ATTR_TYPE_S64,
  NL_ATTR_TYPE_S8,
  NL_ATTR_TYPE_SINT,
  NL_ATTR_TYPE_STRING,
  NL_ATTR_TYPE_U16,
  NL_ATTR_TYPE_U32,
  NL_ATTR_TYPE_U64,
  NL_ATTR_TYPE_U8,
  NL_ATTR_TYPE_UINT,
  NL_POLICY_TYPE_ATTR_BITFIELD32_MASK,
  NL_POLICY_TYPE_ATTR_MASK,
  NL_POLICY_TYPE_ATTR_MAX_LENGTH,
  NL_POLICY_TYPE_ATTR_MAX_VALUE_S,
  NL_POLICY_TYPE_ATTR_MAX_VALUE_U,
  NL_POLICY_TYPE_ATTR_MIN_LENGTH,
  NL_POLICY_TYPE_ATTR_MIN_VALUE_S,
  NL_POLICY_TYPE_ATTR_MIN_VALUE_U,
  NL_POLICY_TYPE_ATTR_POLICY_IDX,
  NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE,
  NL_POLICY_TYPE_ATTR_TYPE,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_ERROR,
  NLMSGERR_ATTR_COOKIE,
  NLMSGERR_ATTR_MISS_NEST,
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLMSGERR_ATTR_POLICY,
} from "./constants.ts";
import { NetlinkDecodeError } from "./errors.ts";
import { align, type NetlinkHeader, NLMSG_HDRLEN, readHeader, writeHeader } from "./header.ts";
import { MessageBuilder } from "./message.ts";

/**
 * The extended ACK TLVs of an NLMSG_ERROR message (sockets with NETLINK_EXT_ACK set).
 *
 * @example
 * ```ts
 * import type { ExtendedAck } from "@netlink/netlink/codec";
 * const ack: ExtendedAck = { message: "Unknown device type", offset: 52 };
 * ```
 */
export interface ExtendedAck {
  /** NLMSGERR_ATTR_MSG: the kernel's error text. */
  message?: string;
  /** NLMSGERR_ATTR_OFFS: byte offset of the offending attribute in the request, counted from its nlmsghdr. */
  offset?: number;
  /** NLMSGERR_ATTR_COOKIE: subsystem cookie identifying what a successful request created (a copy). */
  cookie?: Uint8Array;
  /** NLMSGERR_ATTR_POLICY: the policy of the rejected attribute (NL_POLICY_TYPE_ATTR_* attributes). */
  policy?: Attribute[];
  /** NLMSGERR_ATTR_MISS_TYPE: type of a missing required attribute. */
  missingType?: number;
  /** NLMSGERR_ATTR_MISS_NEST: offset of the nest in which the attribute was missing. */
  missingNest?: number;
}

/**
 * A decoded NLMSG_ERROR payload: an ACK when `error` is 0, else a failure.
 *
 * @example
 * ```ts
 * import { decodeErrorMessage, type ErrorMessage } from "@netlink/netlink/codec";
 * declare const msg: { payload: Uint8Array; flags: number };
 * const e: ErrorMessage = decodeErrorMessage(msg.payload, msg.flags);
 * if (e.error !== 0) console.log(`request ${e.request.seq} failed: errno ${e.error}`);
 * ```
 */
export interface ErrorMessage {
  /** 0 for an ACK, else the positive errno (the kernel sends it negated). */
  error: number;
  /** The header of the request this answers, echoed by the kernel. */
  request: NetlinkHeader;
  /** The echoed request payload (a view); empty when the kernel capped it (ACKs, NETLINK_CAP_ACK). */
  requestPayload: Uint8Array;
  /** The request payload was not echoed: NLM_F_CAPPED was set, or inferred for kernels older than 4.12 that capped without the flag. */
  capped: boolean;
  /** Extended ACK TLVs; present when NLM_F_ACK_TLVS was set. */
  extAck?: ExtendedAck;
}

const NLMSGERR_SIZE = 4 + NLMSG_HDRLEN;

function tlvU32(a: Attribute, name: string, where: number): number {
  if (a.data.length !== 4) {
    throw new NetlinkDecodeError(
      `extended ACK ${name} needs 4 bytes, got ${a.data.length}`,
      where,
    );
  }
  return readU32(a.data);
}

/**
 * Decode the payload of an NLMSG_ERROR message (struct nlmsgerr: s32 error, the request's
 * nlmsghdr, the request payload unless NLM_F_CAPPED, then extended ACK TLVs if
 * NLM_F_ACK_TLVS). Pass the message's `flags`, which carry CAPPED and ACK_TLVS.
 *
 * @throws {NetlinkDecodeError} if the payload is shorter than struct nlmsgerr, the echoed
 *   request does not fit, or a TLV is malformed. Offsets are relative to `payload`.
 * @example
 * ```ts
 * import { decodeErrorMessage, errnoName, parseMessages } from "@netlink/netlink/codec";
 * declare const datagram: Uint8Array;
 * for (const m of parseMessages(datagram)) {
 *   if (m.type !== 2) continue; // NLMSG_ERROR
 *   const e = decodeErrorMessage(m.payload, m.flags);
 *   if (e.error) console.log(errnoName(e.error), e.extAck?.message);
 * }
 * ```
 */
export function decodeErrorMessage(payload: Uint8Array, flags: number): ErrorMessage {
  if (payload.length < NLMSGERR_SIZE) {
    throw new NetlinkDecodeError(
      `NLMSG_ERROR payload is ${payload.length} bytes, struct nlmsgerr needs ${NLMSGERR_SIZE}`,
      0,
    );
  }
  const raw = s32(payload, 0);
  // The kernel sends -errno; like libmnl, accept either sign.
  const error = raw < 0 ? -raw : raw;
  const request = readHeader(payload, 4);
  const hasTlvs = (flags & NLM_F_ACK_TLVS) !== 0;
  let capped = (flags & NLM_F_CAPPED) !== 0;
  let tlvStart = NLMSGERR_SIZE;
  if (!capped) {
    if (request.length < NLMSG_HDRLEN) {
      throw new NetlinkDecodeError(
        `echoed request nlmsg_len ${request.length} is shorter than the ${NLMSG_HDRLEN}-byte header`,
        4,
      );
    }
    if (request.length > payload.length - 4) {
      if (!hasTlvs && payload.length === NLMSGERR_SIZE) {
        // Kernels before 4.12 cap ACKs and NETLINK_CAP_ACK errors without NLM_F_CAPPED.
        capped = true;
      } else {
        throw new NetlinkDecodeError(
          `echoed request nlmsg_len ${request.length} runs past the ${payload.length}-byte NLMSG_ERROR payload`,
          4,
        );
      }
    } else {
      tlvStart = Math.min(4 + align(request.length), payload.length);
    }
  }
  const requestPayload = capped
    ? payload.subarray(NLMSGERR_SIZE, NLMSGERR_SIZE)
    : payload.subarray(NLMSGERR_SIZE, 4 + request.length);
  const out: ErrorMessage = { error, request, requestPayload, capped };
  if (hasTlvs) out.extAck = decodeExtendedAck(payload, tlvStart);
  return out;
}

/**
 * Decode extended-ACK TLVs that start at `start` in `payload`: the tail of an `NLMSG_ERROR`
 * payload, or of an `NLMSG_DONE` payload (`int error` then TLVs) when `NLM_F_ACK_TLVS` is set.
 *
 * @example
 * ```ts
 * import { decodeExtendedAck } from "@netlink/netlink/codec";
 * declare const donePayload: Uint8Array;
 * console.log(decodeExtendedAck(donePayload, 4).message);
 * ```
 */
export function decodeExtendedAck(payload: Uint8Array, start: number): ExtendedAck {
  const ext: ExtendedAck = {};
  for (const a of parseAttributes(payload, start)) {
    const where = a.data.byteOffset - payload.byteOffset - 4;
    switch (a.type) {
      case NLMSGERR_ATTR_MSG:
        ext.message = readString(a.data);
        break;
      case NLMSGERR_ATTR_OFFS:
        ext.offset = tlvU32(a, "offset", where);
        break;
      case NLMSGERR_ATTR_COOKIE:
        ext.cookie = a.data.slice();
        break;
      case NLMSGERR_ATTR_POLICY:
        ext.policy = parseAttributes(payload, where + 4, where + 4 + a.data.length);
        break;
      case NLMSGERR_ATTR_MISS_TYPE:
        ext.missingType = tlvU32(a, "missing type", where);
        break;
      case NLMSGERR_ATTR_MISS_NEST:
        ext.missingNest = tlvU32(a, "missing nest", where);
        break;
    }
  }
  return ext;
}

/**
 * Encode a whole NLMSG_ERROR message answering `request`, as a user-space netlink endpoint
 * (or a test's fake kernel) sends it. Like the kernel: an ACK (`error` 0) or
 * `opts.capped` echoes only the request header and sets NLM_F_CAPPED; otherwise the
 * request payload is echoed too (and the echoed `nlmsg_len` is `16 + payload.length`).
 * Extended ACK TLVs set NLM_F_ACK_TLVS. `seq` defaults to `request.seq` and `pid` to
 * `request.pid` (the kernel puts the requester's port ID there).
 *
 * @throws {RangeError} if `error` is not an integer in 0..2^31 or a field does not fit.
 * @example
 * ```ts
 * import { encodeErrorMessage } from "@netlink/netlink/codec";
 * const request = { length: 32, type: 16, flags: 0x605, seq: 7, pid: 0 };
 * const reply = encodeErrorMessage(request, 17, { extAck: { message: "File exists" } });
 * ```
 */
export function encodeErrorMessage(
  request: NetlinkHeader & { payload?: Uint8Array },
  error: number,
  opts: {
    seq?: number;
    pid?: number;
    capped?: boolean;
    extAck?: { message?: string; offset?: number; cookie?: Uint8Array };
  } = {},
): Uint8Array {
  if (!Number.isInteger(error) || error < 0 || error > 0x80000000) {
    throw new RangeError(`errno ${error} is not an integer in 0..2147483648`);
  }
  const capped = error === 0 || opts.capped === true;
  const payload = capped ? undefined : request.payload ?? new Uint8Array(0);
  const ext = opts.extAck;
  const hasTlvs = ext !== undefined &&
    (ext.message !== undefined || ext.offset !== undefined || ext.cookie !== undefined);
  const flags = (capped ? NLM_F_CAPPED : 0) | (hasTlvs ? NLM_F_ACK_TLVS : 0);
  const head = new Uint8Array(NLMSGERR_SIZE);
  putU32(head, 0, -error);
  writeHeader(head, 4, {
    length: payload === undefined ? request.length : NLMSG_HDRLEN + payload.length,
    type: request.type,
    flags: request.flags,
    seq: request.seq,
    pid: request.pid,
  });
  const b = new MessageBuilder(NLMSG_ERROR, flags, {
    seq: opts.seq ?? request.seq,
    pid: opts.pid ?? request.pid,
    capacity: 64 + (payload?.length ?? 0) + (ext?.message?.length ?? 0) * 3,
  }).raw(head);
  if (payload !== undefined) b.raw(payload);
  if (hasTlvs) {
    if (ext.message !== undefined) b.string(NLMSGERR_ATTR_MSG, ext.message);
    if (ext.offset !== undefined) b.u32(NLMSGERR_ATTR_OFFS, ext.offset);
    if (ext.cookie !== undefined) b.binary(NLMSGERR_ATTR_COOKIE, ext.cookie);
  }
  return b.finish();
}

const ATTR_TYPE_NAMES: Record<number, string> = {
  [NL_ATTR_TYPE_FLAG]: "flag",
  [NL_ATTR_TYPE_U8]: "u8",
  [NL_ATTR_TYPE_U16]: "u16",
  [NL_ATTR_TYPE_U32]: "u32",
  [NL_ATTR_TYPE_U64]: "u64",
  [NL_ATTR_TYPE_S8]: "s8",
  [NL_ATTR_TYPE_S16]: "s16",
  [NL_ATTR_TYPE_S32]: "s32",
  [NL_ATTR_TYPE_S64]: "s64",
  [NL_ATTR_TYPE_BINARY]: "binary",
  [NL_ATTR_TYPE_STRING]: "string",
  [NL_ATTR_TYPE_NUL_STRING]: "nul-string",
  [NL_ATTR_TYPE_NESTED]: "nested",
  [NL_ATTR_TYPE_NESTED_ARRAY]: "nested-array",
  [NL_ATTR_TYPE_BITFIELD32]: "bitfield32",
  [NL_ATTR_TYPE_SINT]: "sint",
  [NL_ATTR_TYPE_UINT]: "uint",
};

const POLICY_FIELDS: Record<number, [string, "u32" | "u64" | "s64"]> = {
  [NL_POLICY_TYPE_ATTR_MIN_VALUE_S]: ["min", "s64"],
  [NL_POLICY_TYPE_ATTR_MAX_VALUE_S]: ["max", "s64"],
  [NL_POLICY_TYPE_ATTR_MIN_VALUE_U]: ["min", "u64"],
  [NL_POLICY_TYPE_ATTR_MAX_VALUE_U]: ["max", "u64"],
  [NL_POLICY_TYPE_ATTR_MIN_LENGTH]: ["min length", "u32"],
  [NL_POLICY_TYPE_ATTR_MAX_LENGTH]: ["max length", "u32"],
  [NL_POLICY_TYPE_ATTR_POLICY_IDX]: ["policy", "u32"],
  [NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE]: ["max type", "u32"],
  [NL_POLICY_TYPE_ATTR_BITFIELD32_MASK]: ["mask", "u32"],
  [NL_POLICY_TYPE_ATTR_MASK]: ["mask", "u64"],
};

function policyValue(data: Uint8Array, kind: "u32" | "u64" | "s64"): string | undefined {
  if (kind === "u32") return data.length === 4 ? String(readU32(data)) : undefined;
  if (data.length !== 8) return undefined;
  return String(kind === "s64" ? readS64(data) : readU64(data));
}

function formatPolicy(policy: readonly Attribute[]): string {
  const parts: string[] = [];
  for (const a of policy) {
    if (a.type === NL_POLICY_TYPE_ATTR_TYPE) {
      const t = a.data.length === 4 ? readU32(a.data) : -1;
      parts.push(`type ${ATTR_TYPE_NAMES[t] ?? t}`);
      continue;
    }
    const field = POLICY_FIELDS[a.type];
    if (field === undefined) continue;
    const v = policyValue(a.data, field[1]);
    if (v !== undefined) {
      parts.push(`${field[0]} ${field[0] === "mask" ? "0x" + BigInt(v).toString(16) : v}`);
    }
  }
  return parts.join(", ");
}

/**
 * A short human-readable summary of an extended ACK, e.g.
 * `"Unknown device type" (offset 52)`. Never throws, even on odd policy contents.
 *
 * @example
 * ```ts
 * import { formatExtendedAck } from "@netlink/netlink/codec";
 * formatExtendedAck({ message: "Attribute failed policy validation", offset: 36 });
 * // '"Attribute failed policy validation" (offset 36)'
 * formatExtendedAck({ missingType: 3 }); // "missing attribute type 3"
 * ```
 */
export function formatExtendedAck(extAck: ExtendedAck): string {
  const parts: string[] = [];
  if (extAck.message !== undefined && extAck.message !== "") {
    parts.push(JSON.stringify(extAck.message));
  }
  const details: string[] = [];
  if (extAck.offset !== undefined) details.push(`offset ${extAck.offset}`);
  if (details.length > 0) parts.push(`(${details.join(", ")})`);
  if (extAck.missingType !== undefined) {
    parts.push(
      `missing attribute type ${extAck.missingType}` +
        (extAck.missingNest !== undefined ? ` in the nest at offset ${extAck.missingNest}` : ""),
    );
  } else if (extAck.missingNest !== undefined) {
    parts.push(`missing attribute in the nest at offset ${extAck.missingNest}`);
  }
  if (extAck.policy !== undefined) {
    const p = formatPolicy(extAck.policy);
    if (p !== "") parts.push(`policy: ${p}`);
  }
  if (extAck.cookie !== undefined) parts.push(`cookie ${hex(extAck.cookie)}`);
  return parts.join(" ");
}
