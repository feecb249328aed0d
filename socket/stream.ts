/**
 * A pull-based async queue: the socket's receive pump pushes, one consumer iterates. The
 * consumer's `next()` on an empty queue tells the socket it is hungry, which is what makes the
 * pump read more (so a slow consumer leaves data in the kernel, not in our memory).
 *
 * @module
 */

/** Callbacks from a stream back to its socket. */
export interface StreamOwner {
  /** The consumer waits on an empty queue: read more. */
  hungry(stream: MessageStream<unknown>): void;
  /** The consumer stopped early (`return()`, abort, dispose). */
  cancelled(stream: MessageStream<unknown>): void;
}

/**
 * An async iterator fed by the socket. Ends with {@link MessageStream.end}, fails with
 * {@link MessageStream.fail}; `return()` cancels it.
 */
export class MessageStream<T> implements AsyncIterableIterator<T>, AsyncDisposable {
  #items: T[] = [];
  #head = 0;
  #waiter: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void } | undefined;
  #done = false;
  #error: unknown;
  #owner: StreamOwner;
  #onAbort: (() => void) | undefined;
  #signal: AbortSignal | undefined;

  /** An empty stream fed by `owner`, ended early when `signal` aborts. */
  constructor(owner: StreamOwner, signal?: AbortSignal) {
    this.#owner = owner;
    if (signal) {
      this.#signal = signal;
      this.#onAbort = () => {
        this.fail(signal.reason);
        this.#owner.cancelled(this as MessageStream<unknown>);
      };
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  /** True once ended, failed or cancelled. */
  get finished(): boolean {
    return this.#done;
  }

  /** True while the consumer is blocked on an empty queue. */
  get waiting(): boolean {
    return this.#waiter !== undefined;
  }

  /** Items queued and not yet consumed. */
  get queued(): number {
    return this.#items.length - this.#head;
  }

  /** Queue one item (ignored once finished). */
  push(item: T): void {
    if (this.#done) return;
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w.resolve({ value: item, done: false });
    } else {
      this.#items.push(item);
    }
  }

  /** End normally: the consumer sees the queued items, then `done`. */
  end(): void {
    if (this.#done) return;
    this.#finish();
    const w = this.#waiter;
    if (w && this.queued === 0) {
      this.#waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
  }

  /** End with an error: the consumer sees the queued items, then the error. */
  fail(error: unknown): void {
    if (this.#done) return;
    this.#error = error;
    this.#finish();
    const w = this.#waiter;
    if (w && this.queued === 0) {
      this.#waiter = undefined;
      w.reject(error);
    }
  }

  #finish(): void {
    this.#done = true;
    if (this.#signal && this.#onAbort) this.#signal.removeEventListener("abort", this.#onAbort);
  }

  /** Next item; asks the socket for more when the queue is empty. */
  next(): Promise<IteratorResult<T>> {
    if (this.#head < this.#items.length) {
      const value = this.#items[this.#head++];
      if (this.#head === this.#items.length) {
        this.#items = [];
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#done) {
      if (this.#error !== undefined) {
        const e = this.#error;
        this.#error = undefined;
        return Promise.reject(e);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    if (this.#waiter) return Promise.reject(new Error("Concurrent next() calls on one stream"));
    const p = new Promise<IteratorResult<T>>((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
    this.#owner.hungry(this as MessageStream<unknown>);
    return p;
  }

  /** Stop early: the socket drains what is left of this stream in the background. */
  return(): Promise<IteratorResult<T>> {
    if (!this.#done) {
      this.#finish();
      this.#error = undefined;
      this.#items = [];
      this.#head = 0;
      this.#owner.cancelled(this as MessageStream<unknown>);
    }
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  /** The stream is its own iterator. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Stop the stream, as {@link return} does. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }
}
