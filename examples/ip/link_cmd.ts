/**
 * `ip link add|set|del` and `ip address add|del|replace`: requests built from the command
 * line, iproute2's argument syntax for the common forms.
 *
 * @module
 */
import { type NetnsHandle, openNetns } from "../../socket/netns.ts";
import * as rtLink from "../../families/generated/rt_link.ts";
import * as rtAddr from "../../families/generated/rt_addr.ts";
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from "../../codec/constants.ts";
import { parseIp, parseMac, parsePrefix } from "../../families/route/addr_text.ts";
import { Args, type Context, invarg, matches, UsageError } from "./cli.ts";
import { parseNumber, scopeNumber } from "./names.ts";

const IFF_UP = rtLink.IFINFO_FLAGS.UP;

/** `IFLA_INFO_DATA` of a kind, as the generated rt-link sub-message `linkinfo-data-msg`. */
type KindData = NonNullable<rtLink.LinkinfoAttrs["data"]>;

/** Parse the kind-specific arguments after `type KIND` into the kind's `linkinfo.data`. */
async function kindData(ctx: Context, kind: string, args: Args): Promise<KindData | undefined> {
  const num = (w: string) => Number(args.value(w));
  if (kind === "veth") {
    if (args.peek() !== "peer") return undefined;
    args.next();
    // VETH_INFO_PEER: struct ifinfomsg (zero: the encoder fills what is not given), IFLA_*.
    const peer: rtLink.LinkAttrs = {};
    while (args.more) {
      const w = args.next();
      if (w === "name") peer.ifname = args.value(w);
      else if (w === "address") peer.address = parseMac(args.value(w));
      else if (w === "mtu") peer.mtu = num(w);
      else peer.ifname = w;
    }
    return { peer: peer as rtLink.LinkinfoVethPeerMsg["veth"] } satisfies rtLink.LinkinfoVethAttrs;
  }
  if (kind === "vxlan") {
    const d: rtLink.LinkinfoVxlanAttrs = {};
    while (args.more) {
      const w = args.next();
      if (w === "id" || w === "vni") d.id = num(w);
      else if (w === "dstport") d.port = num(w);
      else if (w === "dev") d.link = await ctx.index(args.value(w));
      else if (w === "local") {
        const b = parseIp(args.value(w));
        if (b.length === 4) d.local = b;
        else d.local6 = b;
      } else if (w === "remote" || w === "group") {
        const b = parseIp(args.value(w));
        if (b.length === 4) d.group = b;
        else d.group6 = b;
      } else if (w === "ttl") d.ttl = num(w);
      else if (w === "nolearning") d.learning = 0;
      else invarg("unknown vxlan option", w);
    }
    return d;
  }
  if (kind === "macvlan" || kind === "macvtap") {
    const d: rtLink.LinkinfoMacvlanAttrs = {};
    while (args.more) {
      const w = args.next();
      if (w === "mode") {
        const m = args.value(w);
        const v = rtLink.MACVLAN_MODE[m.toUpperCase() as keyof typeof rtLink.MACVLAN_MODE];
        if (v === undefined) invarg("unknown macvlan mode", w);
        d.mode = v;
      } else invarg("unknown macvlan option", w);
    }
    return d;
  }
  if (kind === "vlan") {
    const d: rtLink.LinkinfoVlanAttrs = {};
    while (args.more) {
      const w = args.next();
      if (w === "id") d.id = num(w);
      else invarg("unknown vlan option", w);
    }
    return d;
  }
  if (kind === "bridge") {
    const d: rtLink.LinkinfoBridgeAttrs = {};
    while (args.more) {
      const w = args.next();
      if (w === "stp_state") d.stpState = num(w);
      else if (w === "vlan_filtering") d.vlanFiltering = num(w);
      else if (w === "forward_delay") d.forwardDelay = num(w);
      else invarg("unknown bridge option", w);
    }
    return d;
  }
  if (args.more) invarg(`options of type "${kind}" are not supported by ip.ts`, args.peek()!);
  return undefined;
}

