/**
 * `ip -s link` statistics (iproute2's `print_stats64`): the counters of `IFLA_STATS64`, in
 * JSON or in ip's columns, with `-s -s` errors and `-h` k/M/G units.
 *
 * @module
 */
import type * as rtLink from "../../families/generated/rt_link.ts";
import type { Link } from "../../families/route/link_object.ts";
import type { Context } from "./cli.ts";

/** `print_num`: a counter, with k/M/G… (powers of 1000) under `-h`. */
function num(ctx: Context, v: bigint, width: number): string {
  const base = 1000n;
  if (!ctx.opts.human || v < base) return v.toString().padStart(width) + " ";
  const prefixes = "kMGTPE";
  let i = 0;
  let pow = base;
  while (v / base >= pow && i < prefixes.length - 1) {
    pow *= base;
    i++;
  }
  let precision = 2;
  for (let powj = 10n; precision > 0; precision--, powj *= 10n) {
    if (v / pow < powj) break;
  }
  const text = (Number(v) / Number(pow)).toFixed(precision) + prefixes[i];
  return text.padStart(width) + " ";
}

/** `__print_link_stats` → `print_stats64`. */
export function printLinkStats(ctx: Context, l: Link): void {
  const p = ctx.p;
  const a = l.message.attrs;
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
    if (ctx.opts.human) return; // size_columns: fixed widths with -h
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
  const cell = (v: bigint, w: number) => num(ctx, v, w);
  let t = `    RX: ${pad("bytes", cols[0] - 4)} ${pad("packets", cols[1])} ${
    pad("errors", cols[2])
  } ${pad("dropped", cols[3])} ${pad("missed", cols[4])} ${pad("mcast", cols[5])} ${
    pad(st.rxCompressed ? "compressed" : "", cols[6])
  }\n`;
  t += "    " + cell(st.rxBytes, cols[0]) + cell(st.rxPackets, cols[1]) +
    cell(st.rxErrors, cols[2]) + cell(st.rxDropped, cols[3]) + cell(st.rxMissed, cols[4]) +
    cell(st.multicast, cols[5]);
  if (st.rxCompressed) t += cell(st.rxCompressed, cols[6]);
  if (more) {
    t += `\n    RX errors:${pad("", cols[0] - 10)} ${pad("length", cols[1])} ${
      pad("crc", cols[2])
    } ${pad("frame", cols[3])} ${pad("fifo", cols[4])} ${pad("overrun", cols[5])}${
      st.rxNohandler ? pad(" nohandler", cols[6] + 1) : ""
    }${st.rxOtherhost ? pad(" otherhost", cols[7] + 1) : ""}\n`;
    t += " ".repeat(cols[0] + 5) + cell(st.rxLength, cols[1]) + cell(st.rxCrc, cols[2]) +
      cell(st.rxFrame, cols[3]) + cell(st.rxFifo, cols[4]) + cell(st.rxOver, cols[5]);
    if (st.rxNohandler) t += cell(st.rxNohandler, cols[6]);
    if (st.rxOtherhost) t += cell(st.rxOtherhost, cols[7]);
  }
  t += "\n";
  t += `    TX: ${pad("bytes", cols[0] - 4)} ${pad("packets", cols[1])} ${pad("errors", cols[2])} ${
    pad("dropped", cols[3])
  } ${pad("carrier", cols[4])} ${pad("collsns", cols[5])} ${
    pad(st.txCompressed ? "compressed" : "", cols[6])
  }\n`;
  t += "    " + cell(st.txBytes, cols[0]) + cell(st.txPackets, cols[1]) +
    cell(st.txErrors, cols[2]) + cell(st.txDropped, cols[3]) + cell(st.txCarrier, cols[4]) +
    cell(st.collisions, cols[5]);
  if (st.txCompressed) t += cell(st.txCompressed, cols[6]);
  if (more) {
    t += `\n    TX errors:${pad("", cols[0] - 10)} ${pad("aborted", cols[1])} ${
      pad("fifo", cols[2])
    } ${pad("window", cols[3])} ${pad("heartbt", cols[4])} ${
      pad(cc !== undefined ? "transns" : "", cols[5])
    }\n`;
    t += " ".repeat(cols[0] + 5) + cell(st.txAborted, cols[1]) + cell(st.txFifo, cols[2]) +
      cell(st.txWindow, cols[3]) + cell(st.txHeartbeat, cols[4]);
    if (cc !== undefined) t += cell(BigInt(cc), cols[5]);
  }
  p.text(t);
}
