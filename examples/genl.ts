#!/usr/bin/env -S deno run -A
/**
 * iproute2's `genl ctrl` on this library: the generic netlink families of the kernel, printed
 * as `genl` (iproute2 6.1) prints them, byte for byte, or as JSON.
 *
 * ```sh
 * deno run -A examples/genl.ts [-j] [-p] [-n NETNS] ctrl list
 * deno run -A examples/genl.ts ctrl get name ethtool
 * bun examples/genl.ts -j ctrl get id 0x10
 * deno run -A examples/genl.ts --pcap genl.pcap ctrl list   # and the traffic, for tshark
 * deno run -A jsr:@netlink/netlink/examples/genl ctrl list   # straight from the package
 * ```
 *
 * `-j` prints a JSON array with one object per family, the library's `GenlFamily`:
 *
 * ```json
 * [{ "name": "nlctrl", "id": 16, "version": 2, "hdrsize": 0, "maxattr": 0,
 *    "operations": [{ "index": 1, "id": 3, "flags": 14,
 *                     "capabilities": ["cmd-cap-do", "cmd-cap-dump", "cmd-cap-haspol"] }],
 *    "groups": [{ "index": 1, "id": 16, "name": "notify" }] }]
 * ```
 *
 * Keys the controller did not send are absent; `capabilities` names the operation's flags
 * with nlctrl's `op-flags` enum. Errors print as `genl` prints them and exit with 255.
 *
 * @module
 */
import { errnoMessage } from "../codec/errno.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import {
  Client,
  FamilyNotFoundError,
  type GenlFamily,
  getGenlFamily,
  listGenlFamilies,
} from "../client/mod.ts";
import * as nlctrl from "../families/generated/nlctrl.ts";
import { args, exit, matches, stderr, stdout, UsageError } from "./_io.ts";
import { pcapArgument } from "./_pcap.ts";

const USAGE = `Usage: genl.ts [ OPTIONS ] ctrl { list | get { name NAME | id ID } }
where  OPTIONS := { -j[son] | -p[retty] | -n[etns] NAME | --pcap FILE | -h[elp] }
`;

/** How `genl` (iproute2 6.1) words each capability it prints. */
const CAPABILITY_TEXT: Readonly<Record<string, string>> = {
  "admin-perm": " requires admin permission;",
  "cmd-cap-do": " can doit;",
  "cmd-cap-dump": " can dumpit;",
  "cmd-cap-haspol": " has policy",
};

/** genl's `parse_rtattr_nested()` view of a list: by entry number, first wins, below `max`. */
function byIndex<T extends { index: number }>(list: T[], max: number): T[] {
  const seen = new Map<number, T>();
  for (const x of list) if (x.index < max && !seen.has(x.index)) seen.set(x.index, x);
  return [...seen.values()].sort((a, b) => a.index - b.index);
}

const hex = (n: number) => n.toString(16);

/** One family as `genl ctrl list` prints it (genl/ctrl.c `print_ctrl()`). */
function text(f: GenlFamily): string {
  let s = "";
  if (f.name !== undefined) s += `\nName: ${f.name}\n`;
  if (f.id !== undefined) s += `\tID: 0x${hex(f.id)} `;
  if (f.version !== undefined) s += ` Version: 0x${hex(f.version)} `;
  if (f.hdrsize !== undefined) s += ` header size: ${f.hdrsize | 0} `;
  if (f.maxattr !== undefined) s += ` max attribs: ${f.maxattr | 0} `;
  s += "\n";
  // genl prints capabilities only for families of version 2 or later.
  const version = f.version ?? 1;
  if (f.operations !== undefined) {
    s += "\tcommands supported: \n";
    for (const op of byIndex(f.operations, 256)) {
      s += `\t\t#${op.index}: `;
      if (op.id !== undefined) s += ` ID-0x${hex(op.id)} `;
      if (op.flags !== undefined && version >= 2) {
        s += `\n\t\tCapabilities (0x${hex(op.flags)}):\n `;
        if (op.flags === 0) s += "\n";
        else {
          s += "\t\t ";
          for (const c of ["admin-perm", "cmd-cap-do", "cmd-cap-dump", "cmd-cap-haspol"]) {
            if (op.capabilities.includes(c)) s += CAPABILITY_TEXT[c];
          }
          s += "\n";
        }
      }
      s += "\n";
    }
    s += "\n";
  }
  if (f.groups !== undefined) {
    s += "\tmulticast groups:\n";
    for (const g of byIndex(f.groups, 256)) {
      s += `\t\t#${g.index}: `;
      if (g.id !== undefined) s += ` ID-0x${hex(g.id)} `;
      if (g.name !== undefined) s += ` name: ${g.name} `;
      s += "\n";
    }
    s += "\n";
  }
  return s;
}

