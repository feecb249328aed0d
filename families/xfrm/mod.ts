/**
 * IPsec over `NETLINK_XFRM`: security associations (states) and policies — add, update, get,
 * delete, dump, flush — the SPD/SAD counters and hash thresholds, the default actions, and the
 * typed events of the `XFRMNLGRP_*` groups.
 *
 * The tables come from `specs/local/xfrm.yaml` (generated into `families/generated/xfrm.ts`,
 * re-exported here) and go through the generic {@link Client}. This module adds what the spec
 * cannot carry: addresses (`xfrm_address_t`, read by the family next to them), template
 * arrays, algorithm keys after their structs, gets answered with a message of another type and
 * header, and dump requests without a fixed header.
 *
 * @example
 * ```ts
 * import { Xfrm } from "@netlink/netlink/xfrm";
 * await using xfrm = await Xfrm.open({ netns: "blue" });
 * await xfrm.addPolicy({
 *   selector: { src: "10.0.0.0", prefixlenS: 24, dst: "10.1.0.0", prefixlenD: 24 },
 *   dir: "out",
 *   templates: [{ src: "192.0.2.1", dst: "192.0.2.2", proto: "esp", mode: "tunnel" }],
 * });
 * for (const p of await xfrm.policies()) console.log(p.dir, p.selector.dst, p.templates.length);
 * ```
 *
 * @module
 */
import { Client, type ClientOptions } from "../../client/client.ts";
import { NETLINK_XFRM, NetlinkDecodeError, NLM_F_REQUEST } from "../../codec/mod.ts";
import { buildMessage, type DecodedMessage, STRUCT_BYTES } from "../../codec/ynl/mod.ts";
import { encodeMessage } from "../../codec/message.ts";
import type { ReceivedMessage } from "../../socket/socket.ts";
import { formatIp, parseIp } from "../route/addr_text.ts";
import * as x from "../generated/xfrm.ts";
import { explainProtocolError } from "../protocols.ts";

export * from "../generated/xfrm.ts";

/** linux/socket.h. */
const AF_INET = 2, AF_INET6 = 10;
/** `XFRM_INF` (linux/xfrm.h): no limit. */
export const XFRM_INF: bigint = 0xffffffffffffffffn;
/** Size of `struct xfrm_user_tmpl`. */
const tmplSize = 64;

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

function byName(table: Readonly<Record<string, number>>, v: string | number, what: string): number {
  if (typeof v === "number") return v;
  const n = table[v];
  if (n === undefined) throw new TypeError(`Unknown ${what} "${v}"`);
  return n;
}

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

function familyOf(...addresses: (string | undefined)[]): number {
  for (const a of addresses) if (a) return a.includes(":") ? AF_INET6 : AF_INET;
  return 0;
}

// ---------------------------------------------------------------------------
// Friendly values
// ---------------------------------------------------------------------------

/** A selector: the traffic a policy or SA applies to. */
export interface Selector {
  /** Source address. */
  src: string;
  /** Source prefix length. */
  prefixlenS: number;
  /** Destination address. */
  dst: string;
  /** Destination prefix length. */
  prefixlenD: number;
  /** `AF_INET` (2) or `AF_INET6` (10); 0 for an empty selector. */
  family: number;
  /** Upper-layer protocol (0 for any). */
  proto: number;
  /** Source port (ICMP: type), host order. */
  sport: number;
  /** Source port mask. */
  sportMask: number;
  /** Destination port (ICMP: code), host order. */
  dport: number;
  /** Destination port mask. */
  dportMask: number;
  /** Interface index (0 for any). */
  ifindex: number;
  /** User id. */
  user: number;
}

/** A selector to write: addresses as text, omitted fields are zero (ports get a full mask). */
export interface SelectorInput {
  /** Source address (default the family's any address). */
  src?: string;
  /** Source prefix length (default the address length when `src` is given, else 0). */
  prefixlenS?: number;
  /** Destination address. */
  dst?: string;
  /** Destination prefix length. */
  prefixlenD?: number;
  /** Family (default from the addresses, else `AF_INET`). */
  family?: number;
  /** Upper-layer protocol: a number or `tcp`, `udp`, `icmp`, `ipv6-icmp`, `sctp`, `dccp`, `gre`. */
  proto?: number | string;
  /** Source port (ICMP type). */
  sport?: number;
  /** Destination port (ICMP code). */
  dport?: number;
  /** Interface index. */
  ifindex?: number;
}

/** Upper-layer protocol names (/etc/protocols). */
const L4: Record<string, number> = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  dccp: 33,
  gre: 47,
  "ipv6-icmp": 58,
  sctp: 132,
  "mobility-header": 135,
};

/** An algorithm and its key. */
export interface Algorithm {
  /** Crypto API name (`cbc(aes)`, `hmac(sha256)`, `rfc4106(gcm(aes))`). */
  name: string;
  /** The key. */
  key: Uint8Array;
  /** Key length in bits (default `key.length * 8`). */
  keyLen?: number;
  /** Truncation length in bits (auth-trunc). */
  truncLen?: number;
  /** ICV length in bits (aead). */
  icvLen?: number;
}

/** UDP/TCP encapsulation of ESP (NAT traversal). */
export interface Encap {
  /** `UDP_ENCAP_ESPINUDP_NON_IKE` 1, `UDP_ENCAP_ESPINUDP` 2, `TCP_ENCAP_ESPINTCP` 7. */
  type: number;
  /** Source port. */
  sport: number;
  /** Destination port. */
  dport: number;
  /** Original address (NAT-OA). */
  oa: string;
}

