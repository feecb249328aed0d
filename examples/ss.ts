#!/usr/bin/env -S deno run -A
/**
 * `ss` on the library: list sockets through NETLINK_SOCK_DIAG, as iproute2's `ss` prints them.
 *
 * ```sh
 * deno run -A examples/ss.ts -tan                     # TCP sockets, all states
 * bun examples/ss.ts -xl                              # listening unix sockets
 * deno run -A examples/ss.ts -tnie state established '( dport = :443 or sport = :443 )'
 * deno run -A examples/ss.ts -uan -j                  # JSON
 * deno run -A examples/ss.ts -tan --pcap ss.pcap      # and the traffic, for tshark
 * deno run -A jsr:@netlink/netlink/examples/ss -tan      # straight from the package
 * ```
 *
 * Options: `-t -u -w -x -0 -M -S -d` (tables), `-a -l` (states), `-4 -6 -f FAMILY -A QUERY`,
 * `-n -o -e -m -i -H -j`, `-N NETNS`, `--pcap FILE` (what the tool sends and receives, as a
 * pcap file tshark dissects); then `state NAME`/`exclude NAME` (ss's names and groups:
 * `connected`, `synchronized`, `bucket`, `big`, `all`…) and a filter expression (ss's grammar:
 * see families/sock_diag/filter.ts).
 *
 * The text is ss's for output that is not a terminal (iproute2 6.1, with `-n`): the same
 * columns, widths and alignment, the same extra fields. Differences from `ss`:
 *
 * - names are never resolved: ports, netlink protocols and packet protocols print as numbers,
 *   netlink port ids as numbers (ss without `-n` prints service names, `rtnl`, `kernel`,
 *   process names);
 * - on a terminal `ss` spreads the columns over the screen width; this prints the compact form
 *   always, and renders everything at the end (ss renders in batches past ~4 MB of output);
 * - raw sockets need the kernel's raw diag module (CONFIG_INET_RAW_DIAG); without it ss reads
 *   /proc/net/raw, this prints a warning instead;
 * - `-p`, `-Z`, `-K`, `-E`, `-s`, `-b`, `--tos`, `--cgroup`, `--inet-sockopt`, TLS and MPTCP
 *   details, vsock, tipc and xdp sockets are not implemented; `dev` filters only in user space
 *   (ss too: it sends no bytecode for them), `link:`/`netlink:`/`vsock:` conditions and host
 *   names in filters are refused.
 *
 * `-j` prints a JSON array with one object per socket (the shapes are documented with
 * `inetJson`, `unixJson`, `packetJson` and `netlinkJson` in examples/ss/format.ts): always
 * `netid`, `state`, `recvQ`, `sendQ`, `local`, `peer`, plus what `-o`, `-e`, `-m`, `-i` add.
 *
 * @module
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { Client } from "../client/client.ts";
import * as rtLink from "../families/generated/rt_link.ts";
import {
  AF,
  inetFilterTarget,
  type InetSock,
  IPPROTO,
  matchFilter,
  type NetlinkSock,
  type PacketSock,
  SockDiag,
  unixFilterTarget,
  type UnixSock,
} from "../families/sock_diag/mod.ts";
import { DB, hasFamily, parseArgs, type SsOptions, USAGE, UsageError } from "./ss/args.ts";
import {
  inetJson,
  type Json,
  type Names,
  netlinkJson,
  packetJson,
  printInet,
  printNetlink,
  printPacket,
  printUnix,
  type Show,
  unixJson,
} from "./ss/format.ts";
import { COL, Table } from "./ss/table.ts";
import { args, Chunks, runTool, stderr, stdout, UsageError as PcapUsageError } from "./_io.ts";
import { pcapArgument } from "./_pcap.ts";

/** Where the output goes. */
export interface Output {
  /** Standard output. */
  out(s: string): void;
  /** Standard error. */
  err(s: string): void;
}

