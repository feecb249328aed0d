/**
 * `ip xfrm state …` and `ip xfrm policy …` of `ip.ts`: list (with iproute2 6.1's filters), get,
 * add, update, delete, deleteall, flush, count, and the policy default actions and hash
 * thresholds, printing the text `ip xfrm` prints (ip/ipxfrm.c, ip/xfrm_state.c,
 * ip/xfrm_policy.c). Requests are built like iproute2's, on the library's xfrm family.
 *
 * @module
 */
import { Client } from "../../client/client.ts";
import { NLM_F_DUMP, NLM_F_REQUEST } from "../../codec/mod.ts";
import { encodeMessage } from "../../codec/message.ts";
import { buildMessage, type DecodedMessage } from "../../codec/ynl/mod.ts";
import * as x from "../../families/generated/xfrm.ts";
import { decodeTemplates, formatXfrmAddress, XFRM_INF } from "../../families/xfrm/mod.ts";
import { parseIp } from "../../families/route/addr_text.ts";
import { type Context, invarg, matches, stdout, UsageError } from "./cli.ts";

const INET = 2, INET6 = 10;
const IPPROTO = { ICMP: 1, TCP: 6, UDP: 17, DCCP: 33, GRE: 47, ICMPV6: 58, SCTP: 132, MH: 135 };
const ESP = 50, AH = 51, COMP = 108, ROUTING = 43, DSTOPTS = 60;

/** Decoded message of the xfrm family, header and attributes as the tables give them. */
type Msg = DecodedMessage<Record<string, unknown>, x.XfrmAttrs>;

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

const XFRM_PROTO_NAMES: [string, number][] = [
  ["esp", ESP],
  ["ah", AH],
  ["comp", COMP],
  ["route2", ROUTING],
  ["hao", DSTOPTS],
  ["ipsec-any", 255],
];

function strxfXfrmproto(p: number): string {
  return XFRM_PROTO_NAMES.find(([, n]) => n === p)?.[0] ?? String(p);
}

function xfrmprotoByName(s: string): number | undefined {
  return XFRM_PROTO_NAMES.find(([n]) => n === s)?.[1];
}

/** /etc/protocols (Debian netbase), for getprotobynumber / getprotobyname. */
const PROTOCOLS: [string, number][] = [
  ["ip", 0],
  ["icmp", 1],
  ["igmp", 2],
  ["ipencap", 4],
  ["tcp", 6],
  ["egp", 8],
  ["pup", 12],
  ["udp", 17],
  ["idp", 22],
  ["dccp", 33],
  ["ipv6", 41],
  ["ipv6-route", 43],
  ["ipv6-frag", 44],
  ["rsvp", 46],
  ["gre", 47],
  ["esp", 50],
  ["ah", 51],
  ["ipv6-icmp", 58],
  ["ipv6-nonxt", 59],
  ["ipv6-opts", 60],
  ["ipip", 94],
  ["pim", 103],
  ["ipcomp", 108],
  ["vrrp", 112],
  ["l2tp", 115],
  ["sctp", 132],
  ["mobility-header", 135],
  ["udplite", 136],
  ["mpls-in-ip", 137],
];

function strxfProto(p: number): string {
  return PROTOCOLS.find(([, n]) => n === p)?.[0] ?? String(p);
}

const MODE_NAMES = ["transport", "tunnel", "ro", "in_trigger", "beet"];
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
  s += `mode ${MODE_NAMES[mode] ?? String(mode)}\n`;
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

// ---------------------------------------------------------------------------
// Parsing (ip/ipxfrm.c, ip/xfrm_state.c, ip/xfrm_policy.c)
// ---------------------------------------------------------------------------

/** `get_u32(…, 0)`: decimal, `0x` hex or `0` octal. */
function getU32(s: string, what: string): number {
  const n = /^0x[0-9a-f]+$/i.test(s)
    ? parseInt(s, 16)
    : /^0[0-7]+$/.test(s)
    ? parseInt(s, 8)
    : /^\d+$/.test(s)
    ? Number(s)
    : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) invarg(what, s);
  return n;
}

function getU64(s: string, what: string): bigint {
  try {
    const v = BigInt(s);
    if (v < 0n || v > XFRM_INF) throw new RangeError();
    return v;
  } catch {
    return invarg(what, s);
  }
}

