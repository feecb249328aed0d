#!/usr/bin/env -S deno run -A
/**
 * A command line for every generated family, modelled on the kernel's `tools/net/ynl` CLI:
 * requests and replies as JSON with the attribute names the YNL specs write (kebab-case).
 *
 * ```sh
 * ynl.ts --family NAME (--do OP | --dump OP) [--json '{…}'] [--subscribe GROUP
 *        [--count N] [--timeout S]] [--list-ops] [-n NETNS] [--create] [--excl]
 *        [--replace] [--append] [--pretty] [--pcap FILE]
 * deno run -A examples/ynl.ts --family ethtool --do linkinfo-get --json '{"header":{"dev-name":"v0"}}'
 * bun examples/ynl.ts --family rt-link --dump getlink
 * deno run -A examples/ynl.ts --family ethtool --subscribe monitor --count 1
 * deno run -A jsr:@netlink/netlink/examples/ynl --family nlctrl --dump getfamily   # from the package
 * ```
 *
 * - `--do` prints one JSON document (`null` when the kernel only acknowledged), `--dump` a JSON
 *   array, `--subscribe` one JSON object per line, `{"name": OPERATION, "msg": {…}}`, until
 *   `--count` notifications arrived or `--timeout` seconds passed (with `--do`/`--dump`, the
 *   group is joined first). `--list-ops` prints each operation with its modes.
 * - The JSON mapping (`client/json.ts`): a message's fixed header and attributes in one object;
 *   u64 values as numbers when they are safe integers, else decimal strings; enums by entry
 *   name (flags as arrays of names); binary as its display hint says (`mac`, `ipv4`, `ipv6`,
 *   `uuid`), else hex. `--json` accepts the same, or numbers, or camelCase keys.
 * - `--pcap FILE` writes what the tool sends and receives to FILE (pcap, `LINKTYPE_NETLINK`:
 *   `tshark -r FILE -V` dissects it).
 * - Exit status: 0; 1 for a kernel error (printed as `Netlink error: ENAME (message): extended
 *   ACK message`) or a family this kernel does not have; 2 for a command-line error (an unknown
 *   family, operation, mode or group, bad JSON).
 *
 * @module
 */
import { NetlinkError } from "../codec/netlink_error.ts";
import { errnoMessage } from "../codec/errno.ts";
import { formatExtendedAck } from "../codec/nlmsgerr.ts";
import { buildMessage, type Operation } from "../codec/ynl/mod.ts";
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from "../codec/constants.ts";
import {
  attributePath,
  Client,
  FamilyNotFoundError,
  type Json,
  messageToJson,
  type Notification,
  requestFromJson,
  type UnknownNotification,
} from "../client/mod.ts";
import { familyNames, findFamily, findOperation, operationModes } from "../client/families.ts";
import { args, Chunks, exit, onInterrupt, stderr, stdout, UsageError } from "./_io.ts";
import { pcapArgument } from "./_pcap.ts";

const USAGE = `usage: ynl.ts --family NAME [--do OP | --dump OP] [--json JSON]
              [--subscribe GROUP [--count N] [--timeout SECONDS]] [--list-ops]
              [-n NETNS] [--create] [--excl] [--replace] [--append] [--pretty]
              [--pcap FILE]
`;

interface Options {
  family?: string;
  do?: string;
  dump?: string;
  json?: string;
  subscribe: string[];
  count?: number;
  timeout?: number;
  listOps: boolean;
  netns?: string;
  flags: number;
  pretty: boolean;
  pcap?: string;
}

function usage(message: string): UsageError {
  return new UsageError(`${USAGE}ynl.ts: error: ${message}\n`, 2);
}

