/**
 * The command line of examples/conntrack.ts: the `conntrack` tool's commands and options that
 * the example implements.
 *
 * @module
 */
import type { ConntrackFilter, CtTuple } from "../../families/netfilter/conntrack.ts";
import { NF_CT_STATUS, NF_CT_TCP_STATE } from "../../families/netfilter/conntrack.ts";
import { UsageError } from "../_io.ts";
import { PROTO_TEXT } from "./format.ts";

/** The usage text. */
export const USAGE = `Usage: conntrack.ts COMMAND [OPTIONS]
Commands:
  -L, --dump            list the table
  -G, --get             get one entry (-s -d -p and ports or ICMP fields)
  -D, --delete          delete the entries that match
  -I, --create          create an entry (-s -d -p, ports, -t, --state for tcp)
  -U, --update          change the matching entries (-m, -t)
  -E, --event           show events
  -F, --flush           delete every entry
  -C, --count           the number of entries
  -S, --stats           per-CPU statistics
Options:
  -p, --proto NAME      tcp, udp, icmp, icmpv6, sctp, dccp, udplite, gre or a number
  -s, --src, --orig-src ADDR      -d, --dst, --orig-dst ADDR
  -r, --reply-src ADDR            -q, --reply-dst ADDR
  --sport, --orig-port-src PORT   --dport, --orig-port-dst PORT
  --reply-port-src PORT           --reply-port-dst PORT
  --icmp-type N  --icmp-code N  --icmp-id N
  -m, --mark MARK[/MASK]  -w, --zone ZONE  -u, --status LIST  -t, --timeout SECONDS
  --state STATE (tcp)   -f, --family ipv4|ipv6   -e, --event-mask NEW,UPDATES,DESTROY,ALL
  -o extended,id        -j (JSON)   -N NETNS   -b BYTES (receive buffer for -E)
  --pcap FILE           write what is sent and received to FILE (pcap, for tshark)
`;

/** A command. */
export type Command =
  | "list"
  | "get"
  | "delete"
  | "create"
  | "update"
  | "event"
  | "flush"
  | "count"
  | "stats";

/** What the command line says. */
export interface CtOptions {
  /** The command. */
  command: Command;
  /** Address family (default AF_INET, as the tool). */
  family: number;
  /** Fields of the original tuple given. */
  original: Partial<CtTuple>;
  /** Fields of the reply tuple given. */
  reply: Partial<CtTuple>;
  /** `-m`. */
  mark?: number;
  /** `-m MARK/MASK`. */
  markMask?: number;
  /** `-w`. */
  zone?: number;
  /** `-u`. */
  status?: number;
  /** `-t`. */
  timeout?: number;
  /** `--state`. */
  tcpState?: number;
  /** `-e`. */
  events: ("new" | "update" | "destroy")[];
  /** `-o extended`. */
  extended: boolean;
  /** `-o id`. */
  id: boolean;
  /** `-j`. */
  json: boolean;
  /** `-N`. */
  netns?: string;
  /** `-b`. */
  buffer?: number;
}

const COMMANDS: Record<string, Command> = {
  "-L": "list",
  "--dump": "list",
  "-G": "get",
  "--get": "get",
  "-D": "delete",
  "--delete": "delete",
  "-I": "create",
  "--create": "create",
  "-U": "update",
  "--update": "update",
  "-E": "event",
  "--event": "event",
  "-F": "flush",
  "--flush": "flush",
  "-C": "count",
  "--count": "count",
  "-S": "stats",
  "--stats": "stats",
};

function num(v: string, what: string, max = 0xffffffff): number {
  const n = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new UsageError(`conntrack.ts: bad ${what} "${v}"\n`, 2);
  }
  return n;
}

function proto(v: string): number {
  const byName = Object.entries(PROTO_TEXT).find(([, name]) => name === v.toLowerCase());
  return byName ? Number(byName[0]) : num(v, "protocol", 255);
}

function statusBits(v: string): number {
  let bits = 0;
  for (const name of v.split(",")) {
    const b = (NF_CT_STATUS as Record<string, number>)[name.toUpperCase()];
    if (b === undefined) throw new UsageError(`conntrack.ts: unknown status "${name}"\n`, 2);
    bits |= b;
  }
  return bits;
}