/** `get_prefix`: `ADDR[/PLEN]` (or `default`/`any`/`all`), into 16 bytes. */
function getPrefix(
  s: string,
  preferred: number,
): { family: number; data: Uint8Array; bitlen: number } {
  const data = new Uint8Array(16);
  if (s === "default" || s === "any" || s === "all") {
    return { family: preferred || INET, data, bitlen: 0 };
  }
  const [a, l] = s.split("/");
  let bytes: Uint8Array;
  try {
    bytes = parseIp(a);
  } catch {
    throw new UsageError(`Error: an inet prefix is expected rather than "${s}".`, 1);
  }
  const family = bytes.length === 4 ? INET : INET6;
  if (preferred && preferred !== family) {
    throw new UsageError(
      `Error: ${preferred === INET ? "inet" : "inet6"} prefix is expected rather than "${s}".`,
      1,
    );
  }
  data.set(bytes);
  const max = bytes.length * 8;
  const bitlen = l === undefined ? max : Number(l);
  if (!Number.isInteger(bitlen) || bitlen < 0 || bitlen > max) {
    throw new UsageError(`Error: an inet prefix is expected rather than "${s}".`, 1);
  }
  return { family: bytes.length === 4 ? INET : INET6, data, bitlen };
}

class Argv {
  i = 0;
  constructor(readonly a: string[]) {}
  get more(): boolean {
    return this.i < this.a.length;
  }
  get cur(): string {
    return this.a[this.i];
  }
  /** NEXT_ARG(). */
  next(): string {
    this.i++;
    if (this.i >= this.a.length) {
      throw new UsageError(`Command line is not complete. Try option "help"`, 255);
    }
    return this.a[this.i];
  }
  /** NEXT_ARG_OK(). */
  get nextOk(): boolean {
    return this.i + 1 < this.a.length;
  }
}

function parseMark(av: Argv): x.XfrmMark {
  const v = getU32(av.next(), "MARK value is invalid\n");
  if (!av.nextOk) return { v, m: 0xffffffff };
  if (av.a[av.i + 1] === "mask") {
    av.next();
    return { v, m: getU32(av.next(), "MASK value is invalid\n") };
  }
  return { v, m: 0xffffffff };
}

/** `xfrm_selector_upspec_parse` + `xfrm_selector_parse` (the part at `av.cur`). */
function parseSelector(
  av: Argv,
  sel: x.XfrmSelector,
  ctx: Context,
  links: Map<string, number>,
  preferred = 0,
): void {
  let upspec = false;
  const start = av.i;
  for (;;) {
    const w = av.cur;
    if (w === "src" || w === "dst") {
      const p = getPrefix(av.next(), preferred);
      sel.family = p.family;
      if (w === "src") (sel.saddr = p.data), (sel.prefixlenS = p.bitlen);
      else (sel.daddr = p.data), (sel.prefixlenD = p.bitlen);
    } else if (w === "dev") {
      const n = av.next();
      sel.ifindex = n === "none" ? 0 : links.get(n) ?? invarg("DEV value is invalid", n);
    } else if (!upspec && ["proto", "sport", "dport", "type", "code", "key"].includes(w)) {
      upspec = true;
      for (;;) {
        const u = av.cur;
        if (u === "proto") {
          const v = av.next();
          const named = PROTOCOLS.find(([n]) => n === v)?.[1];
          sel.proto = v === "any" ? 0 : named ?? getU32(v, "PROTO value is invalid");
        } else if (u === "sport") {
          sel.sport = getU32(av.next(), 'value after "sport" is invalid') & 0xffff;
          if (sel.sport) sel.sportMask = 0xffff;
        } else if (u === "dport") {
          sel.dport = getU32(av.next(), 'value after "dport" is invalid') & 0xffff;
          if (sel.dport) sel.dportMask = 0xffff;
        } else if (u === "type") {
          sel.sport = getU32(av.next(), 'value after "type" is invalid');
          sel.sportMask = 0xffff;
        } else if (u === "code") {
          sel.dport = getU32(av.next(), 'value after "code" is invalid');
          sel.dportMask = 0xffff;
        } else if (u === "key") {
          const v = av.next();
          const k = v.includes(".")
            ? parseIp(v).reduce((n, b) => n * 256 + b, 0)
            : getU32(v, 'value after "key" is invalid');
          sel.sport = k >>> 16;
          sel.dport = k & 0xffff;
          sel.sportMask = sel.dportMask = 0xffff;
        } else {
          av.i--;
          break;
        }
        if (!av.nextOk) break;
        av.next();
      }
    } else {
      av.i--;
      break;
    }
    if (!av.nextOk) break;
    av.next();
  }
  if (av.i < start) throw new UsageError('"SELECTOR" is required.', 255);
  void ctx;
}

function emptySelector(): x.XfrmSelector {
  return {
    daddr: new Uint8Array(16),
    saddr: new Uint8Array(16),
    dport: 0,
    dportMask: 0,
    sport: 0,
    sportMask: 0,
    family: 0,
    prefixlenD: 0,
    prefixlenS: 0,
    proto: 0,
    ifindex: 0,
    user: 0,
  };
}

function infLifetime(): x.XfrmLifetimeCfg {
  return {
    softByteLimit: XFRM_INF,
    hardByteLimit: XFRM_INF,
    softPacketLimit: XFRM_INF,
    hardPacketLimit: XFRM_INF,
    softAddExpiresSeconds: 0n,
    hardAddExpiresSeconds: 0n,
    softUseExpiresSeconds: 0n,
    hardUseExpiresSeconds: 0n,
  };
}

