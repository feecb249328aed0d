/**
 * `ss`'s command line (misc/ss.c `main` of iproute2 6.1): socket tables, address families and
 * states with `ss`'s defaults, `state`/`exclude`, then a filter expression. The tables, their
 * default states and how they merge are `ss`'s (`default_dbs`, `default_afs`,
 * `filter_merge_defaults`).
 *
 * @module
 */
import {
  AF,
  type FilterExpr,
  parseFilter,
  parseStates,
  STATE_MASKS,
} from "../../families/sock_diag/mod.ts";
import { TCP_STATE } from "../../families/generated/sock_diag.ts";

/** Socket tables (ss's `*_DB`). */
export const DB = {
  tcp: 0,
  mptcp: 1,
  dccp: 2,
  udp: 3,
  raw: 4,
  unixDgram: 5,
  unixStream: 6,
  unixSeqpacket: 7,
  packetDgram: 8,
  packetRaw: 9,
  netlink: 10,
  sctp: 11,
} as const;

const bit = (n: number) => 1 << n;
const UNIX_DBM = bit(DB.unixDgram) | bit(DB.unixStream) | bit(DB.unixSeqpacket);
const PACKET_DBM = bit(DB.packetDgram) | bit(DB.packetRaw);
const INET_DBM = bit(DB.tcp) | bit(DB.mptcp) | bit(DB.udp) | bit(DB.dccp) | bit(DB.sctp) |
  bit(DB.raw);
const familyBit = (af: number) => 2 ** af;
const INET_FAMILIES = familyBit(AF.inet) + familyBit(AF.inet6);
const ESTAB = bit(TCP_STATE.ESTABLISHED);
const CLOSE = bit(TCP_STATE.CLOSE);
const LISTEN = bit(TCP_STATE.LISTEN);

/** Default states and families of each table (ss's default_dbs). */
const DEFAULT_DBS: Record<number, { states: number; families: number }> = {
  [DB.tcp]: { states: STATE_MASKS.conn, families: INET_FAMILIES },
  [DB.mptcp]: { states: STATE_MASKS.conn, families: INET_FAMILIES },
  [DB.dccp]: { states: STATE_MASKS.conn, families: INET_FAMILIES },
  [DB.udp]: { states: ESTAB, families: INET_FAMILIES },
  [DB.raw]: { states: ESTAB, families: INET_FAMILIES },
  [DB.unixDgram]: { states: CLOSE, families: familyBit(AF.unix) },
  [DB.unixStream]: { states: STATE_MASKS.conn, families: familyBit(AF.unix) },
  [DB.unixSeqpacket]: { states: STATE_MASKS.conn, families: familyBit(AF.unix) },
  [DB.packetDgram]: { states: CLOSE, families: familyBit(AF.packet) },
  [DB.packetRaw]: { states: CLOSE, families: familyBit(AF.packet) },
  [DB.netlink]: { states: CLOSE, families: familyBit(AF.netlink) },
  [DB.sctp]: { states: STATE_MASKS.conn, families: INET_FAMILIES },
};

/** Default tables and states of each family (ss's default_afs). */
const DEFAULT_AFS: Record<number, { dbs: number; states: number }> = {
  [AF.inet]: { dbs: INET_DBM, states: STATE_MASKS.conn },
  [AF.inet6]: { dbs: INET_DBM, states: STATE_MASKS.conn },
  [AF.unix]: { dbs: UNIX_DBM, states: STATE_MASKS.conn },
  [AF.packet]: { dbs: PACKET_DBM, states: CLOSE },
  [AF.netlink]: { dbs: bit(DB.netlink), states: CLOSE },
};

/** `-A` names (ss's db_name_tbl). */
const DB_NAMES: Record<string, number[]> = {
  all: [
    DB.udp,
    DB.dccp,
    DB.tcp,
    DB.mptcp,
    DB.raw,
    DB.unixStream,
    DB.unixDgram,
    DB.unixSeqpacket,
    DB.packetRaw,
    DB.packetDgram,
    DB.netlink,
    DB.sctp,
  ],
  inet: [DB.udp, DB.dccp, DB.tcp, DB.mptcp, DB.sctp, DB.raw],
  udp: [DB.udp],
  dccp: [DB.dccp],
  tcp: [DB.tcp],
  mptcp: [DB.mptcp],
  sctp: [DB.sctp],
  raw: [DB.raw],
  unix: [DB.unixStream, DB.unixDgram, DB.unixSeqpacket],
  unix_stream: [DB.unixStream],
  u_str: [DB.unixStream],
  unix_dgram: [DB.unixDgram],
  u_dgr: [DB.unixDgram],
  unix_seqpacket: [DB.unixSeqpacket],
  u_seq: [DB.unixSeqpacket],
  packet: [DB.packetRaw, DB.packetDgram],
  packet_raw: [DB.packetRaw],
  p_raw: [DB.packetRaw],
  packet_dgram: [DB.packetDgram],
  p_dgr: [DB.packetDgram],
  netlink: [DB.netlink],
};