type Row =
  | { kind: "inet"; s: InetSock }
  | { kind: "unix"; s: UnixSock }
  | { kind: "packet"; s: PacketSock }
  | { kind: "netlink"; s: NetlinkSock };

const bit = (n: number) => 1 << n;

/** Interface names of the namespace (for `%dev` and packet sockets), loaded on first use. */
async function linkNames(
  netns: string | undefined,
  pcap: string | undefined,
): Promise<Map<number, string>> {
  const names = new Map<number, string>();
  await using rt = await Client.open(rtLink.family, { netns, pcap });
  for await (const l of rt.dump(rtLink.operations.getlink)) {
    if (l.attrs.ifname !== undefined) names.set(l.header.ifiIndex, l.attrs.ifname);
  }
  return names;
}

/** cgroup v2 paths by id (ss: cg_id_to_path): the directories of the cgroup2 mount. */
function cgroupPaths(): Map<bigint, string> {
  const map = new Map<bigint, string>();
  let mnt: string | undefined;
  try {
    for (const line of readFileSync("/proc/mounts", "utf8").split("\n")) {
      const f = line.split(" ");
      if (f[2] === "cgroup2") {
        mnt = f[1];
        break;
      }
    }
  } catch {
    return map;
  }
  if (mnt === undefined) return map;
  const walk = (dir: string, rel: string) => {
    try {
      map.set(statSync(dir, { bigint: true }).ino, rel === "" ? "/" : rel);
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(`${dir}/${e.name}`, `${rel}/${e.name}`);
      }
    } catch {
      // unreadable: skip
    }
  };
  walk(mnt, "");
  return map;
}

async function collect(diag: SockDiag, o: SsOptions, err: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const warn = (e: unknown) => err(`ss.ts: ${e instanceof Error ? e.message : e}\n`);
  const close = bit(7);
  if (o.dbs & bit(DB.netlink) && hasFamily(o, AF.netlink) && o.states & close) {
    for await (const s of diag.netlink()) {
      const target = { family: AF.netlink, local: { port: s.portId | 0 }, remote: { port: -1 } };
      if (o.filter && !matchFilter(o.filter, target)) continue;
      rows.push({ kind: "netlink", s });
    }
  }
  if (
    o.dbs & (bit(DB.packetRaw) | bit(DB.packetDgram)) && hasFamily(o, AF.packet) && o.states & close
  ) {
    for await (const s of diag.packet()) {
      if (s.meminfo === undefined) continue;
      const target = {
        family: AF.packet,
        local: { port: s.info?.pdiIndex ?? 0 },
        remote: { port: 0 },
      };
      if (o.filter && !matchFilter(o.filter, target)) continue;
      rows.push({ kind: "packet", s });
    }
  }
  if (
    o.dbs & (bit(DB.unixStream) | bit(DB.unixDgram) | bit(DB.unixSeqpacket)) &&
    hasFamily(o, AF.unix)
  ) {
    const show: ("name" | "peer" | "rqlen" | "meminfo" | "vfs" | "icons")[] = [
      "name",
      "peer",
      "rqlen",
    ];
    if (o.memory) show.push("meminfo");
    if (o.details) show.push("vfs", "icons");
    for await (const s of diag.unix({ states: o.states, show })) {
      const db = s.type === 1 ? DB.unixStream : s.type === 5 ? DB.unixSeqpacket : DB.unixDgram;
      if (!(o.dbs & bit(db)) && (s.type === 1 || s.type === 2 || s.type === 5)) continue;
      if (o.filter && !matchFilter(o.filter, unixFilterTarget(s))) continue;
      rows.push({ kind: "unix", s });
    }
  }
  const inet: [number, number][] = [
    [DB.raw, IPPROTO.raw],
    [DB.udp, IPPROTO.udp],
    [DB.tcp, IPPROTO.tcp],
    [DB.dccp, IPPROTO.dccp],
    [DB.sctp, IPPROTO.sctp],
    [DB.mptcp, IPPROTO.mptcp],
  ];
  const extensions: ("meminfo" | "skmeminfo" | "info" | "vegasinfo" | "cong")[] = [];
  if (o.memory) extensions.push("meminfo", "skmeminfo");
  if (o.info) extensions.push("info", "vegasinfo", "cong");
  for (const [db, protocol] of inet) {
    if (!(o.dbs & bit(db)) || !(hasFamily(o, AF.inet) || hasFamily(o, AF.inet6))) continue;
    // ss: IPv4 first unless -6 came last, then IPv6 unless -4 came last.
    const fams = o.preferredFamily === AF.inet6
      ? [AF.inet6]
      : o.preferredFamily === AF.inet
      ? [AF.inet]
      : [AF.inet, AF.inet6];
    try {
      for (const family of fams) {
        const q = { family, protocol, states: o.states, extensions, filter: o.filter };
        for await (const s of diag.inet(q)) {
          if (!hasFamily(o, s.family)) continue;
          if (o.filter && !matchFilter(o.filter, inetFilterTarget(s))) continue;
          rows.push({ kind: "inet", s });
        }
      }
    } catch (e) {
      warn(e);
    }
  }
  return rows;
}