/** A mark and its mask. */
export interface Mark {
  /** The value. */
  value: number;
  /** The mask (default all ones). */
  mask: number;
}

/** A template of a policy: the SA its traffic needs. */
export interface Template {
  /** Tunnel source (tunnel mode). */
  src: string;
  /** Tunnel destination. */
  dst: string;
  /** Address family of src/dst. */
  family: number;
  /** IPsec protocol (50 ESP, 51 AH, 108 IPCOMP). */
  proto: number;
  /** SPI (0 for any). */
  spi: number;
  /** Request id (0 for any). */
  reqid: number;
  /** Mode (`XFRM_MODE_*`). */
  mode: number;
  /** Sharing (`XFRM_SHARE_*`). */
  share: number;
  /** 1: `level use` (optional), 0: `level required`. */
  optional: number;
  /** Allowed authentication algorithms (bit mask). */
  aalgos: number;
  /** Allowed encryption algorithms. */
  ealgos: number;
  /** Allowed compression algorithms. */
  calgos: number;
}

/** A template to write. */
export interface TemplateInput {
  /** Tunnel source. */
  src?: string;
  /** Tunnel destination. */
  dst?: string;
  /** Family (default from the addresses, else the selector's). */
  family?: number;
  /** Protocol by number or name (`esp`, `ah`, `comp`). Default `esp`. */
  proto?: number | string;
  /** SPI. */
  spi?: number;
  /** Request id. */
  reqid?: number;
  /** Mode by number or name (`transport`, `tunnel`, `beet`). Default `transport`. */
  mode?: number | string;
  /** `"use"` (optional) or `"required"` (default). */
  level?: "use" | "required";
  /** Sharing. */
  share?: number;
}

/** A policy. */
export interface Policy {
  /** The traffic it applies to. */
  selector: Selector;
  /** Direction (`XFRM_POLICY_IN` 0, `OUT` 1, `FWD` 2; +3 for per-socket policies). */
  dir: number;
  /** `XFRM_POLICY_ALLOW` (0) or `XFRM_POLICY_BLOCK` (1). */
  action: number;
  /** Priority (lower wins). */
  priority: number;
  /** Index (kernel-assigned id). */
  index: number;
  /** `XFRM_POLICY_LOCALOK` 1, `XFRM_POLICY_ICMP` 2. */
  flags: number;
  /** Sharing. */
  share: number;
  /** Limits. */
  lifetime: x.XfrmLifetimeCfg;
  /** Counters. */
  current: x.XfrmLifetimeCur;
  /** The templates, in order. */
  templates: Template[];
  /** Policy type from `XFRMA_POLICY_TYPE` (main 0, sub 1), when the kernel sent it. */
  type?: number;
  /** Mark, when set. */
  mark?: Mark;
  /** XFRM interface id, when set. */
  ifId?: number;
  /** Security context, when set. */
  secCtx?: string;
}

/** A policy to write. */
export interface PolicyInput {
  /** The traffic (default: all of the family). */
  selector?: SelectorInput;
  /** Direction by name or number. */
  dir: "in" | "out" | "fwd" | number;
  /** `"allow"` (default) or `"block"`. */
  action?: "allow" | "block" | number;
  /** Priority. */
  priority?: number;
  /** Index (0: the kernel picks). */
  index?: number;
  /** `localok` 1, `icmp` 2. */
  flags?: number;
  /** Limits (missing ones are unlimited). */
  lifetime?: Partial<x.XfrmLifetimeCfg>;
  /** Templates. */
  templates?: TemplateInput[];
  /** Policy type: `main` (default) or `sub`; sent only when given. */
  type?: "main" | "sub" | number;
  /** Mark (the mask defaults to all ones). */
  mark?: { value: number; mask?: number };
  /** XFRM interface id. */
  ifId?: number;
}

/** What identifies a policy: selector and direction (or index), and mark, if-id, type. */
export interface PolicyId {
  /** The selector (as added). */
  selector?: SelectorInput;
  /** Direction. */
  dir: "in" | "out" | "fwd" | number;
  /** Index, instead of the selector. */
  index?: number;
  /** Mark. */
  mark?: { value: number; mask?: number };
  /** XFRM interface id. */
  ifId?: number;
  /** Policy type. */
  type?: "main" | "sub" | number;
}