/** The parsed command line. */
export interface SsOptions {
  /** Tables to show (bits of {@link DB}). */
  dbs: number;
  /** Address families (bit n for family n). */
  families: number;
  /** States (bit n for state n). */
  states: number;
  /** The last family named (ss's preferred_family), 0 for none. */
  preferredFamily: number;
  /** The filter expression. */
  filter: FilterExpr | undefined;
  /** -n, -e, -o, -m, -i. */
  numeric: boolean;
  /** `-e`. */
  details: boolean;
  /** `-o` (or `-e`). */
  options: boolean;
  /** `-m`. */
  memory: boolean;
  /** `-i`. */
  info: boolean;
  /** Print the header (no `-H`). */
  header: boolean;
  /** `-j`: JSON. */
  json: boolean;
  /** Hide the Netid column (one table). */
  hideNetid: boolean;
  /** Hide the State column (one state). */
  hideState: boolean;
}

/** A command-line mistake, with ss's wording where it has one. */
export class UsageError extends Error {
  /** Mark as a usage error. */
  override name = "UsageError";
}

/** Usage text. */
export const USAGE = `Usage: ss.ts [ OPTIONS ] [ FILTER ]
   -H, --no-header     Suppress header line
   -n, --numeric       don't resolve service names (always the case here)
   -a, --all           display all sockets
   -l, --listening     display listening sockets
   -o, --options       show timer information
   -e, --extended      show detailed socket information
   -m, --memory        show socket memory usage
   -i, --info          show internal TCP information
   -j, --json          one JSON object per socket (an array)
   -4, --ipv4          display only IP version 4 sockets
   -6, --ipv6          display only IP version 6 sockets
   -0, --packet        display PACKET sockets
   -t, --tcp           display only TCP sockets
   -M, --mptcp         display only MPTCP sockets
   -S, --sctp          display only SCTP sockets
   -u, --udp           display only UDP sockets
   -d, --dccp          display only DCCP sockets
   -w, --raw           display only RAW sockets
   -x, --unix          display only Unix domain sockets
   -f, --family=FAMILY display sockets of type FAMILY (inet|inet6|link|unix|netlink)
   -A, --query=QUERY, --socket=QUERY  (all|inet|tcp|mptcp|udp|raw|unix|packet|netlink)[,QUERY]
   -N, --net=NETNS     switch to the named network namespace
       --pcap FILE     write what is sent and received to FILE (pcap, for tshark)
   FILTER := [ state STATE-FILTER ] [ EXPRESSION ]`;

const SHORT: Record<string, string> = {
  n: "numeric",
  a: "all",
  l: "listening",
  o: "options",
  e: "extended",
  m: "memory",
  i: "info",
  j: "json",
  H: "no-header",
  "4": "ipv4",
  "6": "ipv6",
  "0": "packet",
  t: "tcp",
  M: "mptcp",
  S: "sctp",
  u: "udp",
  d: "dccp",
  w: "raw",
  x: "unix",
  f: "family",
  A: "query",
  N: "net",
  h: "help",
};

