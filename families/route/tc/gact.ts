/**
 * The gact action (`action gact drop`, `action pass`…): a fixed verdict.
 *
 * @module
 */
import type * as tc from "../../generated/tc.ts";
import { type Verdict, verdict, verdictName } from "./verdict.ts";

/** gact action (`action gact drop`, `action pass`…). */
export interface GactActionConfig {
  /** Kind. */
  kind: "gact";
  /** Verdict. */
  action: Verdict;
  /** Index in the action table (0: let the kernel choose). */
  index?: number;
}

/** TCA_ACT_OPTIONS of a gact action: TCA_GACT_PARMS (struct tc_gact). */
export function encodeGact(g: GactActionConfig): tc.ActGactAttrs {
  return {
    parms: { index: g.index ?? 0, capab: 0, action: verdict(g.action), refcnt: 0, bindcnt: 0 },
  };
}

/** The configuration of a gact action from its TCA_GACT_PARMS. */
export function decodeGact(p: tc.TcGact): GactActionConfig {
  return { kind: "gact", action: verdictName(p.action), index: p.index };
}
