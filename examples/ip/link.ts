/**
 * `ip link show` and `ip address show` (iproute2's `print_linkinfo`, `print_addrinfo`), and
 * the `link add/set/del`, `address add/del` commands.
 *
 * @module
 */
import * as rtLink from "../../families/generated/rt_link.ts";
import * as rtAddr from "../../families/generated/rt_addr.ts";
import type { DecodedMessage } from "../../codec/ynl/mod.ts";
import { formatIp } from "../../families/route/addr_text.ts";
import { type Context, type LinkInfo, UsageError } from "./cli.ts";
import { familyName, linkTypeName, llAddr, scopeName } from "./names.ts";
import type { Printer } from "./json.ts";
import { printLinkKind } from "./link_kinds.ts";

/** A decoded `RTM_NEWLINK` message. */
export type Link = DecodedMessage<rtLink.Ifinfomsg, rtLink.LinkAttrs>;
/** A decoded `RTM_NEWADDR` message. */
export type Addr = DecodedMessage<rtAddr.Ifaddrmsg, rtAddr.AddrAttrs>;

const IFF = {
  UP: 0x1,
  BROADCAST: 0x2,
  DEBUG: 0x4,
  LOOPBACK: 0x8,
  POINTOPOINT: 0x10,
  NOTRAILERS: 0x20,
  RUNNING: 0x40,
  NOARP: 0x80,
  PROMISC: 0x100,
  ALLMULTI: 0x200,
  MASTER: 0x400,
  SLAVE: 0x800,
  MULTICAST: 0x1000,
  PORTSEL: 0x2000,
  AUTOMEDIA: 0x4000,
  DYNAMIC: 0x8000,
  LOWER_UP: 0x10000,
  DORMANT: 0x20000,
  ECHO: 0x40000,
} as const;

/** The order `print_link_flags` prints them in. */
const FLAG_ORDER: (keyof typeof IFF)[] = [
  "LOOPBACK",
  "BROADCAST",
  "POINTOPOINT",
  "MULTICAST",
  "NOARP",
  "ALLMULTI",
  "PROMISC",
  "MASTER",
  "SLAVE",
  "DEBUG",
  "DYNAMIC",
  "AUTOMEDIA",
  "PORTSEL",
  "NOTRAILERS",
  "UP",
  "LOWER_UP",
  "DORMANT",
  "ECHO",
];

const OPER_STATES = ["UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"];

function printLinkFlags(p: Printer, flagsIn: number, mdown: boolean): void {
  let flags = flagsIn >>> 0;
  p.openArray("flags", "<");
  if (flags & IFF.UP && !(flags & IFF.RUNNING)) {
    p.any(null, flags ? "NO-CARRIER," : "NO-CARRIER", "NO-CARRIER");
  }
  flags &= ~IFF.RUNNING;
  for (const f of FLAG_ORDER) {
    const m = IFF[f];
    if (flags & m) {
      flags &= ~m;
      p.any(null, flags ? `${f},` : f, f);
    }
  }
  if (flags) p.any(null, flags.toString(16), flags.toString(16));
  if (mdown) p.any(null, ",M-DOWN", "M-DOWN");
  p.closeArray("> ");
}

