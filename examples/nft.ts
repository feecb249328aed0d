#!/usr/bin/env -S deno run -A
/**
 * `nft` on the library: read the nf_tables ruleset and change it in transactions.
 *
 * ```sh
 * deno run -A examples/nft.ts list ruleset -j          # the JSON `nft -j list ruleset` prints
 * deno run -A examples/nft.ts list ruleset -a          # text, with handles
 * deno run -A examples/nft.ts add table inet filter
 * deno run -A examples/nft.ts add chain inet filter input '{ type filter hook input priority 0 ; policy accept ; }'
 * deno run -A examples/nft.ts -e add rule inet filter input tcp dport 22 counter accept
 * deno run -A examples/nft.ts delete rule inet filter input handle 3
 * deno run -A examples/nft.ts -j -f ruleset.json       # load nft JSON, all or nothing
 * deno run -A examples/nft.ts monitor [-j]
 * deno run -A examples/nft.ts --pcap nft.pcap list ruleset   # and the traffic, for tshark
 * deno run -A jsr:@netlink/netlink/examples/nft list ruleset   # straight from the package
 * ```
 *
 * Commands: `list ruleset|tables|table F T`, `add|create table`, `delete table`, `add chain`,
 * `delete chain`, `flush chain`, `add|insert rule F T C STATEMENTS… [handle N]`,
 * `replace rule F T C handle N STATEMENTS…`, `delete rule F T C handle N`, `add set F T S
 * { type T ; [flags interval ;] }`, `add|delete element F T S { … }`, `flush ruleset`,
 * `monitor`, and `-f FILE` (nft JSON with `-j`: one transaction). Options: `-j` JSON, `-a`
 * handles, `-e` echo (print what was added, with its handle), `-N NETNS`, `--pcap FILE` (what the
 * tool sends and receives on its nftables socket, as a pcap file tshark dissects). Rule statements are
 * nft's syntax for the statements the library compiles (examples/nft/parse.ts).
 *
 * Differences from nft: no scripting language (`define`, `include`), `-f` takes JSON only,
 * text output is close to nft's but `-j` is the exact form (its `metainfo` names this library);
 * see the README for the statements whose JSON is not derived.
 *
 * @module
 */
import {
  BatchError,
  type Json,
  Nftables,
  rulesetJson,
  setFromJson,
  setTypeJson,
  Transaction,
  transactionFromJson,
} from "../families/netfilter/nftables.ts";
import { readFileSync } from "node:fs";
import { args, runTool, stderr, stdout, UsageError } from "./_io.ts";
import { pcapArgument } from "./_pcap.ts";
import { parseRule, RuleSyntaxError, tokenize } from "./nft/parse.ts";
import { rulesetText, statementText } from "./nft/text.ts";

/** Where the output goes. */
export interface Output {
  /** Standard output. */
  out(s: string): void;
  /** Standard error. */
  err(s: string): void;
}

const USAGE = `Usage: nft.ts [-j] [-a] [-e] [-N NETNS] [--pcap FILE] COMMAND | -f FILE
  list ruleset | list tables | list table FAMILY TABLE
  add|create table FAMILY TABLE       delete table FAMILY TABLE
  add chain FAMILY TABLE CHAIN [{ type T hook H priority P ; policy accept|drop ; }]
  delete chain FAMILY TABLE CHAIN     flush chain FAMILY TABLE CHAIN
  add|insert rule FAMILY TABLE CHAIN STATEMENT…
  replace rule FAMILY TABLE CHAIN handle N STATEMENT…
  delete rule FAMILY TABLE CHAIN handle N
  add set FAMILY TABLE SET { type TYPE ; [flags interval ;] }
  add|delete element FAMILY TABLE SET { ELEMENT, … }
  flush ruleset       monitor
`;

interface Opts {
  json: boolean;
  handles: boolean;
  echo: boolean;
  netns?: string;
  file?: string;
  words: string[];
}

function options(argv: readonly string[]): Opts {
  const o: Opts = { json: false, handles: false, echo: false, words: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (o.words.length === 0 || ["-j", "-a", "-e"].includes(a)) {
      if (a === "-j" || a === "--json") o.json = true;
      else if (a === "-a" || a === "--handle") o.handles = true;
      else if (a === "-e" || a === "--echo") o.echo = true;
      else if (a === "-N" || a === "--netns") o.netns = argv[++i];
      else if (a === "-f" || a === "--file") o.file = argv[++i];
      else if (a === "-h" || a === "--help") throw new UsageError(USAGE, 0);
      else o.words.push(a);
      continue;
    }
    o.words.push(a);
  }
  return o;
}

