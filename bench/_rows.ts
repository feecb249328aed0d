/**
 * What the benchmark's report shows: the rows of issue 12's targets, each with its figures
 * under Deno and Bun and whether the target holds, and the rows of further measures, all
 * computed from a run's {@link Context}.
 *
 * @module
 */
import type { Context } from "./_context.ts";
import { mib, ms, num, pct, type Row, x } from "./_format.ts";

const both = (f: (rt: string) => string) => [f("deno"), f("bun")];
/** `v <= limit` when `v` was measured. */
const le = (v: number, limit: number) => Number.isFinite(v) ? v <= limit : undefined;
const lim = (rt: string, deno: number, bun: number) => rt === "deno" ? deno : bun;

/** The targets: a row per target of issue 12, with whether it holds under each runtime. */
export function targetRows(c: Context): Row[] {
  const { inproc, whole, rss } = c;
  const mon = (c.results.monitor ?? {}) as Record<string, number>;
  const lat = (c.results.latency ?? {}) as Record<string, number>;
  const rows: Row[] = [];
  /** `met(rt)`: the target holds for runtime `rt` (undefined when a figure is missing). */
  const row = (
    measure: string,
    [d, b]: string[],
    target: string,
    met?: (rt: string) => boolean | undefined,
  ) => rows.push({ measure, deno: d, bun: b, target, met: met && [met("deno"), met("bun")] });
  row(
    "in-process raw walk of a dump, `dump()` / `dumpBatches()` / `dumpDatagrams()`",
    both((rt) =>
      `${x(inproc.ratio(`100k:${rt}_walk`, "100k:mnl_parse"))} / ${
        x(inproc.ratio(`100k:${rt}_batch`, "100k:mnl_parse"))
      } / ${x(inproc.ratio(`100k:${rt}_visit`, "100k:mnl_parse"))}`
    ),
    "≤ 1.0× (met: judged on `dumpDatagrams()`, the public datagram-level way)",
    (rt) => le(inproc.ratio(`100k:${rt}_visit`, "100k:mnl_parse"), 1.0),
  );
  row(
    "in-process typed decode, streamed (`Rtnl.dump(getroute)`)",
    both((rt) => x(inproc.ratio(`100k:${rt}_typed`, "100k:mnl_parse"))),
    "≤ 1.5× Deno, ≤ 1.3× Bun",
    (rt) => le(inproc.ratio(`100k:${rt}_typed`, "100k:mnl_parse"), lim(rt, 1.5, 1.3)),
  );
  row(
    "`listRoutes()` (all kept as objects)",
    both((rt) => x(inproc.ratio(`100k:${rt}_list`, "100k:mnl_parse"))),
    "≤ 2.0×",
    (rt) => le(inproc.ratio(`100k:${rt}_list`, "100k:mnl_parse"), 2.0),
  );
  row(
    "whole process `examples/ip.ts -j route show` vs `ip -j route show`",
    both((rt) => x(whole.ratio(`100k:${rt}_ipts`, "100k:ip"))),
    "≤ 1.3× Deno, ≤ 1.0× Bun",
    (rt) => le(whole.ratio(`100k:${rt}_ipts`, "100k:ip"), lim(rt, 1.3, 1.0)),
  );
  row(
    "whole process `ip.ts -j -d link show` vs `ip -j -d link show`, 1000 veth pairs",
    both((rt) => x(whole.ratio(`l1000:${rt}_ipts`, "l1000:ip"))),
    "≤ 1.5× Deno, ≤ 1.2× Bun",
    (rt) => le(whole.ratio(`l1000:${rt}_ipts`, "l1000:ip"), lim(rt, 1.5, 1.2)),
  );
  row(
    "`ip.ts -j route show`, 1M routes: peak RSS",
    both((rt) =>
      `${mib(rss.median(`rss1m:${rt}_ipts`))} (+${
        mib(rss.median(`rss1m:${rt}_ipts`) - rss.median(`rss1m:${rt}_empty`))
      } over ${mib(rss.median(`rss1m:${rt}_empty`))})`
    ),
    "≤ 64 MiB above the runtime's empty script",
    (rt) => le(rss.median(`rss1m:${rt}_ipts`) - rss.median(`rss1m:${rt}_empty`), 64 * 1024),
  );
  row(
    "start-up: `ip.ts link show lo` vs `ip link show lo`",
    both((rt) =>
      `${ms(whole.median(`start:${rt}_ipts_lo`))} vs ${
        ms(whole.median("start:ip_lo"))
      } (empty script ${ms(whole.median(`start:${rt}_empty`))})`
    ),
    "≤ runtime empty script + 5 ms",
    (rt) => le(whole.median(`start:${rt}_ipts_lo`) - whole.median(`start:${rt}_empty`), 5),
  );
  row(
    "importing `mod.ts` over an empty script",
    both((rt) => `+${ms(whole.median(`start:${rt}_import`) - whole.median(`start:${rt}_empty`))}`),
    "≤ +3 ms",
    (rt) => le(whole.median(`start:${rt}_import`) - whole.median(`start:${rt}_empty`), 3),
  );
  row(
    "monitor, 200k route adds, `subscribe()` with the default buffer",
    both((rt) => `${pct(mon[`${rt}:lost_pct`])} lost`),
    `0 lost by default (C, kernel default buffer: ${pct(mon["c:lost_pct"])} lost; adds at ${
      Math.round(num(mon["c:rate"]) / 1000)
    }k/s)`,
    (rt) => le(num(mon[`${rt}:lost_pct`]), 0),
  );
  row(
    "notification latency p50 / p99 (kernel → iterator)",
    both((rt) => `${Math.round(num(lat[`${rt}:p50`]))} / ${Math.round(num(lat[`${rt}:p99`]))} µs`),
    `< 60 / < 300 µs (C: ${Math.round(num(lat["c:p50"]))} / ${Math.round(num(lat["c:p99"]))} µs)`,
    (rt) => {
      const p50 = le(num(lat[`${rt}:p50`]), 59.999), p99 = le(num(lat[`${rt}:p99`]), 299.999);
      return p50 === undefined || p99 === undefined ? undefined : p50 && p99;
    },
  );
  row(
    "vs pyroute2, same 100k dump, whole process (`listRoutes`)",
    both((rt) => `${whole.ratio("py:pyroute2", `py:${rt}_list`).toFixed(0)}× faster`),
    "≥ 100× faster",
    (rt) => le(-whole.ratio("py:pyroute2", `py:${rt}_list`), -100),
  );
  return rows;
}

