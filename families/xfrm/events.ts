/**
 * Typed events of the `XFRMNLGRP_*` groups.
 *
 * @module
 */
import type { DecodedMessage } from "../../codec/ynl/mod.ts";
import * as x from "../generated/xfrm.ts";
import type { Policy, State } from "./types.ts";
import { toPolicy, toState } from "./convert.ts";
// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

/** A typed event of the `XFRMNLGRP_*` groups (or one message of a dump). */
export type XfrmEvent =
  | { kind: "new-sa" | "update-sa" | "delete-sa"; state: State }
  | { kind: "flush-sa"; proto: number }
  | { kind: "expire-sa"; state: State; hard: boolean }
  | { kind: "new-policy" | "update-policy" | "delete-policy"; policy: Policy }
  | { kind: "flush-policy"; type: number | undefined }
  | { kind: "expire-policy"; policy: Policy; hard: boolean }
  | {
    kind: "acquire" | "aevent" | "report" | "mapping" | "migrate";
    header: Record<string, unknown>;
    attrs: Record<string, unknown>;
  }
  | { kind: "unknown"; type: number; payload: Uint8Array };

/**
 * The event a received `NETLINK_XFRM` message carries.
 *
 * @example
 * ```ts
 * import { xfrmEvent } from "@netlink/netlink/xfrm";
 * declare const message: { type: number; payload: Uint8Array };
 * const e = xfrmEvent(message);
 * if (e.kind === "new-policy") console.log(e.policy.selector.dst);
 * ```
 */
export function xfrmEvent(m: { type: number; payload: Uint8Array }): XfrmEvent {
  const d = x.family.decodeMessage(m.type, m.payload) as
    | DecodedMessage<Record<string, unknown>, x.XfrmAttrs>
    | undefined;
  if (d === undefined) return { kind: "unknown", type: m.type, payload: m.payload };
  const h = d.header as unknown;
  switch (m.type) {
    case x.XFRM_MSG_NEWSA:
      return { kind: "new-sa", state: toState(h as x.XfrmUsersaInfo, d.attrs) };
    case x.XFRM_MSG_UPDSA:
      return { kind: "update-sa", state: toState(h as x.XfrmUsersaInfo, d.attrs) };
    case x.XFRM_MSG_DELSA:
      if (d.attrs.sa) return { kind: "delete-sa", state: toState(d.attrs.sa, d.attrs) };
      break;
    case x.XFRM_MSG_FLUSHSA:
      return { kind: "flush-sa", proto: (h as x.XfrmUsersaFlush).proto };
    case x.XFRM_MSG_EXPIRE: {
      const e = h as x.XfrmUserExpire;
      return { kind: "expire-sa", state: toState(e.state, d.attrs), hard: e.hard !== 0 };
    }
    case x.XFRM_MSG_NEWPOLICY:
      return { kind: "new-policy", policy: toPolicy(h as x.XfrmUserpolicyInfo, d.attrs) };
    case x.XFRM_MSG_UPDPOLICY:
      return { kind: "update-policy", policy: toPolicy(h as x.XfrmUserpolicyInfo, d.attrs) };
    case x.XFRM_MSG_DELPOLICY:
      if (d.attrs.policy) {
        return { kind: "delete-policy", policy: toPolicy(d.attrs.policy, d.attrs) };
      }
      break;
    case x.XFRM_MSG_FLUSHPOLICY:
      return { kind: "flush-policy", type: d.attrs.policyType?.type };
    case x.XFRM_MSG_POLEXPIRE: {
      const e = h as x.XfrmUserPolexpire;
      return { kind: "expire-policy", policy: toPolicy(e.pol, d.attrs), hard: e.hard !== 0 };
    }
  }
  const other: Record<number, "acquire" | "aevent" | "report" | "mapping" | "migrate"> = {
    [x.XFRM_MSG_ACQUIRE]: "acquire",
    [x.XFRM_MSG_NEWAE]: "aevent",
    [x.XFRM_MSG_REPORT]: "report",
    [x.XFRM_MSG_MAPPING]: "mapping",
    [x.XFRM_MSG_MIGRATE]: "migrate",
  };
  const kind = other[m.type];
  if (kind) {
    return { kind, header: d.header, attrs: d.attrs as Record<string, unknown> };
  }
  return { kind: "unknown", type: m.type, payload: m.payload };
}

/** The `XFRMNLGRP_*` groups by short name, for {@link Xfrm.events}. */
export type XfrmGroup =
  | "acquire"
  | "expire"
  | "sa"
  | "policy"
  | "aevents"
  | "report"
  | "migrate"
  | "mapping";