/** `{ type filter hook input priority 0 ; policy accept ; }` of `add chain`. */
function chainSpec(words: string[]): Record<string, string | number> {
  const t = tokenize(words.join(" ")).filter((x) => x !== "{" && x !== "}" && x !== ";");
  const o: Record<string, string | number> = {};
  for (let i = 0; i < t.length; i++) {
    const k = t[i];
    if (["type", "hook", "policy", "device"].includes(k)) o[k] = t[++i].replace(/^"|"$/g, "");
    else if (k === "priority") o.priority = Number(t[++i]);
    else throw new UsageError(`nft.ts: unknown chain option "${k}"\n`, 1);
  }
  return o;
}

/** The elements of `{ a, b }` as nft JSON values. */
function elementWords(words: string[]): Json[] {
  const stmts = parseRule(["ip", "saddr", ...words]);
  const right = (stmts[0].match as { right: Json }).right;
  return (right as { set?: Json[] }).set ?? [right];
}

async function list(nft: Nftables, o: Opts, io: Output, family?: string, table?: string) {
  const rs = await nft.ruleset(family ?? 0);
  if (table !== undefined) {
    rs.tables = rs.tables.filter((t) => t.name === table);
  }
  const names = await nft.interfaceNames();
  const json = rulesetJson(rs, { ifname: (i) => names.get(i) });
  if (o.json) io.out(JSON.stringify(json) + "\n");
  else io.out(rulesetText(json, o.handles));
}

