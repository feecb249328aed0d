/**
 * Conversions between the friendly XFRM values and the generated structs and attributes:
 * selectors, lifetimes, template arrays, algorithm keys, and the messages of each request.
 *
 * @module
 */
import { NetlinkDecodeError } from "../../codec/mod.ts";
import { STRUCT_BYTES } from "../../codec/ynl/mod.ts";
import * as x from "../generated/xfrm.ts";
import { AF_INET, AF_INET6, byName, familyOf, L4, tmplSize } from "./_util.ts";
import {
  formatXfrmAddress,
  XFRM_DIRS,
  XFRM_INF,
  XFRM_MODES,
  XFRM_PROTOS,
  xfrmAddress,
} from "./names.ts";
import type {
  Algorithm,
  Policy,
  PolicyId,
  PolicyInput,
  Selector,
  SelectorInput,
  State,
  StateId,
  StateInput,
  Template,
  TemplateInput,
} from "./types.ts";
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
/**
 * An algorithm attribute value (`xfrm_algo`, `xfrm_algo_auth` or `xfrm_algo_aead`, given as
 * `struct`) with its key after the struct, as the kernel reads it; `extra` sets the other
 * members (`algTruncLen`, `algIcvLen`).
 *
 * @example
 * ```ts
 * import { algorithmValue, xfrmAlgo } from "@netlink/netlink/xfrm";
 * const crypt = algorithmValue(xfrmAlgo, { name: "cbc(aes)", key: new Uint8Array(16) }, {});
 * ```
 */
export function algorithmValue<T extends object>(
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

/**
 * `v`, a struct decoded from an attribute (`XFRMA_SA`, `XFRMA_POLICY`), if it was whole: one
 * shorter than its struct lacks members, which is malformed input, not a smaller policy.
 */
function whole<T extends object>(v: T, st: { name: string; size: number }): T {
  const raw = (v as { [STRUCT_BYTES]?: Uint8Array })[STRUCT_BYTES];
  if (raw !== undefined && raw.length < st.size) {
    throw new NetlinkDecodeError(
      `${raw.length} bytes are shorter than struct ${st.name} (${st.size} bytes)`,
      0,
    );
  }
  return v;
}

/** A policy from its decoded message (a new/update-policy message, or `XFRMA_POLICY`). */
export function toPolicy(info: x.XfrmUserpolicyInfo, attrs: x.XfrmAttrs): Policy {
  whole(info, x.xfrmUserpolicyInfo);
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
  whole(info, x.xfrmUsersaInfo);
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
    if (a.encap.encapOa === undefined) {
      // struct xfrm_encap_tmpl is fixed-size (the kernel checks it); a shorter one is malformed.
      throw new NetlinkDecodeError(
        `XFRMA_ENCAP is shorter than struct xfrm_encap_tmpl (${x.xfrmEncapTmpl.size} bytes)`,
        0,
      );
    }
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
  if (a.coaddr) {
    if (a.coaddr.length < 16) {
      // xfrm_address_t: 16 bytes whatever the family.
      throw new NetlinkDecodeError(
        `XFRMA_COADDR of ${a.coaddr.length} bytes is shorter than xfrm_address_t (16 bytes)`,
        0,
      );
    }
    set("coaddr", formatXfrmAddress(info.family, a.coaddr));
  }
  set("lastused", a.lastused);
  set("tfcpad", a.tfcpad);
  set("secCtx", secCtxOf(a.secCtx));
  set("saDir", a.saDir);
  return s;
}

function markAttr(m: { value: number; mask?: number } | undefined): x.XfrmMark | undefined {
  return m === undefined ? undefined : { v: m.value >>> 0, m: (m.mask ?? 0xffffffff) >>> 0 };
}

/** `XFRMA_POLICY_TYPE` for a policy type by name or number (internal to the XFRM modules). */
export function policyTypeAttr(
  t: "main" | "sub" | number | undefined,
): x.XfrmUserpolicyType | undefined {
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
      attrs.algAuthTrunc = algorithmValue(x.xfrmAlgoAuth, s.auth, { algTruncLen: s.auth.truncLen });
    } else attrs.algAuth = algorithmValue(x.xfrmAlgo, s.auth, {});
  }
  if (s.crypt) attrs.algCrypt = algorithmValue(x.xfrmAlgo, s.crypt, {});
  if (s.aead) {
    attrs.algAead = algorithmValue(x.xfrmAlgoAead, s.aead, { algIcvLen: s.aead.icvLen ?? 128 });
  }
  if (s.comp) attrs.algComp = algorithmValue(x.xfrmAlgo, s.comp, {});
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

/** The header and attributes that name one policy in a get or delete (internal). */
export function policyIdMessage(p: PolicyId): { header: x.XfrmUserpolicyId; attrs: x.XfrmAttrs } {
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

/** The header and attributes that name one state in a get or delete (internal). */
export function stateIdMessage(s: StateId): { header: x.XfrmUsersaId; attrs: x.XfrmAttrs } {
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