interface Options {
  json: boolean;
  pretty: boolean;
  netns?: string;
  pcap?: string;
}

function parseOptions(args: string[]): { opts: Options; rest: string[] } {
  const { pcap, rest: argv } = pcapArgument(args, "genl.ts");
  const opts: Options = { json: false, pretty: false, pcap };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i].replace(/^--/, "-");
    if (!a.startsWith("-")) break;
    if (a === "-j" || a === "-json") opts.json = true;
    else if (a === "-p" || a === "-pretty") opts.pretty = true;
    else if (a === "-n" || a === "-netns") {
      opts.netns = argv[++i];
      if (opts.netns === undefined) throw new UsageError("No netns name specified\n", 255);
    } else if (a === "-h" || a === "-help") throw new UsageError(USAGE, 0);
    else throw new UsageError(`Option "${argv[i]}" is unknown, try "genl -help".\n`, 255);
  }
  return { opts, rest: argv.slice(i) };
}

/** iproute2's `get_u16()` with base 0: decimal, `0x` hex or `0` octal. */
function parseU16(s: string): number | undefined {
  const n = /^0x[0-9a-f]+$/i.test(s)
    ? parseInt(s, 16)
    : /^0[0-7]*$/.test(s)
    ? parseInt(s, 8)
    : /^[1-9]\d*$/.test(s)
    ? parseInt(s, 10)
    : NaN;
  return Number.isInteger(n) && n <= 0xffff ? n : undefined;
}

async function run(argv: string[]): Promise<number> {
  const { opts, rest } = parseOptions(argv);
  if (rest[0] !== "ctrl") {
    throw new UsageError(
      rest.length === 0 ? USAGE : `Unknown generic netlink object "${rest[0]}"\n${USAGE}`,
      255,
    );
  }
  const cmd = rest[1];
  if (cmd === undefined) throw new UsageError("wrong controller params\n", 255);
  let by: { name: string } | { id: number } | undefined;
  if (matches(cmd, "get")) {
    if (rest.length !== 4) throw new UsageError("Wrong number of params\n", 255);
    if (matches(rest[2], "name")) by = { name: rest[3].slice(0, 15) };
    else if (matches(rest[2], "id")) {
      const id = parseU16(rest[3]);
      if (id === undefined) throw new UsageError('Illegal "id"\n', 255);
      by = { id };
    } else throw new UsageError("Wrong params\n", 255);
  } else if (!(matches(cmd, "list") || matches(cmd, "show") || matches(cmd, "lst"))) {
    throw new UsageError(`ctrl command "${cmd}" is unknown, try "ctrl help".\n`, 255);
  }
  await using ctrl = await Client.open(nlctrl.family, { netns: opts.netns, pcap: opts.pcap });
  const families: GenlFamily[] = [];
  try {
    if (by !== undefined) families.push(await getGenlFamily(ctrl, by));
    else for await (const f of listGenlFamilies(ctrl)) families.push(f);
  } catch (e) {
    const errno = e instanceof FamilyNotFoundError
      ? (e.cause as NetlinkError).errno
      : e instanceof NetlinkError
      ? e.errno
      : undefined;
    if (errno === undefined) throw e;
    const ack = ((e instanceof FamilyNotFoundError ? e.cause : e) as NetlinkError).extAck;
    stderr(
      ack?.message
        ? `Error: ${ack.message}${ack.message.endsWith(".") ? "" : "."}\n`
        : `RTNETLINK answers: ${errnoMessage(errno)}\n`,
    );
    stderr(by !== undefined ? "Error talking to the kernel\n" : "Dump terminated\n");
    return 255;
  }
  if (opts.json) stdout(JSON.stringify(families, null, opts.pretty ? 2 : undefined) + "\n");
  else stdout(families.map(text).join(""));
  return 0;
}

async function main(): Promise<number> {
  try {
    return await run(args());
  } catch (e) {
    if (e instanceof UsageError) {
      (e.code === 0 ? stdout : stderr)(e.message);
      return e.code;
    }
    if (e instanceof NetlinkError) {
      stderr(`Cannot open generic netlink socket: ${errnoMessage(e.errno)}\n`);
      return 1;
    }
    throw e;
  }
}

const code = await main();
if (code !== 0) exit(code);
