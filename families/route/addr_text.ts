/**
 * Address text ⇄ bytes: IPv4, IPv6 (formatted exactly as glibc's `inet_ntop` and so iproute2
 * print them), prefixes such as `"10.0.0.0/24"`, and MAC addresses. Pure functions, no I/O.
 *
 * @example
 * ```ts
 * import { formatIp, parsePrefix } from "@netlink/netlink";
 * const p = parsePrefix("2001:db8::1/64");
 * formatIp(p.bytes); // "2001:db8::1"
 * ```
 *
 * @module
 */

/** `AF_INET` (linux/socket.h). */
export const AF_INET = 2;
/** `AF_INET6` (linux/socket.h). */
export const AF_INET6 = 10;

/** A parsed address with a prefix length, as in `"10.0.0.1/24"`. */
export interface Prefix {
  /** `AF_INET` (2) or `AF_INET6` (10). */
  family: number;
  /** The address bytes: 4 for IPv4, 16 for IPv6. */
  bytes: Uint8Array;
  /** The prefix length (32 / 128 when the text had none). */
  prefixlen: number;
}

/**
 * Parse an IPv4 dotted quad (strictly four decimal parts, each 0–255). Returns `undefined` when
 * `text` is not one.
 *
 * @example
 * ```ts
 * import { parseIpv4 } from "@netlink/netlink";
 * parseIpv4("192.0.2.1"); // Uint8Array [192, 0, 2, 1]
 * ```
 */
export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/**
 * Parse IPv6 text (with `::` and an optional trailing dotted quad; a `%zone` is not accepted).
 * Returns `undefined` when `text` is not IPv6.
 *
 * @example
 * ```ts
 * import { parseIpv6 } from "@netlink/netlink";
 * parseIpv6("fe80::1")?.length; // 16
 * ```
 */
export function parseIpv6(text: string): Uint8Array | undefined {
  if (!text.includes(":")) return undefined;
  const words: number[] = [];
  let tail = text;
  let v4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    v4 = parseIpv4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = text.slice(0, lastColon + 1);
    // "::1.2.3.4" leaves "::", "a::b:1.2.3.4" leaves "a::b:" — drop a single trailing colon.
    if (tail.endsWith(":") && !tail.endsWith("::")) tail = tail.slice(0, -1);
  }
  const want = v4 ? 6 : 8;
  const halves = tail.split("::");
  if (halves.length > 2) return undefined;
  const parseWords = (s: string): number[] | undefined => {
    if (s === "") return [];
    const out: number[] = [];
    for (const w of s.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return undefined;
      out.push(parseInt(w, 16));
    }
    return out;
  };
  const head = parseWords(halves[0]);
  if (!head) return undefined;
  if (halves.length === 2) {
    const rest = parseWords(halves[1]);
    if (!rest || head.length + rest.length > want - 1) return undefined;
    words.push(...head, ...new Array(want - head.length - rest.length).fill(0), ...rest);
  } else {
    if (head.length !== want) return undefined;
    words.push(...head);
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < want; i++) {
    out[2 * i] = words[i] >> 8;
    out[2 * i + 1] = words[i] & 0xff;
  }
  if (v4) out.set(v4, 12);
  return out;
}

/**
 * Parse an IPv4 or IPv6 address. Throws a `TypeError` on anything else.
 *
 * @example
 * ```ts
 * import { parseIp } from "@netlink/netlink";
 * parseIp("10.0.0.1").length; // 4
 * parseIp("::1").length; // 16
 * ```
 */
export function parseIp(text: string): Uint8Array {
  if (typeof text !== "string") {
    throw new TypeError(`Expected an IP address as text, got ${typeof text}`);
  }
  const b = parseIpv4(text) ?? parseIpv6(text);
  if (!b) throw new TypeError(`Invalid IP address "${text}"`);
  return b;
}

/**
 * The address family of IP text or bytes: `AF_INET` (2) or `AF_INET6` (10).
 *
 * @example
 * ```ts
 * import { ipFamily } from "@netlink/netlink";
 * ipFamily("2001:db8::1"); // 10
 * ```
 */
export function ipFamily(address: string | Uint8Array): number {
  const b = typeof address === "string" ? parseIp(address) : address;
  if (b.length === 4) return AF_INET;
  if (b.length === 16) return AF_INET6;
  throw new RangeError(`An IP address has 4 or 16 bytes, not ${b.length}`);
}

/**
 * Parse `"address/len"` (or a bare address: a host prefix). Throws a `TypeError` for bad text
 * and a `RangeError` for a length past 32 / 128.
 *
 * @example
 * ```ts
 * import { parsePrefix } from "@netlink/netlink";
 * parsePrefix("10.0.0.0/24"); // { family: 2, bytes: Uint8Array [10, 0, 0, 0], prefixlen: 24 }
 * ```
 */
