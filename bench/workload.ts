/**
 * In-process workloads of the benchmark, under `deno run -A` and `bun`: one dump (or other
 * job) repeated `-i N` times on one socket, timed inside the process. Run by `bench/bench.ts`
 * inside a benchmark namespace; usable by hand the same way:
 *
 *     ip netns exec bench-… deno run -A bench/workload.ts typed -i 8
 *
 * Modes (routes: IPv4 dump of every table, as `nl-dump route parse`; links: `RTM_GETLINK`):
 * - `count`:  messages of `dump()`, nothing else (the socket and the iterator);
 * - `walk`:   every top-level attribute visited with `forEachAttribute` over `dump()` (the
 *             work of libmnl's `mnl_attr_parse` loop);
 * - `batch`:  `walk` over `dumpBatches()` (one `await` per datagram);
 * - `visit`:  `walk` from a `dumpDatagrams()` visitor, in the receive buffer (no copy, no
 *             object per message);
 * - `visit-decode`: `dumpDatagrams()` with `decodeBody(getroute)` of a view of each message:
 *             the generated decoders over datagram-level delivery;
 * - `typed`:  `Rtnl.dump(rtRoute.operations.getroute)`, each message decoded by the typed
 *             codec, streamed (nothing kept);
 * - `list`:   `listRoutes(rt, { table: "all", family: "inet" })`, every route kept;
 * - `links`:  `Rtnl.dump(rtLink.operations.getlink)` streamed (typed link decode);
 * - `typed-rss`: one streamed typed dump, then the peak RSS (for 1M routes);
 * - `decode`: `dumpBatches()` with `decodeBody(getroute)` per message, no client in between:
 *             what the generated decoders cost over the raw walk;
 * - `typed-table`, `list-table`, `links-table`: the same through the table-driven decoder
 *   (the families' generated decoders switched off), for the before/after of generated code;
 * - `empty`:  nothing (the runtime's own RSS and start).
 *
 * Prints one line of `key=value`: messages, attributes (walk/batch) or kept objects,
 * `ns/dump` (mean over N), `steady` (median of dumps 2..N), `first`, `maxrss_kb`.
 *
 * @module
 */
// Only what each mode needs, imported lazily below: this file is also the "empty script".

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

const MODES = [
  "count",
  "walk",
  "batch",
  "visit",
  "visit-decode",
  "parse",
  "typed",
  "list",
  "links",
  "typed-rss",
  "empty",
  "decode",
  "typed-table",
  "list-table",
  "links-table",
];

function usage(msg: string): never {
  console.error(`workload.ts: ${msg}`);
  console.error(`usage: workload.ts ${MODES.join("|")} [-i ITERATIONS]`);
  return exit(2);
}

const mode = argv[0];
if (!MODES.includes(mode)) usage(`bad mode ${argv[0]}`);
let iterations = 1;
for (let i = 1; i < argv.length; i++) {
  if (argv[i] === "-i" && i + 1 < argv.length) iterations = Number(argv[++i]);
  else usage(`bad argument ${argv[i]}`);
}
if (!Number.isInteger(iterations) || iterations < 1) usage("-i needs a positive integer");

