/**
 * The friendly XFRM values: selectors, algorithms, templates, policies and states, as
 * read and as given.
 *
 * @module
 */
import type * as x from "../generated/xfrm.ts";
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
