/**
 * The text of `ip xfrm state` and `ip xfrm policy` (ip/ipxfrm.c, ip/xfrm_state.c,
 * ip/xfrm_policy.c) for `ip.ts xfrm`.
 *
 * @module
 */
import type { DecodedMessage } from "../../codec/ynl/mod.ts";
import { INET_PROTOCOLS } from "../../families/route/ip_protocols.ts";
import * as x from "../../families/generated/xfrm.ts";
import {
  decodeTemplates,
  formatXfrmAddress,
  XFRM_INF,
  XFRM_MODES,
  XFRM_PROTOS,
} from "../../families/xfrm/mod.ts";

/** Address families (linux/socket.h). */
export const INET = 2, INET6 = 10;
/** Upper-layer protocol numbers (linux/in.h). */
export const IPPROTO = {
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  DCCP: 33,
  GRE: 47,
  ICMPV6: 58,
  SCTP: 132,
  MH: 135,
};
/** The IPsec protocols (linux/in.h). */
export const { esp: ESP, ah: AH, comp: COMP } = XFRM_PROTOS;

/** Decoded message of the xfrm family, header and attributes as the tables give them. */
export type Msg = DecodedMessage<Record<string, unknown>, x.XfrmAttrs>;

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

function strxfXfrmproto(p: number): string {
  return Object.entries(XFRM_PROTOS).find(([, n]) => n === p)?.[0] ?? String(p);
}

/** An XFRM-PROTO number by name, from the library's `XFRM_PROTOS`. */
export function xfrmprotoByName(s: string): number | undefined {
  return Object.hasOwn(XFRM_PROTOS, s) ? XFRM_PROTOS[s] : undefined;
}

function strxfProto(p: number): string {
  return INET_PROTOCOLS[p] ?? String(p);
}

const SHARE_NAMES = ["any", "session", "user", "unique"];

function strxfShare(s: number): string {
  return SHARE_NAMES[s] ?? String(s);
}

function strxfMask8(m: number): string {
  let s = "";
  for (let b = 0x80; b > 0; b >>= 1) s += m & b ? "1" : "0";
  return s;
}

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
/** C's `%#x`: 0 without the prefix. */
const altHex = (n: number) => (n === 0 ? "0" : `0x${(n >>> 0).toString(16)}`);

function strxfLimit(v: bigint): string {
  return v === XFRM_INF ? "(INF)" : String(v);
}

