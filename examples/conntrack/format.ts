/**
 * Conntrack entries as the `conntrack` tool prints them (libnetfilter_conntrack's
 * `__snprintf_conntrack_default`), and as JSON.
 *
 * @module
 */
import type { ConntrackEntry, CtTuple } from "../../families/netfilter/conntrack.ts";

/** libnetfilter_conntrack's TCP state names (`states[]`: TCP_CONNTRACK_SYN_SENT2 is "LISTEN"). */
export const TCP_STATE_TEXT: readonly string[] = [
  "NONE",
  "SYN_SENT",
  "SYN_RECV",
  "ESTABLISHED",
  "FIN_WAIT",
  "CLOSE_WAIT",
  "LAST_ACK",
  "TIME_WAIT",
  "CLOSE",
  "LISTEN",
];

/** SCTP state names (`sctp_states[]`). */
export const SCTP_STATE_TEXT: readonly string[] = [
  "NONE",
  "CLOSED",
  "COOKIE_WAIT",
  "COOKIE_ECHOED",
  "ESTABLISHED",
  "SHUTDOWN_SENT",
  "SHUTDOWN_RECD",
  "SHUTDOWN_ACK_SENT",
  "HEARTBEAT_SENT",
  "HEARTBEAT_ACKED",
];

/** Layer-4 protocol names (`__proto2str`). */
export const PROTO_TEXT: Readonly<Record<number, string>> = {
  1: "icmp",
  6: "tcp",
  17: "udp",
  33: "dccp",
  47: "gre",
  58: "icmpv6",
  132: "sctp",
  136: "udplite",
};

/** Layer-3 names (`__l3proto2str`). */
export const L3_TEXT: Readonly<Record<number, string>> = { 2: "ipv4", 10: "ipv6" };

/** `IPS_*` bits the text shows. */
const IPS_SEEN_REPLY = 1 << 1,
  IPS_ASSURED = 1 << 2,
  IPS_OFFLOAD = 1 << 14,
  IPS_HW_OFFLOAD = 1 << 15;

/** What `-o` adds. */
export interface TextOptions {
  /** `-o extended`: the layer-3 protocol first. */
  extended?: boolean;
  /** `-o id`: the entry's id last. */
  id?: boolean;
  /** Seconds since the epoch, for `delta-time` of live entries. */
  now?: number;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

function tupleText(t: CtTuple): string {
  let s = `src=${t.src} dst=${t.dst} `;
  switch (t.protocol) {
    case 6:
    case 17:
    case 136:
    case 132:
    case 33:
      s += `sport=${t.srcPort ?? 0} dport=${t.dstPort ?? 0} `;
      break;
    case 47:
      s += `srckey=0x${(t.srcPort ?? 0).toString(16)} dstkey=0x${(t.dstPort ?? 0).toString(16)} `;
      break;
    case 1:
    case 58:
      s += `type=${t.icmpType ?? 0} code=${t.icmpCode ?? 0} id=${t.icmpId ?? 0} `;
      break;
  }
  return s;
}

/**
 * One entry as `conntrack -L` prints it (no trailing newline); with `event`, as `conntrack -E`
 * prints an event (`[NEW]`, `[UPDATE]`, `[DESTROY]` first).
 */
export function entryText(
  e: ConntrackEntry,
  options: TextOptions = {},
  event?: "new" | "update" | "destroy",
): string {
  let s = "";
  if (event !== undefined) {
    s += `${"[" + event.toUpperCase() + "]"}`.padStart(9) + " ";
  }
  const a = e.attrs;
  const proto = e.original.protocol;
  if (options.extended) s += `${pad(L3_TEXT[e.family] ?? "unknown", 8)} ${e.family} `;
  s += `${pad(PROTO_TEXT[proto] ?? "unknown", 8)} ${proto} `;
  if (e.timeout !== undefined) s += `${e.timeout} `;
  if (e.tcp !== undefined) s += `${TCP_STATE_TEXT[e.tcp.state] ?? "NONE"} `;
  if (e.sctp?.state !== undefined) s += `${SCTP_STATE_TEXT[e.sctp.state] ?? "NONE"} `;
  s += tupleText(e.original);
  if (e.original.zone !== undefined) s += `zone-orig=${e.original.zone} `;
  const co = e.counters?.original, cr = e.counters?.reply;
  if (co !== undefined) s += `packets=${co.packets} bytes=${co.bytes} `;
  if (a.status !== undefined && !(e.status & IPS_SEEN_REPLY)) s += "[UNREPLIED] ";
  s += tupleText(e.reply);
  if (e.reply.zone !== undefined) s += `zone-reply=${e.reply.zone} `;
  if (cr !== undefined) s += `packets=${cr.packets} bytes=${cr.bytes} `;
  if (a.status !== undefined) {
    if (e.status & IPS_HW_OFFLOAD) s += "[HW_OFFLOAD] ";
    else if (e.status & IPS_OFFLOAD) s += "[OFFLOAD] ";
    else if (e.status & IPS_ASSURED) s += "[ASSURED] ";
  }
  if (e.mark !== undefined) s += `mark=${e.mark} `;
  if (e.secctx !== undefined) s += `secctx=${e.secctx} `;
  if (e.zone !== undefined) s += `zone=${e.zone} `;
  const start = e.timestamp?.start;
  if (start !== undefined) {
    const stop = e.timestamp?.stop;
    const end = stop !== undefined && stop !== 0n
      ? Number(stop / 1_000_000_000n)
      : Math.floor(options.now ?? Date.now() / 1000);
    s += `delta-time=${end - Number(start / 1_000_000_000n)} `;
  }
  if (e.helper !== undefined) s += `helper=${e.helper} `;
  if (e.use !== undefined) s += `use=${e.use} `;
  if (options.id && e.id !== undefined) s += `id=${e.id} `;
  return s.slice(0, -1);
}

/** JSON of an entry: the typed fields, counters as numbers, labels as hex. */
export function entryJson(e: ConntrackEntry): Record<string, unknown> {
  const o: Record<string, unknown> = {
    family: L3_TEXT[e.family] ?? e.family,
    protocol: PROTO_TEXT[e.original.protocol] ?? e.original.protocol,
    original: e.original,
    reply: e.reply,
    status: e.status,
  };
  for (const k of ["timeout", "mark", "zone", "use", "id", "helper", "secctx"] as const) {
    if (e[k] !== undefined) o[k] = e[k];
  }
  if (e.tcp !== undefined) o.tcp = { ...e.tcp, stateName: TCP_STATE_TEXT[e.tcp.state] };
  if (e.counters !== undefined) {
    const c = (x?: { packets: bigint; bytes: bigint }) =>
      x && { packets: Number(x.packets), bytes: Number(x.bytes) };
    o.counters = { original: c(e.counters.original), reply: c(e.counters.reply) };
  }
  if (e.labels !== undefined) {
    o.labels = [...e.labels].map((b) => b.toString(16).padStart(2, "0")).join("");
  }
  if (e.master !== undefined) o.master = e.master;
  return o;
}
