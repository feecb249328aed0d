#!/usr/bin/env -S deno run -A
/**
 * `conntrack` on the library: the connection tracking table through ctnetlink, printed as the
 * `conntrack` tool (conntrack-tools 1.4) prints it.
 *
 * ```sh
 * deno run -A examples/conntrack.ts -L                        # IPv4 entries
 * bun examples/conntrack.ts -L -f ipv6 -p tcp --dport 443     # filtered by the kernel
 * deno run -A examples/conntrack.ts -E -e NEW,DESTROY         # events
 * deno run -A examples/conntrack.ts -D -p udp --dport 53      # delete what matches
 * deno run -A examples/conntrack.ts -G -s 10.0.0.1 -d 10.0.0.2 -p tcp --sport 40000 --dport 22
 * deno run -A examples/conntrack.ts -C; deno run -A examples/conntrack.ts -S
 * deno run -A examples/conntrack.ts -L -j                     # JSON
 * deno run -A examples/conntrack.ts -L --pcap ct.pcap         # and the traffic, for tshark
 * deno run -A jsr:@netlink/netlink/examples/conntrack -L   # straight from the package
 * ```
 *
 * Commands: `-L -G -D -I -U -E -F -C -S`; options as listed by `-h` (examples/conntrack/args.ts).
 * Lines are the tool's default format (`-o extended` and `-o id` too); the summary
 * ("N flow entries have been shown.") goes to standard error as the tool's does. Filters are
 * applied by the kernel (CTA_FILTER, CTA_MARK/CTA_MARK_MASK, CTA_ZONE, CTA_STATUS), so `-L`
 * with a filter lists what `conntrack -L` with the same options lists. Differences from the
 * tool: no `-o xml`, `-o timestamp`, `-o ktimestamp`, labels by name (`-l`), expectation
 * tables (`-A`), NAT ranges on create (`--src-nat`), `-c` counts and `-z`; `-j` (JSON, one
 * object per entry), `-N NETNS` and `--pcap FILE` (what the tool sends and receives, as a pcap
 * file tshark dissects) are this example's.
 *
 * @module
 */
import {
  Conntrack,
  type ConntrackEntry,
  type CtTuple,
  reverseTuple,
} from "../families/netfilter/conntrack.ts";
import { args, Chunks, runTool, stderr, stdout, UsageError } from "./_io.ts";
import { pcapArgument } from "./_pcap.ts";
import { type CtOptions, filterOf, parseArgs } from "./conntrack/args.ts";
import { entryJson, entryText } from "./conntrack/format.ts";

/** Where the output goes. */
export interface Output {
  /** Standard output. */
  out(s: string): void;
  /** Standard error. */
  err(s: string): void;
}

const VERSION = "conntrack v1.4.7 (conntrack-tools)";

function full(t: Partial<CtTuple>, what: string): CtTuple {
  if (t.src === undefined || t.dst === undefined || t.protocol === undefined) {
    throw new UsageError(`conntrack.ts: ${what} needs -s, -d and -p\n`, 2);
  }
  return t as CtTuple;
}

function show(e: ConntrackEntry, o: CtOptions, io: Output, event?: "new" | "update" | "destroy") {
  if (o.json) {
    const j = entryJson(e);
    io.out(JSON.stringify(event ? { type: event, ...j } : j) + "\n");
  } else io.out(entryText(e, { extended: o.extended, id: o.id }, event) + "\n");
}

