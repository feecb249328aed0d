/**
 * Socket states: their names (the kernel's, and the short ones `ss` prints), and state filters
 * as `ss` spells them (`state established`, `state connected`, `exclude listening`…), as the
 * bit masks sock_diag requests carry (bit n for state n).
 *
 * @example
 * ```ts
 * import { stateMask, ssStateName } from "@netlink/netlink/sock-diag";
 * stateMask("connected").toString(16); // "f7f": every state but LISTEN and CLOSE (and bit 0)
 * ssStateName(10); // "LISTEN"
 * ```
 *
 * @module
 */
import { TCP_STATE } from "../generated/sock_diag.ts";

/** A state by its kernel name in lower case (`established`, `time-wait`, `listen` …). */
export type StateName = Lowercase<keyof typeof TCP_STATE> extends infer N extends string
  ? N extends `${infer A}_${infer B}` ? `${A}-${B}` : N
  : never;

const bit = (s: number) => 1 << s;
const all = (1 << 12) - 1;

/**
 * Masks `ss` uses: `all` (`SS_ALL`, states 0 to 11, 0 being "unknown"), and `conn`
 * (`SS_CONN`, what it shows for TCP without `-a`/`-l`: every state but listen, close,
 * time-wait and syn-recv).
 */
export const STATE_MASKS: { readonly all: number; readonly conn: number } = {
  all,
  conn: all & ~(bit(TCP_STATE.LISTEN) | bit(TCP_STATE.CLOSE) | bit(TCP_STATE.TIME_WAIT) |
    bit(TCP_STATE.SYN_RECV)),
};

/**
 * The state groups `ss` accepts after `state` / `exclude` (misc/ss.c scan_state), as masks.
 * `connected`: all but listening and closed; `synchronized`: connected but not syn-sent;
 * `bucket`: minisockets (syn-recv, time-wait); `big`: all but those.
 */
export const STATE_GROUPS: Readonly<Record<string, number>> = {
  all,
  connected: all & ~(bit(TCP_STATE.CLOSE) | bit(TCP_STATE.LISTEN)),
  synchronized: all & ~(bit(TCP_STATE.CLOSE) | bit(TCP_STATE.LISTEN) | bit(TCP_STATE.SYN_SENT)),
  bucket: bit(TCP_STATE.SYN_RECV) | bit(TCP_STATE.TIME_WAIT),
  big: all & ~(bit(TCP_STATE.SYN_RECV) | bit(TCP_STATE.TIME_WAIT)),
};

/** `ss`'s long state names (what `state NAME` accepts), by state number. */
const SS_LONG: readonly string[] = [
  "UNKNOWN",
  "established",
  "syn-sent",
  "syn-recv",
  "fin-wait-1",
  "fin-wait-2",
  "time-wait",
  "unconnected",
  "close-wait",
  "last-ack",
  "listening",
  "closing",
];

/** `ss`'s short state names (its State column), by state number. */
const SS_SHORT: readonly string[] = [
  "UNKNOWN",
  "ESTAB",
  "SYN-SENT",
  "SYN-RECV",
  "FIN-WAIT-1",
  "FIN-WAIT-2",
  "TIME-WAIT",
  "UNCONN",
  "CLOSE-WAIT",
  "LAST-ACK",
  "LISTEN",
  "CLOSING",
];

/**
 * The mask of one state name or group as `ss` reads it (case-insensitive): its own names
 * (`established`, `syn-sent`, `syn-recv`/`syn-rcv`, `fin-wait-1`, `fin-wait-2`, `time-wait`,
 * `closed`/`close`/`unconnected`, `close-wait`, `last-ack`, `listening`, `closing`) and the
 * groups of {@link STATE_GROUPS}; also the kernel's names (`listen`, `fin-wait1` …).
 *
 * @throws {RangeError} for a name `ss` does not know ("wrong state name").
 * @example
 * ```ts
 * import { stateMask } from "@netlink/netlink/sock-diag";
 * stateMask("listening"); // 1024
 * ```
 */
export function stateMask(name: string): number {
  const n = name.toLowerCase();
  if (n === "close" || n === "closed") return bit(TCP_STATE.CLOSE);
  if (n === "syn-rcv") return bit(TCP_STATE.SYN_RECV);
  const group = STATE_GROUPS[n];
  if (group !== undefined) return group;
  const i = SS_LONG.indexOf(n);
  if (i >= 0) return 1 << i;
  const k = n.toUpperCase().replace(/-/g, "_") as keyof typeof TCP_STATE;
  const v = TCP_STATE[k];
  if (v !== undefined) return bit(v);
  throw new RangeError(`wrong state name: ${name}`);
}

/**
 * The mask of `state`/`exclude` arguments as `ss` combines them: `state` names are ORed (the
 * first replaces the default), `exclude` names are removed from all states (or from the
 * states named so far).
 *
 * @example
 * ```ts
 * import { parseStates } from "@netlink/netlink/sock-diag";
 * parseStates([["state", "established"], ["state", "listening"]]); // 1026
 * parseStates([["exclude", "listening"]]) === (0xfff & ~1024); // true
 * ```
 */
export function parseStates(
  words: readonly (readonly ["state" | "exclude", string])[],
): number | undefined {
  let mask: number | undefined;
  for (const [kind, name] of words) {
    if (kind === "state") mask = (mask ?? 0) | stateMask(name);
    else mask = (mask ?? all) & ~stateMask(name);
  }
  return mask;
}

/**
 * The state name `ss` prints (`ESTAB`, `LISTEN`, `UNCONN` …; `UNKNOWN` past `closing`).
 *
 * @example
 * ```ts
 * import { ssStateName } from "@netlink/netlink/sock-diag";
 * ssStateName(7); // "UNCONN"
 * ```
 */
export function ssStateName(state: number): string {
  return SS_SHORT[state] ?? "UNKNOWN";
}

/**
 * The kernel's name of a state in lower case (`established`, `time-wait`, `listen` …), or
 * `state-N` for a number it does not have.
 *
 * @example
 * ```ts
 * import { stateName } from "@netlink/netlink/sock-diag";
 * stateName(10); // "listen"
 * ```
 */
export function stateName(state: number): string {
  for (const [k, v] of Object.entries(TCP_STATE)) {
    if (v === state) return k.toLowerCase().replace(/_/g, "-");
  }
  return `state-${state}`;
}
