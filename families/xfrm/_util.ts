/**
 * Helpers shared by the XFRM modules (not exported by the package).
 *
 * @module
 */

/** linux/socket.h. */
export const AF_INET = 2, AF_INET6 = 10;
/** Size of `struct xfrm_user_tmpl`. */
export const tmplSize = 64;

/** A number, or its name in `table` (`what` names the table in the error). */
export function byName(
  table: Readonly<Record<string, number>>,
  v: string | number,
  what: string,
): number {
  if (typeof v === "number") return v;
  const n = table[v];
  if (n === undefined) throw new TypeError(`Unknown ${what} "${v}"`);
  return n;
}

/** The address family of the first address given (0 when none). */
export function familyOf(...addresses: (string | undefined)[]): number {
  for (const a of addresses) if (a) return a.includes(":") ? AF_INET6 : AF_INET;
  return 0;
}

/** Upper-layer protocol names (/etc/protocols). */
export const L4: Record<string, number> = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  dccp: 33,
  gre: 47,
  "ipv6-icmp": 58,
  sctp: 132,
  "mobility-header": 135,
};