/** A security association. */
export interface State {
  /** Source address. */
  src: string;
  /** Destination address. */
  dst: string;
  /** Address family. */
  family: number;
  /** Protocol (50 ESP, 51 AH, 108 IPCOMP). */
  proto: number;
  /** SPI. */
  spi: number;
  /** Mode (`XFRM_MODE_*`). */
  mode: number;
  /** Request id. */
  reqid: number;
  /** Replay window (packets). */
  replayWindow: number;
  /** `XFRM_STATE_*` flags. */
  flags: number;
  /** Sequence number (of an acquire). */
  seq: number;
  /** The traffic it applies to. */
  selector: Selector;
  /** Limits. */
  lifetime: x.XfrmLifetimeCfg;
  /** Counters. */
  current: x.XfrmLifetimeCur;
  /** Statistics. */
  stats: x.XfrmStats;
  /** Authentication (`XFRMA_ALG_AUTH`, untruncated form). */
  auth?: Algorithm;
  /** Authentication with truncation (`XFRMA_ALG_AUTH_TRUNC`). */
  authTrunc?: Algorithm;
  /** Encryption. */
  crypt?: Algorithm;
  /** Combined mode (AEAD). */
  aead?: Algorithm;
  /** Compression. */
  comp?: Algorithm;
  /** Encapsulation. */
  encap?: Encap;
  /** Mark. */
  mark?: Mark;
  /** Output mark (`XFRMA_SET_MARK`), and its mask. */
  outputMark?: { value: number; mask?: number };
  /** XFRM interface id. */
  ifId?: number;
  /** Replay state. */
  replay?: x.XfrmReplayState;
  /** ESN replay state and its bitmap. */
  replayEsn?: x.XfrmReplayStateEsn & { bitmap: number[] };
  /** `XFRM_SA_XFLAG_*`. */
  extraFlags?: number;
  /** Care-of address. */
  coaddr?: string;
  /** Last use, seconds since the epoch. */
  lastused?: bigint;
  /** TFC padding. */
  tfcpad?: number;
  /** Security context. */
  secCtx?: string;
  /** SA direction (Linux 6.10+: 1 in, 2 out). */
  saDir?: number;
}

/** An SA to write. */
export interface StateInput {
  /** Source. */
  src: string;
  /** Destination. */
  dst: string;
  /** Family (default from the addresses). */
  family?: number;
  /** Protocol by number or name (`esp`, `ah`, `comp`). */
  proto: number | string;
  /** SPI. */
  spi: number;
  /** Mode by number or name. Default `transport`. */
  mode?: number | string;
  /** Request id. */
  reqid?: number;
  /**
   * Replay window in packets. Above 32, or with the `XFRM_STATE_ESN` flag, it goes in an
   * `XFRMA_REPLAY_ESN_VAL` (as `ip xfrm state add … replay-window N` sends it).
   */
  replayWindow?: number;
  /** Initial replay counters (`replay-seq`, `replay-oseq`, and their high halves for ESN). */
  replay?: { seq?: number; oseq?: number; seqHi?: number; oseqHi?: number };
  /** `XFRM_STATE_*` flags. */
  flags?: number;
  /** The traffic (default empty: any). */
  selector?: SelectorInput;
  /** Limits (missing ones are unlimited). */
  lifetime?: Partial<x.XfrmLifetimeCfg>;
  /** Authentication (sent as `XFRMA_ALG_AUTH`, or `XFRMA_ALG_AUTH_TRUNC` with `truncLen`). */
  auth?: Algorithm;
  /** Encryption. */
  crypt?: Algorithm;
  /** AEAD (`icvLen` needed). */
  aead?: Algorithm;
  /** Compression. */
  comp?: Algorithm;
  /** Encapsulation. */
  encap?: Encap;
  /** Mark. */
  mark?: { value: number; mask?: number };
  /** Output mark. */
  outputMark?: { value: number; mask?: number };
  /** XFRM interface id. */
  ifId?: number;
  /** `XFRM_SA_XFLAG_*`. */
  extraFlags?: number;
}

/** What identifies an SA. */
export interface StateId {
  /** Destination. */
  dst: string;
  /** SPI. */
  spi: number;
  /** Protocol. */
  proto: number | string;
  /** Source (sent as `XFRMA_SRCADDR`). */
  src?: string;
  /** Family (default from the addresses). */
  family?: number;
  /** Mark. */
  mark?: { value: number; mask?: number };
  /** XFRM interface id. */
  ifId?: number;
}

// ---------------------------------------------------------------------------
// Conversions
// ---------------------------------------------------------------------------

function selectorOf(s: x.XfrmSelector, fallbackFamily = 0): Selector {
  const family = s.family || fallbackFamily;
  return {
    src: formatXfrmAddress(family, s.saddr),
    prefixlenS: s.prefixlenS,
    dst: formatXfrmAddress(family, s.daddr),
    prefixlenD: s.prefixlenD,
    family: s.family,
    proto: s.proto,
    sport: s.sport,
    sportMask: s.sportMask,
    dport: s.dport,
    dportMask: s.dportMask,
    ifindex: s.ifindex,
    user: s.user,
  };
}

/** The `struct xfrm_selector` of a selector to write. */
export function selectorStruct(s: SelectorInput = {}): x.XfrmSelector {
  const family = s.family ?? (familyOf(s.src, s.dst) || AF_INET);
  const bits = family === AF_INET6 ? 128 : 32;
  const proto = typeof s.proto === "string" ? (L4[s.proto] ?? Number(s.proto)) : (s.proto ?? 0);
  if (!Number.isInteger(proto)) throw new TypeError(`Unknown protocol "${s.proto}"`);
  return {
    daddr: xfrmAddress(s.dst),
    saddr: xfrmAddress(s.src),
    dport: s.dport ?? 0,
    dportMask: s.dport !== undefined ? 0xffff : 0,
    sport: s.sport ?? 0,
    sportMask: s.sport !== undefined ? 0xffff : 0,
    family,
    prefixlenD: s.prefixlenD ?? (s.dst ? bits : 0),
    prefixlenS: s.prefixlenS ?? (s.src ? bits : 0),
    proto,
    ifindex: s.ifindex ?? 0,
    user: 0,
  };
}