function parseLimit(av: Argv, lft: x.XfrmLifetimeCfg): void {
  const k = av.cur;
  const map: Record<string, string> = {
    "time-soft": "softAddExpiresSeconds",
    "time-hard": "hardAddExpiresSeconds",
    "time-use-soft": "softUseExpiresSeconds",
    "time-use-hard": "hardUseExpiresSeconds",
    "byte-soft": "softByteLimit",
    "byte-hard": "hardByteLimit",
    "packet-soft": "softPacketLimit",
    "packet-hard": "hardPacketLimit",
  };
  const field = map[k];
  if (!field) invarg("LIMIT value is invalid", k);
  (lft as unknown as Record<string, bigint>)[field as string] = getU64(
    av.next(),
    `value after "${k}" is invalid`,
  );
}

/** `xfrm_id_parse` at `av.cur`. */
function parseId(
  av: Argv,
  out: { saddr: Uint8Array; id: x.XfrmId; family: number },
  preferred: number,
): void {
  const start = av.i;
  for (;;) {
    const w = av.cur;
    if (w === "src" || w === "dst") {
      const p = getPrefix(av.next(), preferred);
      out.family = p.family;
      if (w === "src") out.saddr = p.data;
      else out.id.daddr = p.data;
    } else if (w === "proto") {
      const v = av.next();
      const p = xfrmprotoByName(v);
      if (p === undefined) invarg("XFRM-PROTO value is invalid", v);
      out.id.proto = p;
    } else if (w === "spi") {
      out.id.spi = getU32(av.next(), "SPI value is invalid");
    } else {
      av.i--;
      break;
    }
    if (!av.nextOk) break;
    av.next();
  }
  if (out.id.proto === 0) throw new UsageError('"XFRM-PROTO" is required.', 255);
  if (av.i < start) throw new UsageError('"ID" is required.', 255);
}

const MODES: [string, number][] = [
  ["transport", 0],
  ["tunnel", 1],
  ["ro", 2],
  ["in_trigger", 3],
  ["beet", 4],
];

function parseMode(s: string): number {
  const m = MODES.find(([n]) => matches(s, n));
  if (m === undefined) invarg("MODE value is invalid", s);
  return m[1];
}

/** `xfrm_algo_parse`: a `0x…` key in hex, anything else as its characters. */
function parseKey(s: string): Uint8Array {
  if (s.startsWith("0x")) {
    const h = s.slice(2);
    if (h.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(h)) invarg("ALGO-KEYMAT value is invalid", s);
    return Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
  }
  return new TextEncoder().encode(s);
}

function algo(
  struct: { size: number; encode(v: object): Uint8Array },
  name: string,
  key: Uint8Array,
  extra: object,
): never {
  const head = struct.encode({ algName: name, algKeyLen: key.length * 8, ...extra });
  const all = new Uint8Array(struct.size + key.length);
  all.set(head);
  all.set(key, struct.size);
  return {
    algName: name,
    algKeyLen: key.length * 8,
    ...extra,
    [Symbol.for("netlink.schema.structBytes")]: all,
  } as never;
}

async function linkMap(ctx: Context): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (const [i, l] of await ctx.links()) m.set(l.name, i);
  return m;
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

async function open(ctx: Context): Promise<Client> {
  return await Client.open(x.family, ctx.opts.netns !== undefined ? { netns: ctx.opts.netns } : {});
}

async function printCtx(ctx: Context): Promise<PrintCtx> {
  const links = await ctx.links();
  return {
    stats: ctx.opts.stats,
    family: ctx.opts.family === 17 ? 0 : ctx.opts.family,
    name: (i) => links.get(i)?.name ?? `if${i}`,
  };
}

async function dumpMessages(
  c: Client,
  type: number,
): Promise<{ type: number; payload: Uint8Array }[]> {
  const out = [];
  const req = encodeMessage({ type, flags: NLM_F_REQUEST | NLM_F_DUMP });
  for await (const m of c.socket.dump(req, { operation: `XFRM dump (type ${type})` })) out.push(m);
  return out;
}

