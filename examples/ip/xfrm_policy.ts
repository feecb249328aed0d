/**
 * `ip xfrm policy …` of `ip.ts`: list (with iproute2 6.1's filters), get, add, update, delete,
 * deleteall, flush, count, and the policy default actions and hash thresholds, printing the
 * text `ip xfrm policy` prints (ip/xfrm_policy.c). Requests are built like iproute2's, on the
 * library's xfrm family.
 *
 * @module
 */
import type { Client } from "../../client/client.ts";
import { buildMessage } from "../../codec/ynl/mod.ts";
import * as x from "../../families/generated/xfrm.ts";
import { type Context, invarg, stdout, UsageError } from "./cli.ts";
import { INET, messageText, type Msg } from "./xfrm_print.ts";
import {
  Argv,
  emptySelector,
  getU32,
  infLifetime,
  linkMap,
  parseId,
  parseLimit,
  parseMark,
  parseMode,
  parseSelector,
} from "./xfrm_parse.ts";
import { dumpMessages, prefixMatch, printCtx, verbOf } from "./xfrm_common.ts";

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

/** `ip xfrm policy …`. */
export async function policy(ctx: Context, c: Client, args: string[]): Promise<void> {
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