/** Run the tool with `argv`; returns the exit code. */
export async function nftMain(
  argv: readonly string[],
  io: Output,
  signal?: AbortSignal,
): Promise<number> {
  const { pcap, rest } = pcapArgument(argv, "nft.ts");
  const o = options(rest);
  await using nft = await Nftables.open({ netns: o.netns, receiveBufferSize: 4 << 20, pcap });
  const w = o.words;
  const tx = new Transaction();
  if (o.file !== undefined) {
    if (!o.json) throw new UsageError("nft.ts: -f takes nft JSON only: add -j\n", 1);
    transactionFromJson(JSON.parse(readFileSync(o.file, "utf8")), tx);
  } else {
    const [cmd, what, family, table, name] = w;
    if (cmd === "list") {
      if (what === "ruleset") await list(nft, o, io, w[2]);
      else if (what === "tables") {
        for (const t of await nft.tables()) io.out(`table ${t.family} ${t.name}\n`);
      } else if (what === "table") await list(nft, o, io, family, table);
      else throw new UsageError(USAGE, 1);
      return 0;
    }
    if (cmd === "monitor") {
      await using events = await nft.monitor({ signal });
      for await (const ev of events) {
        if (ev.type === "overrun") {
          io.err("nft.ts: events were lost\n");
          continue;
        }
        const v = ev.value as Record<string, unknown>;
        if (o.json) {
          io.out(
            JSON.stringify(
              { [ev.type]: { [ev.object!]: v } },
              (_k, x) => typeof x === "bigint" ? Number(x) : x instanceof Uint8Array ? [...x] : x,
            ) + "\n",
          );
        } else {io.out(
            `${ev.type} ${ev.object} ${v.family ?? ""} ${v.table ?? ""} ${
              v.name ?? v.chain ?? v.set ?? v.id ?? ""
            }`.replace(/ +$/, "") + "\n",
          );}
      }
      return 0;
    }
    if (cmd === "flush" && what === "ruleset") {
      for (const t of await nft.tables()) tx.deleteTable({ family: t.family, table: t.name });
    } else if (cmd === "flush" && what === "chain") {
      tx.flushRules(family, table, name);
    } else if ((cmd === "add" || cmd === "create") && what === "table") {
      tx.addTable({ family, name: table }, { exclusive: cmd === "create" });
    } else if (cmd === "delete" && what === "table") {
      tx.deleteTable({ family, table });
    } else if ((cmd === "add" || cmd === "create") && what === "chain") {
      const spec = chainSpec(w.slice(5));
      tx.addChain({
        family,
        table,
        name,
        type: spec.type as string | undefined,
        hook: spec.hook as string | undefined,
        priority: spec.priority as number | undefined,
        policy: spec.policy as "accept" | "drop" | undefined,
        devices: spec.device === undefined ? undefined : [String(spec.device)],
      }, { exclusive: cmd === "create" });
    } else if (cmd === "delete" && what === "chain") {
      tx.deleteChain({ family, table, name });
    } else if (what === "rule" && (cmd === "add" || cmd === "insert" || cmd === "replace")) {
      let rest = w.slice(5);
      let handle: number | undefined;
      if (rest[0] === "handle" || rest[0] === "position") {
        handle = Number(rest[1]);
        rest = rest.slice(2);
      }
      const statements = parseRule(rest);
      tx.addRule(
        {
          family,
          table,
          chain: name,
          statements,
          position: cmd === "replace" ? undefined : handle,
        },
        { insert: cmd === "insert", replace: cmd === "replace" ? handle : undefined },
      );
    } else if (cmd === "delete" && what === "rule") {
      if (w[5] !== "handle" || w[6] === undefined) {
        throw new UsageError("nft.ts: delete rule … handle N\n", 1);
      }
      tx.deleteRule(family, table, name, Number(w[6]));
    } else if ((cmd === "add" || cmd === "create") && (what === "set" || what === "map")) {
      const t = tokenize(w.slice(5).join(" ")).filter((x) => !["{", "}", ";"].includes(x));
      const spec: Record<string, unknown> = { family, table, name };
      for (let i = 0; i < t.length; i++) {
        if (t[i] === "type") {
          const types = [t[++i]];
          while (t[i + 1] === ".") types.push(t[i += 2]);
          spec.type = types.length === 1 ? types[0] : types;
          if (t[i + 1] === ":") spec.map = t[i += 2];
        } else if (t[i] === "flags") spec.flags = t[++i].split(",");
        else if (t[i] === "size") spec.size = Number(t[++i]);
        else throw new UsageError(`nft.ts: unknown set option "${t[i]}"\n`, 1);
      }
      const s = setFromJson(spec, what === "map");
      tx.addSet(s.set, s.elements);
    } else if ((cmd === "add" || cmd === "delete") && what === "element") {
      const set = (await nft.sets(family, table)).find((s) => s.name === name);
      if (!set) throw new UsageError(`nft.ts: no set ${family} ${table} ${name}\n`, 1);
      const type = setTypeJson(set);
      const spec = {
        family,
        table,
        name,
        type,
        flags: set.flags & 4 ? ["interval"] : [],
        elem: elementWords(w.slice(5)),
      };
      const { elements } = setFromJson(spec, false);
      if (cmd === "add") tx.addElements(family, table, name, elements);
      else {tx.deleteElements(
          family,
          table,
          name,
          elements.filter((e) => !(e.flags && e.key.every((b) => b === 0))),
        );}
    } else {
      throw new UsageError(USAGE, 1);
    }
  }
  try {
    const result = await nft.commit(tx);
    if (o.echo) {
      tx.changes.forEach((c, i) => {
        const h = result.handles[i];
        io.out(`${c.text}${h !== undefined ? ` # handle ${h}` : ""}\n`);
      });
    }
    return 0;
  } catch (e) {
    if (!(e instanceof BatchError)) throw e;
    for (const f of e.failures) {
      const change = (f.change as { change?: { text: string } } | undefined)?.change?.text ??
        "the transaction";
      const ack = f.error.extAck?.message ? ` (${f.error.extAck.message})` : "";
      io.err(`Error: ${f.error.code} (${f.error.errno})${ack}: ${change}\n`);
    }
    return 1;
  }
}

/** A rule's statements as text (for callers printing what they parsed). */
export function statementsText(statements: Json[]): string {
  return statements.map(statementText).join(" ");
}

if (import.meta.main) {
  await runTool(
    "nft.ts",
    (signal) => nftMain(args(), { out: stdout, err: stderr }, signal),
    (e) => {
      if (!(e instanceof RuleSyntaxError)) return undefined;
      stderr(`Error: ${e.message}\n`);
      return 1;
    },
  );
}
