/**
 * The iterator {@link Client.dump} returns: the messages of a dump decoded in the socket's
 * receive loop (`NetlinkSocket.dumpVisited`), started on the first `next()`, with failures
 * named by the client. A `consistent` dump is served from the clean pass it collected.
 *
 * @module
 */
import type { DumpIterator } from "../socket/socket.ts";
import type { DumpGenerator } from "./client_types.ts";

/** What a {@link DumpReader} reads: the socket's live iterator, or a pass collected whole. */
export type DumpSource<T> = Pick<DumpIterator<T>, "next" | "return" | "queued" | "interrupted">;

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/** `items` as a {@link DumpSource} (a pass of a `consistent` dump: never interrupted). */
export function arraySource<T>(items: readonly T[]): DumpSource<T> {
  let i = 0;
  return {
    get queued() {
      return items.length - i;
    },
    interrupted: false,
    next: () =>
      Promise.resolve(
        i < items.length ? { value: items[i++], done: false } : (i = items.length, DONE),
      ),
    return: () => {
      i = items.length;
      return Promise.resolve(DONE);
    },
  };
}

/**
 * A {@link DumpGenerator} over the source `open` gives on the first `next()`. What `open` or
 * the source rejects with goes through `mapError` first. A `next()` that finds a value waiting
 * resolves with it directly: one promise per message, nothing more.
 */
export class DumpReader<T> implements DumpGenerator<T> {
  readonly #open: () => Promise<DumpSource<T>>;
  readonly #fail: (e: unknown) => never;
  readonly #state: { readonly attempts: number };
  #source: DumpSource<T> | undefined;
  #opening: Promise<IteratorResult<T>> | undefined;
  #returned = false;

  /** A reader of what `open` gives, its failures mapped by `mapError`; `state` counts passes. */
  constructor(
    open: () => Promise<DumpSource<T>>,
    mapError: (e: unknown) => unknown,
    state: { readonly attempts: number },
  ) {
    this.#open = open;
    this.#fail = (e) => {
      throw mapError(e);
    };
    this.#state = state;
  }

  /** True once a message of the dump carried `NLM_F_DUMP_INTR`. */
  get interrupted(): boolean {
    return this.#source?.interrupted ?? false;
  }

  /** Values received and not yet taken: while above 0, `next()` resolves at once. */
  get queued(): number {
    return this.#source?.queued ?? 0;
  }

  /** Passes made (more than 1 only with `consistent`). */
  get attempts(): number {
    return this.#state.attempts;
  }

  /** The next decoded message. */
  next(): Promise<IteratorResult<T>> {
    const s = this.#source;
    if (s !== undefined) return s.queued > 0 ? s.next() : s.next().then(undefined, this.#fail);
    if (this.#returned) return Promise.resolve(DONE);
    if (this.#opening !== undefined) return this.#opening.then(() => this.next());
    return this.#opening = this.#first();
  }

  async #first(): Promise<IteratorResult<T>> {
    let s: DumpSource<T>;
    try {
      s = await this.#open();
    } catch (e) {
      this.#returned = true;
      return this.#fail(e);
    }
    this.#opening = undefined;
    if (this.#returned) {
      await s.return!();
      return DONE;
    }
    this.#source = s;
    return this.next();
  }

  /** Stop: the rest of the dump is drained in the background. */
  return(): Promise<IteratorResult<T>> {
    this.#returned = true;
    const s = this.#source;
    return s === undefined ? Promise.resolve(DONE) : s.return!().then(() => DONE);
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
