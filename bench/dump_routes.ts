/**
 * Dump the IPv4 routing table through the library and walk every message, the way the libmnl
 * peer `nl-dump route parse` does. Runs under `deno run -A` and `bun`.
 *
 *     dump_routes.ts walk|batch|parse|count [-i ITERATIONS]
 *
 * - `walk`:  every top-level attribute after the 12-byte struct rtmsg is visited with
 *            `forEachAttribute` (length-validated, no allocation): the same work as libmnl's
 *            `mnl_attr_parse` loop.
 * - `batch`: `walk`, over `dumpBatches` (one `await` per datagram instead of per message).
 * - `parse`: `parseAttributes` builds an `Attribute` object (with a `data` view) per attribute.
 * - `count`: messages only, no attribute walk (what the socket and the iterator cost).
 *
 * Prints one line: mode, runtime, messages, attributes, and in-process time per dump. With
 * `-i N` the dump is repeated N times on one socket: `ns/dump` is the mean over all N (as
 * nl-dump reports it), `steady` the median of dumps 2..N (after the JIT has warmed up).
 *
 * @module
 */
// The socket and the codec only: `mod.ts` also loads the generated rtnetlink tables, which
// costs each process 10-20 ms of module loading that a raw dump does not need.
import { forEachAttribute, parseAttributes } from "../codec/attrs.ts";
import { NETLINK_ROUTE } from "../codec/constants.ts";
import { MessageBuilder, type NetlinkMessage } from "../codec/message.ts";
import { NetlinkSocket } from "../socket/socket.ts";

const RTM_NEWROUTE = 24;
const RTM_GETROUTE = 26;
const AF_INET = 2;
const RTMSG_LEN = 12; // struct rtmsg (linux/rtnetlink.h)

type Mode = "walk" | "batch" | "parse" | "count";

// Runtime glue without `node:` imports: Deno loads its Node compatibility layer lazily, and
// that alone would add tens of milliseconds to Deno's whole-process time.
interface BunGlobal {
  argv: string[];
  file(path: string): { text(): Promise<string> };
}
const bun = (globalThis as { Bun?: BunGlobal }).Bun;
const runtime = bun ? "bun" : "deno";
const argv = bun ? bun.argv.slice(2) : Deno.args;
const exit = (code: number): never =>
  bun
    ? (globalThis as unknown as { process: { exit(c: number): never } }).process.exit(code)
    : Deno.exit(code);
const readText = (path: string): Promise<string> =>
  bun ? bun.file(path).text() : Deno.readTextFile(path);

function usage(msg: string): never {
  console.error(`dump_routes.ts: ${msg}`);
  console.error("usage: dump_routes.ts walk|batch|parse|count [-i ITERATIONS]");
  return exit(2);
}

const args = argv;
const mode = args[0] as Mode;
if (!["walk", "batch", "parse", "count"].includes(mode)) usage(`bad mode ${args[0]}`);
let iterations = 1;
for (let i = 1; i < args.length; i++) {
  if (args[i] === "-i" && i + 1 < args.length) iterations = Number(args[++i]);
  else usage(`bad argument ${args[i]}`);
}
if (!Number.isInteger(iterations) || iterations < 1) usage("-i needs a positive integer");

let attrs = 0;
// One callback for the whole run, so walking allocates nothing per message.
const onAttr = (): void => {
  attrs++;
};

const rtmsg = new Uint8Array(RTMSG_LEN);
rtmsg[0] = AF_INET; // rtm_family: IPv4 only, like nl-dump and `ip -4 route`
const request = new MessageBuilder(RTM_GETROUTE).raw(rtmsg).finish();

function visit(msg: NetlinkMessage): void {
  if (msg.type !== RTM_NEWROUTE) throw new Error(`unexpected message type ${msg.type}`);
  const p = msg.payload;
  if (p.length < RTMSG_LEN) throw new Error(`route message of ${p.length} bytes`);
  if (mode === "walk" || mode === "batch") forEachAttribute(p, RTMSG_LEN, p.length, onAttr);
  else if (mode === "parse") attrs += parseAttributes(p, RTMSG_LEN, p.length).length;
}

async function dumpOnce(sock: NetlinkSocket): Promise<number> {
  let msgs = 0;
  if (mode === "batch") {
    const dump = sock.dumpBatches(request);
    for await (const batch of dump) {
      for (const msg of batch) visit(msg);
      msgs += batch.length;
    }
    if (dump.interrupted) throw new Error("the dump was interrupted (NLM_F_DUMP_INTR)");
    return msgs;
  }
  const dump = sock.dump(request);
  for await (const msg of dump) {
    visit(msg);
    msgs++;
  }
  if (dump.interrupted) throw new Error("the dump was interrupted (NLM_F_DUMP_INTR)");
  return msgs;
}

const sock = await NetlinkSocket.open(NETLINK_ROUTE);
const times: number[] = [];
let msgs = 0;
try {
  for (let it = 0; it < iterations; it++) {
    const t0 = performance.now();
    const n = await dumpOnce(sock);
    times.push(performance.now() - t0);
    if (it > 0 && n !== msgs) {
      throw new Error(`dump ${it + 1} saw ${n} messages, the first ${msgs}`);
    }
    msgs = n;
  }
} finally {
  sock.close();
}

const mean = times.reduce((a, b) => a + b, 0) / times.length;
const rest = times.slice(1).sort((a, b) => a - b);
const steady = rest.length > 0 ? rest[rest.length >> 1] : times[0];
let rssKb = 0;
try {
  const m = /VmHWM:\s+(\d+)/.exec(await readText("/proc/self/status"));
  if (m) rssKb = Number(m[1]);
} catch { /* not Linux /proc: leave 0 */ }

console.log(
  `route ${mode} runtime=${runtime} iters=${iterations} msgs=${msgs} attrs=${attrs / iterations} ` +
    `ns/dump=${Math.round(mean * 1e6)} steady=${Math.round(steady * 1e6)} ` +
    `first=${Math.round(times[0] * 1e6)} maxrss_kb=${rssKb}`,
);
