/**
 * The benchmark's statistics: medians, percentiles, the order of tools in a round, and samples
 * by tool id with per-round (paired) ratios.
 *
 * @module
 */

/** The median of `xs` (NaN when empty). */
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** The `p`th percentile of `xs` (nearest rank, rounded down). */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Round r's order of `xs`: rotated by r, reversed on odd rounds. */
export function order<T>(xs: readonly T[], r: number): T[] {
  const rot = xs.map((_, i) => xs[(i + r) % xs.length]);
  return r % 2 ? rot.reverse() : rot;
}

/** Samples by tool id, and per-round ratios. */
export class Samples {
  /** The samples of each tool id, in the order they were taken (one per round). */
  readonly by: Map<string, number[]> = new Map<string, number[]>();
  /** Add a sample of `id`. */
  add(id: string, v: number): void {
    const xs = this.by.get(id) ?? [];
    xs.push(v);
    this.by.set(id, xs);
  }
  /** The median of `id`'s samples (NaN when there are none). */
  median(id: string): number {
    return median(this.by.get(id) ?? []);
  }
  /** Median over rounds of a[i] / b[i]. */
  ratio(a: string, b: string): number {
    const x = this.by.get(a) ?? [];
    const y = this.by.get(b) ?? [];
    const n = Math.min(x.length, y.length);
    return median(Array.from({ length: n }, (_, i) => x[i] / y[i]));
  }
}