function parseOptions(args: string[]): Options {
  const { pcap, rest: argv } = pcapArgument(args, "ynl.ts");
  const o: Options = { subscribe: [], listOps: false, flags: 0, pretty: false, pcap };
  const value = (i: number, name: string): string => {
    const v = argv[i];
    if (v === undefined) throw usage(`argument ${name}: expected one argument`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const [a, inline] = argv[i].startsWith("--") && argv[i].includes("=")
      ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)]
      : [argv[i], undefined];
    const next = () => inline ?? value(++i, a);
    switch (a) {
      case "--family":
        o.family = next();
        break;
      case "--do":
        o.do = next();
        break;
      case "--dump":
        o.dump = next();
        break;
      case "--json":
        o.json = next();
        break;
      case "--subscribe":
        o.subscribe.push(next());
        break;
      case "--count": {
        const s = next();
        o.count = Number(s);
        if (!/^\d+$/.test(s) || o.count < 1) throw usage(`argument --count: invalid "${s}"`);
        break;
      }
      case "--timeout":
      case "--duration": {
        const s = next();
        o.timeout = Number(s);
        if (!(o.timeout >= 0)) throw usage(`argument ${a}: invalid "${s}"`);
        break;
      }
      case "--list-ops":
        o.listOps = true;
        break;
      case "-n":
      case "--netns":
        o.netns = next();
        break;
      case "--create":
        o.flags |= NLM_F_CREATE;
        break;
      case "--excl":
        o.flags |= NLM_F_EXCL;
        break;
      case "--replace":
        o.flags |= NLM_F_REPLACE;
        break;
      case "--append":
        o.flags |= NLM_F_APPEND;
        break;
      case "-p":
      case "--pretty":
        o.pretty = true;
        break;
      case "-h":
      case "--help":
        throw new UsageError(USAGE, 0);
      default:
        throw usage(`unrecognized argument "${argv[i]}"`);
    }
  }
  if (o.family === undefined) throw usage("--family is required");
  if (o.do !== undefined && o.dump !== undefined) throw usage("--do and --dump exclude each other");
  if (!o.listOps && o.do === undefined && o.dump === undefined && o.subscribe.length === 0) {
    throw usage("nothing to do: give --do, --dump, --subscribe or --list-ops");
  }
  if ((o.count !== undefined || o.timeout !== undefined) && o.subscribe.length === 0) {
    throw usage("--count and --timeout go with --subscribe");
  }
  return o;
}

/** The kernel's error, with the extended ACK's message and what it points at. */
function kernelError(
  e: NetlinkError,
  request?: { op: Operation<object, object>; bytes: Uint8Array },
): string {
  let s = `Netlink error: ${e.code} (${errnoMessage(e.errno)})`;
  const ack = e.extAck;
  if (ack?.message) s += `: ${ack.message}`;
  if (ack?.offset !== undefined) {
    const path = request && attributePath(request.op, request.bytes, ack.offset);
    s += ` (bad attribute: ${path ?? `offset ${ack.offset}`})`;
  }
  const rest = ack ? formatExtendedAck({ ...ack, message: undefined, offset: undefined }) : "";
  if (rest) s += ` (${rest})`;
  return s + "\n";
}

function notificationJson(n: Notification | UnknownNotification): Json {
  if (n.family === undefined) {
    return { name: null, type: n.message.type, group: n.message.group };
  }
  return { name: n.operation.name, msg: messageToJson(n) };
}