async function stateModify(ctx: Context, c: Client, type: number, flags: number, av: Argv) {
  const info: x.XfrmUsersaInfo = {
    sel: emptySelector(),
    id: { daddr: new Uint8Array(16), spi: 0, proto: 0 },
    saddr: new Uint8Array(16),
    lft: infLifetime(),
    curlft: { bytes: 0n, packets: 0n, addTime: 0n, useTime: 0n },
    stats: { replayWindow: 0, replay: 0, integrityFailed: 0 },
    seq: 0,
    reqid: 0,
    family: ctx.opts.family === 17 ? 0 : ctx.opts.family,
    mode: 0,
    replayWindow: 0,
    flags: 0,
  };
  const attrs: x.XfrmAttrs = {};
  let idp = false;
  let replayWindow = 0, seq = 0, oseq = 0;
  let preferred = info.family;
  let links: Map<string, number> | undefined;
  for (; av.more; av.i++) {
    const w = av.cur;
    if (w === "mode") info.mode = parseMode(av.next());
    else if (w === "mark") attrs.mark = parseMark(av);
    else if (w === "reqid") info.reqid = getU32(av.next(), "REQID value is invalid");
    else if (w === "seq") info.seq = getU32(av.next(), "SEQ value is invalid");
    else if (w === "replay-window") {
      replayWindow = getU32(av.next(), 'value after "replay-window" is invalid');
    } else if (w === "replay-seq") seq = getU32(av.next(), 'value after "replay-seq" is invalid');
    else if (w === "replay-oseq") oseq = getU32(av.next(), 'value after "replay-oseq" is invalid');
    else if (w === "flag") {
      const names: Record<string, number> = {
        noecn: 1,
        "decap-dscp": 2,
        nopmtudisc: 4,
        wildrecv: 8,
        icmp: 16,
        "af-unspec": 32,
        align4: 64,
        esn: 128,
      };
      av.next();
      for (;;) {
        const f = names[av.cur];
        if (f === undefined) {
          av.i--;
          break;
        }
        info.flags |= f;
        if (!av.nextOk) break;
        av.next();
      }
    } else if (w === "sel") {
      av.next();
      links ??= await linkMap(ctx);
      parseSelector(av, info.sel, ctx, links, 0);
      preferred = info.sel.family;
    } else if (w === "limit") {
      av.next();
      parseLimit(av, info.lft);
    } else if (w === "encap") {
      const t = av.next();
      const type = { "espinudp-nonike": 1, espinudp: 2, espintcp: 7 }[t] ??
        invarg("ENCAP-TYPE value is invalid", t);
      const sport = getU32(av.next(), 'SPORT value after "encap" is invalid') & 0xffff;
      const dport = getU32(av.next(), 'DPORT value after "encap" is invalid') & 0xffff;
      const oa = getPrefix(av.next(), preferred);
      attrs.encap = { encapType: type, encapSport: sport, encapDport: dport, encapOa: oa.data };
    } else if (w === "if_id") attrs.ifId = getU32(av.next(), "IF_ID value is invalid");
    else if (w === "tfcpad") {
      const v = getU32(av.next(), "TFCPAD value is invalid");
      if (v) attrs.tfcpad = v;
    } else if (w === "output-mark") {
      attrs.setMark = getU32(av.next(), 'value after "output-mark" is invalid');
      if (av.nextOk && av.a[av.i + 1] === "mask") {
        av.next();
        attrs.setMarkMask = getU32(av.next(), "MASK value is invalid");
      }
    } else if (["enc", "auth", "auth-trunc", "aead", "comp"].includes(w)) {
      const name = av.next();
      if (w === "comp") {
        attrs.algComp = algo(x.xfrmAlgo, name, new Uint8Array(0), {});
        continue;
      }
      const key = parseKey(av.next());
      if (w === "enc") attrs.algCrypt = algo(x.xfrmAlgo, name, key, {});
      else if (w === "auth") attrs.algAuth = algo(x.xfrmAlgo, name, key, {});
      else if (w === "auth-trunc") {
        const t = getU32(av.next(), "ALGO-TRUNC-LEN value is invalid");
        attrs.algAuthTrunc = algo(x.xfrmAlgoAuth, name, key, { algTruncLen: t });
      } else {
        const icv = getU32(av.next(), "ALGO-ICV-LEN value is invalid");
        attrs.algAead = algo(x.xfrmAlgoAead, name, key, { algIcvLen: icv });
      }
    } else {
      if (idp) invarg("unknown", w);
      idp = true;
      const id = { saddr: info.saddr, id: info.id, family: info.family };
      parseId(av, id, preferred);
      info.saddr = id.saddr;
      info.family = id.family;
      if (preferred === 0) preferred = info.family;
    }
  }
  if (!idp) throw new UsageError("Not enough information: ID is required", 1);
  if (info.flags & 128 || replayWindow > 32) {
    attrs.replayEsnVal = {
      bmpLen: Math.ceil(replayWindow / 32),
      oseq,
      seq,
      oseqHi: 0,
      seqHi: 0,
      replayWindow,
    };
  } else {
    if (seq || oseq) attrs.replayVal = { oseq, seq, bitmap: 0 };
    info.replayWindow = replayWindow;
  }
  if (info.family === 0) info.family = INET;
  const bytes = buildMessage(x.operations.newsa, { type, flags, header: info, attrs });
  await c.socket.request(bytes, { operation: "XFRM_MSG_NEWSA" });
}

