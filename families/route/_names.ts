/**
 * Name ⇄ number tables shared by the rtnetlink modules (iproute2's `rt_scopes`, `rt_protos`,
 * `rt_tables`, route types), with the header each comes from.
 *
 * @module
 */
import { RTM_TYPE } from "../generated/rt_route.ts";
import { ADDRESS_FAMILIES, nameOf } from "./names.ts";

/** Route / address scopes (linux/rtnetlink.h `RT_SCOPE_*`), named as `ip` names them. */
export const SCOPES = {
  global: 0,
  site: 200,
  link: 253,
  host: 254,
  nowhere: 255,
} as const;

/** Route protocols (linux/rtnetlink.h `RTPROT_*`), named as iproute2's `rt_protos`. */
export const PROTOCOLS = {
  unspec: 0,
  redirect: 1,
  kernel: 2,
  boot: 3,
  static: 4,
  gated: 8,
  ra: 9,
  mrt: 10,
  zebra: 11,
  bird: 12,
  dnrouted: 13,
  xorp: 14,
  ntk: 15,
  dhcp: 16,
  mrouted: 17,
  keepalived: 18,
  babel: 42,
  openr: 99,
  bgp: 186,
  isis: 187,
  ospf: 188,
  rip: 189,
  eigrp: 192,
} as const;

/** Routing tables (linux/rtnetlink.h `RT_TABLE_*`), named as iproute2's `rt_tables`. */
export const TABLES = {
  unspec: 0,
  compat: 252,
  default: 253,
  main: 254,
  local: 255,
} as const;

/** Route types (linux/rtnetlink.h `RTN_*`, the spec's rtm-type), named as `ip route` names them. */
export const ROUTE_TYPES: {
  readonly [K in keyof typeof RTM_TYPE as Lowercase<K>]: (typeof RTM_TYPE)[K];
} = Object.fromEntries(
  Object.entries(RTM_TYPE).map(([k, v]) => [k.toLowerCase(), v]),
) as never;

/** Check an unsigned 32-bit integer. */
export function u32(v: unknown, what: string): number {
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 0xffffffff) {
    throw new RangeError(`${what} must be an integer in 0..4294967295, got ${String(v)}`);
  }
  return v as number;
}

/**
 * An address family option (a name of {@link ADDRESS_FAMILIES} such as `"inet"`, or the
 * number) as `AF_*`; 0 (all) when absent. `what` names the object in the error; `allowed`
 * lists the families it takes besides 0.
 */
export function familyOf(
  f: number | string | undefined,
  what: string,
  allowed: readonly number[] = [2, 10],
): number {
  if (f === undefined) return 0;
  const n = typeof f === "string"
    ? (ADDRESS_FAMILIES as Record<string, number>)[f]
    : Number.isInteger(f)
    ? f
    : undefined;
  if (n !== undefined && (n === 0 || allowed.includes(n))) return n;
  const names = Object.entries(ADDRESS_FAMILIES).filter(([, v]) => allowed.includes(v));
  throw new TypeError(
    `${what} family must be ${names.map(([k, v]) => `"${k}" (${v})`).join(", ")}, got ${String(f)}`,
  );
}

/** The name of an address family (`"inet"`), or its number when it has none. */
export function familyName(f: number): string | number {
  return nameOf("family", f);
}

/**
 * `object` with `message` attached as a property that is not enumerable: the typed objects of
 * the route API carry their whole decoded message there, out of `JSON.stringify`, spreads and
 * deep comparisons.
 */
export function withMessage<T extends object, M>(
  object: T,
  message: M,
): T & { readonly message: M } {
  Object.defineProperty(object, "message", { value: message, enumerable: false });
  return object as T & { readonly message: M };
}

/**
 * A 64-bit counter as plain JSON: a number when it is a safe integer (up to 2^53 − 1), its
 * decimal string above (the rule of the library's JSON conversion, `messageToJson`).
 */
export type Counter = number | string;

/** A counter ({@link Counter}) from a decoded u64 or u32. */
export function toCounter(v: bigint | number): Counter {
  if (typeof v === "number") return v;
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}
