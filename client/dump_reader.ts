/**
 * The iterator {@link Client.dump} returns. The socket's receive loop copies each datagram's
 * messages out once (`NetlinkSocket.dumpVisited`) as a {@link Batch}; `next()` decodes the
 * batch one message at a time, so only what the consumer is at is alive as objects, whatever
 * the size of the datagram. The dump starts on the first `next()`; failures are named by the
 * client. A `consistent` dump is served from the clean pass it collected.
 *
 * @module
 */
import type { DumpIterator } from "../socket/socket.ts";
import type { DumpGenerator } from "./client_types.ts";

/** Values of one datagram, decoded as they are taken. */
export interface Batch<T> {
  /** The next value, or `undefined` once there is none left. */
  take(): T | undefined;
}

/** What a {@link DumpReader} reads batches from: the socket's dump, or a pass collected whole. */
export type BatchSource<T> = Pick<
  DumpIterator<Batch<T>>,
  "next" | "return" | "interrupted"
>;

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/** `batches` as a {@link BatchSource} (a pass of a `consistent` dump: never interrupted). */
export function arraySource<T>(batches: readonly Batch<T>[]): BatchSource<T> {
  let i = 0;
  return {
    interrupted: false,
    next: () =>
      Promise.resolve(
        i < batches.length ? { value: batches[i++], done: false } : (i = batches.length, DONE),
      ),
    return: () => {
      i = batches.length;
      return Promise.resolve(DONE);
    },
  };
}

/**
 * A {@link DumpGenerator} over what `open` gives on the first `next()`: batches to take values
 * from, or another dump generator to hand every call to. What `open`, the source or a batch
 * throws goes through `mapError` first. A `next()` that finds a value in its batch resolves
 * with it directly: one promise per value, nothing more. Once `signal` aborts, `next()`
 * rejects with its reason, values left in the batch included.
 */
export class DumpReader<T> implements DumpGenerator<T> {
  readonly #open: () => Promise<BatchSource<T> | DumpGenerator<T>>;
  readonly #fail: (e: unknown) => never;
  readonly #state: { readonly attempts: number };
  readonly #signal: AbortSignal | undefined;
  #source: BatchSource<T> | undefined;
  #inner: DumpGenerator<T> | undefined;
  #batch: Batch<T> | undefined;
  #opening: Promise<IteratorResult<T>> | undefined;
  #returned = false;
  readonly #onBatch = (r: IteratorResult<Batch<T>>): Promise<IteratorResult<T>> | typeof DONE => {
    if (r.done) return DONE;
    this.#batch = r.value;
    return this.next();
  };

  /**
   * A reader of what `open` gives, its failures mapped by `mapError`; `state` counts passes;
   * `signal` stops it.
   */
  constructor(
    open: () => Promise<BatchSource<T> | DumpGenerator<T>>,
    mapError: (e: unknown) => unknown,
    state: { readonly attempts: number },
    signal?: AbortSignal,
  ) {
    this.#open = open;
    this.#fail = (e) => {
      throw mapError(e);
    };
    this.#state = state;
    this.#signal = signal;
  }

  /** True once a message of the dump carried `NLM_F_DUMP_INTR`. */
  get interrupted(): boolean {
    return (this.#inner ?? this.#source)?.interrupted ?? false;
  }

  /** Passes made (more than 1 only with `consistent`). */
  get attempts(): number {
    return this.#inner?.attempts ?? this.#state.attempts;
  }

  /** The next value. */
  next(): Promise<IteratorResult<T>> {
    if (this.#inner !== undefined) return this.#inner.next();
    const b = this.#batch;
    if (b !== undefined) {
      let v: T | undefined;
      try {
        this.#signal?.throwIfAborted();
        v = b.take();
      } catch (e) {
        return this.#stop(e);
      }
      if (v !== undefined) return Promise.resolve({ value: v, done: false });
      this.#batch = undefined;
    }
    const s = this.#source;
    if (s !== undefined) return s.next().then(this.#onBatch, this.#fail);
    if (this.#returned) return Promise.resolve(DONE);
    if (this.#opening !== undefined) return this.#opening.then(() => this.next());
    return this.#opening = this.#first();
  }

  // A batch failed (a malformed message, or what a map threw) or the signal aborted: the
  // rest of the dump is drained in the background.
  async #stop(e: unknown): Promise<IteratorResult<T>> {
    await this.return();
    return this.#fail(e);
  }

  async #first(): Promise<IteratorResult<T>> {
    let s: BatchSource<T> | DumpGenerator<T>;
    try {
      s = await this.#open();
    } catch (e) {
      this.#returned = true;
      return this.#fail(e);
    }
    this.#opening = undefined;
    if (this.#returned) {
      await s.return!(undefined);
      return DONE;
    }
    if (s instanceof DumpReader) this.#inner = s;
    else this.#source = s as BatchSource<T>;
    return this.next();
  }

  /** Stop: the rest of the dump is drained in the background. */
  return(): Promise<IteratorResult<T>> {
    this.#returned = true;
    this.#batch = undefined;
    const s = this.#inner ?? this.#source;
    return s === undefined ? Promise.resolve(DONE) : s.return!(undefined).then(() => DONE);
  }

  /** Stop, then reject with `e` (as a generator's `throw`). */
  async throw(e: unknown): Promise<IteratorResult<T>> {
    await this.return();
    throw e;
  }

  /** The reader is its own iterator. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Stop, as {@link return} does. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }
}
