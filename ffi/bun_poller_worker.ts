/**
 * Bun only: the worker that blocks in `epoll_wait` on the process-wide epoll instance and posts
 * the ready fds to the main thread. One per process.
 *
 * @module
 */
import { importBunFfi, openBunLibc } from "./bun.ts";
import { EPOLL_EVENTS, epollEventSize, readyFds } from "./symbols.ts";

const EINTR = 4;

interface WorkerScope {
  onmessage: ((e: { data: { epfd: number; libc: string } }) => void) | null;
  postMessage(m: unknown): void;
}
const scope = globalThis as unknown as WorkerScope;

scope.onmessage = async (e) => {
  const ffi = await importBunFfi();
  const sym = openBunLibc(ffi, e.data.libc).symbols;
  const errnoPtr = sym.__errno_location();
  const arch = (globalThis as unknown as { process: { arch: string } }).process.arch;
  const size = epollEventSize(arch);
  const events = new Uint8Array(new ArrayBuffer(EPOLL_EVENTS * size));
  const epfd = e.data.epfd;
  for (;;) {
    const n = sym.epoll_wait(epfd, events, EPOLL_EVENTS, -1);
    if (n < 0) {
      if (ffi.read.i32(errnoPtr, 0) === EINTR) continue;
      return; // the epoll fd is gone
    }
    if (n > 0) scope.postMessage(readyFds(events, n, size));
  }
};