function lifetimeCfg(l: Partial<x.XfrmLifetimeCfg> = {}): x.XfrmLifetimeCfg {
  return {
    softByteLimit: l.softByteLimit ?? XFRM_INF,
    hardByteLimit: l.hardByteLimit ?? XFRM_INF,
    softPacketLimit: l.softPacketLimit ?? XFRM_INF,
    hardPacketLimit: l.hardPacketLimit ?? XFRM_INF,
    softAddExpiresSeconds: l.softAddExpiresSeconds ?? 0n,
    hardAddExpiresSeconds: l.hardAddExpiresSeconds ?? 0n,
    softUseExpiresSeconds: l.softUseExpiresSeconds ?? 0n,
    hardUseExpiresSeconds: l.hardUseExpiresSeconds ?? 0n,
  };
}

const ZERO_CUR: x.XfrmLifetimeCur = { bytes: 0n, packets: 0n, addTime: 0n, useTime: 0n };

/**
 * The templates of an `XFRMA_TMPL` attribute.
 *
 * @throws {NetlinkDecodeError} when its length is not a multiple of the struct's.
 */
export function decodeTemplates(bytes: Uint8Array): Template[] {
  if (bytes.length % tmplSize !== 0) {
    throw new NetlinkDecodeError(
      `XFRMA_TMPL of ${bytes.length} bytes is not a whole number of struct xfrm_user_tmpl`,
      0,
    );
  }
  const out: Template[] = [];
  for (let o = 0; o < bytes.length; o += tmplSize) {
    const t = x.xfrmUserTmpl.decode(bytes, o, o + tmplSize);
    out.push({
      src: formatXfrmAddress(t.family, t.saddr),
      dst: formatXfrmAddress(t.family, t.id.daddr),
      family: t.family,
      proto: t.id.proto,
      spi: t.id.spi,
      reqid: t.reqid,
      mode: t.mode,
      share: t.share,
      optional: t.optional,
      aalgos: t.aalgos,
      ealgos: t.ealgos,
      calgos: t.calgos,
    });
  }
  return out;
}

/** The `XFRMA_TMPL` bytes of templates (as `ip xfrm policy add … tmpl …` sends them). */
export function encodeTemplates(templates: TemplateInput[], selectorFamily = AF_INET): Uint8Array {
  const out = new Uint8Array(tmplSize * templates.length);
  templates.forEach((t, i) => {
    const family = t.family ?? (familyOf(t.src, t.dst) || selectorFamily);
    out.set(
      x.xfrmUserTmpl.encode({
        id: {
          daddr: xfrmAddress(t.dst),
          spi: t.spi ?? 0,
          proto: byName(XFRM_PROTOS, t.proto ?? "esp", "XFRM protocol"),
        },
        family,
        saddr: xfrmAddress(t.src),
        reqid: t.reqid ?? 0,
        mode: byName(XFRM_MODES, t.mode ?? "transport", "mode"),
        share: t.share ?? 0,
        optional: t.level === "use" ? 1 : 0,
        aalgos: 0xffffffff,
        ealgos: 0xffffffff,
        calgos: 0xffffffff,
      }),
      i * tmplSize,
    );
  });
  return out;
}

function sizeOf(s: { size: number }): number {
  return s.size;
}

/** An algorithm attribute value (struct + key) for the codec. */
function algoValue<T extends object>(
  struct: { size: number; encode(v: Partial<T>): Uint8Array },
  a: Algorithm,
  extra: Partial<T>,
): T {
  const keyLen = a.keyLen ?? a.key.length * 8;
  const head = struct.encode({ algName: a.name, algKeyLen: keyLen, ...extra } as Partial<T>);
  const all = new Uint8Array(sizeOf(struct) + a.key.length);
  all.set(head);
  all.set(a.key, sizeOf(struct));
  // The codec encodes a struct value from its STRUCT_BYTES when present (so the key after the
  // struct is kept), then writes the members over it.
  return { algName: a.name, algKeyLen: keyLen, ...extra, [STRUCT_BYTES]: all } as unknown as T;
}

function algoOf(
  v: { algName: string; algKeyLen: number } | undefined,
  size: number,
  extra: Partial<Algorithm> = {},
): Algorithm | undefined {
  if (v === undefined) return undefined;
  const bytes = (v as { [STRUCT_BYTES]?: Uint8Array })[STRUCT_BYTES] ?? new Uint8Array(size);
  const keyBytes = (v.algKeyLen + 7) >> 3;
  return {
    name: v.algName,
    keyLen: v.algKeyLen,
    key: bytes.slice(size, size + keyBytes),
    ...extra,
  };
}

function secCtxOf(v: x.XfrmUserSecCtx | undefined): string | undefined {
  if (v === undefined) return undefined;
  const bytes = (v as { [STRUCT_BYTES]?: Uint8Array })[STRUCT_BYTES] ?? new Uint8Array(0);
  return new TextDecoder().decode(bytes.subarray(8, 8 + v.ctxLen)).replace(/\0+$/, "");
}

/** A policy from its decoded message (a new/update-policy message, or `XFRMA_POLICY`). */
export function toPolicy(info: x.XfrmUserpolicyInfo, attrs: x.XfrmAttrs): Policy {
  const p: Policy = {
    selector: selectorOf(info.sel),
    dir: info.dir,
    action: info.action,
    priority: info.priority,
    index: info.index,
    flags: info.flags,
    share: info.share,
    lifetime: info.lft,
    current: info.curlft,
    templates: attrs.tmpl ? decodeTemplates(attrs.tmpl) : [],
  };
  if (attrs.policyType) p.type = attrs.policyType.type;
  if (attrs.mark) p.mark = { value: attrs.mark.v, mask: attrs.mark.m };
  if (attrs.ifId !== undefined) p.ifId = attrs.ifId;
  const ctx = secCtxOf(attrs.secCtx);
  if (ctx !== undefined) p.secCtx = ctx;
  return p;
}

