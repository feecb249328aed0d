// The fuzz loop over tests/fuzz/targets.ts: case `i` of seed `s` is a pure function of (s, i)
// — a target, a kind (random bytes, a shaped message, a mutation of a captured one) and the
// bytes — so any failure reproduces with `npm run fuzz -- --seed s --case i`. A failure is a
// throw that is not a NetlinkDecodeError, or a case slower than the hang limit (tools/fuzz.ts
// also runs the loop in a worker and stops it if a case never returns). Pure: no permissions.
import { NetlinkDecodeError } from "../../codec/mod.ts";
import { mutate, Rng } from "../codec_generated_helpers.ts";
import { type Target, targets } from "./targets.ts";

/** How a case's bytes were made. */
export type CaseKind = "random" | "shaped" | "mutated";

/** One case: what it feeds to which target. */
export interface FuzzCase {
  index: number;
  target: Target;
  kind: CaseKind;
  bytes: Uint8Array;
}

/** A case that failed. */
export interface Failure {
  /** The case index (with the run's seed it reproduces the case). */
  index: number;
  target: string;
  kind: CaseKind;
  /** What it threw (name: message, first stack frame), or that it was too slow. */
  error: string;
  /** The input, hex (cut at 4 KiB). */
  hex: string;
}

/** The outcome of a run. */
export interface FuzzResult {
  seed: number;
  cases: number;
  failures: number;
  /** The first failures, by distinct target and error. */
  kept: Failure[];
  /** Cases by kind. */
  kinds: Record<CaseKind, number>;
  /** Cases that ended in a NetlinkDecodeError (the rest decoded). */
  rejected: number;
  /** Targets fuzzed. */
  targets: number;
  ms: number;
}

/** Options of {@link fuzz}. */
export interface FuzzOptions {
  /** Number of cases (default 1,000,000). */
  cases?: number;
  /** Seed (default 1). */
  seed?: number;
  /** First case index (default 0): a run can be split in slices. */
  start?: number;
  /** Only targets whose name matches. */
  only?: RegExp;
  /** A case taking longer than this many ms is a failure (default 2000). */
  hangMs?: number;
  /** Called every `every` cases (default 10,000) with the cases done and failures so far. */
  progress?: (done: number, failures: number) => void;
  every?: number;
}

