/**
 * Verdicts of actions (TC_ACT_* of linux/pkt_cls.h) by the names tc reads and prints
 * (iproute2 `action_a2n`/`action_n2a`).
 *
 * @example
 * ```ts
 * import { TC_ACT } from "@netlink/netlink";
 * TC_ACT.drop; // 2 (TC_ACT_SHOT)
 * ```
 *
 * @module
 */
import * as tc from "../../generated/tc.ts";

/**
 * Verdicts of actions (TC_ACT_* of linux/pkt_cls.h), by tc's names.
 *
 * @example
 * ```ts
 * import { TC_ACT } from "@netlink/netlink";
 * TC_ACT.pass; // 0 (TC_ACT_OK)
 * ```
 */
export const TC_ACT: Readonly<Record<string, number>> = {
  continue: tc.TC_ACT.UNSPEC,
  pass: tc.TC_ACT.OK,
  ok: tc.TC_ACT.OK,
  reclassify: tc.TC_ACT.RECLASSIFY,
  drop: tc.TC_ACT.SHOT,
  shot: tc.TC_ACT.SHOT,
  pipe: tc.TC_ACT.PIPE,
  stolen: tc.TC_ACT.STOLEN,
  queued: tc.TC_ACT.QUEUED,
  repeat: tc.TC_ACT.REPEAT,
  redirect: tc.TC_ACT.REDIRECT,
  trap: tc.TC_ACT.TRAP,
};

/** A verdict by tc's name, or a TC_ACT_* number. */
export type Verdict =
  | "continue"
  | "pass"
  | "ok"
  | "reclassify"
  | "drop"
  | "shot"
  | "pipe"
  | "stolen"
  | "queued"
  | "repeat"
  | "redirect"
  | "trap"
  | number;

/** The name tc prints for each verdict (`action_n2a`). */
const VERDICT_NAMES: Record<number, Verdict> = {
  [tc.TC_ACT.UNSPEC]: "continue",
  [tc.TC_ACT.OK]: "pass",
  [tc.TC_ACT.RECLASSIFY]: "reclassify",
  [tc.TC_ACT.SHOT]: "drop",
  [tc.TC_ACT.PIPE]: "pipe",
  [tc.TC_ACT.STOLEN]: "stolen",
  [tc.TC_ACT.QUEUED]: "queued",
  [tc.TC_ACT.REPEAT]: "repeat",
  [tc.TC_ACT.REDIRECT]: "redirect",
  [tc.TC_ACT.TRAP]: "trap",
};

/**
 * The TC_ACT_* number of a verdict.
 *
 * @throws {TypeError} for a name tc does not know.
 */
export function verdict(v: Verdict): number {
  if (typeof v === "number") return v;
  const n = TC_ACT[v];
  if (n === undefined) throw new TypeError(`Unknown verdict "${v}"`);
  return n;
}

/** The name tc prints for a TC_ACT_* number, or the number when it has none. */
export function verdictName(n: number): Verdict {
  return VERDICT_NAMES[n] ?? n;
}