/** An SA from its decoded message (a new/update-SA message, or `XFRMA_SA`). */
export function toState(info: x.XfrmUsersaInfo, attrs: x.XfrmAttrs): State {
  const s: State = {
    src: formatXfrmAddress(info.family, info.saddr),
    dst: formatXfrmAddress(info.family, info.id.daddr),
    family: info.family,
    proto: info.id.proto,
    spi: info.id.spi,
    mode: info.mode,
    reqid: info.reqid,
    replayWindow: info.replayWindow,
    flags: info.flags,
    seq: info.seq,
    selector: selectorOf(info.sel, info.family),
    lifetime: info.lft,
    current: info.curlft,
    stats: info.stats,
  };
  const a = attrs;
  const set = <K extends keyof State>(k: K, v: State[K] | undefined) => {
    if (v !== undefined) s[k] = v;
  };
  set("auth", algoOf(a.algAuth, x.xfrmAlgo.size));
  set(
    "authTrunc",
    algoOf(a.algAuthTrunc, x.xfrmAlgoAuth.size, { truncLen: a.algAuthTrunc?.algTruncLen }),
  );
  set("crypt", algoOf(a.algCrypt, x.xfrmAlgo.size));
  set("aead", algoOf(a.algAead, x.xfrmAlgoAead.size, { icvLen: a.algAead?.algIcvLen }));
  set("comp", algoOf(a.algComp, x.xfrmAlgo.size));
  if (a.encap) {
    set("encap", {
      type: a.encap.encapType,
      sport: a.encap.encapSport,
      dport: a.encap.encapDport,
      oa: formatXfrmAddress(info.family, a.encap.encapOa),
    });
  }
  if (a.mark) set("mark", { value: a.mark.v, mask: a.mark.m });
  if (a.setMark !== undefined) {
    set("outputMark", {
      value: a.setMark,
      ...(a.setMarkMask !== undefined ? { mask: a.setMarkMask } : {}),
    });
  }
  set("ifId", a.ifId);
  set("replay", a.replayVal);
  if (a.replayEsnVal) {
    const esn = a.replayEsnVal;
    const bytes = (esn as { [STRUCT_BYTES]?: Uint8Array })[STRUCT_BYTES] ?? new Uint8Array(24);
    const bitmap: number[] = [];
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < esn.bmpLen && 24 + 4 * i + 4 <= bytes.length; i++) {
      bitmap.push(dv.getUint32(24 + 4 * i, true));
    }
    set("replayEsn", { ...esn, bitmap });
  }
  set("extraFlags", a.saExtraFlags);
  if (a.coaddr) set("coaddr", formatXfrmAddress(info.family, a.coaddr));
  set("lastused", a.lastused);
  set("tfcpad", a.tfcpad);
  set("secCtx", secCtxOf(a.secCtx));
  set("saDir", a.saDir);
  return s;
}

function markAttr(m: { value: number; mask?: number } | undefined): x.XfrmMark | undefined {
  return m === undefined ? undefined : { v: m.value >>> 0, m: (m.mask ?? 0xffffffff) >>> 0 };
}

function policyTypeAttr(t: "main" | "sub" | number | undefined): x.XfrmUserpolicyType | undefined {
  if (t === undefined) return undefined;
  return { type: t === "main" ? 0 : t === "sub" ? 1 : t, reserved1: 0, reserved2: 0 };
}

/** The header and attributes of a new/update-policy request. */
export function policyMessage(
  p: PolicyInput,
): { header: x.XfrmUserpolicyInfo; attrs: x.XfrmAttrs } {
  const sel = selectorStruct(p.selector);
  const attrs: x.XfrmAttrs = {};
  if (p.type !== undefined) attrs.policyType = policyTypeAttr(p.type);
  if (p.templates && p.templates.length > 0) attrs.tmpl = encodeTemplates(p.templates, sel.family);
  if (p.mark) attrs.mark = markAttr(p.mark);
  if (p.ifId !== undefined) attrs.ifId = p.ifId;
  return {
    header: {
      sel,
      lft: lifetimeCfg(p.lifetime),
      curlft: ZERO_CUR,
      priority: p.priority ?? 0,
      index: p.index ?? 0,
      dir: byName(XFRM_DIRS, p.dir, "direction"),
      action: p.action === "block"
        ? 1
        : p.action === "allow" || p.action === undefined
        ? 0
        : p.action,
      flags: p.flags ?? 0,
      share: 0,
    },
    attrs,
  };
}