async function peakRssKb(): Promise<number> {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(await readText("/proc/self/status"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** One run of the job: returns [messages, attributes or kept objects]. */
type Job = () => Promise<[number, number]>;
let job: Job | undefined;
let cleanup: () => void = () => {};

const RTMSG_LEN = 12; // struct rtmsg (linux/rtnetlink.h)
const AF_INET = 2;

if (
  mode === "count" || mode === "walk" || mode === "batch" || mode === "parse" ||
  mode === "decode" || mode === "visit" || mode === "visit-decode"
) {
  const { forEachAttribute, parseAttributes } = await import("../codec/attrs.ts");
  const { NETLINK_ROUTE } = await import("../codec/constants.ts");
  const { MessageBuilder } = await import("../codec/message.ts");
  const { NetlinkSocket } = await import("../socket/socket.ts");
  const { decodeBody } = await import("../codec/ynl/decode.ts");
  const rtRoute = await import("../families/generated/rt_route.ts");
  const getroute = rtRoute.operations.getroute;
  type Msg = { type: number; payload: Uint8Array };
  const RTM_NEWROUTE = 24;
  const RTM_GETROUTE = 26;
  let attrs = 0;
  const onAttr = (): void => {
    attrs++;
  };
  const rtmsg = new Uint8Array(RTMSG_LEN);
  rtmsg[0] = AF_INET;
  const request = new MessageBuilder(RTM_GETROUTE).raw(rtmsg).finish();
  const visit = (msg: Msg): void => {
    if (msg.type !== RTM_NEWROUTE) throw new Error(`unexpected message type ${msg.type}`);
    const p = msg.payload;
    if (p.length < RTMSG_LEN) throw new Error(`route message of ${p.length} bytes`);
    if (mode === "walk" || mode === "batch") forEachAttribute(p, RTMSG_LEN, p.length, onAttr);
    else if (mode === "parse") attrs += parseAttributes(p, RTMSG_LEN, p.length).length;
    else if (mode === "decode" && decodeBody(getroute, p).attrs.table !== undefined) attrs++;
  };
  const sock = await NetlinkSocket.open(NETLINK_ROUTE);
  cleanup = () => sock.close();
  job = async () => {
    attrs = 0;
    let msgs = 0;
    if (mode === "visit" || mode === "visit-decode") {
      const decode = mode === "visit-decode";
      const r = await sock.dumpDatagrams(request, (data, start, end) => {
        const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
        for (let off = start; off < end;) {
          const len = dv.getUint32(off, true);
          if (dv.getUint16(off + 4, true) !== RTM_NEWROUTE) {
            throw new Error(`unexpected message type ${dv.getUint16(off + 4, true)}`);
          }
          if (len < 16 + RTMSG_LEN) throw new Error(`route message of ${len} bytes`);
          if (decode) {
            if (
              decodeBody(getroute, data.subarray(off + 16, off + len)).attrs.table !== undefined
            ) {
              attrs++;
            }
          } else forEachAttribute(data, off + 16 + RTMSG_LEN, off + len, onAttr);
          off += (len + 3) & ~3;
        }
      });
      if (r.interrupted) throw new Error("the dump was interrupted (NLM_F_DUMP_INTR)");
      msgs = r.messages;
    } else if (mode === "batch" || mode === "decode") {
      const dump = sock.dumpBatches(request);
      for await (const batch of dump) {
        for (const msg of batch) visit(msg);
        msgs += batch.length;
      }
      if (dump.interrupted) throw new Error("the dump was interrupted (NLM_F_DUMP_INTR)");
    } else {
      const dump = sock.dump(request);
      for await (const msg of dump) {
        visit(msg);
        msgs++;
      }
      if (dump.interrupted) throw new Error("the dump was interrupted (NLM_F_DUMP_INTR)");
    }
    return [msgs, attrs];
  };
} else if (mode !== "empty") {
  const table = mode.endsWith("-table");
  const { Rtnl } = await import("../families/route/rtnl.ts");
  const rtRoute = await import("../families/generated/rt_route.ts");
  const rtLink = await import("../families/generated/rt_link.ts");
  const { listRoutes } = await import("../families/route/route.ts");
  if (table) {
    // Before anything is decoded (the families look their decoders up on first use).
    const { useDecoders } = await import("../codec/ynl/_runtime.ts");
    for (const f of [rtRoute.family, rtLink.family]) useDecoders(f, { structs: {}, sets: {} });
  }
  const rt = await Rtnl.open();
  cleanup = () => rt.close();
  if (mode.startsWith("list")) {
    job = async () => {
      const routes = await listRoutes(rt, { table: "all", family: "inet" });
      return [routes.length, routes.length];
    };
  } else if (mode.startsWith("links")) {
    job = async () => {
      let msgs = 0;
      let named = 0;
      for await (const m of rt.dump(rtLink.operations.getlink)) {
        msgs++;
        if (m.attrs.ifname !== undefined) named++;
      }
      return [msgs, named];
    };
  } else {
    job = async () => {
      let msgs = 0;
      let withTable = 0;
      for await (
        const m of rt.dump(rtRoute.operations.getroute, { header: { rtmFamily: AF_INET } })
      ) {
        msgs++;
        if (m.attrs.table !== undefined) withTable++;
      }
      return [msgs, withTable];
    };
  }
}

const times: number[] = [];
let msgs = 0;
let attrs = 0;
try {
  if (job !== undefined) {
    for (let it = 0; it < iterations; it++) {
      const t0 = performance.now();
      const [n, a] = await job();
      times.push(performance.now() - t0);
      if (it > 0 && n !== msgs) {
        throw new Error(`run ${it + 1} saw ${n} messages, the first ${msgs}`);
      }
      msgs = n;
      attrs = a;
    }
  }
} finally {
  cleanup();
}

const mean = times.length ? times.reduce((a, b) => a + b, 0) / times.length : 0;
const rest = times.slice(1).sort((a, b) => a - b);
const steady = rest.length > 0 ? rest[rest.length >> 1] : (times[0] ?? 0);
console.log(
  `${mode} runtime=${runtime} iters=${iterations} msgs=${msgs} attrs=${attrs} ` +
    `ns/dump=${Math.round(mean * 1e6)} steady=${Math.round(steady * 1e6)} ` +
    `first=${Math.round((times[0] ?? 0) * 1e6)} maxrss_kb=${await peakRssKb()}`,
);