function strxfTime(t: bigint): string {
  if (t === 0n) return "-";
  const d = new Date(Number(t) * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())}`;
}

/** `XFRM_FLAG_PRINT` over a list of (bit, name): names, then any bits left in hex. */
function flagList(flags: number, names: [number, string][]): string {
  let out = "";
  let f = flags;
  for (const [bit, name] of names) {
    if (f & bit) {
      f &= ~bit;
      out += name + (f ? " " : "");
    }
  }
  if (f) out += f.toString(16);
  return out;
}

// ---------------------------------------------------------------------------
// Printing (ip/ipxfrm.c)
// ---------------------------------------------------------------------------

/** What the printers need from the command line and the links. */
export interface PrintCtx {
  /** `-s` count. */
  stats: number;
  /** `-4`/`-6`: the preferred family (0: unspecified). */
  family: number;
  /** ifindex → name (`ll_index_to_name`). */
  name(index: number): string;
}

/** `rt_addr_n2a`: addresses of other families print as `???`. */
function addr(family: number, bytes: Uint8Array): string {
  return family === INET || family === INET6 ? formatXfrmAddress(family, bytes) : "???";
}

function selectorText(sel: x.XfrmSelector, family: number, pc: PrintCtx, prefix: string): string {
  let f = sel.family;
  if (f === 0) f = family;
  if (f === 0) f = pc.family;
  let s = prefix;
  s += `src ${addr(f, sel.saddr)}/${sel.prefixlenS} `;
  s += `dst ${addr(f, sel.daddr)}/${sel.prefixlenD} `;
  if (sel.proto) s += `proto ${strxfProto(sel.proto)} `;
  switch (sel.proto) {
    case IPPROTO.ICMP:
    case IPPROTO.ICMPV6:
      if (sel.sportMask) s += `type ${sel.sport} `;
      if (sel.dportMask) s += `code ${sel.dport} `;
      break;
    case IPPROTO.GRE:
      if (sel.sportMask || sel.dportMask) s += `key ${sel.sport * 65536 + sel.dport} `;
      break;
    case IPPROTO.MH:
      if (sel.sportMask) s += `type ${sel.sport} `;
      if (sel.dportMask && pc.stats > 0) {
        const raw = ((sel.dport & 0xff) << 8) | (sel.dport >> 8); // the __be16 read natively
        s += `(dport) 0x${raw.toString(16).padStart(4, "0")} `;
      }
      break;
    default:
      if (sel.sportMask) s += `sport ${sel.sport} `;
      if (sel.dportMask) s += `dport ${sel.dport} `;
  }
  if (sel.ifindex > 0) s += `dev ${pc.name(sel.ifindex)} `;
  if (pc.stats > 0) s += `uid ${sel.user}`;
  return s + "\n";
}

function idInfoText(
  saddr: Uint8Array,
  id: x.XfrmId,
  mode: number,
  reqid: number,
  family: number,
  forceSpi: boolean,
  pc: PrintCtx,
  prefix: string,
  title: string,
): string {
  let s = title;
  s += `src ${addr(family, saddr)} `;
  s += `dst ${addr(family, id.daddr)}\n`;
  s += prefix + "\t";
  s += `proto ${strxfXfrmproto(id.proto)} `;
  if (pc.stats > 0 || forceSpi || id.spi) {
    s += `spi 0x${hex8(id.spi)}`;
    if (pc.stats > 0) s += `(${id.spi >>> 0})`;
    s += " ";
  }
  s += `reqid ${reqid >>> 0}`;
  if (pc.stats > 0) s += `(0x${hex8(reqid)})`;
  s += " ";
  s += `mode ${Object.entries(XFRM_MODES).find(([, n]) => n === mode)?.[0] ?? String(mode)}\n`;
  return s;
}

function lifetimeText(cfg: x.XfrmLifetimeCfg, cur: x.XfrmLifetimeCur, prefix: string): string {
  return `${prefix}lifetime config:\n` +
    `${prefix}  limit: soft ${strxfLimit(cfg.softByteLimit)}(bytes),` +
    ` hard ${strxfLimit(cfg.hardByteLimit)}(bytes)\n` +
    `${prefix}  limit: soft ${strxfLimit(cfg.softPacketLimit)}(packets),` +
    ` hard ${strxfLimit(cfg.hardPacketLimit)}(packets)\n` +
    `${prefix}  expire add: soft ${cfg.softAddExpiresSeconds}(sec), hard ${cfg.hardAddExpiresSeconds}(sec)\n` +
    `${prefix}  expire use: soft ${cfg.softUseExpiresSeconds}(sec), hard ${cfg.hardUseExpiresSeconds}(sec)\n` +
    `${prefix}lifetime current:\n` +
    `${prefix}  ${cur.bytes}(bytes), ${cur.packets}(packets)\n` +
    `${prefix}  add ${strxfTime(cur.addTime)} use ${strxfTime(cur.useTime)}\n`;
}

/** The key bytes after an algorithm struct (kept by the codec as the struct's bytes). */
function keyOf(v: object, size: number): { bytes: Uint8Array; len: number } {
  const all =
    (v as { [k: symbol]: Uint8Array | undefined })[Symbol.for("netlink.schema.structBytes")];
  const bytes = all ?? new Uint8Array(size);
  return { bytes: bytes.subarray(size), len: bytes.length };
}

function algoText(
  kind: string,
  v: { algName: string; algKeyLen: number },
  size: number,
  prefix: string,
  pc: PrintCtx,
  nokeys: boolean,
  tail: string,
): string {
  let s = prefix + `${kind} `;
  const { bytes, len } = keyOf(v, size);
  if (len < size) return s + "(ERROR truncated)" + tail + "\n";
  s += `${v.algName} `;
  const keylen = Math.floor(v.algKeyLen / 8);
  if (bytes.length < keylen) return s + "(ERROR truncated)" + tail + "\n";
  if (nokeys) s += "<<Keys hidden>>";
  else if (keylen > 0) {
    s += "0x" + [...bytes.subarray(0, keylen)].map((b) => b.toString(16).padStart(2, "0")).join("");
    if (pc.stats > 0) s += ` (${v.algKeyLen} bits)`;
  }
  return s + tail + "\n";
}

function templatesText(tmpl: Uint8Array, pc: PrintCtx, prefix: string): string {
  const n = Math.floor(tmpl.length / 64);
  if (n <= 0) return prefix + '(ERROR "tmpl" truncated)\n';
  let s = "";
  const ts = decodeTemplates(tmpl.subarray(0, n * 64));
  for (let i = 0; i < n; i++) {
    const t = x.xfrmUserTmpl.decode(tmpl, i * 64, i * 64 + 64);
    s += prefix;
    s += idInfoText(t.saddr, t.id, t.mode, t.reqid, t.family, false, pc, prefix, "tmpl ");
    if (pc.stats > 0 || t.optional) {
      s += prefix + "\t";
      if (t.optional === 0) {
        if (pc.stats > 0) s += "level required ";
      } else if (t.optional === 1) s += "level use ";
      else s += `level ${t.optional} `;
      if (pc.stats > 0) s += `share ${strxfShare(t.share)} `;
      s += "\n";
    }
    if (pc.stats > 0) {
      s += prefix + "\t";
      s += `enc-mask ${hex8(t.ealgos)} auth-mask ${hex8(t.aalgos)} comp-mask ${hex8(t.calgos)}\n`;
    }
    void ts[i];
  }
  return s;
}

const ENCAP_NAMES: Record<number, string> = { 1: "espinudp-nonike", 2: "espinudp", 7: "espintcp" };

function outputMarkText(a: x.XfrmAttrs): string {
  let s = `output-mark 0x${(a.setMark! >>> 0).toString(16)}`;
  if (a.setMarkMask !== undefined) s += `/0x${(a.setMarkMask >>> 0).toString(16)}`;
  return s;
}

/** `xfrm_xfrma_print`. */
function attrsText(
  a: x.XfrmAttrs,
  family: number,
  pc: PrintCtx,
  prefix: string,
  nokeys: boolean,
): string {
  let s = "";
  if (a.mark) {
    s += `\tmark ${altHex(a.mark.v)}/${altHex(a.mark.m)} `;
    if (a.setMark !== undefined) s += outputMarkText(a);
    s += "\n";
  } else if (a.setMark !== undefined) s += "\t" + outputMarkText(a) + "\n";
  if (a.algAuth && !a.algAuthTrunc) {
    s += algoText("auth", a.algAuth, x.xfrmAlgo.size, prefix, pc, nokeys, "");
  }
  if (a.algAuthTrunc) {
    s += algoText(
      "auth-trunc",
      a.algAuthTrunc,
      x.xfrmAlgoAuth.size,
      prefix,
      pc,
      nokeys,
      ` ${a.algAuthTrunc.algTruncLen}`,
    );
  }
  if (a.algAead) {
    s += algoText(
      "aead",
      a.algAead,
      x.xfrmAlgoAead.size,
      prefix,
      pc,
      nokeys,
      ` ${a.algAead.algIcvLen}`,
    );
  }
  if (a.algCrypt) s += algoText("enc", a.algCrypt, x.xfrmAlgo.size, prefix, pc, nokeys, "");
  if (a.algComp) s += algoText("comp", a.algComp, x.xfrmAlgo.size, prefix, pc, nokeys, "");
  if (a.encap) {
    const e = a.encap;
    s += prefix + "encap type " + (ENCAP_NAMES[e.encapType] ?? String(e.encapType)) + " ";
    s += `sport ${e.encapSport} dport ${e.encapDport} addr ${addr(family, e.encapOa)}\n`;
  }
  if (a.tmpl) s += templatesText(a.tmpl, pc, prefix);
  if (a.coaddr) s += prefix + `coa ${addr(family, a.coaddr)}\n`;
  if (a.lastused !== undefined) s += prefix + `lastused ${strxfTime(a.lastused)}\n`;
  if (a.replayVal) {
    const r = a.replayVal;
    s += prefix +
      `anti-replay context: seq 0x${r.seq.toString(16)}, oseq 0x${r.oseq.toString(16)}, bitmap 0x${
        hex8(r.bitmap)
      }\n`;
  }
  if (a.replayEsnVal) {
    const r = a.replayEsnVal;
    s += prefix + "anti-replay esn context:\n";
    s += prefix +
      ` seq-hi 0x${r.seqHi.toString(16)}, seq 0x${r.seq.toString(16)}, oseq-hi 0x${
        r.oseqHi.toString(16)
      }, oseq 0x${r.oseq.toString(16)}\n`;
    s += prefix + ` replay_window ${r.replayWindow}, bitmap-length ${r.bmpLen}`;
    const { bytes } = keyOf(r, x.xfrmReplayStateEsn.size);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = r.bmpLen, j = 0; i; i--) {
      if (j++ % 8 === 0) s += "\n" + prefix + " ";
      const o = 4 * (i - 1);
      s += hex8(o + 4 <= bytes.length ? dv.getUint32(o, true) : 0) + " ";
    }
    s += "\n";
  }
  if (a.offloadDev) {
    s += prefix +
      `crypto offload parameters: dev ${pc.name(a.offloadDev.ifindex)} dir ${
        a.offloadDev.flags & 2 ? "in" : "out"
      }\n`;
  }
  if (a.ifId !== undefined) s += prefix + `if_id ${altHex(a.ifId)}\n`;
  if (a.tfcpad !== undefined) s += prefix + `tfcpad ${a.tfcpad}\n`;
  return s;
}

function secCtxText(a: x.XfrmAttrs): string {
  if (!a.secCtx) return "";
  const { bytes } = keyOf(a.secCtx, x.xfrmUserSecCtx.size);
  return `\tsecurity context ${new TextDecoder().decode(bytes.subarray(0, a.secCtx.ctxLen))} \n`;
}

function selectorIsZero(sel: x.XfrmSelector): boolean {
  return x.xfrmSelector.encode(sel).every((b) => b === 0);
}

/** `xfrm_state_info_print`. */
export function stateText(
  info: x.XfrmUsersaInfo,
  a: x.XfrmAttrs,
  pc: PrintCtx,
  nokeys = false,
): string {
  const isIpsec = info.id.proto === ESP || info.id.proto === AH || info.id.proto === COMP;
  let s = idInfoText(info.saddr, info.id, info.mode, info.reqid, info.family, isIpsec, pc, "", "");
  const buf = "\t";
  s += buf + `replay-window ${info.replayWindow} `;
  if (pc.stats > 0) s += `seq 0x${String(info.seq >>> 0).padStart(8, "0")} `;
  if (pc.stats > 0 || info.flags) {
    s += "flag " + flagList(info.flags, [
      [1, "noecn"],
      [2, "decap-dscp"],
      [4, "nopmtudisc"],
      [8, "wildrecv"],
      [16, "icmp"],
      [32, "af-unspec"],
      [64, "align4"],
      [128, "esn"],
    ]);
  }
  if (pc.stats > 0 && a.saExtraFlags !== undefined) {
    s += "extra_flag " + flagList(a.saExtraFlags, [[1, "dont-encap-dscp"], [2, "oseq-may-wrap"]]);
  }
  if (pc.stats > 0) s += ` (0x${strxfMask8(info.flags)})`;
  s += "\n";
  s += attrsText(a, info.family, pc, buf, nokeys);
  if (!selectorIsZero(info.sel)) s += selectorText(info.sel, info.family, pc, buf + "sel ");
  if (pc.stats > 0) {
    s += lifetimeText(info.lft, info.curlft, buf);
    s +=
      `${buf}stats:\n${buf}  replay-window ${info.stats.replayWindow} replay ${info.stats.replay} failed ${info.stats.integrityFailed}\n`;
  }
  s += secCtxText(a);
  return s;
}

/** `xfrm_policy_info_print`. */
export function policyText(info: x.XfrmUserpolicyInfo, a: x.XfrmAttrs, pc: PrintCtx): string {
  let s = selectorText(info.sel, pc.family, pc, "");
  s += secCtxText(a);
  const buf = "\t";
  s += buf;
  let dir = info.dir;
  if (dir >= 3) {
    dir -= 3;
    s += "socket ";
  } else s += "dir ";
  s += (["in", "out", "fwd"][dir] ?? String(dir)) + " ";
  if (info.action === 0) {
    if (pc.stats > 0) s += "action allow ";
  } else if (info.action === 1) s += "action block ";
  else s += `action ${info.action} `;
  if (pc.stats) s += `index ${info.index} `;
  s += `priority ${info.priority} `;
  if (a.policyType) {
    const t = a.policyType.type;
    s += `ptype ${t === 0 ? "main" : t === 1 ? "sub" : String(t)} `;
  }
  if (pc.stats > 0) s += `share ${strxfShare(info.share)} `;
  if (pc.stats > 0 || info.flags) {
    s += "flag " + flagList(info.flags, [[1, "localok"], [2, "icmp"]]);
  }
  if (pc.stats > 0) s += ` (0x${strxfMask8(info.flags)})`;
  s += "\n";
  if (pc.stats > 0) s += lifetimeText(info.lft, info.curlft, buf);
  s += attrsText(a, info.sel.family, pc, buf, false);
  return s;
}

/**
 * `xfrm_state_print` and `xfrm_policy_print` of one received message (`Deleted`/`Updated`/
 * `Expired` prefixes for those types), or `undefined` for other messages.
 */
export function messageText(
  m: { type: number; payload: Uint8Array },
  pc: PrintCtx,
  nokeys = false,
): string | undefined {
  const d = x.family.decodeMessage(m.type, m.payload) as Msg | undefined;
  if (!d) return undefined;
  const h = d.header as unknown;
  switch (m.type) {
    case x.XFRM_MSG_NEWSA:
      return stateText(h as x.XfrmUsersaInfo, d.attrs, pc, nokeys);
    case x.XFRM_MSG_UPDSA:
      return "Updated " + stateText(h as x.XfrmUsersaInfo, d.attrs, pc, nokeys);
    case x.XFRM_MSG_DELSA:
      return d.attrs.sa ? "Deleted " + stateText(d.attrs.sa, d.attrs, pc, nokeys) : undefined;
    case x.XFRM_MSG_EXPIRE: {
      const e = h as x.XfrmUserExpire;
      return "Expired " + stateText(e.state, d.attrs, pc, nokeys) + `\thard ${e.hard}\n`;
    }
    case x.XFRM_MSG_NEWPOLICY:
      return policyText(h as x.XfrmUserpolicyInfo, d.attrs, pc);
    case x.XFRM_MSG_UPDPOLICY:
      return "Updated " + policyText(h as x.XfrmUserpolicyInfo, d.attrs, pc);
    case x.XFRM_MSG_DELPOLICY:
      return d.attrs.policy ? "Deleted " + policyText(d.attrs.policy, d.attrs, pc) : undefined;
    case x.XFRM_MSG_POLEXPIRE: {
      const e = h as x.XfrmUserPolexpire;
      return "Expired " + policyText(e.pol, d.attrs, pc) + `\thard ${e.hard}\n`;
    }
  }
  return undefined;
}
