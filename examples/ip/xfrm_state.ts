/**
 * `ip xfrm state …` of `ip.ts`: list (with iproute2 6.1's filters), get, add, update, allocspi,
 * delete, deleteall, flush and count, printing the text `ip xfrm state` prints
 * (ip/xfrm_state.c). Requests are built like iproute2's, on the library's xfrm family.
 *
 * @module
 */
import type { Client } from "../../client/client.ts";
import { buildMessage } from "../../codec/ynl/mod.ts";
import * as x from "../../families/generated/xfrm.ts";
import { algorithmValue } from "../../families/xfrm/mod.ts";
import { type Context, invarg, stdout, UsageError } from "./cli.ts";
import { INET, messageText, type Msg, xfrmprotoByName } from "./xfrm_print.ts";
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
import { dumpMessages, prefixMatch, printCtx, verbOf } from "./xfrm_common.ts";

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

/** `ip xfrm state …`. */
export async function state(ctx: Context, c: Client, args: string[]): Promise<void> {
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