/** Parse `ss` arguments. `netns` is set by `-N NAME`. */
export function parseArgs(argv: readonly string[]): SsOptions & { netns?: string; help: boolean } {
  const f = { dbs: 0, states: 0, families: 0 };
  let doDefault = true;
  let preferred = 0;
  let stateFilter = 0;
  let saw = false;
  const o = {
    numeric: false,
    details: false,
    options: false,
    memory: false,
    info: false,
    header: true,
    json: false,
    help: false,
    netns: undefined as string | undefined,
  };
  const dbSet = (db: number) => {
    f.states |= DEFAULT_DBS[db].states;
    f.dbs |= bit(db);
    doDefault = false;
  };
  const afSet = (af: number) => {
    f.states |= DEFAULT_AFS[af].states;
    f.families |= familyBit(af);
    doDefault = false;
    preferred = af;
  };
  const families: Record<string, number> = {
    inet: AF.inet,
    inet6: AF.inet6,
    link: AF.packet,
    unix: AF.unix,
    netlink: AF.netlink,
  };
  const rest: string[] = [];
  let i = 0;
  const value = (name: string, inline: string | undefined) => {
    if (inline !== undefined) return inline;
    if (i >= argv.length) throw new UsageError(`option "${name}" requires an argument`);
    return argv[i++];
  };
  const long = (name: string, inline: string | undefined) => {
    switch (name) {
      case "numeric":
        o.numeric = true;
        break;
      case "all":
        stateFilter = STATE_MASKS.all;
        break;
      case "listening":
        stateFilter = LISTEN | CLOSE;
        break;
      case "options":
        o.options = true;
        break;
      case "extended":
        o.options = true;
        o.details = true;
        break;
      case "memory":
        o.memory = true;
        break;
      case "info":
        o.info = true;
        break;
      case "json":
        o.json = true;
        break;
      case "no-header":
        o.header = false;
        break;
      case "ipv4":
        afSet(AF.inet);
        break;
      case "ipv6":
        afSet(AF.inet6);
        break;
      case "packet":
        afSet(AF.packet);
        break;
      case "unix":
        afSet(AF.unix);
        break;
      case "tcp":
        dbSet(DB.tcp);
        break;
      case "mptcp":
        dbSet(DB.mptcp);
        break;
      case "sctp":
        dbSet(DB.sctp);
        break;
      case "udp":
        dbSet(DB.udp);
        break;
      case "dccp":
        dbSet(DB.dccp);
        break;
      case "raw":
        dbSet(DB.raw);
        break;
      case "family": {
        const v = value(name, inline);
        const af = families[v];
        if (af === undefined) throw new UsageError(`ss: "${v}" is invalid family`);
        afSet(af);
        break;
      }
      case "query":
      case "socket": {
        const v = value(name, inline);
        if (!saw) {
          f.dbs = 0;
          stateFilter = stateFilter || STATE_MASKS.conn;
          saw = true;
          doDefault = false;
        }
        for (let q of v.split(",")) {
          const enable = !q.startsWith("!");
          if (!enable) q = q.slice(1);
          const dbs = DB_NAMES[q];
          if (dbs === undefined) throw new UsageError(`ss: "${q}" is illegal socket table id`);
          for (const db of dbs) {
            if (enable) dbSet(db);
            else f.dbs &= ~bit(db);
          }
          doDefault = false;
        }
        break;
      }
      case "net":
        o.netns = value(name, inline);
        break;
      case "help":
        o.help = true;
        break;
      default:
        throw new UsageError(`unknown option --${name}`);
    }
  };
  while (i < argv.length) {
    const a = argv[i++];
    if (a === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (a.startsWith("--") && a.length > 2) {
      const eq = a.indexOf("=");
      long(eq < 0 ? a.slice(2) : a.slice(2, eq), eq < 0 ? undefined : a.slice(eq + 1));
    } else if (a.startsWith("-") && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const name = SHORT[a[k]];
        if (name === undefined) throw new UsageError(`invalid option -- '${a[k]}'`);
        if (name === "family" || name === "query" || name === "net") {
          long(name, k + 1 < a.length ? a.slice(k + 1) : undefined);
          break;
        }
        long(name, undefined);
      }
    } else rest.push(a);
  }
  // state / exclude words, then the filter expression.
  const stateWords: ["state" | "exclude", string][] = [];
  let r = 0;
  while (r < rest.length && (rest[r] === "state" || rest[r] === "exclude" || rest[r] === "excl")) {
    if (r + 1 >= rest.length) throw new UsageError(`"${rest[r]}" needs a state name`);
    stateWords.push([rest[r] === "state" ? "state" : "exclude", rest[r + 1]]);
    r += 2;
  }
  try {
    const s = parseStates(stateWords);
    if (s !== undefined) stateFilter = s;
  } catch (e) {
    throw new UsageError(`ss: ${(e as Error).message}`);
  }
  if (doDefault) {
    stateFilter = stateFilter || STATE_MASKS.conn;
    for (const db of DB_NAMES.all) dbSet(db);
  }
  if (stateFilter) f.states = stateFilter;
  // filter_merge_defaults
  for (let db = 0; db <= DB.sctp; db++) {
    if (!(f.dbs & bit(db))) continue;
    if (!(DEFAULT_DBS[db].families & f.families)) {
      f.families += DEFAULT_DBS[db].families & ~f.families;
    }
  }
  for (const af of [AF.unix, AF.inet, AF.inet6, AF.netlink, AF.packet]) {
    if (!(f.families & familyBit(af))) continue;
    if (!(DEFAULT_AFS[af].dbs & f.dbs)) f.dbs |= DEFAULT_AFS[af].dbs;
  }
  if (f.dbs === 0) throw new UsageError("ss: no socket tables to show with such filter.");
  if (f.families === 0) throw new UsageError("ss: no families to show with such filter.");
  if (f.states === 0) throw new UsageError("ss: no socket states to show with such filter.");
  let filter: FilterExpr | undefined;
  try {
    filter = parseFilter(rest.slice(r), { family: preferred });
  } catch (e) {
    throw new UsageError(`ss: ${(e as Error).message}`);
  }
  return {
    ...o,
    dbs: f.dbs,
    families: f.families,
    states: f.states,
    preferredFamily: preferred,
    filter,
    hideNetid: (f.dbs & (f.dbs - 1)) === 0,
    hideState: (f.states & (f.states - 1)) === 0,
  };
}

/** Whether family `af` is selected. */
export function hasFamily(o: SsOptions, af: number): boolean {
  return (o.families & familyBit(af)) !== 0;
}