/** The header and attributes of a new/update-SA request. */
export function stateMessage(s: StateInput): { header: x.XfrmUsersaInfo; attrs: x.XfrmAttrs } {
  const family = s.family ?? familyOf(s.src, s.dst);
  const attrs: x.XfrmAttrs = {};
  if (s.auth) {
    if (s.auth.truncLen !== undefined) {
      attrs.algAuthTrunc = algoValue(x.xfrmAlgoAuth, s.auth, { algTruncLen: s.auth.truncLen });
    } else attrs.algAuth = algoValue(x.xfrmAlgo, s.auth, {});
  }
  if (s.crypt) attrs.algCrypt = algoValue(x.xfrmAlgo, s.crypt, {});
  if (s.aead) {
    attrs.algAead = algoValue(x.xfrmAlgoAead, s.aead, { algIcvLen: s.aead.icvLen ?? 128 });
  }
  if (s.comp) attrs.algComp = algoValue(x.xfrmAlgo, s.comp, {});
  if (s.encap) {
    attrs.encap = {
      encapType: s.encap.type,
      encapSport: s.encap.sport,
      encapDport: s.encap.dport,
      encapOa: xfrmAddress(s.encap.oa),
    };
  }
  if (s.mark) attrs.mark = markAttr(s.mark);
  if (s.outputMark) {
    attrs.setMark = s.outputMark.value >>> 0;
    if (s.outputMark.mask !== undefined) attrs.setMarkMask = s.outputMark.mask >>> 0;
  }
  if (s.ifId !== undefined) attrs.ifId = s.ifId;
  if (s.extraFlags !== undefined) attrs.saExtraFlags = s.extraFlags;
  const window = s.replayWindow ?? 0;
  const r = s.replay ?? {};
  let headerWindow = window;
  if ((s.flags ?? 0) & x.XFRM_STATE_FLAGS.ESN || window > 32) {
    attrs.replayEsnVal = {
      bmpLen: Math.ceil(window / 32),
      oseq: r.oseq ?? 0,
      seq: r.seq ?? 0,
      oseqHi: r.oseqHi ?? 0,
      seqHi: r.seqHi ?? 0,
      replayWindow: window,
    };
    headerWindow = 0;
  } else if (r.seq || r.oseq) {
    attrs.replayVal = { oseq: r.oseq ?? 0, seq: r.seq ?? 0, bitmap: 0 };
  }
  const sel = s.selector === undefined
    ? { ...selectorStruct({}), family: 0 }
    : selectorStruct({ family, ...s.selector });
  return {
    header: {
      sel,
      id: {
        daddr: xfrmAddress(s.dst),
        spi: s.spi >>> 0,
        proto: byName(XFRM_PROTOS, s.proto, "XFRM protocol"),
      },
      saddr: xfrmAddress(s.src),
      lft: lifetimeCfg(s.lifetime),
      curlft: ZERO_CUR,
      stats: { replayWindow: 0, replay: 0, integrityFailed: 0 },
      seq: 0,
      reqid: s.reqid ?? 0,
      family,
      mode: byName(XFRM_MODES, s.mode ?? "transport", "mode"),
      replayWindow: headerWindow,
      flags: s.flags ?? 0,
    },
    attrs,
  };
}

function policyIdMessage(p: PolicyId): { header: x.XfrmUserpolicyId; attrs: x.XfrmAttrs } {
  const attrs: x.XfrmAttrs = {};
  if (p.mark) attrs.mark = markAttr(p.mark);
  if (p.ifId !== undefined) attrs.ifId = p.ifId;
  if (p.type !== undefined) attrs.policyType = policyTypeAttr(p.type);
  return {
    header: {
      sel: selectorStruct(p.selector),
      index: p.index ?? 0,
      dir: byName(XFRM_DIRS, p.dir, "direction"),
    },
    attrs,
  };
}

function stateIdMessage(s: StateId): { header: x.XfrmUsersaId; attrs: x.XfrmAttrs } {
  const attrs: x.XfrmAttrs = {};
  if (s.src !== undefined) attrs.srcaddr = xfrmAddress(s.src);
  if (s.mark) attrs.mark = markAttr(s.mark);
  if (s.ifId !== undefined) attrs.ifId = s.ifId;
  return {
    header: {
      daddr: xfrmAddress(s.dst),
      spi: s.spi >>> 0,
      family: s.family ?? familyOf(s.dst, s.src),
      proto: byName(XFRM_PROTOS, s.proto, "XFRM protocol"),
    },
    attrs,
  };
}

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

/** A typed event of the `XFRMNLGRP_*` groups (or one message of a dump). */
export type XfrmEvent =
  | { kind: "new-sa" | "update-sa" | "delete-sa"; state: State }
  | { kind: "flush-sa"; proto: number }
  | { kind: "expire-sa"; state: State; hard: boolean }
  | { kind: "new-policy" | "update-policy" | "delete-policy"; policy: Policy }
  | { kind: "flush-policy"; type: number | undefined }
  | { kind: "expire-policy"; policy: Policy; hard: boolean }
  | {
    kind: "acquire" | "aevent" | "report" | "mapping" | "migrate";
    header: Record<string, unknown>;
    attrs: Record<string, unknown>;
  }
  | { kind: "unknown"; type: number; payload: Uint8Array };

/**
 * The event a received `NETLINK_XFRM` message carries.
 *
 * @example
 * ```ts
 * import { xfrmEvent } from "@netlink/netlink/xfrm";
 * declare const message: { type: number; payload: Uint8Array };
 * const e = xfrmEvent(message);
 * if (e.kind === "new-policy") console.log(e.policy.selector.dst);
 * ```
 */
