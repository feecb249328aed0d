#!/usr/bin/env -S deno run -A
/**
 * An iproute2-compatible `ip` (and `tc`) on this library's public API: the same JSON as
 * `ip -j`, text that looks like `ip`'s, and `ip`'s errors and exit statuses for words it does
 * not know (never a silent `show`).
 *
 * ```sh
 * deno run -A examples/ip.ts [-j] [-p] [-d] [-s] [-h] [-o] [-br] [-t|-ts] [-4|-6] [-n NETNS] \
 *   [--pcap FILE] OBJECT [COMMAND [ARGS…]]
 * bun examples/ip.ts -j route show table all
 * deno run -A examples/ip.ts --pcap ip.pcap link show   # and the traffic, for tshark
 * deno run -A jsr:@netlink/netlink/examples/ip -j link   # straight from the package
 * ```
 *
 * OBJECT is `link`, `address`, `route`, `neigh`, `rule`, `monitor`, `netns`, `xfrm`, or
 * (tc-style) `qdisc`, `class`, `filter`. `show` is the default command; `add`, `del`, `set`,
 * `replace`, `change`, `append`, `flush`, `get`, `exec` change or query things as `ip` does.
 * Kernel errors print as `ip` prints them (`Error: …` from the extended ACK, else
 * `RTNETLINK answers: …`) and exit with status 2; command-line errors with ip's text and
 * status. `--pcap FILE` (anywhere before a lone `--`) writes every message the tool sends and
 * receives to FILE, as `LINKTYPE_NETLINK` records tshark dissects (`NETLINK_PCAP=FILE` in the
 * environment does the same). Listings are printed as the dump arrives and written in large
 * chunks, so memory stays bounded whatever the size of the table.
 *
 * @module
 */
import { errnoMessage } from "../codec/errno.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { LinkNotFoundError } from "../families/route/errors.ts";
import { Rtnl } from "../families/route/rtnl.ts";
import {
  args,
  Context,
  exit,
  matches,
  type Options,
  stderr,
  unknownCommand,
  UsageError,
} from "./ip/cli.ts";
import { pcapArgument } from "./_pcap.ts";
import { UsageError as PcapUsageError } from "./_io.ts";

// Each OBJECT's module is imported when the command names it, so `ip.ts link` loads neither
// the xfrm family nor tc's printers (start-up is most of a small command's time).
const linkModule = () => import("./ip/link.ts");
const linkCmdModule = () => import("./ip/link_cmd.ts");
const routeModule = () => import("./ip/route.ts");
const neighModule = () => import("./ip/neigh.ts");
const ruleModule = () => import("./ip/rule.ts");
const tcModule = () => import("./ip/tc.ts");

const USAGE = `Usage: ip.ts [ OPTIONS ] OBJECT { COMMAND | help }
where  OBJECT := { link | address | route | neigh | rule | monitor | netns | xfrm |
                   qdisc | class | filter }
       OPTIONS := { -j[son] | -p[retty] | -d[etails] | -s[tatistics] | -h[uman] |
                    -o[neline] | -br[ief] | -t[imestamp] | -ts[hort] | -4 | -6 | -0 |
                    -n[etns] NAME | --pcap FILE }`;

