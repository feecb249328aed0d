/**
 * The JSON form of YNL scalars (see `client/json.ts` for the whole mapping): spec names from
 * the generated tables' camelCase keys, enum entries by name, integers that stay exact, and
 * binary data as its display hint says.
 *
 * @example
 * ```ts
 * import { bytesToJson, safeNumber, specName } from "@netlink/netlink";
 * specName("txTcpSegmentation"); // "tx-tcp-segmentation"
 * safeNumber(2n ** 64n - 1n); // "18446744073709551615"
 * bytesToJson(new Uint8Array([10, 0, 0, 1]), "ipv4"); // "10.0.0.1"
 * ```
 *
 * @module
 */
import type { Family } from "../codec/ynl/mod.ts";
import {
  formatIp,
  formatMac,
  parseIpv4,
  parseIpv6,
  parseMac,
} from "../families/route/addr_text.ts";

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/**
 * The spec (kebab-case) name of a decoded object's camelCase key.
 *
 * @example
 * ```ts
 * import { specName } from "@netlink/netlink";
 * specName("netNsPid"); // "net-ns-pid"
 * specName("ipv4Devconf"); // "ipv4-devconf"
 * ```
 */
export function specName(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1-$2")
    .toLowerCase();
}

/**
 * The spec's name of a table entry (attribute or struct member): its `yname` where the
 * generator recorded one (names {@link specName} cannot rebuild, such as `if_idx`), else the
 * kebab-case form of its camelCase key.
 *
 * @example
 * ```ts
 * import { specNameOf } from "@netlink/netlink";
 * specNameOf({ name: "ifIdx", yname: "if_idx" }); // "if_idx"
 * specNameOf({ name: "netNsPid" }); // "net-ns-pid"
 * ```
 */
export function specNameOf(entry: { readonly name: string; readonly yname?: string }): string {
  return entry.yname ?? specName(entry.name);
}

/**
 * The spec name of an enum entry, as the generated tables spell it (`CMD_CAP_DO`).
 *
 * @example
 * ```ts
 * import { entryName } from "@netlink/netlink";
 * entryName("CMD_CAP_DO"); // "cmd-cap-do"
 * ```
 */
export function entryName(entry: string): string {
  return entry.toLowerCase().replace(/_/g, "-");
}

/**
 * Read an integer as entries of enum `enumName` of `family`: the entry's spec name for an
 * enum, an array of names for flags (and for `asFlags`: the spec's `enum-as-flags`). Values
 * no entry names stay numbers (for flags: the leftover bits, last).
 *
 * @throws {TypeError} when the family has no such enum.
 * @example
 * ```ts
 * import { enumToJson } from "@netlink/netlink";
 * import * as nlctrl from "@netlink/netlink/nlctrl";
 * enumToJson(nlctrl.family, "op-flags", 0xe); // ["cmd-cap-do", "cmd-cap-dump", "cmd-cap-haspol"]
 * enumToJson(nlctrl.family, "attr-type", 3); // "u16"
 * ```
 */
export function enumToJson(
  family: Family,
  enumName: string,
  value: number | bigint,
  asFlags = false,
): string | number | (string | number)[] {
  const e = family.spec.enums?.[enumName];
  if (e === undefined) throw new TypeError(`Family "${family.name}" has no enum "${enumName}"`);
  const entries = Object.entries(e.entries);
  if (e.type === "flags" || asFlags) {
    let rest = BigInt(value);
    const names: (string | number)[] = [];
    for (const [name, v] of entries) {
      const mask = e.type === "flags" ? BigInt(v) : 1n << BigInt(v);
      if (mask !== 0n && (rest & mask) === mask) {
        names.push(entryName(name));
        rest &= ~mask;
      }
    }
    if (rest !== 0n) names.push(safeNumber(rest) as number);
    return names;
  }
  for (const [name, v] of entries) if (BigInt(v) === BigInt(value)) return entryName(name);
  return safeNumber(value) as number;
}

/**
 * A JSON-safe integer: the number when it is a safe integer, else its decimal string.
 *
 * @example
 * ```ts
 * import { safeNumber } from "@netlink/netlink";
 * safeNumber(10n); // 10
 * safeNumber(2n ** 64n - 1n); // "18446744073709551615"
 * ```
 */
export function safeNumber(v: number | bigint): number | string {
  if (typeof v === "number") return v;
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v.toString();
}

function hexOf(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

/**
 * Binary data as JSON text, per YNL display hint: `mac` → `"aa:bb:cc:dd:ee:ff"`, `ipv4` /
 * `ipv6` → the address, `uuid` → `"xxxxxxxx-xxxx-…"`, anything else → lower-case hex.
 *
 * @example
 * ```ts
 * import { bytesToJson } from "@netlink/netlink";
 * bytesToJson(new Uint8Array([2, 0, 0, 0, 0, 1]), "mac"); // "02:00:00:00:00:01"
 * bytesToJson(new Uint8Array([0xde, 0xad])); // "dead"
 * ```
 */
export function bytesToJson(b: Uint8Array, display?: string): string {
  if (display === "mac") return formatMac(b);
  if ((display === "ipv4" && b.length === 4) || (display === "ipv6" && b.length === 16)) {
    return formatIp(b);
  }
  if (display === "uuid" && b.length === 16) {
    const h = hexOf(b);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${
      h.slice(20)
    }`;
  }
  return hexOf(b);
}

/**
 * Parse binary data from JSON: what {@link bytesToJson} prints (a MAC, an address, a UUID or
 * hex, which may be separated by `:`, `-` or spaces and start with `0x`), or an array of
 * byte values.
 *
 * @throws {TypeError} for anything else.
 * @example
 * ```ts
 * import { bytesFromJson } from "@netlink/netlink";
 * bytesFromJson("10.0.0.1", "ipv4"); // Uint8Array [10, 0, 0, 1]
 * bytesFromJson("dead"); // Uint8Array [0xde, 0xad]
 * ```
 */
export function bytesFromJson(v: unknown, display?: string, what = "value"): Uint8Array {
  if (Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) {
    return Uint8Array.from(v as number[]);
  }
  if (typeof v !== "string") {
    throw new TypeError(`${what} needs bytes as a string or an array, got ${JSON.stringify(v)}`);
  }
  if (display === "ipv4" || display === "ipv6") {
    const ip = parseIpv4(v) ?? parseIpv6(v);
    if (ip !== undefined) return ip;
  }
  if (display === "mac" && v.includes(":")) return parseMac(v);
  const h = v.replace(/^0x/i, "").replace(/[:\-\s]/g, "");
  if (!/^([0-9a-f]{2})*$/i.test(h)) {
    throw new TypeError(`${what}: "${v}" is not hex${display ? ` or a ${display}` : ""}`);
  }
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}