export function xfrmEvent(m: { type: number; payload: Uint8Array }): XfrmEvent {
  const d = x.family.decodeMessage(m.type, m.payload) as
    | DecodedMessage<Record<string, unknown>, x.XfrmAttrs>
    | undefined;
  if (d === undefined) return { kind: "unknown", type: m.type, payload: m.payload };
  const h = d.header as unknown;
  switch (m.type) {
    case x.XFRM_MSG_NEWSA:
      return { kind: "new-sa", state: toState(h as x.XfrmUsersaInfo, d.attrs) };
    case x.XFRM_MSG_UPDSA:
      return { kind: "update-sa", state: toState(h as x.XfrmUsersaInfo, d.attrs) };
    case x.XFRM_MSG_DELSA:
      if (d.attrs.sa) return { kind: "delete-sa", state: toState(d.attrs.sa, d.attrs) };
      break;
    case x.XFRM_MSG_FLUSHSA:
      return { kind: "flush-sa", proto: (h as x.XfrmUsersaFlush).proto };
    case x.XFRM_MSG_EXPIRE: {
      const e = h as x.XfrmUserExpire;
      return { kind: "expire-sa", state: toState(e.state, d.attrs), hard: e.hard !== 0 };
    }
    case x.XFRM_MSG_NEWPOLICY:
      return { kind: "new-policy", policy: toPolicy(h as x.XfrmUserpolicyInfo, d.attrs) };
    case x.XFRM_MSG_UPDPOLICY:
      return { kind: "update-policy", policy: toPolicy(h as x.XfrmUserpolicyInfo, d.attrs) };
    case x.XFRM_MSG_DELPOLICY:
      if (d.attrs.policy) {
        return { kind: "delete-policy", policy: toPolicy(d.attrs.policy, d.attrs) };
      }
      break;
    case x.XFRM_MSG_FLUSHPOLICY:
      return { kind: "flush-policy", type: d.attrs.policyType?.type };
    case x.XFRM_MSG_POLEXPIRE: {
      const e = h as x.XfrmUserPolexpire;
      return { kind: "expire-policy", policy: toPolicy(e.pol, d.attrs), hard: e.hard !== 0 };
    }
  }
  const other: Record<number, "acquire" | "aevent" | "report" | "mapping" | "migrate"> = {
    [x.XFRM_MSG_ACQUIRE]: "acquire",
    [x.XFRM_MSG_NEWAE]: "aevent",
    [x.XFRM_MSG_REPORT]: "report",
    [x.XFRM_MSG_MAPPING]: "mapping",
    [x.XFRM_MSG_MIGRATE]: "migrate",
  };
  const kind = other[m.type];
  if (kind) {
    return { kind, header: d.header, attrs: d.attrs as Record<string, unknown> };
  }
  return { kind: "unknown", type: m.type, payload: m.payload };
}

/** The `XFRMNLGRP_*` groups by short name, for {@link Xfrm.events}. */
export type XfrmGroup =
  | "acquire"
  | "expire"
  | "sa"
  | "policy"
  | "aevents"
  | "report"
  | "migrate"
  | "mapping";

// ---------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------

/** Options of {@link Xfrm.open}. */
export type XfrmOptions = ClientOptions;

/** SPD counters and hash settings (`ip xfrm policy count`). */
export interface SpdInfo {
  /** Policies per direction. */
  info?: x.XfrmuSpdinfo;
  /** Hash buckets. */
  hinfo?: x.XfrmuSpdhinfo;
  /** IPv4 hash thresholds. */
  ipv4Hthresh?: x.XfrmuSpdhthresh;
  /** IPv6 hash thresholds. */
  ipv6Hthresh?: x.XfrmuSpdhthresh;
}

/** A `NETLINK_XFRM` client. */
export class Xfrm implements AsyncDisposable {
  /** The generic client underneath. */
  readonly client: Client;

  private constructor(client: Client) {
    this.client = client;
  }

  /**
   * Open a `NETLINK_XFRM` socket (in `options.netns`, if given).
   *
   * @throws {ProtocolUnavailableError} when the kernel has no `CONFIG_XFRM_USER`.
   */
  static async open(options: XfrmOptions = {}): Promise<Xfrm> {
    try {
      return new Xfrm(await Client.open(x.family, options));
    } catch (e) {
      throw explainProtocolError(NETLINK_XFRM, e);
    }
  }

  /** Use a client (of the xfrm family) that is already open, e.g. over a fake kernel. */
  static fromClient(client: Client): Xfrm {
    return new Xfrm(client);
  }

