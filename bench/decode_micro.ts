/**
 * Decode microbenchmark: `decodeBody` of captured kernel messages (an `RTM_NEWROUTE` of a
 * gateway route and the `RTM_NEWLINK` of a veth, from `tests/fixtures/rtnl_corpus.ts`) through
 * the generated decoders and through the tables (the same family defined again without them).
 * Runs under `deno run -A` and `bun`; prints one `key=value` line per message and path:
 * nanoseconds per decode (median of rounds).
 *
 *     deno run -A bench/decode_micro.ts [-n ITERATIONS] [-r ROUNDS]
 *
 * @module
 */
import { decodeBody, defineFamily, type Operation } from "../codec/mod.ts";
import * as rtLink from "../families/generated/rt_link.ts";
import * as rtRoute from "../families/generated/rt_route.ts";
import { CORPUS } from "../tests/fixtures/rtnl_corpus.ts";

const bun = (globalThis as { Bun?: { argv: string[] } }).Bun;
const argv = bun ? bun.argv.slice(2) : Deno.args;
let iterations = 200_000;
let rounds = 7;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "-n") iterations = Number(argv[++i]);
  else if (argv[i] === "-r") rounds = Number(argv[++i]);
  else throw new Error(`usage: decode_micro.ts [-n ITERATIONS] [-r ROUNDS]`);
}

function bytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// A gateway route (RTA_GATEWAY present, IPv4) and the veth va0 (IFLA_LINKINFO kind veth).
const route = CORPUS.find((c) =>
  c.family === "route" && c.type === 24 && c.hex.startsWith("02") &&
  c.hex.includes("08000500") // RTA_GATEWAY
)!;
const veth = CORPUS.find((c) =>
  c.family === "route" && c.type === 16 && c.hex.includes("0800030076613000") // "va0"
)!;
if (route === undefined || veth === undefined) throw new Error("corpus lacks the messages");

const cases: { name: string; payload: Uint8Array; gen: Operation; table: Operation }[] = [
  {
    name: "RTM_NEWROUTE",
    payload: bytes(route.hex),
    gen: rtRoute.operations.getroute as unknown as Operation,
    table: defineFamily(rtRoute.family.spec).operation("getroute"),
  },
  {
    name: "RTM_NEWLINK(veth)",
    payload: bytes(veth.hex),
    gen: rtLink.operations.getlink as unknown as Operation,
    table: defineFamily(rtLink.family.spec).operation("getlink"),
  },
];

let sink = 0;
function time(op: Operation, payload: Uint8Array, n: number): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const m = decodeBody(op, payload);
    sink += (m.attrs as Record<string, unknown>) === undefined ? 0 : 1;
  }
  return ((performance.now() - t0) * 1e6) / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const runtime = bun ? "bun" : "deno";
for (const c of cases) {
  // Warm both paths up first (JIT), then alternate them round by round.
  time(c.gen, c.payload, iterations / 4);
  time(c.table, c.payload, iterations / 4);
  const gen: number[] = [];
  const table: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2) {
      table.push(time(c.table, c.payload, iterations));
      gen.push(time(c.gen, c.payload, iterations));
    } else {
      gen.push(time(c.gen, c.payload, iterations));
      table.push(time(c.table, c.payload, iterations));
    }
  }
  const g = median(gen);
  const t = median(table);
  console.log(
    `micro ${c.name} runtime=${runtime} bytes=${c.payload.length} generated_ns=${g.toFixed(1)} ` +
      `table_ns=${t.toFixed(1)} speedup=${(t / g).toFixed(2)}`,
  );
}
if (sink === 0) console.log("");
