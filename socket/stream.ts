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
 * An async iterator fed by the socket. The producer ends it with {@link MessageStream.end} or
 * {@link MessageStream.fail} (the consumer still sees what is queued first); the consumer
 * stops it with `return()`, and an abort signal stops it at once, queued items included.
 */
export class MessageStream<T> implements AsyncIterableIterator<T>, AsyncDisposable {
  #items: T[] = [];
  #head = 0;
  #waiter: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void } | undefined;
  /** The producer is done: nothing more is queued. */
  #ended = false;
  /** The consumer is done: it saw the end, returned, or the signal aborted. */
  #closed = false;
  #failed = false;
  #error: unknown;
  #owner: StreamOwner;
  #onAbort: (() => void) | undefined;
  #signal: AbortSignal | undefined;

  /**
   * An empty stream fed by `owner`, stopped when `signal` aborts: queued items are discarded
   * and the consumer's next `next()` rejects with the signal's reason, even when the producer
   * had already finished. A signal that is already aborted gives a stream that is finished
   * from the start (check {@link finished} before feeding it).
   */
  constructor(owner: StreamOwner, signal?: AbortSignal) {
    this.#owner = owner;
    if (signal?.aborted) {
      this.#ended = true;
      this.#failed = true;
      this.#error = signal.reason;
    } else if (signal) {
      this.#signal = signal;
      this.#onAbort = () => this.abort(signal.reason);
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  /** True once the producer is done (ended, failed, cancelled or aborted): pushes are ignored. */
  get finished(): boolean {
    return this.#ended;
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
    if (this.#ended) return;
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
    if (this.#ended) return;
    this.#ended = true;
    this.#settleWaiter();
  }

  /** End with an error: the consumer sees the queued items, then the error. */
  fail(error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#failed = true;
    this.#error = error;
    this.#settleWaiter();
  }

  /**
   * Stop at once: discard what is queued, fail with `reason` (the consumer sees nothing more
   * than that error) and tell the owner, which drains the rest in the background.
   */
  abort(reason: unknown): void {
    if (this.#closed) return;
    const wasEnded = this.#ended;
    this.#items = [];
    this.#head = 0;
    this.#ended = true;
    this.#failed = true;
    this.#error = reason;
    this.#settleWaiter();
    if (!wasEnded) this.#owner.cancelled(this as MessageStream<unknown>);
  }

  /** A waiting consumer on an empty, ended queue learns the end now. */
  #settleWaiter(): void {
    const w = this.#waiter;
    if (!w || this.queued > 0) return;
    this.#waiter = undefined;
    if (this.#failed) {
      this.#failed = false;
      this.#close();
      w.reject(this.#error);
    } else {
      this.#close();
      w.resolve({ value: undefined, done: true });
    }
  }

  /** The consumer is done: release the abort listener. */
  #close(): void {
    this.#closed = true;
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
    if (this.#ended) {
      this.#close();
      if (this.#failed) {
        this.#failed = false;
        return Promise.reject(this.#error);
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
    const wasEnded = this.#ended;
    this.#ended = true;
    this.#failed = false;
    this.#items = [];
    this.#head = 0;
    this.#close();
    if (!wasEnded) this.#owner.cancelled(this as MessageStream<unknown>);
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
