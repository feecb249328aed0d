#!/usr/bin/env -S deno run -A
/**
 * An iproute2-compatible `ip` (and `tc … show`) on this library: the same JSON as `ip -j`, and
 * text that looks like `ip`'s.
 *
 * ```sh
 * deno run -A examples/ip.ts [-j] [-p] [-d] [-s] [-4|-6] [-n NETNS] OBJECT [COMMAND [ARGS…]]
 * bun examples/ip.ts -j route show table all
 * ```
 *
 * OBJECT is `link`, `address`, `route`, `neigh`, `rule`, `monitor`, or (tc-style) `qdisc`,
 * `class`, `filter`. `show` is the default command; `link add/set/del`, `address add/del`,
 * `route add/del/replace/get`, `neigh add/del`, `rule add/del` change things. Errors print as
 * `ip` prints them (`Error: …` from the kernel's extended ACK, else `RTNETLINK answers: …`)
 * and exit with status 2.
 *
 * @module
 */
import { Rtnl } from "../families/route/rtnl.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { errnoMessage } from "../codec/errno.ts";
import { args, Context, exit, matches, type Options, stderr, UsageError } from "./ip/cli.ts";
import { showLinks } from "./ip/link.ts";
import { modifyAddr, modifyLink } from "./ip/link_cmd.ts";
import { getRoute, modifyRoute, showRoutes } from "./ip/route.ts";
import { modifyNeigh, showNeigh } from "./ip/neigh.ts";
import { modifyRule, showRules } from "./ip/rule.ts";
import { showTc } from "./ip/tc.ts";
import { monitor } from "./ip/monitor.ts";
import { xfrm } from "./ip/xfrm.ts";

const USAGE = `Usage: ip.ts [ OPTIONS ] OBJECT { COMMAND | help }
where  OBJECT := { link | address | route | neigh | rule | monitor | qdisc | class | filter }
       OPTIONS := { -j[son] | -p[retty] | -d[etails] | -s[tatistics] | -4 | -6 | -0 |
                    -n[etns] NAME | -o[neline] }`;

function parseOptions(argv: string[]): { opts: Options; rest: string[] } {
  const opts: Options = {
    json: false,
    pretty: false,
    details: 0,
    stats: 0,
    family: 0,
    oneline: false,
  };
  let i = 0;
  for (; i < argv.length; i++) {
    let a = argv[i];
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-") || a === "-") break;
    a = a.replace(/^--?/, "-");
    if (a === "-j" || a === "-json") opts.json = true;
    else if (a === "-p" || a === "-pretty") opts.pretty = true;
    else if (/^-d(e(t(a(i(l(s)?)?)?)?)?)?$/.test(a)) opts.details++;
    else if (/^-s(t(a(t(i(s(t(i(c(s)?)?)?)?)?)?)?)?)?$/.test(a) || a === "-stats") opts.stats++;
    else if (/^-s+$/.test(a)) opts.stats += a.length - 1;
    else if (a === "-4") opts.family = 2;
    else if (a === "-6") opts.family = 10;
    else if (a === "-0") opts.family = 17;
    else if (a === "-o" || a === "-oneline") opts.oneline = true;
    else if (a === "-n" || a === "-netns") {
      opts.netns = argv[++i];
      if (opts.netns === undefined) throw new UsageError("No netns name specified", 1);
    } else if (a === "-h" || a === "-help") {
      stderr(USAGE + "\n");
      exit(0);
    } else if (/^-[jpds]+$/.test(a)) {
      for (const c of a.slice(1)) {
        if (c === "j") opts.json = true;
        else if (c === "p") opts.pretty = true;
        else if (c === "d") opts.details++;
        else opts.stats++;
      }
    } else throw new UsageError(`Option "${argv[i]}" is unknown, try "ip -help".`, 255);
  }
  return { opts, rest: argv.slice(i) };
}

function run(ctx: Context, rest: string[]): Promise<void> {
  const object = rest[0];
  let cmd = rest[1] ?? "show";
  const tail = rest.slice(2);
  const isShow = (c: string) => matches(c, "show") || matches(c, "list") || c === "lst";
  const showArgs = isShow(cmd) ? tail : rest.slice(1);
  if (!isShow(cmd) && cmd === "delete") cmd = "del";
  if (matches(object, "link")) {
    if (cmd === "add" || cmd === "set" || cmd === "del" || cmd === "change") {
      return modifyLink(ctx, cmd === "change" ? "set" : cmd, tail);
    }
    return showLinks(ctx, showArgs, true);
  }
  if (matches(object, "address") || object === "a" || object === "addr") {
    if (cmd === "add" || cmd === "del" || cmd === "replace" || cmd === "change") {
      return modifyAddr(ctx, cmd, tail);
    }
    return showLinks(ctx, showArgs, false);
  }
  if (matches(object, "route") || object === "r") {
    if (cmd === "get") return getRoute(ctx, tail);
    if (["add", "del", "replace", "append", "change", "prepend"].includes(cmd)) {
      return modifyRoute(ctx, cmd === "prepend" ? "add" : cmd, tail);
    }
    return showRoutes(ctx, showArgs);
  }
  if (matches(object, "neighbour") || matches(object, "neighbor") || object === "n") {
    if (["add", "del", "replace", "change"].includes(cmd)) return modifyNeigh(ctx, cmd, tail);
    return showNeigh(ctx, showArgs);
  }
  if (matches(object, "rule") || object === "ru") {
    if (cmd === "add" || cmd === "del") return modifyRule(ctx, cmd, tail);
    return showRules(ctx, showArgs);
  }
  if (matches(object, "monitor")) return monitor(ctx, rest.slice(1));
  if (matches(object, "xfrm")) return xfrm(ctx, rest.slice(1));
  if (matches(object, "qdisc") || matches(object, "class") || matches(object, "filter")) {
    const kind = matches(object, "qdisc") ? "qdisc" : matches(object, "class") ? "class" : "filter";
    return showTc(ctx, kind, showArgs);
  }
  throw new UsageError(`Object "${object}" is unknown, try "ip help".`, 1);
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
    if (e instanceof NetlinkError) {
      const msg = e.extAck?.message;
      if (msg) stderr(`Error: ${msg}${msg.endsWith(".") ? "" : "."}\n`);
      else stderr(`RTNETLINK answers: ${errnoMessage(e.errno)}\n`);
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