async function run(o: Options): Promise<number> {
  const family = findFamily(o.family!);
  if (family === undefined) {
    throw new UsageError(
      `ynl.ts: unknown family "${o.family}"; known: ${familyNames().join(", ")}\n`,
      2,
    );
  }
  if (o.listOps) {
    for (const op of family.operations()) {
      stdout(`${op.name}  [ ${operationModes(op).join(", ")} ]\n`);
    }
    if (o.do === undefined && o.dump === undefined && o.subscribe.length === 0) return 0;
  }
  const name = o.do ?? o.dump;
  const op = name === undefined ? undefined : findOperation(family, name);
  if (name !== undefined && op === undefined) {
    throw new UsageError(
      `ynl.ts: family ${family.name} has no operation "${name}"; known: ${
        family.operations().map((x) => x.name).join(", ")
      }\n`,
      2,
    );
  }
  const mode = o.do !== undefined ? "do" : "dump";
  if (op !== undefined && op.spec[mode] === undefined) {
    throw new UsageError(
      `ynl.ts: ${family.name} ${op.name} has no ${mode} (it has: ${
        operationModes(op).join(", ")
      })\n`,
      2,
    );
  }
  const groups = Object.keys(family.spec.mcastGroups ?? {});
  for (const g of o.subscribe) {
    if (!groups.includes(g)) {
      throw new UsageError(
        `ynl.ts: family ${family.name} has no multicast group "${g}"; known: ${
          groups.join(", ") || "none"
        }\n`,
        2,
      );
    }
  }
  let request: { header: object; attrs: object } | undefined;
  if (op !== undefined) {
    let json: unknown = {};
    try {
      if (o.json !== undefined) json = JSON.parse(o.json);
    } catch (e) {
      throw new UsageError(`ynl.ts: --json: ${(e as Error).message}\n`, 2);
    }
    try {
      request = requestFromJson(op, json);
    } catch (e) {
      if (e instanceof TypeError || e instanceof RangeError) {
        throw new UsageError(`ynl.ts: --json: ${e.message}\n`, 2);
      }
      throw e;
    }
  } else if (o.json !== undefined) {
    throw usage("--json needs --do or --dump");
  }

  const print = (v: Json) => JSON.stringify(v, null, o.pretty ? 2 : undefined);
  const stop = new AbortController();
  if (o.subscribe.length > 0) onInterrupt(() => stop.abort());
  await using client = await Client.open(family, { netns: o.netns, pcap: o.pcap });
  await using events = o.subscribe.length > 0
    ? await client.subscribe(o.subscribe, { signal: stop.signal })
    : undefined;
  if (op !== undefined && request !== undefined) {
    const call = { header: request.header, attrs: request.attrs, flags: o.flags };
    let started = false;
    // A dump is printed as it arrives, an element at a time, written in large chunks.
    const out = new Chunks(stdout);
    try {
      if (mode === "do") {
        const reply = await client.call(op, call);
        stdout(print(reply === undefined ? null : messageToJson(reply)) + "\n");
      } else {
        for await (const m of client.dump(op, call)) {
          out.write((started ? ",\n" : "[\n") + print(messageToJson(m)));
          started = true;
        }
        out.write(started ? "\n]\n" : "[]\n");
        out.end();
      }
    } catch (e) {
      if (!(e instanceof NetlinkError)) throw e;
      if (started) out.write("\n]\n");
      out.end();
      // The request again (the same bytes but for the seq), to name the attribute the
      // extended ACK points at.
      const type = family.isGenetlink ? (await client.genlFamily(family)).id : undefined;
      const bytes = buildMessage(op, { ...call, type, dump: mode === "dump" });
      stderr(kernelError(e, { op, bytes }));
      return 1;
    }
  }
  if (events !== undefined) {
    const timer = o.timeout === undefined
      ? undefined
      : setTimeout(() => stop.abort(), o.timeout * 1000);
    let n = 0;
    try {
      for await (const ntf of events) {
        stdout(JSON.stringify(notificationJson(ntf)) + "\n");
        if (o.count !== undefined && ++n >= o.count) break;
      }
    } catch (e) {
      if (!stop.signal.aborted) throw e;
    } finally {
      clearTimeout(timer);
    }
  }
  return 0;
}

async function main(): Promise<number> {
  try {
    return await run(parseOptions(args()));
  } catch (e) {
    if (e instanceof UsageError) {
      (e.code === 0 ? stdout : stderr)(e.message);
      return e.code;
    }
    if (e instanceof FamilyNotFoundError) {
      stderr(`ynl.ts: ${e.message}\n`);
      return 1;
    }
    if (e instanceof NetlinkError) {
      stderr(kernelError(e));
      return 1;
    }
    if (e instanceof TypeError || e instanceof RangeError) {
      stderr(`ynl.ts: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

const code = await main();
if (code !== 0) exit(code);
