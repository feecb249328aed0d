/**
 * Interrupted dumps, made visible and retried. The kernel flags a dump's messages
 * `NLM_F_DUMP_INTR` when the table changed while it was read (links, addresses, neighbours,
 * rules, nexthops…), so the dump may miss or repeat objects. Every dump and every `list*()`
 * function takes {@link ConsistencyOptions}: by default the list is returned as read and says
 * whether it was interrupted ({@link DumpList.interrupted}); with `consistent` it is read again
 * until a pass is clean, or fails with a {@link DumpInterruptedError} naming how many passes
 * were made.
 *
 * @example
 * ```ts
 * import { DumpInterruptedError, listAddresses, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * const quick = await listAddresses(rt);
 * if (quick.interrupted) console.log("the addresses changed while they were read");
 * try {
 *   const exact = await listAddresses(rt, { consistent: { retries: 5 } });
 *   console.log(exact.length, "addresses after", exact.attempts, "passes");
 * } catch (e) {
 *   if (e instanceof DumpInterruptedError) console.log(e.attempts, "passes, all interrupted");
 * }
 * ```
 *
 * @module
 */

/** How many times `consistent: true` reads a table again after an interrupted pass. */
export const DEFAULT_DUMP_RETRIES = 3;

/** The option every dump and `list*()` function takes about interrupted dumps. */
export interface ConsistencyOptions {
  /**
   * What to do when the kernel flags the dump `NLM_F_DUMP_INTR` (the table changed while it
   * was read):
   * - `false` or absent (the default): return what was read; the result says it was
   *   interrupted ({@link DumpList.interrupted}, or `interrupted` on a dump iterator);
   * - `true`: read the whole table again, up to {@link DEFAULT_DUMP_RETRIES} more times;
   * - `{ retries: n }`: up to `n` more times (0: never; fail at once if interrupted).
   *
   * When every pass was interrupted it fails with a {@link DumpInterruptedError}. A streaming
   * dump (`Client.dump`) with this option collects each pass before yielding anything.
   */
  consistent?: boolean | { retries: number };
}

/**
 * Every pass of a dump read with `consistent` was interrupted (`NLM_F_DUMP_INTR`): the table
 * kept changing while it was read, so no consistent copy was obtained. `attempts` says how
 * many passes were made (the retries allowed plus one).
 *
 * @example
 * ```ts
 * import { DumpInterruptedError, listLinks, Rtnl } from "@netlink/netlink";
 * await using rt = await Rtnl.open();
 * try {
 *   await listLinks(rt, { consistent: { retries: 2 } });
 * } catch (e) {
 *   if (e instanceof DumpInterruptedError) console.log(e.message); // "… 3 attempts …"
 * }
 * ```
 */
export class DumpInterruptedError extends Error {
  /** What was dumped (`"RTM_GETLINK dump"`, `"listAddresses"` …). */
  readonly operation: string;
  /** How many passes were made, every one of them interrupted. */
  readonly attempts: number;

  /** The error for `operation` after `attempts` interrupted passes. */
  constructor(operation: string, attempts: number) {
    super(
      `${operation}: the dump was interrupted (NLM_F_DUMP_INTR) on all ${attempts} attempt${
        attempts === 1 ? "" : "s"
      }: the table kept changing while it was read`,
    );
    this.name = "DumpInterruptedError";
    this.operation = operation;
    this.attempts = attempts;
  }
}

/**
 * What a `list*()` function returns: the objects, plus (not enumerable, so the list is still
 * plain JSON data and deep-equals a plain array) whether the dump that read them was
 * interrupted and how many passes it took.
 */
export interface DumpList<T> extends Array<T> {
  /** True when a dump behind this list was flagged `NLM_F_DUMP_INTR` (only without `consistent`). */
  readonly interrupted: boolean;
  /** How many passes were made (1 unless `consistent` read the table again). */
  readonly attempts: number;
}

/** Something that says whether its dump was interrupted (a dump iterator). */
export interface Interruptible {
  /** True once a message of the dump carried `NLM_F_DUMP_INTR`. */
  readonly interrupted: boolean;
}

/**
 * The retries `consistent` asks for: `undefined` when it does not ask for consistency.
 *
 * @throws {TypeError} for a value that is neither a boolean nor `{ retries }` with a
 * non-negative integer.
 */
export function retriesOf(consistent: ConsistencyOptions["consistent"]): number | undefined {
  if (consistent === undefined || consistent === false) return undefined;
  if (consistent === true) return DEFAULT_DUMP_RETRIES;
  const r = (consistent as { retries?: unknown } | null)?.retries;
  if (typeof r !== "number" || !Number.isInteger(r) || r < 0 || r > 1000) {
    throw new TypeError(
      `consistent must be true, false or { retries: n } with n an integer 0..1000, got ${
        JSON.stringify(consistent)
      }`,
    );
  }
  return r;
}

/** Collects the dumps of one pass, to tell whether any of them was interrupted. */
export class DumpTracker {
  #dumps: Interruptible[] = [];
  /** Register dump `d` (returned as is). */
  track<D extends Interruptible>(d: D): D {
    this.#dumps.push(d);
    return d;
  }
  /** True when a dump tracked so far was interrupted. */
  get interrupted(): boolean {
    return this.#dumps.some((d) => d.interrupted);
  }
}

/** `list` with the non-enumerable `interrupted` and `attempts` of a {@link DumpList}. */
export function dumpList<T>(list: T[], interrupted: boolean, attempts: number): DumpList<T> {
  Object.defineProperty(list, "interrupted", { value: interrupted, enumerable: false });
  Object.defineProperty(list, "attempts", { value: attempts, enumerable: false });
  return list as DumpList<T>;
}

/**
 * Run `read` (one pass over a table, registering its dumps with the tracker it is given) and,
 * when a dump was interrupted and `options.consistent` asks for it, run it again, up to the
 * retries allowed; then fail with a {@link DumpInterruptedError} naming `what`.
 */
export async function readConsistent<T>(
  what: string,
  options: ConsistencyOptions & { signal?: AbortSignal },
  read: (tracker: DumpTracker) => Promise<T[]>,
): Promise<DumpList<T>> {
  const retries = retriesOf(options.consistent);
  for (let attempt = 1;; attempt++) {
    options.signal?.throwIfAborted();
    const tracker = new DumpTracker();
    const list = await read(tracker);
    if (!tracker.interrupted) return dumpList(list, false, attempt);
    if (retries === undefined) return dumpList(list, true, attempt);
    if (attempt > retries) throw new DumpInterruptedError(what, attempt);
  }
}
