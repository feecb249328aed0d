/**
 * Internals of the YNL JSON conversion (`client/json.ts`): name matching, integers from JSON,
 * the set and sub-message lookups. Not part of the public API.
 *
 * @module
 */
import {
  type AttributeSet,
  type AttributeSpec,
  type Family,
  type MemberSpec,
  screamingSnake,
  type StructType,
  type SubMessageFormatSpec,
} from "../codec/ynl/mod.ts";
import { parseIpv4 } from "../families/route/addr_text.ts";
import {
  bytesToJson,
  entryName,
  enumToJson,
  type Json,
  type JsonObject,
  safeNumber,
  specName,
} from "./json_values.ts";

/** The form names are compared in: no dashes or underscores, lower case. */
export function normal(name: string): string {
  return name.replace(/[-_]/g, "").toLowerCase();
}

/** An enum value from JSON: entry names (an array of them for flags) or integers. */
export function enumFromJson(
  family: Family,
  enumName: string,
  value: unknown,
  asFlags: boolean,
  what: string,
): number | bigint {
  const e = family.spec.enums?.[enumName];
  if (e === undefined) throw new TypeError(`Family "${family.name}" has no enum "${enumName}"`);
  const flags = e.type === "flags" || asFlags;
  const one = (x: unknown): bigint => {
    if (typeof x === "string" && !/^(0x[0-9a-f]+|-?\d+)$/i.test(x)) {
      const v = e.entries[screamingSnake(x.replace(/[-\s]/g, "_"))];
      if (v === undefined) {
        throw new TypeError(
          `${what}: "${x}" is not an entry of ${enumName}; known: ${
            Object.keys(e.entries).map(entryName).join(", ")
          }`,
        );
      }
      return flags && e.type !== "flags" ? 1n << BigInt(v) : BigInt(v);
    }
    return BigInt(integerFromJson(x, what));
  };
  if (Array.isArray(value)) {
    if (!flags) throw new TypeError(`${what}: ${enumName} is not a set of flags`);
    return narrow(value.reduce((m: bigint, x) => m | one(x), 0n));
  }
  return narrow(one(value));
}

/** A bigint as a number when that is exact. */
export function narrow(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v;
}

/** An integer from JSON: a number, a bigint, or a decimal or `0x` string. */
export function integerFromJson(v: unknown, what: string): number | bigint {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "bigint") return narrow(v);
  if (typeof v === "string") {
    const t = v.trim();
    if (/^-?(0x[0-9a-f]+|\d+)$/i.test(t)) {
      const neg = t.startsWith("-");
      const n = BigInt(neg ? t.slice(1) : t);
      return narrow(neg ? -n : n);
    }
  }
  throw new TypeError(`${what} needs an integer, got ${JSON.stringify(v)}`);
}

/** The YNL integer types. */
export const INT_TYPES = new Set([
  "u8",
  "u16",
  "u32",
  "u64",
  "s8",
  "s16",
  "s32",
  "s64",
  "uint",
  "sint",
]);

/** What an integer attribute or member says about its value. */
export interface IntSpec {
  /** YNL type (`u32`, `uint`, …). */
  readonly type: string;
  /** Enum of the values. */
  readonly enum?: string;
  /** Read the enum as flags. */
  readonly enumAsFlags?: boolean;
  /** Display hint. */
  readonly display?: string;
  /** Byte order. */
  readonly byteOrder?: string;
}

/** An integer attribute or member as JSON: its enum entry, display hint, or number. */
export function intToJson(family: Family, s: IntSpec, v: unknown): Json {
  if (typeof v !== "number" && typeof v !== "bigint") return plain(v);
  if (s.enum !== undefined && family.spec.enums?.[s.enum] !== undefined) {
    return enumToJson(family, s.enum, v, s.enumAsFlags === true);
  }
  if (s.display === "ipv4" && (s.type === "u32" || s.type === "uint")) {
    const n = Number(v);
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  if (s.display === "hex") return `0x${v.toString(16)}`;
  return safeNumber(v);
}

/** The reverse of {@link intToJson}. */
export function intFromJson(family: Family, s: IntSpec, v: unknown, what: string): number | bigint {
  if (s.enum !== undefined && family.spec.enums?.[s.enum] !== undefined) {
    return enumFromJson(family, s.enum, v, s.enumAsFlags === true, what);
  }
  if (s.display === "ipv4" && typeof v === "string") {
    const ip = parseIpv4(v);
    if (ip !== undefined) return ((ip[0] << 24) | (ip[1] << 16) | (ip[2] << 8) | ip[3]) >>> 0;
  }
  return integerFromJson(v, what);
}

/** Anything the tables do not describe, made JSON-safe. */
export function plain(v: unknown): Json {
  if (v === undefined || v === null) return null;
  if (typeof v === "bigint") return safeNumber(v);
  if (v instanceof Uint8Array) return bytesToJson(v);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === "object") {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[specName(k)] = plain(x);
    return out;
  }
  return v as Json;
}

/** An attribute set indexed by camelCase key and by {@link normal} name. */
export interface SetIndex {
  /** By camelCase key. */
  byKey: Map<string, AttributeSpec>;
  /** By {@link normal} name. */
  byNormal: Map<string, AttributeSpec>;
}

const setIndexes = new WeakMap<object, SetIndex>();

/** The (cached) index of a set's attributes. */
export function indexOf(attributes: readonly AttributeSpec[], cacheKey: object): SetIndex {
  let ix = setIndexes.get(cacheKey);
  if (ix === undefined) {
    ix = { byKey: new Map(), byNormal: new Map() };
    for (const a of attributes) {
      if (!ix.byKey.has(a.name)) ix.byKey.set(a.name, a);
      if (!ix.byNormal.has(normal(a.name))) ix.byNormal.set(normal(a.name), a);
    }
    setIndexes.set(cacheKey, ix);
  }
  return ix;
}

/** A struct's members but its pads. */
export function membersOf(struct: StructType<object>): MemberSpec[] {
  return struct.members.filter((m) => m.type !== "pad");
}

/** The format of a sub-message for the selector's value (a string, or an enum's number). */
export function formatFor(
  family: Family,
  set: AttributeSet<object>,
  a: AttributeSpec,
  selector: unknown,
): SubMessageFormatSpec | undefined {
  const formats = family.spec.subMessages?.[a.subMessage ?? ""];
  if (formats === undefined) return undefined;
  if (typeof selector === "string") {
    return formats[selector] ??
      Object.entries(formats).find(([k]) => normal(k) === normal(selector))?.[1];
  }
  if (typeof selector !== "number") return undefined;
  if (formats[String(selector)] !== undefined) return formats[String(selector)];
  // An enum selector (nftables object types): number → entry → format of that name.
  let enumName = set.attributes.find((x) => x.name === a.selector)?.enum;
  if (enumName === undefined) {
    for (const attrs of Object.values(family.spec.attributeSets)) {
      enumName = attrs.find((x) => x.name === a.selector && x.enum !== undefined)?.enum;
      if (enumName !== undefined) break;
    }
  }
  const entries = enumName === undefined ? undefined : family.spec.enums?.[enumName]?.entries;
  if (entries === undefined) return undefined;
  for (const [k, f] of Object.entries(formats)) {
    if (entries[screamingSnake(k)] === selector) return f;
  }
  return undefined;
}

/** The value of `key` in the innermost object of `scope` that has it (a sub-message selector). */
export function lookup(scope: readonly Record<string, unknown>[], key: string): unknown {
  for (const o of scope) if (o[key] !== undefined) return o[key];
  return undefined;
}