export function parsePrefix(text: string): Prefix {
  if (typeof text !== "string") {
    throw new TypeError(`Expected a prefix such as "10.0.0.0/24", got ${typeof text}`);
  }
  const slash = text.indexOf("/");
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseIpv4(addr) ?? parseIpv6(addr);
  if (!bytes) throw new TypeError(`Invalid prefix "${text}": bad address "${addr}"`);
  const max = bytes.length * 8;
  let prefixlen = max;
  if (slash >= 0) {
    const l = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(l)) throw new TypeError(`Invalid prefix "${text}": bad length`);
    prefixlen = Number(l);
    if (prefixlen > max) {
      throw new RangeError(`Invalid prefix "${text}": length ${prefixlen} exceeds ${max}`);
    }
  }
  return { family: bytes.length === 4 ? AF_INET : AF_INET6, bytes, prefixlen };
}

/**
 * Format 4 or 16 address bytes like `inet_ntop`: IPv6 in lower case, the longest run (first on
 * ties) of two or more zero words as `::`, and `::a.b.c.d` / `::ffff:a.b.c.d` for compatible
 * and mapped IPv4 addresses.
 *
 * @example
 * ```ts
 * import { formatIp } from "@netlink/netlink";
 * formatIp(new Uint8Array([10, 0, 0, 1])); // "10.0.0.1"
 * formatIp(new Uint8Array([0xfe, 0x80, ...new Array(13).fill(0), 1])); // "fe80::1"
 * ```
 */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length !== 16) {
    throw new RangeError(`An IP address has 4 or 16 bytes, not ${bytes.length}`);
  }
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((bytes[2 * i] << 8) | bytes[2 * i + 1]);
  let bestBase = -1, bestLen = 0, curBase = -1, curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      if (curBase < 0) (curBase = i), (curLen = 1);
      else curLen++;
    } else if (curBase >= 0) {
      if (curLen > bestLen) (bestBase = curBase), (bestLen = curLen);
      curBase = -1;
    }
  }
  if (curBase >= 0 && curLen > bestLen) (bestBase = curBase), (bestLen = curLen);
  if (bestLen < 2) bestBase = -1;
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ":";
      continue;
    }
    if (i !== 0) out += ":";
    // glibc: an embedded IPv4 address after "::" (compatible) or "::ffff:" (mapped).
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      out += `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
      return out;
    }
    out += w[i].toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ":";
  return out;
}

/**
 * Format a prefix as `"address/len"`.
 *
 * @example
 * ```ts
 * import { formatPrefix } from "@netlink/netlink";
 * formatPrefix(new Uint8Array([10, 0, 0, 0]), 8); // "10.0.0.0/8"
 * ```
 */
export function formatPrefix(bytes: Uint8Array, prefixlen: number): string {
  return `${formatIp(bytes)}/${prefixlen}`;
}

/**
 * Parse a link-layer address: hex bytes separated by `:` (or `-`), e.g. a MAC
 * `"aa:bb:cc:dd:ee:ff"`. Throws a `TypeError` for bad text.
 *
 * @example
 * ```ts
 * import { parseMac } from "@netlink/netlink";
 * parseMac("02:00:00:00:00:01"); // Uint8Array [2, 0, 0, 0, 0, 1]
 * ```
 */
export function parseMac(text: string): Uint8Array {
  if (typeof text !== "string" || !/^[0-9a-fA-F]{1,2}([:-][0-9a-fA-F]{1,2})*$/.test(text)) {
    throw new TypeError(`Invalid link-layer address "${text}": expected "aa:bb:cc:dd:ee:ff"`);
  }
  return Uint8Array.from(text.split(/[:-]/), (h) => parseInt(h, 16));
}

/**
 * Format link-layer address bytes as lower-case, colon-separated hex (`ip link` style).
 *
 * @example
 * ```ts
 * import { formatMac } from "@netlink/netlink";
 * formatMac(new Uint8Array([2, 0, 0, 0, 0, 1])); // "02:00:00:00:00:01"
 * ```
 */
export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(":");
}

/**
 * Zero the host bits of `bytes` past `prefixlen` (a copy): `"10.1.2.3/8"` → `10.0.0.0`.
 *
 * @example
 * ```ts
 * import { maskPrefix } from "@netlink/netlink";
 * maskPrefix(new Uint8Array([10, 1, 2, 3]), 8); // Uint8Array [10, 0, 0, 0]
 * ```
 */
export function maskPrefix(bytes: Uint8Array, prefixlen: number): Uint8Array {
  const out = bytes.slice();
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, prefixlen - 8 * i));
    out[i] &= (0xff00 >> keep) & 0xff;
  }
  return out;
}