function mix(seed: number, i: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

/** `b` cut at `at` with the tail of `other` from `from` (a splice of two messages). */
function splice(rng: Rng, b: Uint8Array, other: Uint8Array): Uint8Array {
  const at = rng.int(b.length + 1);
  const from = rng.int(other.length + 1);
  const out = new Uint8Array(at + other.length - from);
  out.set(b.subarray(0, at));
  out.set(other.subarray(from), at);
  return out;
}

/** Bend one 16-bit length field (nla_len or the low half of nlmsg_len) at an aligned offset. */
function bendLength(rng: Rng, b: Uint8Array): Uint8Array {
  if (b.length < 4) return b;
  const out = b.slice();
  const at = rng.int(b.length >> 2) << 2;
  const v = out[at] | (out[at + 1] << 8);
  const n = rng.pick([
    0,
    1,
    3,
    4,
    5,
    v - 4,
    v + 4,
    v * 2,
    0xffff,
    b.length - at,
    b.length - at + 4,
  ]);
  out[at] = n & 0xff;
  out[at + 1] = (n >> 8) & 0xff;
  return out;
}

/** The bytes of case `index` of `seed`, and its target. */
export function fuzzCase(seed: number, index: number, list: Target[] = selected()): FuzzCase {
  const rng = new Rng(mix(seed, index));
  const { functions } = targets();
  // Without a filter, 45% of the cases go to the decoder functions, the rest to the families'
  // operations, sets and structs (many more targets, each simpler).
  const fromFunctions = only === undefined && list === selected() && rng.chance(0.45);
  const pool = fromFunctions ? functions : list;
  const target = pool[rng.int(pool.length)];
  const r = rng.next();
  let kind: CaseKind;
  let bytes: Uint8Array;
  if (r < 0.15) {
    kind = "random";
    bytes = rng.bytes(rng.chance(0.8) ? rng.int(64) : rng.int(1024));
  } else if (r < 0.45) {
    kind = "shaped";
    bytes = target.shape(rng);
  } else {
    kind = "mutated";
    const seeds = target.seeds;
    const base = seeds.length > 0 && rng.chance(0.85) ? rng.pick(seeds) : target.shape(rng);
    const m = rng.int(10);
    if (m < 6) bytes = mutate(rng, base);
    else if (m < 8) bytes = bendLength(rng, base);
    else bytes = splice(rng, base, seeds.length > 0 ? rng.pick(seeds) : target.shape(rng));
  }
  return { index, target, kind, bytes };
}

let only: RegExp | undefined;
let selection: Target[] | undefined;
function selected(): Target[] {
  if (selection === undefined) {
    const all = targets();
    selection = only === undefined ? all.families : all.targets.filter((t) => only!.test(t.name));
  }
  return selection;
}

const toHex = (b: Uint8Array) =>
  Array.from(b.subarray(0, 4096), (x) => x.toString(16).padStart(2, "0")).join("");

function describe(e: unknown): string {
  if (e instanceof Error) {
    const frame = e.stack?.split("\n").find((l) => l.trim().startsWith("at ")) ?? "";
    return `${e.name}: ${e.message} ${frame.trim()}`.slice(0, 400);
  }
  return `non-Error thrown: ${String(e)}`.slice(0, 400);
}

/** Run one case: undefined when it decoded or threw a NetlinkDecodeError in time. */
export function runCase(c: FuzzCase, hangMs = 2000): Failure | "rejected" | undefined {
  const t0 = performance.now();
  let error: string | undefined;
  let rejected = false;
  try {
    c.target.run(c.bytes);
  } catch (e) {
    if (e instanceof NetlinkDecodeError) rejected = true;
    else error = describe(e);
  }
  const ms = performance.now() - t0;
  if (error === undefined && ms > hangMs) error = `hang: ${ms.toFixed(0)} ms`;
  if (error === undefined) return rejected ? "rejected" : undefined;
  return { index: c.index, target: c.target.name, kind: c.kind, error, hex: toHex(c.bytes) };
}

/** Fuzz: `cases` cases from `seed`; failures counted, the first of each kind kept. */
export function fuzz(options: FuzzOptions = {}): FuzzResult {
  const cases = options.cases ?? 1_000_000;
  const seed = options.seed ?? 1;
  const start = options.start ?? 0;
  const every = options.every ?? 10_000;
  if (options.only !== undefined) {
    only = options.only;
    selection = undefined;
  }
  const list = selected();
  if (list.length === 0) throw new Error(`no target matches ${options.only}`);
  const kinds: Record<CaseKind, number> = { random: 0, shaped: 0, mutated: 0 };
  const kept: Failure[] = [];
  const distinct = new Set<string>();
  let failures = 0;
  let rejected = 0;
  const t0 = performance.now();
  for (let i = start; i < start + cases; i++) {
    const c = fuzzCase(seed, i, list);
    kinds[c.kind]++;
    const f = runCase(c, options.hangMs);
    if (f === "rejected") rejected++;
    else if (f !== undefined) {
      failures++;
      const key = `${f.target}|${f.error.replace(/\d+/g, "N").slice(0, 120)}`;
      if (!distinct.has(key) && kept.length < 200) {
        distinct.add(key);
        kept.push(f);
      }
    }
    if (options.progress !== undefined && (i - start + 1) % every === 0) {
      options.progress(i - start + 1, failures);
    }
  }
  return {
    seed,
    cases,
    failures,
    kept,
    kinds,
    rejected,
    targets: targets().targets.length,
    ms: performance.now() - t0,
  };
}
