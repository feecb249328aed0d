/**
 * The expressions of the self-contained statements of nft's JSON — `limit`, `log`, `quota` —
 * as nft compiles them (byte units multiplied out, nft's default burst of 5 packets, the
 * warning level of a prefixed log).
 *
 * @example
 * ```ts
 * import { limitExpr } from "@netlink/netlink/nftables";
 * limitExpr({ rate: 5, per: "second" }); // { rate: 5n, unit: 1n, burst: 5, type: 0, flags: 0 }
 * ```
 *
 * @module
 */
import type * as nft from "../generated/nftables.ts";
import { LOG_LEVELS } from "./nft_json_stmt.ts";
import { TIME_UNITS } from "./nft_templates.ts";

const BYTE_UNITS: Record<string, bigint> = { bytes: 1n, kbytes: 1024n, mbytes: 1048576n };

/** The limit expression of `{ "limit": o }`. */
export function limitExpr(o: Record<string, unknown>): nft.ExprLimitAttrs {
  const unit = TIME_UNITS[String(o.per ?? "second")];
  if (unit === undefined) throw new TypeError(`Unknown limit unit "${String(o.per)}"`);
  const bytes = o.rate_unit !== undefined;
  const rateMul = bytes ? BYTE_UNITS[String(o.rate_unit)] : 1n;
  const burstMul = o.burst_unit !== undefined ? BYTE_UNITS[String(o.burst_unit)] : 1n;
  if (rateMul === undefined || burstMul === undefined) {
    throw new TypeError(`Unknown byte unit in ${JSON.stringify(o)}`);
  }
  return {
    rate: BigInt(o.rate as number) * rateMul,
    unit: BigInt(unit),
    burst: Number(BigInt((o.burst as number | undefined) ?? (bytes ? 0 : 5)) * burstMul),
    type: bytes ? 1 : 0,
    flags: o.inv ? 1 : 0,
  };
}

/** The quota expression of `{ "quota": o }`. */
export function quotaExpr(o: Record<string, unknown>): nft.QuotaAttrs {
  const mult = BYTE_UNITS[String(o.val_unit ?? "bytes")] ?? 1n;
  const used = BYTE_UNITS[String(o.used_unit ?? "bytes")] ?? 1n;
  return {
    bytes: BigInt(o.val as number) * mult,
    consumed: BigInt((o.used as number | undefined) ?? 0) * used,
    flags: o.inv ? 1 : 0,
  };
}

const LOG_FLAGS: Record<string, number> = {
  "tcp sequence": 1,
  "tcp options": 2,
  "ip options": 4,
  skuid: 8,
  ether: 0x20,
  all: 0x2f,
};

/** The log expression of `{ "log": o }` (`o` null for a bare `log`). */
export function logExpr(o: Record<string, unknown> | null): nft.ExprLogAttrs {
  const d: nft.ExprLogAttrs = {};
  if (o === null) return d;
  if (o.prefix !== undefined) d.prefix = String(o.prefix);
  if (o.group !== undefined) d.group = Number(o.group);
  if (o.snaplen !== undefined) d.snaplen = Number(o.snaplen);
  if (o["queue-threshold"] !== undefined) d.qthreshold = Number(o["queue-threshold"]);
  if (o.level !== undefined) {
    d.level = LOG_LEVELS.indexOf(String(o.level));
    if (d.level < 0) throw new TypeError(`Unknown log level "${String(o.level)}"`);
  } else if (d.group === undefined && d.prefix !== undefined) d.level = 4;
  if (o.flags !== undefined) {
    d.flags = [o.flags].flat().reduce((a: number, f) => a | (LOG_FLAGS[String(f)] ?? 0), 0);
  }
  return d;
}
