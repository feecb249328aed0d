/**
 * The mirred action (`action mirred egress redirect dev X`): redirect or mirror packets to the
 * egress or ingress of a device, with struct tc_mirred (linux/tc_act/tc_mirred.h).
 *
 * @module
 */
import * as tc from "../../generated/tc.ts";
import type { LinkRef } from "../_link_util.ts";
import { type Verdict, verdict, verdictName } from "./verdict.ts";

/** mirred action (`action mirred egress redirect dev X`). */
export interface MirredActionConfig {
  /** Kind. */
  kind: "mirred";
  /** Redirect (the packet leaves this path) or mirror (a copy). */
  action: "redirect" | "mirror";
  /** Where the packet goes on `dev` (default `"egress"`). */
  direction?: "egress" | "ingress";
  /** Target device (listed by name, or by index when the name is unknown). */
  dev: LinkRef;
  /** Verdict after mirred (default `stolen` for redirect, `pipe` for mirror). */
  control?: Verdict;
  /** Index in the action table (0: let the kernel choose). */
  index?: number;
}

const { EGRESS_REDIR, EGRESS_MIRROR, INGRESS_REDIR, INGRESS_MIRROR } = tc.MIRRED_EACTION;

/**
 * TCA_ACT_OPTIONS of a mirred action: TCA_MIRRED_PARMS for the device `ifindex` (the caller
 * resolves `m.dev`). The verdict defaults as tc's: `stolen` after a redirect, `pipe` after a
 * mirror.
 *
 * @throws {TypeError} for an action other than redirect or mirror.
 */
export function encodeMirred(m: MirredActionConfig, ifindex: number): tc.ActMirredAttrs {
  const ingress = m.direction === "ingress";
  const eaction = m.action === "redirect"
    ? (ingress ? INGRESS_REDIR : EGRESS_REDIR)
    : m.action === "mirror"
    ? (ingress ? INGRESS_MIRROR : EGRESS_MIRROR)
    : undefined;
  if (eaction === undefined) throw new TypeError(`mirred action must be "redirect" or "mirror"`);
  return {
    parms: {
      index: m.index ?? 0,
      capab: 0,
      action: verdict(m.control ?? (m.action === "redirect" ? "stolen" : "pipe")),
      refcnt: 0,
      bindcnt: 0,
      eaction,
      ifindex,
    },
  };
}

/**
 * The configuration of a mirred action from its TCA_MIRRED_PARMS; `names` names the device
 * (else `dev` is its index).
 */
export function decodeMirred(
  p: tc.TcMirred,
  names?: ReadonlyMap<number, string>,
): MirredActionConfig {
  const redirect = p.eaction === EGRESS_REDIR || p.eaction === INGRESS_REDIR;
  const ingress = p.eaction === INGRESS_REDIR || p.eaction === INGRESS_MIRROR;
  return {
    kind: "mirred",
    action: redirect ? "redirect" : "mirror",
    direction: ingress ? "ingress" : "egress",
    dev: names?.get(p.ifindex) ?? p.ifindex,
    control: verdictName(p.action),
    index: p.index,
  };
}
