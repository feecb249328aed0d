/**
 * Where nft's names point: protocol header fields (payload templates: base, offset, length and
 * value type of `ip saddr`, `tcp dport`…), and the `meta` and `ct` keys with their types.
 *
 * @example
 * ```ts
 * import { payloadProtocol } from "@netlink/netlink/nftables";
 * payloadProtocol("tcp")?.fields.find((f) => f.name === "dport"); // { name: "dport", offset: 2, len: 2, type: 13 }
 * ```
 *
 * @module
 */

/** `NFT_PAYLOAD_*` bases with nft's JSON tokens. */
export const PAYLOAD_BASES: readonly string[] = ["ll", "nh", "th", "ih"];

/** A header field: where it is and its type. */
export interface PayloadField {
  /** nft's field name. */
  name: string;
  /** Byte offset from the header's start. */
  offset: number;
  /** Length in bytes. */
  len: number;
  /** `TYPE_*` of its values. */
  type: number;
}

/** A protocol header. */
export interface PayloadProtocol {
  /** nft's name (`"ip"`, `"tcp"`, `"th"`…). */
  name: string;
  /** `NFT_PAYLOAD_*` base. */
  base: number;
  /** Its number at the layer below: ethertype, `meta nfproto`, or IP protocol. */
  number?: number;
  /** Its byte-aligned fields. */
  fields: readonly PayloadField[];
}

const F = (name: string, offset: number, len: number, type: number): PayloadField => ({
  name,
  offset,
  len,
  type,
});
const PORTS = [F("sport", 0, 2, 13), F("dport", 2, 2, 13)];

/** The headers nft names fields of (byte-aligned fields only). */
export const PAYLOAD_PROTOCOLS: readonly PayloadProtocol[] = [
  {
    name: "ether",
    base: 0,
    fields: [F("daddr", 0, 6, 9), F("saddr", 6, 6, 9), F("type", 12, 2, 10)],
  },
  {
    name: "ip",
    base: 1,
    number: 2,
    fields: [
      F("length", 2, 2, 4),
      F("id", 4, 2, 4),
      F("ttl", 8, 1, 4),
      F("protocol", 9, 1, 12),
      F("checksum", 10, 2, 4),
      F("saddr", 12, 4, 7),
      F("daddr", 16, 4, 7),
    ],
  },
  {
    name: "ip6",
    base: 1,
    number: 10,
    fields: [
      F("length", 4, 2, 4),
      F("nexthdr", 6, 1, 12),
      F("hoplimit", 7, 1, 4),
      F("saddr", 8, 16, 8),
      F("daddr", 24, 16, 8),
    ],
  },
  {
    name: "tcp",
    base: 2,
    number: 6,
    fields: [
      ...PORTS,
      F("sequence", 4, 4, 4),
      F("ackseq", 8, 4, 4),
      F("flags", 13, 1, 15),
      F("window", 14, 2, 4),
      F("checksum", 16, 2, 4),
      F("urgptr", 18, 2, 4),
    ],
  },
  {
    name: "udp",
    base: 2,
    number: 17,
    fields: [...PORTS, F("length", 4, 2, 4), F("checksum", 6, 2, 4)],
  },
  { name: "udplite", base: 2, number: 136, fields: [...PORTS, F("checksum", 6, 2, 4)] },
  {
    name: "sctp",
    base: 2,
    number: 132,
    fields: [...PORTS, F("vtag", 4, 4, 4), F("checksum", 8, 4, 4)],
  },
  { name: "dccp", base: 2, number: 33, fields: PORTS },
  {
    name: "icmp",
    base: 2,
    number: 1,
    fields: [
      F("type", 0, 1, 14),
      F("code", 1, 1, 32),
      F("checksum", 2, 2, 4),
      F("id", 4, 2, 4),
      F("sequence", 6, 2, 4),
      F("gateway", 4, 4, 4),
      F("mtu", 6, 2, 4),
    ],
  },
  {
    name: "icmpv6",
    base: 2,
    number: 58,
    fields: [
      F("type", 0, 1, 29),
      F("code", 1, 1, 33),
      F("checksum", 2, 2, 4),
      F("id", 4, 2, 4),
      F("sequence", 6, 2, 4),
      F("mtu", 4, 4, 4),
      F("max-delay", 4, 2, 4),
    ],
  },
  { name: "th", base: 2, fields: [...PORTS, F("checksum", 16, 2, 4)] },
];