/** More measures, without targets: the ways in between, and what explains the targets' rows. */
export function extraRows(c: Context): Row[] {
  const { inproc, rss } = c;
  const mon = (c.results.monitor ?? {}) as Record<string, number>;
  const lat = (c.results.latency ?? {}) as Record<string, number>;
  const idleR = (c.results.idle ?? {}) as Record<string, number>;
  const micro = (c.results.micro ?? {}) as Record<string, number>;
  const extra: Row[] = [];
  const xrow = (measure: string, [d, b]: string[], note: string) =>
    extra.push({ measure, deno: d, bun: b, target: note });
  xrow(
    "typed decode streamed, through the tables (generated decoders off)",
    both((rt) => x(inproc.ratio(`100k:${rt}_typed-table`, "100k:mnl_parse"))),
    "before generated decoders",
  );
  xrow(
    "`listRoutes()` through the tables",
    both((rt) => x(inproc.ratio(`100k:${rt}_list-table`, "100k:mnl_parse"))),
    "before generated decoders",
  );
  xrow(
    "typed decode streamed: ms per 100k dump, generated / tables",
    both((rt) =>
      `${ms(inproc.median(`100k:${rt}_typed`))} / ${ms(inproc.median(`100k:${rt}_typed-table`))}`
    ),
    `libmnl parse ${ms(inproc.median("100k:mnl_parse"))}, recv only ${
      ms(inproc.median("100k:mnl_raw"))
    }`,
  );
  xrow(
    "`decodeBody` per message over `dumpBatches()` (no client in between)",
    both((rt) => x(inproc.ratio(`100k:${rt}_decode`, "100k:mnl_parse"))),
    "the generated decoders over the raw batch walk",
  );
  xrow(
    "`decodeBody` per message from a `dumpDatagrams()` visitor",
    both((rt) => x(inproc.ratio(`100k:${rt}_visit-decode`, "100k:mnl_parse"))),
    "the generated decoders over datagram-level delivery",
  );
  xrow(
    "iterate only (`dump()`, no attribute walk)",
    both((rt) => x(inproc.ratio(`100k:${rt}_count`, "100k:mnl_parse"))),
    `libmnl recv only: ${x(inproc.ratio("100k:mnl_raw", "100k:mnl_parse"))}`,
  );
  xrow(
    "typed link dump, 1000 veth pairs, in process (generated / tables)",
    both((rt) =>
      `${x(inproc.ratio(`l1000:${rt}_links`, "l1000:mnl_parse"))} / ${
        x(inproc.ratio(`l1000:${rt}_links-table`, "l1000:mnl_parse"))
      }`
    ),
    `libmnl link parse ${ms(inproc.median("l1000:mnl_parse"))}`,
  );
  xrow(
    "streaming typed dump of 1M routes: peak RSS",
    both((rt) =>
      `${mib(rss.median(`rss1m:${rt}_typed`))} (+${
        mib(rss.median(`rss1m:${rt}_typed`) - rss.median(`rss1m:${rt}_empty`))
      })`
    ),
    "",
  );
  xrow(
    "monitor: CPU per event",
    both((rt) => `${num(mon[`${rt}:cpu_us_per_event`]).toFixed(2)} µs`),
    `C: ${num(mon["c:cpu_us_per_event"]).toFixed(2)} µs; overruns Deno/Bun/C: ${
      mon["deno:overruns"] ?? "–"
    }/${mon["bun:overruns"] ?? "–"}/${mon["c:overruns"] ?? "–"}`,
  );
  xrow(
    "monitor, socket level (`subscribeDatagrams()`): lost / CPU per event",
    both((rt) =>
      `${pct(mon[`${rt}_dg:lost_pct`])} / ${num(mon[`${rt}_dg:cpu_us_per_event`]).toFixed(2)} µs`
    ),
    "the same default buffer, no message objects",
  );
  xrow(
    "notification latency p50 / p99, socket level (`subscribeDatagrams()`, no typed decode)",
    both((rt) =>
      `${Math.round(num(lat[`${rt}_dg:p50`]))} / ${Math.round(num(lat[`${rt}_dg:p99`]))} µs`
    ),
    "the runtime's wake-up path alone",
  );
  xrow(
    "idle CPU with 100 subscriptions (the runtime alone, no socket)",
    both((rt) => `${num(idleR[rt]).toFixed(2)} ms/s (${num(idleR[`${rt}:empty`]).toFixed(2)})`),
    "0 over the runtime alone is the goal",
  );
  for (const name of ["RTM_NEWROUTE", "RTM_NEWLINK(veth)"]) {
    xrow(
      `decode of a captured ${name}: generated / tables`,
      both((rt) =>
        `${num(micro[`${rt}:${name}:generated`]).toFixed(0)} / ${
          num(micro[`${rt}:${name}:table`]).toFixed(0)
        } ns`
      ),
      `bench/decode_micro.ts`,
    );
  }
  return extra;
}