/** Run the tool with `argv`; returns the exit code. */
export async function conntrackMain(
  argv: readonly string[],
  io: Output,
  signal?: AbortSignal,
): Promise<number> {
  const { pcap, rest } = pcapArgument(argv, "conntrack.ts");
  const o = parseArgs(rest);
  await using ct = await Conntrack.open({
    netns: o.netns,
    pcap,
    receiveBufferSize: o.command === "event" ? o.buffer ?? 8 << 20 : undefined,
  });
  switch (o.command) {
    case "list": {
      // Printed as the dump arrives, in large chunks: nothing is kept. The JSON is
      // `JSON.stringify(entries, null, 2)`'s, an element at a time.
      let n = 0;
      const chunks = new Chunks((s) => io.out(s));
      const text = { out: (s: string) => chunks.write(s), err: io.err };
      for await (const e of ct.list(filterOf(o))) {
        if (o.json) {
          const j = JSON.stringify(entryJson(e), null, 2).replaceAll("\n", "\n  ");
          chunks.write(`${n === 0 ? "[\n  " : ",\n  "}${j}`);
        } else show(e, o, text);
        n++;
      }
      if (o.json) chunks.write(n === 0 ? "[]\n" : "\n]\n");
      chunks.end();
      io.err(`${VERSION}: ${n} flow entries have been shown.\n`);
      return 0;
    }
    case "get": {
      const e = await ct.get(full(o.original, "-G"), { zone: o.zone });
      show(e, o, io);
      io.err(`${VERSION}: 1 flow entries have been shown.\n`);
      return 0;
    }
    case "delete":
    case "update": {
      let n = 0;
      for await (const e of ct.list(filterOf(o))) {
        if (o.command === "delete") {
          await ct.delete(e.original, { zone: e.zone, id: e.id });
        } else {
          await ct.update({
            original: e.original,
            mark: o.mark,
            timeout: o.timeout,
            zone: e.zone,
          });
        }
        show(e, o, io);
        n++;
      }
      const verb = o.command === "delete" ? "deleted" : "updated";
      io.err(`${VERSION}: ${n} flow entries have been ${verb}.\n`);
      return 0;
    }
    case "create": {
      const original = full(o.original, "-I");
      const reply = o.reply.src !== undefined || o.reply.dst !== undefined
        ? { ...reverseTuple(original), ...o.reply } as CtTuple
        : undefined;
      await ct.create({
        original,
        reply,
        timeout: o.timeout,
        mark: o.mark,
        zone: o.zone,
        status: o.status,
        tcpState: o.tcpState,
      });
      io.err(`${VERSION}: 1 flow entries have been created.\n`);
      return 0;
    }
    case "flush":
      await ct.flush({ family: o.family });
      io.err(`${VERSION}: connection tracking table has been emptied.\n`);
      return 0;
    case "count":
      io.out(`${(await ct.count()).entries}\n`);
      return 0;
    case "stats": {
      const names: [string, keyof Awaited<ReturnType<Conntrack["stats"]>>[number]][] = [
        ["searched", "searched"],
        ["found", "found"],
        ["new", "new"],
        ["invalid", "invalid"],
        ["ignore", "ignore"],
        ["delete", "delete"],
        ["delete_list", "deleteList"],
        ["insert", "insert"],
        ["insert_failed", "insertFailed"],
        ["drop", "drop"],
        ["early_drop", "earlyDrop"],
        ["error", "error"],
        ["search_restart", "searchRestart"],
        ["clash_resolve", "clashResolve"],
        ["chaintoolong", "chainToolong"],
      ];
      for (const s of await ct.stats()) {
        if (o.json) {
          io.out(JSON.stringify(s) + "\n");
          continue;
        }
        let line = `cpu=${String(s.cpu).padEnd(4)}\t`;
        for (const [text, key] of names) if (s[key] !== undefined) line += `${text}=${s[key]} `;
        io.out(line + "\n");
      }
      return 0;
    }
    case "event": {
      let n = 0;
      for await (const ev of ct.events({ types: o.events, signal })) {
        if (ev.type === "overrun") {
          io.err("conntrack.ts: events were lost (receive buffer full); use a larger -b\n");
          continue;
        }
        if (o.json) show(ev.entry, o, io, ev.type);
        else {
          // The tool marks events a user-space request caused with its port id.
          const pid = ev.message.pid;
          io.out(
            entryText(ev.entry, { extended: o.extended, id: o.id }, ev.type) +
              (pid ? ` [USERSPACE] portid=${pid}` : "") + "\n",
          );
        }
        n++;
      }
      io.err(`${VERSION}: ${n} flow events have been shown.\n`);
      return 0;
    }
  }
}

if (import.meta.main) {
  await runTool(
    "conntrack.ts",
    (signal) => conntrackMain(args(), { out: stdout, err: stderr }, signal),
  );
}
