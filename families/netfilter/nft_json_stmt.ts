/**
 * The JSON of the self-contained statements of a rule — `limit`, `log`, `quota` — as nft
 * prints them (nftables' src/json.c `limit_stmt_json`, `log_stmt_json`, `quota_stmt_json`):
 * byte rates in the largest whole unit, the default log level left out, flags by name.
 *
 * @example
 * ```ts
 * import { limitJson } from "@netlink/netlink/nftables";
 * limitJson({ rate: 5n, unit: 1n, burst: 5, type: 0 }); // { rate: 5, burst: 5, per: "second" }
 * ```
 *
 * @module
 */
import type * as nft from "../generated/nftables.ts";
import type { Json } from "./nft_json_rule.ts";
import { rateUnit } from "./nft_templates.ts";

/** Seconds per unit, as nft names them (`get_unit`). */
const UNITS: Record<number, string> = {
  1: "second",
  60: "minute",
  3600: "hour",
  86400: "day",
  604800: "week",
};

/** nft's log levels (syslog's, and `audit`). */
export const LOG_LEVELS: readonly string[] = [
  "emerg",
  "alert",
  "crit",
  "err",
  "warn",
  "notice",
  "info",
  "debug",
  "audit",
];

/** The value of `{ "limit": … }` for a limit expression. */
export function limitJson(l: nft.ExprLimitAttrs): Record<string, Json> {
  const o: Record<string, Json> = {};
  const bytes = l.type === 1;
  const [rate, rateU] = bytes ? rateUnit(l.rate ?? 0n) : [Number(l.rate ?? 0n), ""];
  const [burst, burstU] = bytes ? rateUnit(l.burst ?? 0) : [l.burst ?? 0, ""];
  o.rate = rate;
  o.burst = burst;
  o.per = UNITS[Number(l.unit ?? 1n)] ?? "second";
  if ((l.flags ?? 0) & 1) o.inv = true;
  if (bytes) {
    o.rate_unit = rateU;
    o.burst_unit = burstU;
  }
  return o;
}

/** The value of `{ "log": … }` for a log expression (`null` for a bare `log`). */
export function logJson(g: nft.ExprLogAttrs): Record<string, Json> | null {
  const o: Record<string, Json> = {};
  if (g.prefix !== undefined) o.prefix = g.prefix;
  if (g.group !== undefined) o.group = g.group;
  if (g.snaplen) o.snaplen = g.snaplen;
  if (g.qthreshold) o["queue-threshold"] = g.qthreshold;
  if (g.level !== undefined && g.level !== 4) o.level = LOG_LEVELS[g.level] ?? String(g.level);
  const fl = g.flags ?? 0;
  if ((fl & 0x2f) === 0x2f) o.flags = "all";
  else if (fl) {
    const names: string[] = [];
    if (fl & 1) names.push("tcp sequence");
    if (fl & 2) names.push("tcp options");
    if (fl & 4) names.push("ip options");
    if (fl & 8) names.push("skuid");
    if (fl & 0x20) names.push("ether");
    o.flags = names.length === 1 ? names[0] : names;
  }
  return Object.keys(o).length > 0 ? o : null;
}

/** The value of `{ "quota": … }` for a quota expression. */
export function quotaJson(q: nft.QuotaAttrs): Record<string, Json> {
  const [val, unit] = rateUnit(q.bytes ?? 0n);
  const o: Record<string, Json> = { val, val_unit: unit };
  if ((q.flags ?? 0) & 1) o.inv = true;
  if (q.consumed) {
    const [used, usedUnit] = rateUnit(q.consumed);
    o.used = used;
    o.used_unit = usedUnit;
  }
  return o;
}