/** Parse the command line. */
export function parseArgs(argv: readonly string[]): CtOptions {
  const o: CtOptions = {
    command: "list",
    family: 2,
    original: {},
    reply: {},
    events: ["new", "update", "destroy"],
    extended: false,
    id: false,
    json: false,
  };
  let command: Command | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`conntrack.ts: option ${a} needs a value\n`, 2);
      return v;
    };
    if (a in COMMANDS) {
      if (command !== undefined) throw new UsageError("conntrack.ts: only one command\n", 2);
      command = COMMANDS[a];
      continue;
    }
    switch (a) {
      case "-p":
      case "--proto":
      case "--protonum":
        o.original.protocol = o.reply.protocol = proto(value());
        break;
      case "-s":
      case "--src":
      case "--orig-src":
        o.original.src = value();
        break;
      case "-d":
      case "--dst":
      case "--orig-dst":
        o.original.dst = value();
        break;
      case "-r":
      case "--reply-src":
        o.reply.src = value();
        break;
      case "-q":
      case "--reply-dst":
        o.reply.dst = value();
        break;
      case "--sport":
      case "--orig-port-src":
        o.original.srcPort = num(value(), "port", 65535);
        break;
      case "--dport":
      case "--orig-port-dst":
        o.original.dstPort = num(value(), "port", 65535);
        break;
      case "--reply-port-src":
        o.reply.srcPort = num(value(), "port", 65535);
        break;
      case "--reply-port-dst":
        o.reply.dstPort = num(value(), "port", 65535);
        break;
      case "--icmp-type":
        o.original.icmpType = num(value(), "ICMP type", 255);
        break;
      case "--icmp-code":
        o.original.icmpCode = num(value(), "ICMP code", 255);
        break;
      case "--icmp-id":
        o.original.icmpId = num(value(), "ICMP id", 65535);
        break;
      case "-m":
      case "--mark": {
        const [m, mask] = value().split("/");
        o.mark = num(m, "mark");
        if (mask !== undefined) o.markMask = num(mask, "mark mask");
        break;
      }
      case "-w":
      case "--zone":
        o.zone = num(value(), "zone", 65535);
        break;
      case "-u":
      case "--status":
        o.status = statusBits(value());
        break;
      case "-t":
      case "--timeout":
        o.timeout = num(value(), "timeout");
        break;
      case "--state": {
        const v = value().toUpperCase();
        const s = (NF_CT_TCP_STATE as Record<string, number>)[v === "LISTEN" ? "SYN_SENT2" : v];
        if (s === undefined) throw new UsageError(`conntrack.ts: unknown TCP state "${v}"\n`, 2);
        o.tcpState = s;
        break;
      }
      case "-f":
      case "--family": {
        const v = value();
        if (v === "ipv4") o.family = 2;
        else if (v === "ipv6") o.family = 10;
        else throw new UsageError(`conntrack.ts: unknown family "${v}"\n`, 2);
        break;
      }
      case "-e":
      case "--event-mask": {
        const out = new Set<"new" | "update" | "destroy">();
        for (const t of value().toUpperCase().split(",")) {
          if (t === "NEW") out.add("new");
          else if (t === "UPDATES" || t === "UPDATE") out.add("update");
          else if (t === "DESTROY") out.add("destroy");
          else if (t === "ALL") ["new", "update", "destroy"].forEach((x) => out.add(x as "new"));
          else throw new UsageError(`conntrack.ts: unknown event "${t}"\n`, 2);
        }
        o.events = [...out];
        break;
      }
      case "-o":
      case "--output":
        for (const w of value().split(",")) {
          if (w === "extended") o.extended = true;
          else if (w === "id") o.id = true;
          else throw new UsageError(`conntrack.ts: output "${w}" is not implemented\n`, 2);
        }
        break;
      case "-j":
      case "--json":
        o.json = true;
        break;
      case "-N":
      case "--netns":
        o.netns = value();
        break;
      case "-b":
      case "--buffer-size":
        o.buffer = num(value(), "buffer size");
        break;
      case "-h":
      case "--help":
        throw new UsageError(USAGE, 0);
      default:
        throw new UsageError(`conntrack.ts: unknown option "${a}"\n${USAGE}`, 2);
    }
  }
  o.command = command ?? "list";
  // Addresses decide the family when given (as the tool's -s/-d do).
  const addr = o.original.src ?? o.original.dst ?? o.reply.src ?? o.reply.dst;
  if (addr !== undefined) o.family = addr.includes(":") ? 10 : 2;
  return o;
}

/** The kernel filter of the options (for -L, -D, -U, -F). */
export function filterOf(o: CtOptions): ConntrackFilter {
  const f: ConntrackFilter = { family: o.family };
  if (o.mark !== undefined) f.mark = o.mark;
  if (o.markMask !== undefined) f.markMask = o.markMask;
  if (o.zone !== undefined) f.zone = o.zone;
  if (o.status !== undefined) f.status = o.status;
  const only = (t: Partial<CtTuple>) => {
    const keys = Object.keys(t).filter((k) => k !== "protocol");
    return keys.length > 0 || t.protocol !== undefined ? t : undefined;
  };
  if (only(o.original)) f.original = o.original;
  const r = { ...o.reply };
  if (r.protocol !== undefined && Object.keys(r).length === 1) delete r.protocol;
  if (Object.keys(r).length > 0) f.reply = r;
  return f;
}
