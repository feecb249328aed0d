/**
 * How the benchmark's report prints figures: ratios, milliseconds, MiB and percentages ("–"
 * for a figure that was not measured), and a table of rows with an optional "met" column.
 *
 * @module
 */

/** A ratio, `1.23×`. */
export const x = (v: number): string => Number.isFinite(v) ? `${v.toFixed(2)}×` : "–";
/** Milliseconds, one decimal below 10. */
export const ms = (v: number): string =>
  Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ms` : "–";
/** KiB as whole MiB. */
export const mib = (kb: number): string =>
  Number.isFinite(kb) ? `${Math.round(kb / 1024).toLocaleString("en")} MiB` : "–";
/** A percentage, two decimals below 1. */
export const pct = (v: number): string =>
  v === undefined || !Number.isFinite(v) ? "–" : `${v.toFixed(v < 1 ? 2 : 1)} %`;
/** `v` if it is a finite number, else NaN. */
export const num = (v: unknown): number => typeof v === "number" && Number.isFinite(v) ? v : NaN;

/** One row of a report table. */
export interface Row {
  /** What is measured. */
  measure: string;
  /** The figure under Deno. */
  deno: string;
  /** The figure under Bun. */
  bun: string;
  /** The target (or a note). */
  target: string;
  /** Whether the target holds, Deno then Bun (undefined: not measured). */
  met?: [boolean | undefined, boolean | undefined];
}

const metText = (m: Row["met"]) =>
  m === undefined
    ? ""
    : `Deno ${m[0] === undefined ? "–" : m[0] ? "yes" : "no"}, Bun ${
      m[1] === undefined ? "–" : m[1] ? "yes" : "no"
    }`;

/** A Markdown table of `rs` under `head`, with a "met" column if any row has one. */
export function table(rs: Row[], head: string[]): string {
  const withMet = rs.some((r) => r.met !== undefined);
  const cells = rs.map((
    r,
  ) => [r.measure, r.deno, r.bun, r.target, ...(withMet ? [metText(r.met)] : [])]);
  return [
    `| ${[...head, ...(withMet ? ["met"] : [])].join(" | ")} |`,
    `|---|---:|---:|---|${withMet ? "---|" : ""}`,
    ...cells.map((c) => `| ${c.join(" | ")} |`),
  ].join("\n");
}