/** `print_linkinfo`. `doLink` is true for `ip link`, false for `ip address`. */
export function printLink(
  ctx: Context,
  links: Map<number, LinkInfo>,
  l: Link,
  doLink: boolean,
): void {
  const p = ctx.p;
  const o = ctx.opts;
  const h = l.header;
  const a = l.attrs;
  const name = a.ifname ?? `if${h.ifiIndex}`;
  p.any("ifindex", `${h.ifiIndex}: `, h.ifiIndex);

  // print_name_and_link
  let shown = name;
  let mdown = false;
  if (a.link !== undefined) {
    const iflink = a.link;
    if (iflink) {
      if (a.linkNetnsid !== undefined) {
        p.jsonOnly("link_index", iflink);
        shown = `${name}@if${iflink}`;
      } else {
        const ln = links.get(iflink);
        const linkName = ln?.name ?? `if${iflink}`;
        p.jsonOnly("link", linkName);
        shown = `${name}@${linkName}`;
        mdown = !((ln?.flags ?? 0) & IFF.UP);
      }
    } else {
      p.jsonOnly("link", null);
      shown = `${name}@NONE`;
    }
  }
  p.any("ifname", `${shown}: `, name);
  printLinkFlags(p, h.ifiFlags, mdown);

  if (a.mtu !== undefined) p.any("mtu", `mtu ${a.mtu} `, a.mtu);
  if (a.xdp?.attached) {
    const mode = ["", "xdp", "xdpdrv", "xdpgeneric", "xdpoffload", "xdpmulti"][a.xdp.attached];
    p.text(`${mode ?? "xdp"} `);
  }
  if (a.qdisc !== undefined) p.any("qdisc", `qdisc ${a.qdisc} `, a.qdisc);
  if (a.master !== undefined) {
    const m = links.get(a.master)?.name ?? `if${a.master}`;
    p.any("master", `master ${m} `, m);
  }
  if (a.operstate !== undefined) {
    const s = OPER_STATES[a.operstate];
    if (s === undefined) {
      p.jsonOnly("operstate_index", a.operstate);
      p.text(`state 0x${a.operstate.toString(16)} `);
    } else p.any("operstate", `state ${s} `, s);
  }
  if (doLink && a.linkmode !== undefined) {
    const m = ["DEFAULT", "DORMANT", "TESTING"][a.linkmode];
    if (a.linkmode < 2 && m) p.any("linkmode", `mode ${m} `, m);
    else p.any("linkmode_index", `mode ${a.linkmode} `, a.linkmode);
  }
  if (a.group !== undefined) {
    const gname = a.group === 0 ? "default" : String(a.group);
    p.any("group", `group ${gname} `, gname);
  }
  if (a.txqlen) p.any("txqlen", `qlen ${a.txqlen}`, a.txqlen);
  if (a.event) {
    const ev = [
      "NONE",
      "REBOOT",
      "FEATURE CHANGE",
      "BONDING FAILOVER",
      "NOTIFY PEERS",
      "RESEND IGMP",
      "BONDING OPTION",
    ][a.event];
    if (ev === undefined) p.any("event", `event ${a.event} `, a.event);
    else p.any("event", `event ${ev} `, ev);
  }

  if (!o.family || o.family === 17 || o.details) {
    p.text("\n");
    const lt = linkTypeName(h.ifiType);
    p.any("link_type", `    link/${lt} `, lt);
    if (a.address) {
      const s = llAddr(a.address, h.ifiType);
      p.any("address", s, s);
    }
    if (a.broadcast) {
      if (h.ifiFlags & IFF.POINTOPOINT) {
        p.text(" peer ");
        p.jsonOnly("link_pointtopoint", true);
      } else p.text(" brd ");
      const s = llAddr(a.broadcast, h.ifiType);
      p.any("broadcast", s, s);
    }
    if (a.permAddress && (!a.address || !sameBytes(a.address, a.permAddress))) {
      p.text(" permaddr ");
      const s = llAddr(a.permAddress, h.ifiType);
      p.any("permaddr", s, s);
    }
  }
  if (a.linkNetnsid !== undefined) {
    p.jsonOnly("link_netnsid", a.linkNetnsid);
    p.text(` link-netnsid ${a.linkNetnsid}`);
  }
  if (a.protoDown) p.any("proto_down", " protodown on ", true);

  if (o.details) {
    if (a.promiscuity !== undefined) {
      p.any("promiscuity", ` promiscuity ${a.promiscuity} `, a.promiscuity);
    }
    if (a.allmulti !== undefined) p.any("allmulti", ` allmulti ${a.allmulti} `, a.allmulti);
    if (a.minMtu !== undefined) p.any("min_mtu", `minmtu ${a.minMtu} `, a.minMtu);
    if (a.maxMtu !== undefined) p.any("max_mtu", `maxmtu ${a.maxMtu} `, a.maxMtu);
    if (a.linkinfo) printLinkKind(ctx, links, a.linkinfo);
    if (doLink) {
      const mode = a.afSpec?.inet6?.addrGenMode;
      if (mode !== undefined) {
        const m = ["eui64", "none", "stable_secret", "random"][mode];
        if (m) p.any("inet6_addr_gen_mode", `addrgenmode ${m} `, m);
        else p.any("inet6_addr_gen_mode", `addrgenmode ${mode} `, String(mode));
      }
    }
    const u = (key: string, text: string, v: number | undefined) => {
      if (v !== undefined) p.any(key, `${text} ${v} `, v);
    };
    u("num_tx_queues", "numtxqueues", a.numTxQueues);
    u("num_rx_queues", "numrxqueues", a.numRxQueues);
    u("gso_max_size", "gso_max_size", a.gsoMaxSize);
    u("gso_max_segs", "gso_max_segs", a.gsoMaxSegs);
    u("tso_max_size", "tso_max_size", a.tsoMaxSize);
    u("tso_max_segs", "tso_max_segs", a.tsoMaxSegs);
    u("gro_max_size", "gro_max_size", a.groMaxSize);
    if (a.physPortName !== undefined) {
      p.any("phys_port_name", `portname ${a.physPortName} `, a.physPortName);
    }
    if (a.physPortId) {
      const s = hex(a.physPortId);
      p.any("phys_port_id", `portid ${s} `, s);
    }
    if (a.physSwitchId) {
      const s = hex(a.physSwitchId);
      p.any("phys_switch_id", `switchid ${s} `, s);
    }
    if (a.parentDevBusName !== undefined) {
      p.any("parentbus", `parentbus ${a.parentDevBusName} `, a.parentDevBusName);
    }
    if (a.parentDevName !== undefined) {
      p.any("parentdev", `parentdev ${a.parentDevName} `, a.parentDevName);
    }
  }
  if ((doLink || o.details) && a.ifalias !== undefined) {
    p.text("\n    ");
    p.any("ifalias", `alias ${a.ifalias}`, a.ifalias);
  }
  if (doLink && o.stats) {
    p.text("\n");
    printLinkStats(ctx, l);
  }
  const alt = a.propList?.altIfname;
  if (alt) {
    p.openArray("altnames", "");
    for (const n of alt) {
      p.text("\n    altname ");
      p.any(null, n, n);
    }
    p.closeArray("");
  }
  p.text("\n");
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** `hexstring_n2a`. */
export function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

/** `__print_link_stats` → `print_stats64`. */
export function printLinkStats(ctx: Context, l: Link): void {
  const p = ctx.p;
  const a = l.attrs;
  const s64 = a.stats64;
  const s = s64 ?? a.stats;
  if (!s) return;
  const n = (v: number | bigint | undefined) => BigInt(v ?? 0);
  const st = {
    rxBytes: n(s.rxBytes),
    rxPackets: n(s.rxPackets),
    rxErrors: n(s.rxErrors),
    rxDropped: n(s.rxDropped),
    rxOver: n(s.rxOverErrors),
    multicast: n(s.multicast),
    rxCompressed: n(s.rxCompressed),
    rxLength: n(s.rxLengthErrors),
    rxCrc: n(s.rxCrcErrors),
    rxFrame: n(s.rxFrameErrors),
    rxFifo: n(s.rxFifoErrors),
    rxMissed: n(s.rxMissedErrors),
    rxNohandler: n(s.rxNohandler),
    rxOtherhost: n((s as rtLink.RtnlLinkStats64).rxOtherhostDropped),
    txBytes: n(s.txBytes),
    txPackets: n(s.txPackets),
    txErrors: n(s.txErrors),
    txDropped: n(s.txDropped),
    txCarrier: n(s.txCarrierErrors),
    collisions: n(s.collisions),
    txCompressed: n(s.txCompressed),
    txAborted: n(s.txAbortedErrors),
    txFifo: n(s.txFifoErrors),
    txWindow: n(s.txWindowErrors),
    txHeartbeat: n(s.txHeartbeatErrors),
  };
  const cc = a.carrierChanges;
  const more = ctx.opts.stats > 1;
  if (p.json) {
    p.openObject(s64 ? "stats64" : "stats");
    p.openObject("rx");
    p.jsonOnly("bytes", st.rxBytes);
    p.jsonOnly("packets", st.rxPackets);
    p.jsonOnly("errors", st.rxErrors);
    p.jsonOnly("dropped", st.rxDropped);
    p.jsonOnly("over_errors", st.rxOver);
    p.jsonOnly("multicast", st.multicast);
    if (st.rxCompressed) p.jsonOnly("compressed", st.rxCompressed);
    if (more) {
      p.jsonOnly("length_errors", st.rxLength);
      p.jsonOnly("crc_errors", st.rxCrc);
      p.jsonOnly("frame_errors", st.rxFrame);
      p.jsonOnly("fifo_errors", st.rxFifo);
      p.jsonOnly("missed_errors", st.rxMissed);
      if (st.rxNohandler) p.jsonOnly("nohandler", st.rxNohandler);
      if (st.rxOtherhost) p.jsonOnly("otherhost", st.rxOtherhost);
    }
    p.closeObject();
    p.openObject("tx");
    p.jsonOnly("bytes", st.txBytes);
    p.jsonOnly("packets", st.txPackets);
    p.jsonOnly("errors", st.txErrors);
    p.jsonOnly("dropped", st.txDropped);
    p.jsonOnly("carrier_errors", st.txCarrier);
    p.jsonOnly("collisions", st.collisions);
    if (st.txCompressed) p.jsonOnly("compressed", st.txCompressed);
    if (more) {
      p.jsonOnly("aborted_errors", st.txAborted);
      p.jsonOnly("fifo_errors", st.txFifo);
      p.jsonOnly("window_errors", st.txWindow);
      p.jsonOnly("heartbeat_errors", st.txHeartbeat);
      if (cc !== undefined) p.jsonOnly("carrier_changes", cc);
    }
    p.closeObject();
    p.closeObject();
    return;
  }
  const cols = [10, 7, 6, 7, 7, 7, 10, 9];
  const size = (...v: bigint[]) => {
    v.forEach((x, i) => {
      const len = x.toString().length;
      if (len > cols[i]) cols[i] = len;
    });
  };
  size(
    st.rxBytes,
    st.rxPackets,
    st.rxErrors,
    st.rxDropped,
    st.rxMissed,
    st.multicast,
    st.rxCompressed,
    0n,
  );
  if (more) {
    size(0n, st.rxLength, st.rxCrc, st.rxFrame, st.rxFifo, st.rxOver, st.rxNohandler, 0n);
  }
  size(
    st.txBytes,
    st.txPackets,
    st.txErrors,
    st.txDropped,
    st.txCarrier,
    st.collisions,
    st.txCompressed,
    0n,
  );
  if (more) {
    size(0n, 0n, st.txAborted, st.txFifo, st.txWindow, st.txHeartbeat, BigInt(cc ?? 0), 0n);
  }
  const pad = (s: string, w: number) => s.padStart(w);
  const num = (v: bigint, w: number) => pad(v.toString(), w) + " ";
  let t = `    RX: ${pad("bytes", cols[0] - 4)} ${pad("packets", cols[1])} ${
    pad("errors", cols[2])
  } ${pad("dropped", cols[3])} ${pad("missed", cols[4])} ${pad("mcast", cols[5])} ${
    pad(st.rxCompressed ? "compressed" : "", cols[6])
  }\n`;
  t += "    " + num(st.rxBytes, cols[0]) + num(st.rxPackets, cols[1]) +
    num(st.rxErrors, cols[2]) + num(st.rxDropped, cols[3]) + num(st.rxMissed, cols[4]) +
    num(st.multicast, cols[5]);
  if (st.rxCompressed) t += num(st.rxCompressed, cols[6]);
  if (more) {
    t += `\n    RX errors:${pad("", cols[0] - 10)} ${pad("length", cols[1])} ${
      pad("crc", cols[2])
    } ${pad("frame", cols[3])} ${pad("fifo", cols[4])} ${pad("overrun", cols[5])}${
      st.rxNohandler ? pad(" nohandler", cols[6] + 1) : ""
    }${st.rxOtherhost ? pad(" otherhost", cols[7] + 1) : ""}\n`;
    t += " ".repeat(cols[0] + 5) + num(st.rxLength, cols[1]) + num(st.rxCrc, cols[2]) +
      num(st.rxFrame, cols[3]) + num(st.rxFifo, cols[4]) + num(st.rxOver, cols[5]);
    if (st.rxNohandler) t += num(st.rxNohandler, cols[6]);
    if (st.rxOtherhost) t += num(st.rxOtherhost, cols[7]);
  }
  t += "\n";
  t += `    TX: ${pad("bytes", cols[0] - 4)} ${pad("packets", cols[1])} ${pad("errors", cols[2])} ${
    pad("dropped", cols[3])
  } ${pad("carrier", cols[4])} ${pad("collsns", cols[5])} ${
    pad(st.txCompressed ? "compressed" : "", cols[6])
  }\n`;
  t += "    " + num(st.txBytes, cols[0]) + num(st.txPackets, cols[1]) +
    num(st.txErrors, cols[2]) + num(st.txDropped, cols[3]) + num(st.txCarrier, cols[4]) +
    num(st.collisions, cols[5]);
  if (st.txCompressed) t += num(st.txCompressed, cols[6]);
  if (more) {
    t += `\n    TX errors:${pad("", cols[0] - 10)} ${pad("aborted", cols[1])} ${
      pad("fifo", cols[2])
    } ${pad("window", cols[3])} ${pad("heartbt", cols[4])} ${
      pad(cc !== undefined ? "transns" : "", cols[5])
    }\n`;
    t += " ".repeat(cols[0] + 5) + num(st.txAborted, cols[1]) + num(st.txFifo, cols[2]) +
      num(st.txWindow, cols[3]) + num(st.txHeartbeat, cols[4]);
    if (cc !== undefined) t += num(BigInt(cc), cols[5]);
  }
  p.text(t);
}

const IFA_F = rtAddr.IFA_FLAGS;
/** `ifa_flag_data`, in iproute2's order. */
const ADDR_FLAGS: [string, number][] = [
  ["secondary", IFA_F.SECONDARY],
  ["temporary", IFA_F.SECONDARY],
  ["nodad", IFA_F.NODAD],
  ["optimistic", IFA_F.OPTIMISTIC],
  ["dadfailed", IFA_F.DADFAILED],
  ["home", IFA_F.HOMEADDRESS],
  ["deprecated", IFA_F.DEPRECATED],
  ["tentative", IFA_F.TENTATIVE],
  ["permanent", IFA_F.PERMANENT],
  ["mngtmpaddr", IFA_F.MANAGETEMPADDR],
  ["noprefixroute", IFA_F.NOPREFIXROUTE],
  ["autojoin", IFA_F.MCAUTOJOIN],
  ["stable-privacy", IFA_F.STABLE_PRIVACY],
];

function addrText(family: number, b: Uint8Array): string {
  return family === 2 || family === 10 ? formatIp(b) : hex(b);
}

/** `print_addrinfo`. */
export function printAddr(ctx: Context, links: Map<number, LinkInfo>, m: Addr): void {
  const p = ctx.p;
  const h = m.header;
  const a = m.attrs;
  let flags = a.flags ?? h.ifaFlags;
  const local = a.local ?? a.address;
  const address = a.address ?? a.local;
  if (ctx.opts.oneline) {
    const dev = links.get(h.ifaIndex)?.name ?? `if${h.ifaIndex}`;
    p.jsonOnly("index", h.ifaIndex);
    p.jsonOnly("dev", dev);
    p.text(`${h.ifaIndex}: ${dev}`);
  }
  const fam = familyName(h.ifaFamily);
  if (fam !== "???") p.any("family", `    ${fam} `, fam);
  else p.any("family_index", `    family ${h.ifaFamily} `, h.ifaFamily);
  if (local) {
    const s = addrText(h.ifaFamily, local);
    p.any("local", s, s);
    if (address && !sameBytes(address, local)) {
      p.text(" peer ");
      const t = addrText(h.ifaFamily, address);
      p.any("address", t, t);
    }
    p.any("prefixlen", `/${h.ifaPrefixlen} `, h.ifaPrefixlen);
    if (a.rtPriority !== undefined) p.any("metric", `metric ${a.rtPriority} `, a.rtPriority);
  }
  if (a.broadcast) {
    p.text("brd ");
    const s = addrText(h.ifaFamily, a.broadcast);
    p.any("broadcast", `${s} `, s);
  }
  if (a.anycast) {
    p.text("any ");
    const s = addrText(h.ifaFamily, a.anycast);
    p.any("anycast", `${s} `, s);
  }
  const sc = scopeName(h.ifaScope);
  p.any("scope", `scope ${sc} `, sc);
  for (const [name, mask] of ADDR_FLAGS) {
    if (mask === IFA_F.PERMANENT) {
      if (!(flags & mask)) p.any("dynamic", "dynamic ", true);
    } else if (flags & mask) {
      if (mask === IFA_F.SECONDARY && h.ifaFamily === 10) p.any("temporary", "temporary ", true);
      else p.any(name, `${name} `, true);
    }
    flags &= ~mask;
  }
  if (flags) {
    p.jsonOnly("ifa_flags", `0x${flags.toString(16)}`);
    p.text(`flags ${flags.toString(16).padStart(2, "0")} `);
  }
  if (a.label !== undefined) p.any("label", a.label, a.label);
  if (a.cacheinfo) {
    const ci = a.cacheinfo;
    p.text("\n       valid_lft ");
    if (ci.ifaValid === 0xffffffff) {
      p.jsonOnly("valid_life_time", 0xffffffff);
      p.text("forever");
    } else p.any("valid_life_time", `${ci.ifaValid}sec`, ci.ifaValid);
    p.text(" preferred_lft ");
    if (ci.ifaPrefered === 0xffffffff) {
      p.jsonOnly("preferred_life_time", 0xffffffff);
      p.text("forever");
    } else if (a.flags !== undefined && (a.flags & IFA_F.DEPRECATED)) {
      const v = ci.ifaPrefered | 0;
      p.any("preferred_life_time", `${v}sec`, v);
    } else p.any("preferred_life_time", `${ci.ifaPrefered}sec`, ci.ifaPrefered);
  }
  p.text("\n");
}

/** Parse `dev NAME` / bare NAME arguments of `show` into a filter. */
interface ShowFilter {
  dev?: string;
  up: boolean;
  master?: string;
  kind?: string;
}

function parseShow(args: string[]): ShowFilter {
  const f: ShowFilter = { up: false };
  for (let i = 0; i < args.length; i++) {
    const w = args[i];
    if (w === "dev") f.dev = args[++i];
    else if (w === "up") f.up = true;
    else if (w === "master") f.master = args[++i];
    else if (w === "type") f.kind = args[++i];
    else if (w === "show" || w === "list" || w === "lst") continue;
    else f.dev = w;
  }
  return f;
}

/** `ip link show` (doLink) and `ip address show`. */
export async function showLinks(ctx: Context, args: string[], doLink: boolean): Promise<void> {
  const f = parseShow(args);
  // `ip link` lists with AF_PACKET whatever -4/-6 say.
  if (doLink && ctx.opts.family !== 17) ctx.opts.family = 17;
  const o = ctx.opts;
  const links: Link[] = [];
  const map = new Map<number, LinkInfo>();
  const extMask = rtLink.RTEXT_FILTER.VF | (o.stats ? 0 : rtLink.RTEXT_FILTER.SKIP_STATS);
  // `ip link show` without -s still asks for stats (iproute2 sends only RTEXT_FILTER_VF);
  // they are not printed, so skipping them is invisible.
  // Like iproute2, ask with the family: `-6` gets the kernel's IPv6 view of links.
  const header = { ifiFamily: o.family === 17 ? 0 : o.family };
  for await (const l of ctx.rt.dump(rtLink.operations.getlink, { header, attrs: { extMask } })) {
    links.push(l);
    map.set(l.header.ifiIndex, {
      name: l.attrs.ifname ?? `if${l.header.ifiIndex}`,
      flags: l.header.ifiFlags,
      type: l.header.ifiType,
    });
  }
  if (header.ifiFamily) {
    // The kernel's per-family link dump has no IFLA_TXQLEN; iproute2 then asks with an ioctl.
    // Take it from a full dump instead.
    const full = new Map<number, number>();
    for await (
      const l of ctx.rt.dump(rtLink.operations.getlink, {
        attrs: { extMask: rtLink.RTEXT_FILTER.SKIP_STATS },
      })
    ) {
      if (l.attrs.txqlen !== undefined) full.set(l.header.ifiIndex, l.attrs.txqlen);
    }
    for (const l of links) {
      if (l.attrs.txqlen === undefined) l.attrs.txqlen = full.get(l.header.ifiIndex);
    }
  }
  ctx.setLinks(map);
  let selected = links;
  if (f.dev !== undefined) {
    selected = links.filter((l) => l.attrs.ifname === f.dev);
    if (selected.length === 0) {
      throw new UsageError(`Device "${f.dev}" does not exist.`, 1);
    }
  }
  if (f.up) selected = selected.filter((l) => l.header.ifiFlags & IFF.UP);
  if (f.master !== undefined) {
    const mi = await ctx.index(f.master);
    selected = selected.filter((l) => l.attrs.master === mi);
  }
  if (f.kind !== undefined) selected = selected.filter((l) => l.attrs.linkinfo?.kind === f.kind);

  let addrs: Addr[] = [];
  const wantAddrs = !doLink && o.family !== 17;
  if (wantAddrs) {
    for await (
      const m of ctx.rt.dump(rtAddr.operations.getaddr, { header: { ifaFamily: o.family } })
    ) {
      if (m.header.ifaFamily === 2 || m.header.ifaFamily === 10 || !o.family) addrs.push(m);
    }
    if (o.family) addrs = addrs.filter((m) => m.header.ifaFamily === o.family);
    // ipaddr_filter: with a family, links without such addresses are not shown.
    if (o.family || o.oneline) {
      const has = new Set(addrs.map((m) => m.header.ifaIndex));
      selected = selected.filter((l) => has.has(l.header.ifiIndex));
    }
  }

  const p = ctx.p;
  p.start();
  for (const l of selected) {
    if (o.oneline && wantAddrs) {
      for (const m of addrs) {
        if (m.header.ifaIndex !== l.header.ifiIndex) continue;
        p.openObject();
        printAddr(ctx, map, m);
        p.closeObject();
      }
      continue;
    }
    p.openObject();
    printLink(ctx, map, l, doLink);
    if (wantAddrs) {
      p.openArray("addr_info", "");
      for (const m of addrs) {
        if (m.header.ifaIndex !== l.header.ifiIndex) continue;
        if (f.up && !(l.header.ifiFlags & IFF.UP)) continue;
        p.openObject();
        printAddr(ctx, map, m);
        p.closeObject();
      }
      p.closeArray("");
      if (o.stats) {
        printLinkStats(ctx, l);
        if (!p.json) p.text("\n");
      }
    }
    p.closeObject();
    if (p.json === false) ctx.flush();
  }
  p.finish();
  ctx.flush();
}