async function policyModify(ctx: Context, c: Client, type: number, flags: number, av: Argv) {
  const info: x.XfrmUserpolicyInfo = {
    sel: { ...emptySelector(), family: ctx.opts.family === 17 ? 0 : ctx.opts.family },
    lft: infLifetime(),
    curlft: { bytes: 0n, packets: 0n, addTime: 0n, useTime: 0n },
    priority: 0,
    index: 0,
    dir: 0,
    action: 0,
    flags: 0,
    share: 0,
  };
  const attrs: x.XfrmAttrs = {};
  let dirp = false;
  let preferred = info.sel.family;
  const tmpls: Uint8Array[] = [];
  let mark: x.XfrmMark = { v: 0, m: 0 };
  let links: Map<string, number> | undefined;
  for (; av.more; av.i++) {
    const w = av.cur;
    if (w === "dir") {
      dirp = true;
      const d = av.next();
      info.dir = { in: 0, out: 1, fwd: 2 }[d] ?? invarg("DIR value is invalid", d);
    } else if (w === "mark") mark = parseMark(av);
    else if (w === "index") info.index = getU32(av.next(), "INDEX value is invalid");
    else if (w === "ptype") {
      const t = av.next();
      attrs.policyType = {
        type: { main: 0, sub: 1 }[t] ?? invarg("PTYPE value is invalid", t),
        reserved1: 0,
        reserved2: 0,
      };
    } else if (w === "action") {
      const a = av.next();
      info.action = { allow: 0, block: 1 }[a] ?? invarg("ACTION value is invalid\n", a);
    } else if (w === "priority") info.priority = getU32(av.next(), "PRIORITY value is invalid");
    else if (w === "flag") {
      av.next();
      for (;;) {
        const f = ({ localok: 1, icmp: 2 } as Record<string, number>)[av.cur];
        if (f === undefined) {
          av.i--;
          break;
        }
        info.flags |= f;
        if (!av.nextOk) break;
        av.next();
      }
    } else if (w === "limit") {
      av.next();
      parseLimit(av, info.lft);
    } else if (w === "tmpl") {
      av.next();
      const t: x.XfrmUserTmpl = {
        id: { daddr: new Uint8Array(16), spi: 0, proto: 0 },
        family: preferred,
        saddr: new Uint8Array(16),
        reqid: 0,
        mode: 0,
        share: 0,
        optional: 0,
        aalgos: 0xffffffff,
        ealgos: 0xffffffff,
        calgos: 0xffffffff,
      };
      let idp = false;
      for (;;) {
        const u = av.cur;
        if (u === "mode") t.mode = parseMode(av.next());
        else if (u === "reqid") t.reqid = getU32(av.next(), "REQID value is invalid");
        else if (u === "level") {
          const l = av.next();
          t.optional = { required: 0, use: 1 }[l] ?? invarg("LEVEL value is invalid\n", l);
        } else {
          if (idp) {
            av.i--;
            break;
          }
          idp = true;
          const id = { saddr: t.saddr, id: t.id, family: t.family };
          parseId(av, id, 0);
          t.saddr = id.saddr;
          t.family = id.family;
          preferred = t.family;
        }
        if (!av.nextOk) break;
        av.next();
      }
      tmpls.push(x.xfrmUserTmpl.encode(t));
    } else if (w === "if_id") attrs.ifId = getU32(av.next(), "IF_ID value is invalid");
    else {
      links ??= await linkMap(ctx);
      parseSelector(av, info.sel, ctx, links, preferred);
      if (preferred === 0) preferred = info.sel.family;
    }
  }
  if (!dirp) throw new UsageError("Not enough information: DIR is required.", 1);
  if (tmpls.length) {
    const all = new Uint8Array(64 * tmpls.length);
    tmpls.forEach((t, i) => all.set(t, 64 * i));
    attrs.tmpl = all;
  }
  if (mark.m) attrs.mark = mark;
  if (info.sel.family === 0) info.sel.family = INET;
  const bytes = buildMessage(x.operations.newpolicy, { type, flags, header: info, attrs });
  await c.socket.request(bytes, { operation: "XFRM_MSG_NEWPOLICY" });
}

/** The command a word names, tried in iproute2's order (`matches`: a prefix of the word). */
function verbOf(cmd: string, order: string[]): string | undefined {
  for (const v of order) if (v.split("|").some((w) => matches(cmd, w))) return v.split("|")[0];
  return undefined;
}

const STATE_VERBS = [
  "add",
  "update",
  "allocspi",
  "delete",
  "deleteall|delall",
  "list|show|lst",
  "get",
  "flush",
  "count",
];
const POLICY_VERBS = [
  "add",
  "update",
  "delete",
  "deleteall|delall",
  "list|show|lst",
  "get",
  "flush",
  "count",
  "set",
  "setdefault",
  "getdefault",
];

