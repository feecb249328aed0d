/**
 * Pulling from a socket's subscription with a time limit: a `next()` still in flight when the
 * time ran out is kept for the following call, since a stream has one waiter at a time. Used by
 * the protocols whose answers are not matched by the socket (the connector's multicast
 * acknowledgements, fib_lookup's echo, audit's replies sent after the ACK).
 *
 * @module
 */
import type { ReceivedMessage } from "../socket/socket.ts";

/** A subscription read with time limits. */
export class Puller {
  #it: AsyncIterator<ReceivedMessage>;
  #inFlight: Promise<IteratorResult<ReceivedMessage>> | undefined;

  /** Read from `it`. */
  constructor(it: AsyncIterator<ReceivedMessage>) {
    this.#it = it;
  }

  /** The next message, the end of the stream, or `"timeout"` after `ms` milliseconds. */
  async next(ms = Infinity): Promise<IteratorResult<ReceivedMessage> | "timeout"> {
    const p = this.#inFlight ??= this.#it.next();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const r = ms === Infinity ? await p : await Promise.race([
      p,
      new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ms))),
    ]);
    clearTimeout(timer);
    if (r !== "timeout") this.#inFlight = undefined;
    return r;
  }
}
