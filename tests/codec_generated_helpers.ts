// Helpers of the tests that hold the generated decoders (families/generated/*_decode.ts) to the
// table-driven decoder (codec/ynl/decode.ts): a strict comparison of decoded values (key order,
// symbol keys, bytes, bigints, errors), the reference family (the same spec defined again, so
// without generated decoders), and a generator of random messages shaped by a family's tables.
// Pure: they run with no permissions.
import {
  compiledSet,
  compiledStruct,
  K_ARRAY,
  K_BINARY,
  K_BITFIELD,
  K_FLAG,
  K_INDEXED,
  K_NEST,
  K_NTV,
  K_SINT,
  K_STRING,
  K_STRUCT,
  K_SUBMSG,
  K_UINT,
  SIZE_OF,
} from "../codec/ynl/compile.ts";
import {
  type AttributeSet,
  defineFamily,
  type Family,
  INDEXES,
  NetlinkDecodeError,
  STRUCT_BYTES,
  UNKNOWN,
} from "../codec/mod.ts";

// ---------------------------------------------------------------------------
// Strict comparison
// ---------------------------------------------------------------------------

const SYMBOLS = [UNKNOWN, STRUCT_BYTES, INDEXES] as const;

/** The first difference between `a` and `b` (path and what), or undefined when equal. */
export function difference(a: unknown, b: unknown, path = "$"): string | undefined {
  if (typeof a !== typeof b) return `${path}: ${typeof a} vs ${typeof b}`;
  if (a === null || b === null || typeof a !== "object") {
    return Object.is(a, b) ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
  }
  const x = a as Record<string | symbol, unknown>;
  const y = b as Record<string | symbol, unknown>;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array)) return `${path}: bytes vs not`;
    if (a.constructor !== b.constructor) {
      return `${path}: ${a.constructor.name} vs ${b.constructor.name}`;
    }
    if (a.length !== b.length) return `${path}: ${a.length} bytes vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) return `${path}[${i}]: ${a[i]} vs ${b[i]}`;
    }
    return undefined;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs not`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: prototypes differ`;
  const ka = Object.keys(x);
  const kb = Object.keys(y);
  if (ka.join("\u0000") !== kb.join("\u0000")) {
    return `${path}: keys [${ka.join(", ")}] vs [${kb.join(", ")}]`;
  }
  for (const k of ka) {
    const d = difference(x[k], y[k], `${path}.${k}`);
    if (d !== undefined) return d;
  }
  const sa = Object.getOwnPropertySymbols(a);
  const sb = Object.getOwnPropertySymbols(b);
  if (sa.length !== sb.length) return `${path}: ${sa.length} symbol keys vs ${sb.length}`;
  for (const s of SYMBOLS) {
    if ((s in x) !== (s in y)) return `${path}: ${String(s)} present in one only`;
    const d = difference(x[s], y[s], `${path}[${String(s)}]`);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** A decode's outcome: its value, or the error it threw. */
export type Outcome = { value: unknown } | { error: unknown };

/** Run `fn`, keeping what it returned or threw. */
export function outcome(fn: () => unknown): Outcome {
  try {
    return { value: fn() };
  } catch (error) {
    return { error };
  }
}

/**
 * The first difference between two outcomes: values compared strictly; errors by class,
 * message and offset (any other error than NetlinkDecodeError is a difference of its own).
 */
export function outcomeDifference(a: Outcome, b: Outcome): string | undefined {
  if ("error" in a || "error" in b) {
    if (!("error" in a && "error" in b)) {
      const e = "error" in a ? a.error : (b as { error: unknown }).error;
      return `one threw (${e}), the other did not`;
    }
    const ea = a.error as Error;
    const eb = b.error as Error;
    if (!(ea instanceof NetlinkDecodeError)) return `generated threw ${ea?.stack ?? ea}`;
    if (!(eb instanceof NetlinkDecodeError)) return `tables threw ${eb?.stack ?? eb}`;
    if (ea.message !== eb.message) return `errors: "${ea.message}" vs "${eb.message}"`;
    if (ea.offset !== eb.offset) return `error offsets: ${ea.offset} vs ${eb.offset}`;
    return undefined;
  }
  return difference(a.value, b.value);
}

/** The same family defined again from its spec: no generated decoders, the table reference. */
export function tableFamily(f: Family): Family {
  return defineFamily(f.spec);
}

// ---------------------------------------------------------------------------
// Random messages shaped by the tables
// ---------------------------------------------------------------------------

/** A small seeded PRNG (mulberry32), so a failure names a seed that reproduces it. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** One of `xs`. */
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  /** `n` random bytes, biased towards small and edge values. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const r = this.int(8);
      out[i] = r === 0 ? 0 : r === 1 ? 0xff : r === 2 ? 0x80 : this.int(256);
    }
    return out;
  }
}

/** Bytes being built: attributes with their headers and padding. */
class Bytes {
  parts: number[] = [];
  attr(type: number, data: Uint8Array): void {
    const len = 4 + data.length;
    this.parts.push(len & 0xff, len >> 8, type & 0xff, (type >> 8) & 0xff, ...data);
    while (this.parts.length % 4 !== 0) this.parts.push(0);
  }
  raw(data: Uint8Array): void {
    this.parts.push(...data);
  }
  bytes(): Uint8Array {
    return new Uint8Array(this.parts);
  }
}

const utf8 = new TextEncoder();

/**
 * Random attributes of `set` (and of what nests in it), mostly well formed: values of the
 * right size, nests of the nested set, sub-messages with their selector before or after them,
 * indexed arrays numbered 1..n or not, unknown and pad attributes, repeats; sometimes a wrong
 * size. `selectors` holds the selector values of the enclosing sets.
 */
export function randomSet(
  rng: Rng,
  set: AttributeSet<object>,
  depth: number,
  selectors: Map<string, unknown> = new Map(),
  force?: { attr: number; format?: string; twice?: boolean; badSize?: boolean },
): Uint8Array {
  const c = compiledSet(set);
  const known = c.byType.filter((a) => a !== undefined);
  const out = new Bytes();
  const n = depth > 4 ? rng.int(3) : rng.int(9);
  const forced = force === undefined ? undefined : c.byType[force.attr];
  // Selector values of this set, chosen first so the sub-messages below can use them.
  const mine = new Map(selectors);
  const plan: { type: number; emit: () => Uint8Array; flags: number }[] = [];
  const selectorAttrs = new Set(
    known.filter((a) => a.kind === K_SUBMSG).map((a) => a.selector),
  );
  for (const key of selectorAttrs) {
    const sel = c.byKey.get(key);
    const mustSelect = forced?.kind === K_SUBMSG && forced.selector === key &&
      force?.format !== undefined;
    if (sel === undefined || !(mustSelect || rng.chance(0.8))) continue;
    const sub = mustSelect
      ? forced!
      : known.find((a) => a.kind === K_SUBMSG && a.selector === key)!;
    const formats = [...sub.subMessage!.formats.keys()];
    const name = mustSelect
      ? force!.format!
      : rng.chance(0.9) && formats.length > 0
      ? rng.pick(formats)
      : "no-such-kind";
    let value: unknown = name;
    let data: Uint8Array;
    if (sel.kind === K_STRING) data = utf8.encode(name + "\0");
    else {
      const numbers = [...(sub.subMessage!.byNumber ?? new Map()).entries()]
        .filter(([, f]) => f.name === name).map(([k]) => k);
      const v = numbers.length > 0 ? numbers[0] : rng.int(300);
      value = v;
      data = intBytes(sel.kind, sel.be, v);
    }
    mine.set(key, value);
    plan.push({ type: sel.value, emit: () => data, flags: 0 });
  }
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    if (r < 0.08 || known.length === 0) {
      // An attribute the set does not describe (or its pad).
      const type = rng.chance(0.5) ? rng.int(c.byType.length + 3) : rng.int(0x4000);
      plan.push({ type, emit: () => rng.bytes(rng.int(12)), flags: rng.int(4) << 14 });
      continue;
    }
    const a = rng.pick(known)!;
    plan.push({
      type: a.value,
      flags: a.kind === K_NEST && rng.chance(0.5) ? 0x8000 : 0,
      emit: () => value(rng, a, depth, mine),
    });
    if (rng.chance(0.05)) plan.push(plan[plan.length - 1]); // a repeat
  }
  if (forced !== undefined) {
    const a = forced;
    const sels = force?.format !== undefined && !c.byKey.has(a.selector)
      ? new Map([...mine, [a.selector, formatSelector(a, force.format)]])
      : mine;
    const emit = () => value(rng, a, depth, sels, true, force?.badSize);
    plan.push({ type: a.value, flags: 0, emit });
    if (force?.twice) plan.push({ type: a.value, flags: 0, emit });
  }
  // Shuffle (selectors land after their sub-messages now and then).
  for (let i = plan.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [plan[i], plan[j]] = [plan[j], plan[i]];
  }
  for (const p of plan) out.attr(p.type | p.flags, p.emit());
  return out.bytes();
}

/** The selector value that picks `format` of sub-message attribute `a` (its name or number). */
function formatSelector(
  a: { subMessage?: { byNumber?: Map<number, { name: string }> } },
  format: string,
): unknown {
  for (const [n, f] of a.subMessage?.byNumber ?? new Map()) if (f.name === format) return n;
  return format;
}

function intBytes(kind: number, be: boolean, v: number): Uint8Array {
  const size = SIZE_OF[kind] || 4;
  const out = new Uint8Array(size);
  for (let i = 0; i < size && i < 4; i++) out[be ? size - 1 - i : i] = (v >>> (8 * i)) & 0xff;
  return out;
}

/** Sometimes the wrong size. */
function sized(rng: Rng, right: number): number {
  return rng.chance(0.93) ? right : rng.int(right + 9);
}

function structBytes(rng: Rng, struct: Parameters<typeof compiledStruct>[0]): Uint8Array {
  const s = compiledStruct(struct).size;
  const n = rng.chance(0.8) ? s : rng.chance(0.5) ? rng.int(s + 1) : s + 1 + rng.int(12);
  return rng.bytes(n);
}

function value(
  rng: Rng,
  a: ReturnType<typeof compiledSet>["byType"][number] & object,
  depth: number,
  selectors: Map<string, unknown>,
  always = false,
  badSize = false,
): Uint8Array {
  const size = (right: number) => (badSize ? (right === 0 ? 1 : right - 1) : sized(rng, right));
  const leaf = (kind: number): Uint8Array => {
    switch (kind) {
      case K_FLAG:
        return rng.bytes(rng.chance(0.9) && !badSize ? 0 : 1 + rng.int(4));
      case K_UINT:
      case K_SINT:
        return rng.bytes(rng.chance(0.9) && !badSize ? rng.pick([4, 8]) : rng.pick([0, 3, 5, 9]));
      case K_STRING: {
        const t = utf8.encode(
          rng.pick(["lo", "eth0", "veth-x", "ü", "", "a\u0000b", "x".repeat(70)]),
        );
        const nul = rng.chance(0.8) ? 1 + rng.int(3) : 0;
        const out = new Uint8Array(t.length + nul);
        out.set(t);
        return out;
      }
      case K_BINARY:
        return rng.bytes(rng.chance(0.9) ? rng.int(20) : 60 + rng.int(20));
      case K_STRUCT:
        return structBytes(rng, a.struct!);
      case K_BITFIELD:
        return rng.bytes(size(8));
      default:
        return rng.bytes(size(SIZE_OF[kind] || 4));
    }
  };
  const deeper = always || (depth < 7 && rng.chance(depth < 3 ? 0.95 : 0.6));
  switch (a.kind) {
    case K_NEST:
      return deeper ? randomSet(rng, a.set!, depth + 1, selectors) : rng.bytes(rng.int(9));
    case K_ARRAY: {
      const n = SIZE_OF[a.sub];
      return rng.bytes(rng.chance(0.9) && !badSize ? n * rng.int(5) : n * rng.int(4) + 1);
    }
    case K_INDEXED: {
      const out = new Bytes();
      const count = rng.int(4);
      for (let i = 0; i < count; i++) {
        const t = rng.chance(0.85) ? i + 1 : rng.int(40);
        if (a.sub === K_NEST) {
          out.attr(
            t,
            deeper ? randomSet(rng, a.set!, depth + 1, selectors) : rng.bytes(rng.int(6)),
          );
        } else out.attr(t, leaf(a.sub));
      }
      return out.bytes();
    }
    case K_NTV: {
      const levels = Math.max(1, a.typeValue.length);
      const level = (l: number): Uint8Array => {
        const out = new Bytes();
        const count = rng.int(3);
        for (let i = 0; i < count; i++) {
          const inner = l + 1 < levels
            ? level(l + 1)
            : (deeper ? randomSet(rng, a.set!, depth + 1, selectors) : rng.bytes(rng.int(6)));
          out.attr(rng.int(20), inner);
        }
        return out.bytes();
      };
      return level(0);
    }
    case K_SUBMSG: {
      const sel = selectors.get(a.selector);
      const f = typeof sel === "string"
        ? a.subMessage!.formats.get(sel)
        : typeof sel === "number"
        ? a.subMessage!.byNumber?.get(sel) ?? a.subMessage!.formats.get(String(sel))
        : undefined;
      if (f === undefined || !deeper) return rng.bytes(rng.int(12));
      const out = new Bytes();
      if (f.struct !== undefined) {
        const s = compiledStruct(f.struct).size;
        const head = structBytes(rng, f.struct);
        out.raw(head);
        if (f.set !== undefined && head.length >= s) {
          while (out.parts.length % 4 !== 0) out.parts.push(0);
        }
      }
      if (f.set !== undefined) out.raw(randomSet(rng, f.set, depth + 1, selectors));
      return out.bytes();
    }
  }
  return leaf(a.kind);
}

/** `bytes` with a few random changes: flipped bytes, lengths bent, a cut, a tail. */
export function mutate(rng: Rng, bytes: Uint8Array): Uint8Array {
  let b = bytes.slice();
  const n = 1 + rng.int(3);
  for (let i = 0; i < n && b.length > 0; i++) {
    const at = rng.int(b.length);
    switch (rng.int(5)) {
      case 0:
        b[at] = rng.int(256);
        break;
      case 1:
        b[at] ^= 1 << rng.int(8);
        break;
      case 2: // an attribute length (the first byte of an aligned word) a little off
        b[at & ~3] = (b[at & ~3] + rng.pick([-4, -1, 1, 4, 8])) & 0xff;
        break;
      case 3:
        b = b.slice(0, at);
        break;
      default: {
        const tail = rng.bytes(rng.int(16));
        const c = new Uint8Array(b.length + tail.length);
        c.set(b);
        c.set(tail, b.length);
        b = c;
      }
    }
  }
  return b;
}
