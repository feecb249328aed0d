/**
 * XFRM names as `ip xfrm` writes them (protocols, modes, directions), `XFRM_INF`, and
 * `xfrm_address_t` read and written next to its family.
 *
 * @module
 */
import { formatIp, parseIp } from "../route/addr_text.ts";
import { AF_INET, AF_INET6 } from "./_util.ts";
/** `XFRM_INF` (linux/xfrm.h): no limit. */
export const XFRM_INF: bigint = 0xffffffffffffffffn;

// ---------------------------------------------------------------------------
// Names (as `ip xfrm` writes them)
// ---------------------------------------------------------------------------

/** IPsec protocols by name (`ip xfrm`'s XFRM-PROTO), linux/in.h and linux/in6.h numbers. */
export const XFRM_PROTOS: Readonly<Record<string, number>> = Object.freeze({
  esp: 50,
  ah: 51,
  comp: 108,
  route2: 43,
  hao: 60,
  "ipsec-any": 255,
});

/** Modes by name (`ip xfrm`'s MODE). */
export const XFRM_MODES: Readonly<Record<string, number>> = Object.freeze({
  transport: 0,
  tunnel: 1,
  ro: 2,
  in_trigger: 3,
  beet: 4,
  iptfs: 5,
});

/** Policy directions by name. */
export const XFRM_DIRS: Readonly<Record<string, number>> = Object.freeze({ in: 0, out: 1, fwd: 2 });

// ---------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------

/**
 * The 16 bytes of an `xfrm_address_t` for an address (IPv4 in the first 4).
 *
 * @example
 * ```ts
 * import { xfrmAddress } from "@netlink/netlink/xfrm";
 * xfrmAddress("10.0.0.1").subarray(0, 4); // [10, 0, 0, 1]
 * ```
 */
export function xfrmAddress(address: string | undefined): Uint8Array {
  const out = new Uint8Array(16);
  if (address !== undefined && address !== "") out.set(parseIp(address));
  return out;
}

/**
 * An `xfrm_address_t` as text, by its family (`AF_INET` reads the first 4 bytes).
 *
 * @example
 * ```ts
 * import { formatXfrmAddress } from "@netlink/netlink/xfrm";
 * formatXfrmAddress(2, new Uint8Array([10, 0, 0, 1, ...new Array(12).fill(0)])); // "10.0.0.1"
 * ```
 */
export function formatXfrmAddress(family: number, bytes: Uint8Array): string {
  if (family === AF_INET) return formatIp(bytes.subarray(0, 4));
  if (family === AF_INET6) return formatIp(bytes.subarray(0, 16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
