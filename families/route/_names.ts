/**
 * Name ⇄ number tables shared by the rtnetlink modules (iproute2's `rt_scopes`, `rt_protos`,
 * `rt_tables`, route types), with the header each comes from.
 *
 * @module
 */
import { RTM_TYPE } from "../generated/rt_route.ts";

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

/** A value given by name from `table` or as a number in `0..max`. */
export function byName<T extends Record<string, number>>(
  table: T,
  value: keyof T | number | string,
  what: string,
  max = 255,
): number {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0 || value > max) {
      throw new RangeError(`${what} must be an integer in 0..${max}, got ${value}`);
    }
    return value;
  }
  const v = table[value as keyof T];
  if (v === undefined) {
    throw new TypeError(
      `Unknown ${what} "${String(value)}": use a number or one of ${Object.keys(table).join(", ")}`,
    );
  }
  return v;
}

/** The name of `value` in `table`, or the number itself. */
export function nameOf<T extends Record<string, number>>(
  table: T,
  value: number,
): keyof T | number {
  for (const k in table) if (table[k] === value) return k;
  return value;
}

/** Check an unsigned 32-bit integer. */
export function u32(v: unknown, what: string): number {
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 0xffffffff) {
    throw new RangeError(`${what} must be an integer in 0..4294967295, got ${String(v)}`);
  }
  return v as number;
}

/**
 * An address family option (`"inet"`, `"inet6"` or the number) as `AF_*`; 0 (all) when absent.
 * `what` names the object in the error; `extra` lists further families it accepts.
 */
export function familyOf(
  f: number | "inet" | "inet6" | undefined,
  what: string,
  extra: readonly number[] = [],
): number {
  if (f === undefined) return 0;
  if (f === "inet") return 2; // AF_INET
  if (f === "inet6") return 10; // AF_INET6
  if (f === 0 || f === 2 || f === 10 || extra.includes(f)) return f;
  const also = extra.map((n) => `, ${n}`).join("");
  throw new TypeError(`${what} family must be "inet", "inet6", 2${also} or 10, got ${String(f)}`);
}