/** `ip xfrm state …`. */
async function state(ctx: Context, c: Client, args: string[]): Promise<void> {
  const cmd = args[0] ?? "list";
  const verb = verbOf(cmd, STATE_VERBS);
  const av = new Argv(args.slice(1));
  const pc = await printCtx(ctx);
  if (verb === "add") return stateModify(ctx, c, x.XFRM_MSG_NEWSA, 0, av);
  if (verb === "update") return stateModify(ctx, c, x.XFRM_MSG_UPDSA, 0, av);
  if (verb === "delete" || verb === "get") {
    const del = verb === "delete";
    const hdr: x.XfrmUsersaId = { daddr: new Uint8Array(16), spi: 0, family: pc.family, proto: 0 };
    const attrs: x.XfrmAttrs = {};
    let mark: x.XfrmMark = { v: 0, m: 0 };
    let idp = false;
    for (; av.more; av.i++) {
      if (av.cur === "mark") mark = parseMark(av);
      else {
        if (idp) invarg("unknown", av.cur);
        idp = true;
        const id = {
          saddr: new Uint8Array(16),
          id: { daddr: hdr.daddr, spi: 0, proto: 0 },
          family: hdr.family,
        };
        parseId(av, id, 0);
        hdr.daddr = id.id.daddr;
        hdr.spi = id.id.spi;
        hdr.proto = id.id.proto;
        hdr.family = id.family;
        attrs.srcaddr = id.saddr;
      }
    }
    if (mark.m & mark.v) attrs.mark = mark;
    if (hdr.family === 0) hdr.family = INET;
    const op = del ? x.operations.delsa : x.operations.getsa;
    const reply = await c.socket.request(buildMessage(op, { header: hdr, attrs }), {
      operation: del ? "XFRM_MSG_DELSA" : "XFRM_MSG_GETSA",
    });
    if (!del) stdout(messageText(reply, pc) ?? "");
    return;
  }
  if (verb === "flush") {
    let proto = 0;
    for (; av.more; av.i++) {
      if (av.cur === "proto") {
        const v = av.next();
        proto = xfrmprotoByName(v) ?? invarg("XFRM-PROTO value is invalid", v);
      } else invarg("unknown", av.cur);
    }
    await c.call(x.operations.flushsa, { header: { proto } });
    return;
  }
  if (verb === "count") {
    const r = await c.get(x.operations.getsadinfo, { header: { flags: 0xffffffff } });
    let s = `\t SAD count ${r.attrs.cnt}`;
    if (pc.stats && r.attrs.hinfo) {
      s += ` (buckets count ${r.attrs.hinfo.sadhcnt} Max ${r.attrs.hinfo.sadhmcnt})`;
    }
    stdout(s + "\n");
    return;
  }
  const deleteall = verb === "deleteall";
  if (!deleteall && verb !== "list") {
    throw new UsageError(`Command "${cmd}" is unknown, try "ip xfrm state help".`, 255);
  }
  // Filters: ID fields, mode, reqid.
  const f: {
    src?: { d: Uint8Array; l: number };
    dst?: { d: Uint8Array; l: number };
    proto?: number;
    spi?: number;
    mode?: number;
    reqid?: number;
  } = {};
  for (; av.more; av.i++) {
    const w = av.cur;
    if (w === "mode") f.mode = parseMode(av.next());
    else if (w === "reqid") f.reqid = getU32(av.next(), "REQID value is invalid");
    else if (w === "src" || w === "dst") {
      const p = getPrefix(av.next(), pc.family);
      f[w] = { d: p.data, l: p.bitlen };
    } else if (w === "proto") {
      f.proto = xfrmprotoByName(av.next()) ?? invarg("XFRM-PROTO value is invalid", av.cur);
    } else if (w === "spi") f.spi = getU32(av.next(), "SPI value is invalid");
    else invarg("unknown", w);
  }
  const msgs = await dumpMessages(c, x.XFRM_MSG_GETSA);
  for (const m of msgs) {
    const d = x.family.decodeMessage(m.type, m.payload) as Msg | undefined;
    if (!d || m.type !== x.XFRM_MSG_NEWSA) continue;
    const s = d.header as unknown as x.XfrmUsersaInfo;
    if (pc.family && s.family !== pc.family) continue;
    if (f.src && !prefixMatch(s.saddr, f.src.d, f.src.l)) continue;
    if (f.dst && !prefixMatch(s.id.daddr, f.dst.d, f.dst.l)) continue;
    if (f.proto !== undefined && s.id.proto !== f.proto) continue;
    if (f.spi !== undefined && s.id.spi !== f.spi) continue;
    if (f.mode !== undefined && s.mode !== f.mode) continue;
    if (f.reqid !== undefined && s.reqid !== f.reqid) continue;
    if (deleteall) {
      await c.call(x.operations.delsa, {
        header: { daddr: s.id.daddr, spi: s.id.spi, family: s.family, proto: s.id.proto },
        attrs: { ...(d.attrs.mark ? { mark: d.attrs.mark } : {}) },
      });
    } else stdout(messageText(m, pc) ?? "");
  }
}