function parseOptions(argv: string[]): { opts: Options; rest: string[] } {
  const opts: Options = {
    json: false,
    pretty: false,
    details: 0,
    stats: 0,
    human: false,
    family: 0,
    oneline: false,
    brief: false,
    timestamp: 0,
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const raw = argv[i];
    if (raw === "--") {
      i++;
      break;
    }
    if (!raw.startsWith("-") || raw === "-") break;
    const a = raw.replace(/^--?/, "-");
    const is = (word: string) => matches(a, word);
    if (a === "-4") opts.family = 2;
    else if (a === "-6") opts.family = 10;
    else if (a === "-0") opts.family = 17;
    else if (/^-s+$/.test(a) && a.length > 2) opts.stats += a.length - 1;
    else if (is("-stats") || is("-statistics")) opts.stats++;
    else if (is("-details")) opts.details++;
    else if (is("-human") || is("-human-readable")) opts.human = true;
    else if (is("-oneline")) opts.oneline = true;
    else if (is("-timestamp")) opts.timestamp = 1;
    else if (is("-tshort")) opts.timestamp = 2;
    else if (a.length > 2 && is("-brief")) opts.brief = true;
    else if (is("-json")) opts.json = true;
    else if (is("-pretty")) opts.pretty = true;
    else if (is("-netns")) {
      opts.netns = argv[++i];
      if (opts.netns === undefined) throw new UsageError("No netns name specified", 1);
    } else if (is("-help")) {
      stderr(USAGE + "\n");
      exit(0);
    } else if (/^-[jpds]+$/.test(a)) {
      for (const c of a.slice(1)) {
        if (c === "j") opts.json = true;
        else if (c === "p") opts.pretty = true;
        else if (c === "d") opts.details++;
        else opts.stats++;
      }
    } else throw new UsageError(`Option "${raw}" is unknown, try "ip -help".`, 255);
  }
  return { opts, rest: argv.slice(i) };
}

const SHOW = (c: string) => matches(c, "show") || matches(c, "list") || matches(c, "lst");

/** `ip OBJECT help`: ip prints its usage and exits with 255. */
function help(object: string): never {
  throw new UsageError(`Usage: ip ${object} { COMMAND | help } (see ip-${object}(8))`, 255);
}

async function run(ctx: Context, rest: string[]): Promise<void> {
  const object = rest[0];
  const cmd = rest[1];
  const tail = rest.slice(2);
  if (matches(object, "link")) {
    if (cmd === undefined) return (await linkModule()).showLinks(ctx, [], true);
    if (matches(cmd, "add")) return (await linkCmdModule()).modifyLink(ctx, "add", tail);
    if (matches(cmd, "set") || matches(cmd, "change")) {
      return (await linkCmdModule()).modifyLink(ctx, "set", tail);
    }
    if (matches(cmd, "delete")) return (await linkCmdModule()).modifyLink(ctx, "del", tail);
    if (SHOW(cmd)) return (await linkModule()).showLinks(ctx, tail, true);
    if (matches(cmd, "help")) help("link");
    unknownCommand(cmd, "link");
  }
  if (matches(object, "address") || object === "addr") {
    if (cmd === undefined) return (await linkModule()).showLinks(ctx, [], false);
    const m = () => linkCmdModule();
    if (matches(cmd, "add")) return (await m()).modifyAddr(ctx, "add", tail);
    if (matches(cmd, "change") || cmd === "chg") return (await m()).modifyAddr(ctx, "change", tail);
    if (matches(cmd, "replace")) return (await m()).modifyAddr(ctx, "replace", tail);
    if (matches(cmd, "delete")) return (await m()).modifyAddr(ctx, "del", tail);
    if (SHOW(cmd)) return (await linkModule()).showLinks(ctx, tail, false);
    if (matches(cmd, "flush")) return (await m()).flushAddr(ctx, tail);
    if (matches(cmd, "help")) help("address");
    unknownCommand(cmd, "address");
  }
  if (matches(object, "route")) {
    const m = await routeModule();
    if (cmd === undefined) return m.showRoutes(ctx, []);
    for (const c of ["add", "change", "replace", "prepend", "append", "delete"]) {
      if (matches(cmd, c) || (c === "change" && cmd === "chg")) {
        return m.modifyRoute(ctx, c === "delete" ? "del" : c, tail);
      }
    }
    if (SHOW(cmd)) return m.showRoutes(ctx, tail);
    if (matches(cmd, "get")) return m.getRouteCmd(ctx, tail);
    if (matches(cmd, "flush")) return m.flushRoute(ctx, tail);
    if (matches(cmd, "help")) help("route");
    unknownCommand(cmd, "route");
  }
  if (matches(object, "neighbour") || matches(object, "neighbor")) {
    const m = await neighModule();
    if (cmd === undefined) return m.showNeigh(ctx, []);
    if (matches(cmd, "add")) return m.modifyNeigh(ctx, "add", tail);
    if (matches(cmd, "change") || cmd === "chg") return m.modifyNeigh(ctx, "change", tail);
    if (matches(cmd, "replace")) return m.modifyNeigh(ctx, "replace", tail);
    if (matches(cmd, "delete")) return m.modifyNeigh(ctx, "del", tail);
    if (SHOW(cmd)) return m.showNeigh(ctx, tail);
    if (matches(cmd, "flush")) return m.flushNeigh(ctx, tail);
    if (matches(cmd, "help")) help("neigh");
    unknownCommand(cmd, "neigh");
  }
  if (matches(object, "rule")) {
    const m = await ruleModule();
    if (cmd === undefined) return m.showRules(ctx, []);
    if (SHOW(cmd)) return m.showRules(ctx, tail);
    if (matches(cmd, "add")) return m.modifyRule(ctx, "add", tail);
    if (matches(cmd, "delete")) return m.modifyRule(ctx, "del", tail);
    if (matches(cmd, "flush")) return m.flushRule(ctx, tail);
    if (matches(cmd, "help")) help("rule");
    unknownCommand(cmd, "rule");
  }
  if (matches(object, "monitor")) {
    return (await import("./ip/monitor.ts")).monitor(ctx, rest.slice(1));
  }
  if (matches(object, "netns")) return (await import("./ip/netns.ts")).netns(ctx, rest.slice(1));
  if (matches(object, "xfrm")) return (await import("./ip/xfrm.ts")).xfrm(ctx, rest.slice(1));
  for (const what of ["qdisc", "class", "filter"]) {
    if (!matches(object, what)) continue;
    const m = await tcModule();
    if (cmd === undefined || SHOW(cmd) || cmd === "ls") return m.showTc(ctx, what, cmd ? tail : []);
    const modify = what === "qdisc"
      ? m.modifyQdisc
      : what === "class"
      ? m.modifyClass
      : m.modifyFilter;
    for (const c of ["add", "replace", "change", "delete"]) {
      if (matches(cmd, c) || (c === "delete" && cmd === "del")) {
        return modify(ctx, c === "delete" ? "del" : c, tail);
      }
    }
    if (matches(cmd, "help")) help(what);
    throw new UsageError(`Command "${cmd}" is unknown, try "tc ${what} help".`, 255);
  }
  if (matches(object, "help")) throw new UsageError(USAGE, 255); // as `ip help`
  throw new UsageError(`Object "${object}" is unknown, try "ip help".`, 1);
}

