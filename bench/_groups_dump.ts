/**
 * The benchmark's dump groups: route dumps in process (`dump`) and as whole processes
 * (`whole`, `pyroute2`), links (`links`), start-up and import (`startup`), scaling with the
 * number of routes (`scale`), peak RSS with 1M routes (`rss`) and the decode microbenchmark
 * (`micro`). Each records into the run's {@link Context}.
 *
 * @module
 */
import { join } from "node:path";
import { here, NL_DUMP, PYTHON } from "./_env.ts";
import { type Context, log, progress } from "./_context.ts";
import { inProcess, ipts, sameOutput, wholeProcess } from "./_measure.ts";
import { fields, nsrun, RUNTIMES } from "./_proc.ts";
import { order, Samples } from "./_stats.ts";

/** The 100k-route namespace the entry made before the dump groups. */
const r100k = (c: Context) => c.ns.needRoutes(100_000, "r100k");

/** `dump`: in-process dumps of 100k routes, libmnl against every workload mode. */
export function dump(c: Context): void {
  log("in process, 100k routes");
  inProcess(
    c,
    r100k(c),
    "100k",
    [
      "count",
      "walk",
      "batch",
      "visit",
      "visit-decode",
      "decode",
      "typed",
      "typed-table",
      "list",
      "list-table",
    ],
    c.settings.rounds,
    c.settings.iters,
  );
}

/** `whole`: `ip.ts -j route show` against `ip -j route show` and libmnl, 100k routes. */
export function whole(c: Context): void {
  log("whole process, 100k routes");
  const d = sameOutput(c, r100k(c), ["-j", "route", "show"]);
  if (d) c.notes.push(`route show output differs: ${d}`);
  wholeProcess(c, r100k(c), "100k", [
    { id: "ip", argv: ["ip", "-j", "route", "show"] },
    { id: "mnl_parse", argv: [NL_DUMP, "route", "parse"] },
    ...RUNTIMES.map((rt) => ({
      id: `${rt.id}_ipts`,
      argv: rt.argv(ipts, "-j", "route", "show"),
    })),
  ], c.settings.rounds);
}

/** `pyroute2`: pyroute2 listing every IPv4 route against `listRoutes`, 100k routes. */
export function pyroute2(c: Context): void {
  log("pyroute2, 100k routes (whole process: list every IPv4 route)");
  const p = fields(nsrun(c.scratch, r100k(c), [PYTHON, join(here, "pyroute2_dump.py")]).stdout);
  c.counts.pyroute2 = p.msgs;
  wholeProcess(c, r100k(c), "py", [
    { id: "pyroute2", argv: [PYTHON, join(here, "pyroute2_dump.py")] },
    ...RUNTIMES.map((rt) => ({
      id: `${rt.id}_list`,
      argv: rt.argv("bench/workload.ts", "list"),
    })),
  ], c.settings.slowRounds);
}

/** `links`: 1000 veth pairs, `ip.ts -j -d link show` whole and the typed link dump in process. */
export function links(c: Context): void {
  const { rounds, iters } = c.settings;
  progress("namespace: 1000 veth pairs\n");
  const ns = c.ns.make("l1000", 0, 1000);
  log("links, 1000 veth pairs");
  const d = sameOutput(c, ns, ["-j", "-d", "link", "show"]);
  if (d) c.notes.push(`link show output differs: ${d}`);
  wholeProcess(c, ns, "l1000", [
    { id: "ip", argv: ["ip", "-j", "-d", "link", "show"] },
    ...RUNTIMES.map((rt) => ({
      id: `${rt.id}_ipts`,
      argv: rt.argv(ipts, "-j", "-d", "link", "show"),
    })),
    { id: "mnl_parse", argv: [NL_DUMP, "link", "parse"] },
  ], rounds);
  // In process: the typed link dump against libmnl's.
  const tools = [
    { id: "l1000:mnl_parse", argv: [NL_DUMP, "link", "parse", "-i", `${iters}`] },
    ...RUNTIMES.flatMap((rt) =>
      ["links", "links-table"].map((m) => ({
        id: `l1000:${rt.id}_${m}`,
        argv: rt.argv("bench/workload.ts", m, "-i", `${iters}`),
      }))
    ),
  ];
  for (const t of tools) nsrun(c.scratch, ns, t.argv);
  for (let r = 0; r < rounds; r++) {
    for (const t of order(tools, r)) {
      const f = fields(nsrun(c.scratch, ns, t.argv).stdout);
      c.inproc.add(t.id, (f.steady ?? f["ns/dump"]) / 1e6);
    }
  }
}

