#!/usr/bin/env -S deno run -A
/**
 * An iproute2-compatible `ip` (and `tc`) on this library's public API: the same JSON as
 * `ip -j`, text that looks like `ip`'s, and `ip`'s errors and exit statuses for words it does
 * not know (never a silent `show`).
 *
 * ```sh
 * deno run -A examples/ip.ts [-j] [-p] [-d] [-s] [-h] [-o] [-br] [-t|-ts] [-4|-6] [-n NETNS] \
 *   OBJECT [COMMAND [ARGS…]]
 * bun examples/ip.ts -j route show table all
 * deno run -A jsr:@netlink/netlink/examples/ip -j link   # straight from the package
 * ```
 *
 * OBJECT is `link`, `address`, `route`, `neigh`, `rule`, `monitor`, `netns`, `xfrm`, or
 * (tc-style) `qdisc`, `class`, `filter`. `show` is the default command; `add`, `del`, `set`,
 * `replace`, `change`, `append`, `flush`, `get`, `exec` change or query things as `ip` does.
 * Kernel errors print as `ip` prints them (`Error: …` from the extended ACK, else
 * `RTNETLINK answers: …`) and exit with status 2; command-line errors with ip's text and
 * status.
 *
 * @module
 */
import { errnoMessage, LinkNotFoundError, NetlinkError, Rtnl } from "../mod.ts";
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
import { showLinks } from "./ip/link.ts";
import { flushAddr, modifyAddr, modifyLink } from "./ip/link_cmd.ts";
import { flushRoute, getRouteCmd, modifyRoute, showRoutes } from "./ip/route.ts";
import { flushNeigh, modifyNeigh, showNeigh } from "./ip/neigh.ts";
import { flushRule, modifyRule, showRules } from "./ip/rule.ts";
import { modifyClass, modifyFilter, modifyQdisc, showTc } from "./ip/tc.ts";
import { monitor } from "./ip/monitor.ts";
import { netns } from "./ip/netns.ts";
import { xfrm } from "./ip/xfrm.ts";

const USAGE = `Usage: ip.ts [ OPTIONS ] OBJECT { COMMAND | help }
where  OBJECT := { link | address | route | neigh | rule | monitor | netns | xfrm |
                   qdisc | class | filter }
       OPTIONS := { -j[son] | -p[retty] | -d[etails] | -s[tatistics] | -h[uman] |
                    -o[neline] | -br[ief] | -t[imestamp] | -ts[hort] | -4 | -6 | -0 |
                    -n[etns] NAME }`;

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

function run(ctx: Context, rest: string[]): Promise<void> {
  const object = rest[0];
  const cmd = rest[1];
  const tail = rest.slice(2);
  if (matches(object, "link")) {
    if (cmd === undefined) return showLinks(ctx, [], true);
    if (matches(cmd, "add")) return modifyLink(ctx, "add", tail);
    if (matches(cmd, "set") || matches(cmd, "change")) return modifyLink(ctx, "set", tail);
    if (matches(cmd, "delete")) return modifyLink(ctx, "del", tail);
    if (SHOW(cmd)) return showLinks(ctx, tail, true);
    if (matches(cmd, "help")) help("link");
    unknownCommand(cmd, "link");
  }
  if (matches(object, "address") || object === "addr") {
    if (cmd === undefined) return showLinks(ctx, [], false);
    if (matches(cmd, "add")) return modifyAddr(ctx, "add", tail);
    if (matches(cmd, "change") || cmd === "chg") return modifyAddr(ctx, "change", tail);
    if (matches(cmd, "replace")) return modifyAddr(ctx, "replace", tail);
    if (matches(cmd, "delete")) return modifyAddr(ctx, "del", tail);
    if (SHOW(cmd)) return showLinks(ctx, tail, false);
    if (matches(cmd, "flush")) return flushAddr(ctx, tail);
    if (matches(cmd, "help")) help("address");
    unknownCommand(cmd, "address");
  }
  if (matches(object, "route")) {
    if (cmd === undefined) return showRoutes(ctx, []);
    for (const c of ["add", "change", "replace", "prepend", "append", "delete"]) {
      if (matches(cmd, c) || (c === "change" && cmd === "chg")) {
        return modifyRoute(ctx, c === "delete" ? "del" : c, tail);
      }
    }
    if (SHOW(cmd)) return showRoutes(ctx, tail);
    if (matches(cmd, "get")) return getRouteCmd(ctx, tail);
    if (matches(cmd, "flush")) return flushRoute(ctx, tail);
    if (matches(cmd, "help")) help("route");
    unknownCommand(cmd, "route");
  }
  if (matches(object, "neighbour") || matches(object, "neighbor")) {
    if (cmd === undefined) return showNeigh(ctx, []);
    if (matches(cmd, "add")) return modifyNeigh(ctx, "add", tail);
    if (matches(cmd, "change") || cmd === "chg") return modifyNeigh(ctx, "change", tail);
    if (matches(cmd, "replace")) return modifyNeigh(ctx, "replace", tail);
    if (matches(cmd, "delete")) return modifyNeigh(ctx, "del", tail);
    if (SHOW(cmd)) return showNeigh(ctx, tail);
    if (matches(cmd, "flush")) return flushNeigh(ctx, tail);
    if (matches(cmd, "help")) help("neigh");
    unknownCommand(cmd, "neigh");
  }
  if (matches(object, "rule")) {
    if (cmd === undefined) return showRules(ctx, []);
    if (SHOW(cmd)) return showRules(ctx, tail);
    if (matches(cmd, "add")) return modifyRule(ctx, "add", tail);
    if (matches(cmd, "delete")) return modifyRule(ctx, "del", tail);
    if (matches(cmd, "flush")) return flushRule(ctx, tail);
    if (matches(cmd, "help")) help("rule");
    unknownCommand(cmd, "rule");
  }
  if (matches(object, "monitor")) return monitor(ctx, rest.slice(1));
  if (matches(object, "netns")) return netns(ctx, rest.slice(1));
  if (matches(object, "xfrm")) return xfrm(ctx, rest.slice(1));
  for (const what of ["qdisc", "class", "filter"]) {
    if (!matches(object, what)) continue;
    if (cmd === undefined || SHOW(cmd) || cmd === "ls") return showTc(ctx, what, cmd ? tail : []);
    const modify = what === "qdisc" ? modifyQdisc : what === "class" ? modifyClass : modifyFilter;
    for (const c of ["add", "replace", "change", "delete"]) {
      if (matches(cmd, c) || (c === "delete" && cmd === "del")) {
        return modify(ctx, c === "delete" ? "del" : c, tail);
      }
    }
    if (matches(cmd, "help")) help(what);
    throw new UsageError(`Command "${cmd}" is unknown, try "tc ${what} help".`, 255);
  }
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
  try {
    parsed = parseOptions(args());
  } catch (e) {
    if (e instanceof UsageError) {
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
    rt = await Rtnl.open(opts.netns !== undefined ? { netns: opts.netns } : {});
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
