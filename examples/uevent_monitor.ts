#!/usr/bin/env -S deno run --allow-ffi
/**
 * Print kernel device events as they happen, one line each, like the C example in netlink's
 * documentation: `add@/devices/virtual/net/veth0`.
 *
 * ```sh
 * deno run -A examples/uevent_monitor.ts [--env] [--json] [--udev] [--count N]
 * bun examples/uevent_monitor.ts
 * deno run --allow-ffi jsr:@netlink/netlink/examples/uevent_monitor   # straight from the package
 * ```
 *
 * `--env` adds each event's properties (indented `KEY=VALUE` lines), `--json` prints one JSON
 * object per line, `--udev` listens to udev's events instead of the kernel's, `--count N`
 * exits after N events. Ctrl-C stops it.
 *
 * @module
 */
import { UeventMonitor } from "../families/uevent.ts";

const USAGE = "usage: uevent_monitor.ts [--env] [--json] [--udev] [--count N]";

/** Command-line options of the monitor. */
interface Options {
  env: boolean;
  json: boolean;
  udev: boolean;
  count: number;
}

function parseArgs(args: string[]): Options {
  const o: Options = { env: false, json: false, udev: false, count: Infinity };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--env") o.env = true;
    else if (a === "--json") o.json = true;
    else if (a === "--udev") o.udev = true;
    else if (a === "--count") o.count = Number(args[++i]);
    else if (a === "-h" || a === "--help") {
      console.log(USAGE);
      exit(0);
    } else {
      console.error(`unknown argument ${a}\n${USAGE}`);
      exit(2);
    }
  }
  if (!(o.count > 0)) {
    console.error(`--count needs a positive number\n${USAGE}`);
    exit(2);
  }
  return o;
}

function exit(code: number): never {
  const g = globalThis as unknown as {
    Deno?: { exit(c: number): never };
    process: { exit(c: number): never };
  };
  return g.Deno ? g.Deno.exit(code) : g.process.exit(code);
}

function args(): string[] {
  const g = globalThis as unknown as { Deno?: { args: string[] }; process: { argv: string[] } };
  return g.Deno ? g.Deno.args : g.process.argv.slice(2);
}

const options = parseArgs(args());
const monitor = await UeventMonitor.open({ source: options.udev ? "udev" : "kernel" });
let seen = 0;
for await (const ev of monitor.events()) {
  if (options.json) {
    console.log(JSON.stringify(ev));
  } else {
    console.log(`${ev.action}@${ev.devpath}`);
    if (options.env) {
      for (const [k, v] of Object.entries(ev.env)) console.log(`    ${k}=${v}`);
    }
  }
  if (++seen >= options.count) break;
}
monitor.close();
