#!/usr/bin/env -S deno run -A
/**
 * Print process events (fork, exec, uid/gid/session changes, ptrace, comm changes, core dumps,
 * exits) as they happen, one line per event, through the process events connector.
 *
 * ```sh
 * deno run -A examples/proc_events.ts [--json] [--events fork,exec,exit] [--netns PATH]
 *                                     [--count N] [--timeout SECONDS] [--pcap FILE]
 * bun examples/proc_events.ts --json
 * deno run -A jsr:@netlink/netlink/examples/proc_events --json   # straight from the package
 * ```
 *
 * The kernel sends process events in the initial network namespace only: run it there, or
 * give `--netns /proc/1/ns/net` (any process's `/proc/PID/ns/net` of that namespace). Once the
 * kernel acknowledged the subscription, `listening` is written to standard error. Text lines
 * are `KIND key=value…`; `--json` prints one JSON object per line (`timestampNs` as a string).
 * Where the kernel dropped events (this reader fell behind) a line `overrun` (JSON
 * `{"kind":"overrun"}`) says so, and the events go on. `--pcap FILE` writes what the tool sends
 * and receives to FILE (pcap, `LINKTYPE_NETLINK`: `tshark -r FILE -V` dissects it).
 *
 * @module
 */
import {
  PROC_EVENT_KINDS,
  type ProcEventItem,
  type ProcEventKind,
  ProcEvents,
} from "../families/connector/mod.ts";
import { pcapArgument } from "./_pcap.ts";
import { args, onInterrupt, runTool, stderr, stdout } from "./_io.ts";

const USAGE = "Usage: proc_events.ts [--json] [--events KIND[,KIND…]] [--netns PATH] " +
  "[--count N] [--timeout SECONDS] [--pcap FILE]\n       KIND := " +
  Object.keys(PROC_EVENT_KINDS).join(" | ");

/** One event as a line of text: its kind, then `key=value` pairs (`overrun` for the marker). */
export function formatEvent(e: ProcEventItem): string {
  if (e.kind === "overrun") return "overrun";
  const ids = "pid" in e ? `pid=${e.pid} tid=${e.tid}` : "";
  const tail = ` cpu=${e.cpu} time=${e.timestampNs / 1_000_000_000n}.${
    String(e.timestampNs % 1_000_000_000n).padStart(9, "0")
  }`;
  switch (e.kind) {
    case "fork":
      return `fork ${ids} parent=${e.parentPid} parent_tid=${e.parentTid}${tail}`;
    case "exec":
    case "sid":
      return `${e.kind} ${ids}${tail}`;
    case "uid":
      return `uid ${ids} ruid=${e.ruid} euid=${e.euid}${tail}`;
    case "gid":
      return `gid ${ids} rgid=${e.rgid} egid=${e.egid}${tail}`;
    case "ptrace":
      return `ptrace ${ids} tracer=${e.tracerPid} tracer_tid=${e.tracerTid}${tail}`;
    case "comm":
      return `comm ${ids} comm=${JSON.stringify(e.comm)}${tail}`;
    case "coredump":
      return `coredump ${ids} parent=${e.parentPid} parent_tid=${e.parentTid}${tail}`;
    case "exit": {
      const how = e.status !== undefined
        ? `status=${e.status}`
        : `signal=${e.signal ?? "?"}${e.coreDumped ? " core" : ""}`;
      return `exit ${ids} ${how} code=0x${e.exitCode.toString(16)} exit_signal=${e.exitSignal} ` +
        `parent=${e.parentPid} parent_tid=${e.parentTid}${tail}`;
    }
    case "ack":
      return `ack err=${e.err}${tail}`;
    case "unknown":
      return `unknown what=0x${e.what.toString(16)} bytes=${e.data.length}${tail}`;
  }
}

/** One event as JSON (the timestamp as a decimal string: nanoseconds outgrow 2^53). */
export function eventJson(e: ProcEventItem): string {
  return JSON.stringify(
    e,
    (_k, v) => typeof v === "bigint" ? String(v) : v instanceof Uint8Array ? [...v] : v,
  );
}

async function main(args: string[]): Promise<number> {
  const { pcap, rest: argv } = pcapArgument(args, "proc_events.ts");
  let json = false;
  let netns: string | undefined;
  let events: ProcEventKind[] | undefined;
  let count = Infinity;
  let timeout = Infinity;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--json" || a === "-j") json = true;
    else if (a === "--netns" || a === "-n") netns = value();
    else if (a === "--events" || a === "-e") {
      events = value().split(",").map((k) => {
        if (!(k in PROC_EVENT_KINDS)) throw new Error(`Unknown event kind "${k}"\n${USAGE}`);
        return k as ProcEventKind;
      });
    } else if (a === "--count" || a === "-c") count = Number(value());
    else if (a === "--timeout" || a === "-t") timeout = Number(value()) * 1000;
    else if (a === "--help" || a === "-h") {
      stdout(USAGE + "\n");
      return 0;
    } else throw new Error(`Unknown argument "${a}"\n${USAGE}`);
  }
  const sub = await ProcEvents.open({ netns, events, pcap });
  stderr(`listening (kernel filter: ${sub.kernelFilter ? "yes" : "no"})\n`);
  const timer = timeout === Infinity ? undefined : setTimeout(() => sub.close(), timeout);
  // On SIGINT/SIGTERM stop listening properly (PROC_CN_MCAST_IGNORE), then end.
  onInterrupt(() => sub.close());
  let n = 0;
  try {
    for await (const e of sub) {
      stdout((json ? eventJson(e) : formatEvent(e)) + "\n");
      if (++n >= count) break;
    }
  } finally {
    clearTimeout(timer);
    sub.close();
  }
  return 0;
}

if (import.meta.main) await runTool("proc_events.ts", () => main(args()));