/** Common `link add` / `link set` arguments; returns the attributes and flag changes. */
async function linkArgs(
  ctx: Context,
  args: Args,
  add: boolean,
): Promise<
  { attrs: rtLink.LinkAttrs; flags: number; change: number; dev?: string; close: NetnsHandle[] }
> {
  const attrs: rtLink.LinkAttrs = {};
  let flags = 0;
  let change = 0;
  let dev: string | undefined;
  const close: NetnsHandle[] = [];
  while (args.more) {
    const w = args.next();
    if (w === "up" || w === "down") {
      change |= IFF_UP;
      if (w === "up") flags |= IFF_UP;
    } else if (w === "name") {
      const n = args.value(w);
      if (add) dev = n;
      attrs.ifname = n;
    } else if (w === "mtu") attrs.mtu = Number(args.value(w)) >>> 0;
    else if (matches(w, "txqueuelen") || w === "qlen" || w === "txqlen") {
      attrs.txqlen = Number(args.value(w)) >>> 0;
    } else if (w === "address") attrs.address = parseMac(args.value(w));
    else if (w === "master") attrs.master = await ctx.index(args.value(w));
    else if (w === "nomaster") attrs.master = 0;
    else if (w === "alias") attrs.ifalias = args.value(w);
    else if (w === "link") attrs.link = await ctx.index(args.value(w));
    else if (w === "netns") {
      const ns = args.value(w);
      const pid = parseNumber(ns, 0x7fffffff);
      if (pid !== undefined) attrs.netNsPid = pid;
      else {
        const handle = await openNetns(ns).catch(() => {
          throw new UsageError(`Invalid "netns" value "${ns}"`, 1);
        });
        close.push(handle);
        attrs.netNsFd = handle.fd;
      }
    } else if (w === "type" && add) {
      const kind = args.value(w);
      const data = await kindData(ctx, kind, args);
      attrs.linkinfo = data === undefined ? { kind } : { kind, data };
    } else if (w === "dev") dev = args.value(w);
    else if (dev === undefined) {
      dev = w;
      if (add) attrs.ifname = w;
    } else invarg("unknown link option", w);
  }
  return { attrs, flags, change, dev, close };
}

/** `ip link add|set|del|delete`. */
export async function modifyLink(ctx: Context, cmd: string, argv: string[]): Promise<void> {
  const args = new Args(argv);
  if (cmd === "del") {
    const w = args.next();
    const dev = w === "dev" ? args.value(w) : w;
    if (dev === undefined) {
      throw new UsageError('Not enough information: "dev" argument is required.', 255);
    }
    const ifiIndex = await ctx.index(dev);
    await ctx.rt.call(rtLink.operations.dellink, { header: { ifiIndex } });
    return;
  }
  const add = cmd === "add";
  const { attrs, flags, change, dev, close } = await linkArgs(ctx, args, add);
  try {
    if (add) {
      await ctx.rt.call(rtLink.operations.newlink, {
        header: { ifiFlags: flags, ifiChange: change },
        attrs,
        flags: NLM_F_CREATE | NLM_F_EXCL,
      });
      return;
    }
    if (dev === undefined) {
      throw new UsageError('Not enough of information: "dev" argument is required.', 255);
    }
    const ifiIndex = await ctx.index(dev);
    await ctx.rt.call(rtLink.operations.newlink, {
      header: { ifiIndex, ifiFlags: flags, ifiChange: change },
      attrs,
    });
  } finally {
    for (const handle of close) handle.close();
  }
}