/** The message of a kernel error, as ip prints it. */
function kernelError(e: NetlinkError): string {
  const msg = e.extAck?.message;
  if (msg) return `Error: ${msg}${msg.endsWith(".") ? "" : "."}\n`;
  return `RTNETLINK answers: ${errnoMessage(e.errno)}\n`;
}

async function main(): Promise<number> {
  let parsed;
  let pcap: string | undefined;
  try {
    const taken = pcapArgument(args(), "ip.ts");
    pcap = taken.pcap;
    parsed = parseOptions(taken.rest);
  } catch (e) {
    if (e instanceof UsageError || e instanceof PcapUsageError) {
      stderr(e.message + "\n");
      return e.code;
    }
    throw e;
  }
  const { opts, rest } = parsed;
  if (rest.length === 0) {
    stderr(USAGE + "\n");
    return 255;
  }
  let rt: Rtnl;
  try {
    rt = await Rtnl.open({ netns: opts.netns, pcap });
  } catch (e) {
    if (e instanceof NetlinkError && opts.netns !== undefined) {
      stderr(`Cannot open network namespace "${opts.netns}": ${errnoMessage(e.errno)}\n`);
      return 255;
    }
    throw e;
  }
  const ctx = new Context(rt, opts);
  try {
    await run(ctx, rest);
    ctx.p.flush();
    return 0;
  } catch (e) {
    ctx.p.take();
    if (e instanceof UsageError) {
      stderr(e.message + "\n");
      return e.code;
    }
    if (e instanceof LinkNotFoundError) {
      stderr(e.message + "\n");
      return 1;
    }
    if (e instanceof NetlinkError) {
      stderr(kernelError(e));
      return 2;
    }
    if (e instanceof TypeError || e instanceof RangeError) {
      stderr(`Error: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    rt.close();
  }
}

const code = await main();
if (code !== 0) exit(code);