  async #do<H extends object, A extends object>(
    op: x.Operations[keyof x.Operations],
    header: H,
    attrs: A,
    flags = 0,
  ): Promise<void> {
    await this.client.call(op as never, { header: header as never, attrs: attrs as never, flags });
  }

  /** Send a get whose answer is a message of another type; decode it by its type. */
  async #get(
    op: x.Operations["getsa"] | x.Operations["getpolicy"],
    header: object,
    attrs: x.XfrmAttrs,
  ): Promise<XfrmEvent> {
    const bytes = buildMessage(op as never, { header: header as never, attrs: attrs as never });
    const reply = await this.client.socket.request(bytes, { operation: `xfrm ${op.name}` });
    return xfrmEvent(reply);
  }

  /** Dump with a bare request (no fixed header), decoding each message by its type. */
  async *#dump(type: number, attrs?: Uint8Array): AsyncGenerator<XfrmEvent> {
    const req = encodeMessage({ type, flags: NLM_F_REQUEST, payload: attrs });
    for await (const m of this.client.socket.dump(req, { operation: `xfrm dump (type ${type})` })) {
      yield xfrmEvent(m);
    }
  }

  // ----- SAs -----

  /** Add an SA (`ip xfrm state add`). */
  addState(s: StateInput): Promise<void> {
    const m = stateMessage(s);
    return this.#do(x.operations.newsa, m.header, m.attrs);
  }

  /** Replace an SA (`ip xfrm state update`). */
  updateState(s: StateInput): Promise<void> {
    const m = stateMessage(s);
    return this.#do(x.operations.updsa, m.header, m.attrs);
  }

  /** Delete an SA (`ip xfrm state delete`). */
  deleteState(id: StateId): Promise<void> {
    const m = stateIdMessage(id);
    return this.#do(x.operations.delsa, m.header, m.attrs);
  }

  /** One SA (`ip xfrm state get`). */
  async getState(id: StateId): Promise<State> {
    const m = stateIdMessage(id);
    const e = await this.#get(x.operations.getsa, m.header, m.attrs);
    if (e.kind !== "new-sa") throw new TypeError(`XFRM_MSG_GETSA answered with ${e.kind}`);
    return e.state;
  }

  /** Every SA (`ip xfrm state list`). */
  async states(): Promise<State[]> {
    const out: State[] = [];
    for await (const e of this.#dump(x.XFRM_MSG_GETSA)) if (e.kind === "new-sa") out.push(e.state);
    return out;
  }

  /** Delete the SAs of a protocol, or all (`ip xfrm state flush [proto P]`). */
  flushStates(proto: number | string = 255): Promise<void> {
    return this.#do(x.operations.flushsa, {
      proto: byName(XFRM_PROTOS, proto, "XFRM protocol"),
    }, {});
  }

  /** SAD counters (`ip xfrm state count`). */
  async sadInfo(): Promise<{ count?: number; hinfo?: x.XfrmuSadhinfo }> {
    const r = await this.client.get(x.operations.getsadinfo, { header: { flags: 0xffffffff } });
    return { count: r.attrs.cnt, hinfo: r.attrs.hinfo };
  }

  // ----- policies -----

  /** Add a policy (`ip xfrm policy add`). */
  addPolicy(p: PolicyInput): Promise<void> {
    const m = policyMessage(p);
    return this.#do(x.operations.newpolicy, m.header, m.attrs);
  }

  /** Add or replace a policy (`ip xfrm policy update`). */
  updatePolicy(p: PolicyInput): Promise<void> {
    const m = policyMessage(p);
    return this.#do(x.operations.updpolicy, m.header, m.attrs);
  }

  /** Delete a policy (`ip xfrm policy delete`). */
  deletePolicy(id: PolicyId): Promise<void> {
    const m = policyIdMessage(id);
    return this.#do(x.operations.delpolicy, m.header, m.attrs);
  }

  /** One policy (`ip xfrm policy get`). */
  async getPolicy(id: PolicyId): Promise<Policy> {
    const m = policyIdMessage(id);
    const e = await this.#get(x.operations.getpolicy, m.header, m.attrs);
    if (e.kind !== "new-policy") throw new TypeError(`XFRM_MSG_GETPOLICY answered with ${e.kind}`);
    return e.policy;
  }

  /** Every policy, the per-socket ones included (`ip xfrm policy list`). */
  async policies(): Promise<Policy[]> {
    const out: Policy[] = [];
    for await (const e of this.#dump(x.XFRM_MSG_GETPOLICY)) {
      if (e.kind === "new-policy") out.push(e.policy);
    }
    return out;
  }

  /** Delete the policies of a type (`ip xfrm policy flush [ptype sub]`). */
  flushPolicies(type?: "main" | "sub"): Promise<void> {
    const attrs: x.XfrmAttrs = {};
    if (type !== undefined) attrs.policyType = policyTypeAttr(type);
    return this.#do(x.operations.flushpolicy, {}, attrs);
  }

  /** SPD counters and hash settings (`ip xfrm policy count`). */
  async spdInfo(): Promise<SpdInfo> {
    const r = await this.client.get(x.operations.getspdinfo, { header: { flags: 0xffffffff } });
    return r.attrs;
  }

  /** Set the policy hash thresholds (`ip xfrm policy set hthresh4 L R hthresh6 L R`). */
  setSpdHashThresholds(t: { ipv4?: [number, number]; ipv6?: [number, number] }): Promise<void> {
    const attrs: x.XfrmSpdAttrs = {};
    if (t.ipv4) attrs.ipv4Hthresh = { lbits: t.ipv4[0], rbits: t.ipv4[1] };
    if (t.ipv6) attrs.ipv6Hthresh = { lbits: t.ipv6[0], rbits: t.ipv6[1] };
    return this.#do(x.operations.newspdinfo, { flags: 0 }, attrs);
  }

  /** The default actions (`ip xfrm policy getdefault`): 1 block, 2 accept. */
  async getDefault(): Promise<x.XfrmUserpolicyDefault> {
    return (await this.client.get(x.operations.getdefault, {})).header;
  }

  // ----- events -----

  /**
   * Join groups and iterate their events, typed. Abort with `signal`.
   *
   * @example
   * ```ts
   * import { Xfrm } from "@netlink/netlink/xfrm";
   * await using xfrm = await Xfrm.open();
   * for await (const e of xfrm.events(["policy", "sa"])) console.log(e.kind);
   * ```
   */
  async *events(
    groups: readonly XfrmGroup[],
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<XfrmEvent> {
    for (const g of groups) {
      const id = x.family.spec.mcastGroups?.[`xfrmnlgrp-${g}`];
      if (typeof id !== "number") throw new TypeError(`Unknown XFRM group "${g}"`);
      this.client.socket.join(id);
    }
    for await (const m of this.client.socket.subscribe({ signal: options.signal })) {
      yield xfrmEvent(m as ReceivedMessage);
    }
  }

  /** Close the socket. */
  close(): void {
    this.client.close();
  }

  /** `await using` support. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
