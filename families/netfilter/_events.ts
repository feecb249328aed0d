/**
 * The event iterators of the netfilter clients: a subscription's messages mapped to typed
 * events, skipping the messages that map to nothing.
 *
 * @module
 */
import type { NetlinkMessage } from "../../codec/message.ts";

/**
 * An iterator (and `await using` handle) of `decode(message)` for each message of `stream` that
 * decodes to something; ending it ends the subscription.
 */
export function eventStream<T>(
  stream: AsyncIterator<NetlinkMessage>,
  decode: (m: NetlinkMessage) => T | undefined,
): AsyncIterableIterator<T> & AsyncDisposable {
  const it: AsyncIterableIterator<T> & AsyncDisposable = {
    async next(): Promise<IteratorResult<T>> {
      for (;;) {
        const r = await stream.next();
        if (r.done) return { done: true, value: undefined };
        const ev = decode(r.value);
        if (ev !== undefined) return { done: false, value: ev };
      }
    },
    async return(): Promise<IteratorResult<T>> {
      await stream.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return it;
    },
    async [Symbol.asyncDispose]() {
      await stream.return?.();
    },
  };
  return it;
}