/** `ip address add|del|replace|change PREFIX [peer P] [broadcast B|+] [label L] [scope S] dev D …`. */
export async function modifyAddr(ctx: Context, cmd: string, argv: string[]): Promise<void> {
  const args = new Args(argv);
  const header: Partial<rtAddr.Ifaddrmsg> = { ifaFamily: ctx.opts.family };
  const attrs: rtAddr.AddrAttrs = {};
  let dev: string | undefined;
  let local: { bytes: Uint8Array; prefixlen: number; family: number } | undefined;
  let brdPlus = false;
  let scopeSet = false;
  let ifaFlags = 0;
  let valid: number | undefined;
  let preferred: number | undefined;
  while (args.more) {
    const w = args.next();
    if (w === "dev") dev = args.value(w);
    else if (w === "peer" || w === "remote") {
      const pf = parsePrefix(args.value(w));
      attrs.address = pf.bytes;
      if (pf.prefixlen !== pf.bytes.length * 8 || !local) header.ifaPrefixlen = pf.prefixlen;
    } else if (matches(w, "broadcast") || w === "brd") {
      const v = args.value(w);
      if (v === "+" || v === "-") brdPlus = v === "+";
      else attrs.broadcast = parseIp(v);
    } else if (w === "label") attrs.label = args.value(w);
    else if (w === "scope") {
      const v = args.value(w);
      header.ifaScope = scopeNumber(v) ?? invarg("invalid scope value.", v);
      scopeSet = true;
    } else if (w === "metric" || w === "priority") attrs.rtPriority = Number(args.value(w));
    else if (w === "valid_lft") {
      const v = args.value(w);
      valid = v === "forever" ? 0xffffffff : Number(v);
    } else if (w === "preferred_lft") {
      const v = args.value(w);
      preferred = v === "forever" ? 0xffffffff : Number(v);
    } else if (w === "nodad") ifaFlags |= rtAddr.IFA_FLAGS.NODAD;
    else if (w === "noprefixroute") ifaFlags |= rtAddr.IFA_FLAGS.NOPREFIXROUTE;
    else if (w === "home") ifaFlags |= rtAddr.IFA_FLAGS.HOMEADDRESS;
    else if (w === "mngtmpaddr") ifaFlags |= rtAddr.IFA_FLAGS.MANAGETEMPADDR;
    else if (w === "autojoin") ifaFlags |= rtAddr.IFA_FLAGS.MCAUTOJOIN;
    else if (w === "optimistic") ifaFlags |= rtAddr.IFA_FLAGS.OPTIMISTIC;
    else {
      const v = w === "local" ? args.value(w) : w;
      local = parsePrefix(v);
    }
  }
  if (dev === undefined) {
    throw new UsageError('Not enough information: "dev" argument is required.', 1);
  }
  if (!local) throw new UsageError("Error: missing address.", 1);
  header.ifaFamily ||= local.family;
  header.ifaPrefixlen ??= local.prefixlen;
  attrs.local = local.bytes;
  if (!attrs.address) attrs.address = local.bytes;
  if (brdPlus && local.family === 2 && local.prefixlen < 31) {
    const b = local.bytes.slice();
    for (let i = local.prefixlen; i < 32; i++) b[i >> 3] |= 0x80 >> (i & 7);
    attrs.broadcast = b;
  }
  if (!scopeSet && local.family === 2 && local.bytes[0] === 127) header.ifaScope = 254;
  header.ifaIndex = await ctx.index(dev);
  if (ifaFlags) {
    header.ifaFlags = ifaFlags & 0xff;
    attrs.flags = ifaFlags;
  }
  if (valid !== undefined || preferred !== undefined) {
    attrs.cacheinfo = {
      ifaValid: valid ?? 0xffffffff,
      ifaPrefered: preferred ?? valid ?? 0xffffffff,
      cstamp: 0,
      tstamp: 0,
    };
  }
  const flags = cmd === "add"
    ? NLM_F_CREATE | NLM_F_EXCL
    : cmd === "replace"
    ? NLM_F_CREATE | NLM_F_REPLACE
    : cmd === "change"
    ? NLM_F_REPLACE
    : 0;
  const op = cmd === "del" ? rtAddr.operations.deladdr : rtAddr.operations.newaddr;
  await ctx.rt.call(op, { header, attrs, flags });
}