/** A protocol header by name. */
export function payloadProtocol(name: string): PayloadProtocol | undefined {
  return PAYLOAD_PROTOCOLS.find((p) => p.name === name);
}

// ---------------------------------------------------------------------------
// meta and ct keys
// ---------------------------------------------------------------------------

/** A meta or ct key: nft's token, its value type and size in bytes. */
export interface KeyInfo {
  /** nft's token (`"iifname"`, `"l4proto"`). */
  token: string;
  /** `TYPE_*` of its values. */
  type: number;
  /** Value size in bytes (register bytes loaded). */
  size: number;
}

const K = (token: string, type: number, size: number): KeyInfo => ({ token, type, size });

/** `NFT_META_*` keys, by number (nft's `meta_templates`). */
export const META_KEY_INFO: readonly (KeyInfo | undefined)[] = [
  K("length", 4, 4),
  K("protocol", 10, 2),
  K("priority", 23, 4),
  K("mark", 19, 4),
  K("iif", 20, 4),
  K("oif", 20, 4),
  K("iifname", 41, 16),
  K("oifname", 41, 16),
  K("iiftype", 21, 2),
  K("oiftype", 21, 2),
  K("skuid", 24, 4),
  K("skgid", 25, 4),
  K("nftrace", 4, 1),
  K("rtclassid", 22, 4),
  K("secmark", 4, 4),
  K("nfproto", 2, 1),
  K("l4proto", 12, 1),
  K("ibrname", 41, 16),
  K("obrname", 41, 16),
  K("pkttype", 31, 1),
  K("cpu", 4, 4),
  K("iifgroup", 35, 4),
  K("oifgroup", 35, 4),
  K("cgroup", 4, 4),
  K("random", 4, 4),
  K("ipsec", 39, 1),
  K("iifkind", 41, 16),
  K("oifkind", 41, 16),
  K("ibrpvid", 4, 2),
  K("ibrvproto", 10, 2),
  K("time", 18, 8),
  K("day", 4, 1),
  K("hour", 4, 4),
  K("sdif", 20, 4),
  K("sdifname", 41, 16),
  K("broute", 39, 1),
];

/** `NFT_CT_*` keys, by number (nft's `ct_templates`); address keys size by family. */
export const CT_KEY_INFO: readonly (KeyInfo | undefined)[] = [
  K("state", 26, 4),
  K("direction", 27, 1),
  K("status", 28, 4),
  K("mark", 19, 4),
  K("secmark", 4, 4),
  K("expiration", 18, 4),
  K("helper", 5, 16),
  K("l3proto", 2, 1),
  K("saddr", 7, 4),
  K("daddr", 7, 4),
  K("protocol", 12, 1),
  K("proto-src", 13, 2),
  K("proto-dst", 13, 2),
  K("label", 4, 16),
  K("packets", 4, 8),
  K("bytes", 4, 8),
  K("avgpkt", 4, 8),
  K("zone", 4, 2),
  K("event", 4, 4),
  K("ip saddr", 7, 4),
  K("ip daddr", 7, 4),
  K("ip6 saddr", 8, 16),
  K("ip6 daddr", 8, 16),
  K("id", 4, 4),
];

/** The number of a meta key token. */
export function metaKeyNumber(token: string): number {
  const i = META_KEY_INFO.findIndex((k) => k?.token === token);
  if (i < 0) throw new TypeError(`Unknown meta key "${token}"`);
  return i;
}

/** The number of a ct key token. */
export function ctKeyNumber(token: string): number {
  const i = CT_KEY_INFO.findIndex((k) => k?.token === token);
  if (i < 0) throw new TypeError(`Unknown ct key "${token}"`);
  return i;
}

/** Time units of `limit` and `quota` (seconds per unit, as nft's `get_unit`). */
export const TIME_UNITS: Readonly<Record<string, number>> = Object.freeze({
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86400,
  week: 604800,
});

/** nft's `get_rate`: the largest of bytes, kbytes, mbytes that divides `bytes` evenly. */
export function rateUnit(bytes: bigint | number): [number, string] {
  let v = BigInt(bytes);
  const units = ["bytes", "kbytes", "mbytes"];
  let i = 0;
  while (i < units.length - 1 && v !== 0n && v % 1024n === 0n) {
    v /= 1024n;
    i++;
  }
  return [Number(v), units[i]];
}