/** Run `ss` with `argv`; returns the exit status. */
export async function ss(argv: readonly string[], io: Output): Promise<number> {
  let o: ReturnType<typeof parseArgs>;
  let pcap: string | undefined;
  try {
    const taken = pcapArgument(argv, "ss");
    pcap = taken.pcap;
    o = parseArgs(taken.rest);
  } catch (e) {
    if (e instanceof UsageError || e instanceof PcapUsageError) {
      io.err(`${e.message.trimEnd()}\n${USAGE}\n`);
      return 1;
    }
    throw e;
  }
  if (o.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  await using diag = await SockDiag.open({ netns: o.netns, pcap });
  const rows = await collect(diag, o, io.err);
  const show: Show = {
    options: o.options,
    details: o.details,
    memory: o.memory,
    info: o.info,
    numeric: o.numeric,
  };
  let links: Map<number, string> | undefined;
  const needLinks = rows.some((r) =>
    (r.kind === "inet" && r.s.iface !== 0) ||
    (r.kind === "packet" && (r.s.info?.pdiIndex ?? 0) !== 0)
  );
  if (needLinks) links = await linkNames(o.netns, pcap);
  let cgroups: Map<bigint, string> | undefined;
  const names: Names = {
    ifname: (i) => links?.get(i) ?? String(i),
    cgroup: (id) => (cgroups ??= cgroupPaths()).get(id) ?? `unreachable:${id.toString(16)}`,
  };
  if (o.json) {
    // An element at a time, in large chunks: no array of objects, no joined copy of it all.
    const chunks = new Chunks((s) => io.out(s));
    rows.forEach((r, i) => {
      const j: Json = r.kind === "inet"
        ? inetJson(r.s, show, names)
        : r.kind === "unix"
        ? unixJson(r.s, show)
        : r.kind === "packet"
        ? packetJson(r.s, show, names)
        : netlinkJson(r.s, show);
      chunks.write(`${i === 0 ? "[\n" : ",\n"}${JSON.stringify(j)}`);
    });
    chunks.write(rows.length === 0 ? "[]\n" : "\n]\n");
    chunks.end();
    return 0;
  }
  const t = new Table();
  if (o.hideNetid) t.disable(COL.netid);
  if (o.hideState) t.disable(COL.state);
  if (o.header) t.header();
  for (const r of rows) {
    if (r.kind === "inet") printInet(t, r.s, show, names);
    else if (r.kind === "unix") printUnix(t, r.s, show);
    else if (r.kind === "packet") printPacket(t, r.s, show, names);
    else printNetlink(t, r.s, show);
  }
  io.out(t.render());
  return 0;
}

if (import.meta.main) {
  await runTool("ss.ts", () => ss(args(), { out: stdout, err: stderr }));
}
