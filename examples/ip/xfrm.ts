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
import { buildMessage } from "../../codec/ynl/mod.ts";
import * as x from "../../families/generated/xfrm.ts";
import { algorithmValue } from "../../families/xfrm/mod.ts";
import { type Context, invarg, matches, stdout, UsageError } from "./cli.ts";
import { INET, messageText, type Msg, type PrintCtx, xfrmprotoByName } from "./xfrm_print.ts";
import {
  Argv,
  emptySelector,
  getPrefix,
  getU32,
  infLifetime,
  linkMap,
  parseId,
  parseKey,
  parseLimit,
  parseMark,
  parseMode,
  parseSelector,
} from "./xfrm_parse.ts";

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
        attrs.algComp = algorithmValue(x.xfrmAlgo, { name, key: new Uint8Array(0) }, {});
        continue;
      }
      const key = parseKey(av.next());
      if (w === "enc") attrs.algCrypt = algorithmValue(x.xfrmAlgo, { name, key }, {});
      else if (w === "auth") attrs.algAuth = algorithmValue(x.xfrmAlgo, { name, key }, {});
      else if (w === "auth-trunc") {
        const t = getU32(av.next(), "ALGO-TRUNC-LEN value is invalid");
        attrs.algAuthTrunc = algorithmValue(x.xfrmAlgoAuth, { name, key }, { algTruncLen: t });
      } else {
        const icv = getU32(av.next(), "ALGO-ICV-LEN value is invalid");
        attrs.algAead = algorithmValue(x.xfrmAlgoAead, { name, key }, { algIcvLen: icv });
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