/** `xfrm_addr_match`: the first `bits` bits equal. */
function prefixMatch(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const m = 0x80 >> (i & 7);
    if ((a[i >> 3] & m) !== (b[i >> 3] & m)) return false;
  }
  return true;
}

/** `ip xfrm policy …`. */
async function policy(ctx: Context, c: Client, args: string[]): Promise<void> {
  const cmd = args[0] ?? "list";
  const verb = verbOf(cmd, POLICY_VERBS);
  const av = new Argv(args.slice(1));
  const pc = await printCtx(ctx);
  if (verb === "add") return policyModify(ctx, c, x.XFRM_MSG_NEWPOLICY, 0, av);
  if (verb === "update") return policyModify(ctx, c, x.XFRM_MSG_UPDPOLICY, 0, av);
  if (verb === "flush") {
    const attrs: x.XfrmAttrs = {};
    for (; av.more; av.i++) {
      if (av.cur === "ptype") {
        const t = av.next();
        attrs.policyType = {
          type: { main: 0, sub: 1 }[t] ?? invarg("PTYPE value is invalid", t),
          reserved1: 0,
          reserved2: 0,
        };
      } else invarg("unknown", av.cur);
    }
    await c.call(x.operations.flushpolicy, { attrs });
    return;
  }
  if (verb === "count") {
    const r = await c.get(x.operations.getspdinfo, { header: { flags: 0xffffffff } });
    const a = r.attrs;
    let s = "\t SPD";
    if (a.info) {
      s += ` IN  ${a.info.incnt} OUT ${a.info.outcnt} FWD ${a.info.fwdcnt}`;
      if (pc.stats) s += ` (Sock: IN ${a.info.inscnt} OUT ${a.info.outscnt} FWD ${a.info.fwdscnt})`;
      s += "\n";
    }
    if (pc.stats > 1) {
      if (a.hinfo) s += `\t SPD buckets: count ${a.hinfo.spdhcnt} Max ${a.hinfo.spdhmcnt}\n`;
      if (a.ipv4Hthresh) {
        s += `\t SPD IPv4 thresholds: local ${a.ipv4Hthresh.lbits} remote ${a.ipv4Hthresh.rbits}\n`;
      }
      if (a.ipv6Hthresh) {
        s += `\t SPD IPv6 thresholds: local ${a.ipv6Hthresh.lbits} remote ${a.ipv6Hthresh.rbits}\n`;
      }
    }
    stdout(s);
    return;
  }
  if (verb === "getdefault") {
    const r = await c.get(x.operations.getdefault, {});
    const n = (v: number) => ["unspec", "block", "accept"][v] ?? "unknown";
    stdout(
      `Default policies:\n in:  ${n(r.header.in)}\n fwd: ${n(r.header.fwd)}\n out: ${
        n(r.header.out)
      }\n`,
    );
    return;
  }
  if (verb === "delete" || verb === "get") {
    const del = verb === "delete";
    const hdr: x.XfrmUserpolicyId = { sel: emptySelector(), index: 0, dir: 0 };
    const attrs: x.XfrmAttrs = {};
    let mark: x.XfrmMark = { v: 0, m: 0 };
    let dirp = false, selp = false, indexp = false;
    let links: Map<string, number> | undefined;
    for (; av.more; av.i++) {
      const w = av.cur;
      if (w === "dir") {
        dirp = true;
        const d = av.next();
        hdr.dir = { in: 0, out: 1, fwd: 2 }[d] ?? invarg("DIR value is invalid", d);
      } else if (w === "mark") mark = parseMark(av);
      else if (w === "index") {
        indexp = true;
        hdr.index = getU32(av.next(), "INDEX value is invalid");
      } else if (w === "ptype") {
        const t = av.next();
        attrs.policyType = {
          type: { main: 0, sub: 1 }[t] ?? invarg("PTYPE value is invalid", t),
          reserved1: 0,
          reserved2: 0,
        };
      } else if (w === "if_id") attrs.ifId = getU32(av.next(), "IF_ID value is invalid");
      else {
        if (selp) invarg("unknown", w);
        selp = true;
        links ??= await linkMap(ctx);
        parseSelector(av, hdr.sel, ctx, links, pc.family);
      }
    }
    if (!dirp) throw new UsageError("Not enough information: DIR is required.", 1);
    if (!selp && !indexp) {
      throw new UsageError("Not enough information: either SELECTOR or INDEX is required.", 1);
    }
    if (hdr.sel.family === 0) hdr.sel.family = INET;
    if (mark.m & mark.v) attrs.mark = mark;
    const op = del ? x.operations.delpolicy : x.operations.getpolicy;
    const reply = await c.socket.request(buildMessage(op, { header: hdr, attrs }), {
      operation: del ? "XFRM_MSG_DELPOLICY" : "XFRM_MSG_GETPOLICY",
    });
    if (!del) stdout(messageText(reply, pc) ?? "");
    return;
  }
  const deleteall = verb === "deleteall";
  if (!deleteall && verb !== "list") {
    throw new UsageError(`Command "${cmd}" is unknown, try "ip xfrm policy help".`, 255);
  }
  // Filters (xfrm_policy_filter_match).
  const f: {
    dir?: number;
    index?: number;
    ptype?: number;
    action?: number;
    priority?: number;
    nosock?: boolean;
    sel?: x.XfrmSelector;
    selSet?: Set<string>;
  } = {};
  let links: Map<string, number> | undefined;
  for (; av.more; av.i++) {
    const w = av.cur;
    if (w === "dir") {
      f.dir = { in: 0, out: 1, fwd: 2 }[av.next()] ?? invarg("DIR value is invalid", av.cur);
    } else if (w === "index") f.index = getU32(av.next(), "INDEX value is invalid");
    else if (w === "ptype") {
      f.ptype = { main: 0, sub: 1 }[av.next()] ?? invarg("PTYPE value is invalid", av.cur);
    } else if (w === "action") {
      f.action = { allow: 0, block: 1 }[av.next()] ?? invarg("ACTION value is invalid\n", av.cur);
    } else if (w === "priority") f.priority = getU32(av.next(), "PRIORITY value is invalid");
    else if (w === "nosock") f.nosock = true;
    else {
      links ??= await linkMap(ctx);
      f.sel = emptySelector();
      const start = av.i;
      parseSelector(av, f.sel, ctx, links, pc.family);
      f.selSet = new Set(args.slice(1).slice(start, av.i + 1));
    }
  }
  for (const m of await dumpMessages(c, x.XFRM_MSG_GETPOLICY)) {
    const d = x.family.decodeMessage(m.type, m.payload) as Msg | undefined;
    if (!d || m.type !== x.XFRM_MSG_NEWPOLICY) continue;
    const p = d.header as unknown as x.XfrmUserpolicyInfo;
    const ptype = d.attrs.policyType?.type ?? 0;
    if (pc.family && p.sel.family !== pc.family) continue;
    if (f.dir !== undefined && p.dir !== f.dir) continue;
    if (f.nosock && p.dir >= 3) continue;
    if (f.ptype !== undefined && ptype !== f.ptype) continue;
    if (f.index !== undefined && p.index !== f.index) continue;
    if (f.action !== undefined && p.action !== f.action) continue;
    if (f.priority !== undefined && p.priority !== f.priority) continue;
    if (f.sel) {
      const s = f.sel;
      if (f.selSet?.has("src") && !prefixMatch(p.sel.saddr, s.saddr, s.prefixlenS)) continue;
      if (f.selSet?.has("dst") && !prefixMatch(p.sel.daddr, s.daddr, s.prefixlenD)) continue;
      if (f.selSet?.has("proto") && p.sel.proto !== s.proto) continue;
      if (f.selSet?.has("sport") && p.sel.sport !== s.sport) continue;
      if (f.selSet?.has("dport") && p.sel.dport !== s.dport) continue;
      if (f.selSet?.has("dev") && p.sel.ifindex !== s.ifindex) continue;
    }
    if (deleteall) {
      if (p.dir >= 3) continue; // socket policies cannot be deleted by selector
      await c.call(x.operations.delpolicy, {
        header: { sel: p.sel, index: p.index, dir: p.dir },
        attrs: {
          ...(d.attrs.mark ? { mark: d.attrs.mark } : {}),
          ...(d.attrs.policyType ? { policyType: d.attrs.policyType } : {}),
          ...(d.attrs.ifId !== undefined ? { ifId: d.attrs.ifId } : {}),
        },
      });
    } else stdout(messageText(m, pc) ?? "");
  }
}

/** `ip.ts xfrm OBJECT …`: `state` (or `sa`) and `policy`. */
export async function xfrm(ctx: Context, args: string[]): Promise<void> {
  const object = args[0];
  if (object === undefined) {
    throw new UsageError(
      "Usage: ip xfrm XFRM-OBJECT { COMMAND | help }\nwhere  XFRM-OBJECT := state | policy | monitor",
      255,
    );
  }
  const c = await open(ctx);
  try {
    if (matches(object, "state") || matches(object, "sa")) await state(ctx, c, args.slice(1));
    else if (matches(object, "policy")) await policy(ctx, c, args.slice(1));
    else {
      throw new UsageError(
        "Usage: ip xfrm XFRM-OBJECT { COMMAND | help }\nwhere  XFRM-OBJECT := state | policy | monitor",
        255,
      );
    }
  } finally {
    c.close();
  }
}