/** `startup`: `ip.ts link show lo`, an empty script and importing mod.ts, against `ip`. */
export function startup(c: Context): void {
  progress("namespace: 1k routes\n");
  const ns = c.ns.needRoutes(1000, "r1k");
  log("start-up and import");
  const tools = [
    { id: "ip_lo", argv: ["ip", "link", "show", "lo"] },
    ...RUNTIMES.flatMap((rt) => [
      { id: `${rt.id}_ipts_lo`, argv: rt.argv(ipts, "link", "show", "lo") },
      { id: `${rt.id}_empty`, argv: rt.argv("bench/empty.ts") },
      { id: `${rt.id}_import`, argv: rt.argv("bench/import_mod.ts") },
    ]),
  ];
  for (const t of tools) nsrun(c.scratch, ns, t.argv, true);
  const reps = c.settings.quick ? 5 : 11;
  for (let r = 0; r < c.settings.rounds * reps; r++) {
    for (const t of order(tools, r)) {
      const p = nsrun(c.scratch, ns, t.argv, true);
      c.whole.add(`start:${t.id}`, p.ms);
      c.rss.add(`start:${t.id}`, p.maxrssKb);
    }
  }
}

/** `scale`: in process and whole, 1k, 10k and (unless quick) 1M routes. */
export function scale(c: Context): void {
  const { quick, rounds, slowRounds, iters } = c.settings;
  log("scaling: 1k, 10k, 1M routes");
  const sizes: [string, number][] = [["1k", 1000], ["10k", 10_000]];
  if (!quick) sizes.push(["1m", 1_000_000]);
  for (const [tag, n] of sizes) {
    progress(`namespace: ${tag} routes\n`);
    const ns = c.ns.needRoutes(n, `r${tag}`);
    const big = n >= 1_000_000;
    inProcess(
      c,
      ns,
      tag,
      ["walk", "typed", "list"],
      big ? slowRounds : rounds,
      big ? 3 : iters,
      false,
    );
    wholeProcess(c, ns, tag, [
      { id: "ip", argv: ["ip", "-j", "route", "show"] },
      ...RUNTIMES.map((rt) => ({
        id: `${rt.id}_ipts`,
        argv: rt.argv(ipts, "-j", "route", "show"),
      })),
    ], big ? slowRounds : rounds);
  }
}

/** `rss`: peak RSS of `ip.ts`, a streaming typed dump and an empty script, 1M routes. */
export function rss(c: Context): void {
  const { slowRounds } = c.settings;
  progress("namespace: 1M routes\n");
  const ns = c.ns.needRoutes(1_000_000, "r1m");
  log("peak RSS, 1M routes");
  const tools = [
    ...RUNTIMES.flatMap((rt) => [
      { id: `${rt.id}_ipts`, argv: rt.argv(ipts, "-j", "route", "show") },
      { id: `${rt.id}_typed`, argv: rt.argv("bench/workload.ts", "typed-rss") },
      { id: `${rt.id}_empty`, argv: rt.argv("bench/empty.ts") },
    ]),
    { id: "ip", argv: ["ip", "-j", "route", "show"] },
  ];
  for (let r = 0; r < slowRounds; r++) {
    for (const t of order(tools, r)) {
      const p = nsrun(c.scratch, ns, t.argv, true);
      c.rss.add(`rss1m:${t.id}`, p.maxrssKb);
      c.whole.add(`rss1m:${t.id}`, p.ms);
    }
    progress(`\r  1M: round ${r + 1}/${slowRounds}   `);
  }
  progress("\n");
}

/** `micro`: bench/decode_micro.ts, generated decoders against the tables (no namespace). */
export function micro(c: Context): void {
  log("decode microbenchmark (captured messages)");
  const samples = new Samples();
  for (let r = 0; r < c.settings.slowRounds; r++) {
    for (const rt of order(RUNTIMES, r)) {
      const lines = nsrun(c.scratch, undefined, rt.argv("bench/decode_micro.ts")).stdout.trim()
        .split("\n");
      for (const line of lines) {
        const name = line.split(" ")[1];
        const f = fields(line);
        samples.add(`${rt.id}:${name}:generated`, f.generated_ns);
        samples.add(`${rt.id}:${name}:table`, f.table_ns);
      }
    }
  }
  c.results.micro = Object.fromEntries([...samples.by.keys()].map((k) => [k, samples.median(k)]));
}
