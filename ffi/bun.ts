/**
 * The Bun adapter: libc through `bun:ffi`. Bun has no asynchronous FFI calls, so `epoll_wait`
 * runs in one Worker (`bun_poller_worker.ts`) that loops and posts the ready fds; the worker is
 * `ref()`-ed only while something waits, so an idle process can exit.
 *
 * @module
 */
import { openLibc } from "./libc_open.ts";
import { type CType, SYMBOLS } from "./symbols.ts";
import type { Libc, Poller } from "./types.ts";

/** The small part of `bun:ffi` this adapter uses. */
export interface BunFfi {
  /** Open a library and bind the symbols described by `defs`. */
  dlopen(
    name: string,
    defs: Record<string, { args: string[]; returns: string }>,
  ): { symbols: Record<string, (...args: unknown[]) => number> };
  /** The address of a buffer's bytes. */
  ptr(buf: Uint8Array): number;
  /** Read memory at an address. */
  read: { i32(ptr: number, offset?: number): number };
}

/** Map a neutral type to a `bun:ffi` type name. `i64_fast` returns a number when it fits. */
export function bunType(t: CType): string {
  switch (t) {
    case "usize":
      return "u64_fast";
    case "isize":
      return "i64_fast";
    default:
      return t;
  }
}

/** The `bun:ffi` symbol definitions, shared with the poller worker. */
export function bunDefinitions(): Record<string, { args: string[]; returns: string }> {
  const defs: Record<string, { args: string[]; returns: string }> = {};
  for (const [name, sym] of Object.entries(SYMBOLS)) {
    defs[name] = { args: sym.args.map(bunType), returns: bunType(sym.result) };
  }
  return defs;
}

/** The symbols of an opened libc. */
export type BunLibcSymbols = Record<string, (...args: unknown[]) => number>;

/**
 * Open libc: `name` if given (the poller worker opens the one the main thread opened), else the
 * path in `NETLINK_LIBC`, else the default names. Returns the symbols and the name that opened.
 */
export function openBunLibc(
  ffi: BunFfi,
  name?: string,
): { symbols: BunLibcSymbols; name: string } {
  if (name !== undefined) return { symbols: ffi.dlopen(name, bunDefinitions()).symbols, name };
  const { lib, name: opened } = openLibc((n) => ffi.dlopen(n, bunDefinitions()));
  return { symbols: lib.symbols, name: opened };
}

/** `bun:ffi`, imported by a literal specifier (JSR and `deno publish` accept `bun:` ones). */
export async function importBunFfi(): Promise<BunFfi> {
  return (await import("bun:ffi")) as BunFfi;
}

interface BunWorker {
  postMessage(m: unknown): void;
  ref(): void;
  unref(): void;
  onmessage: ((e: { data: Int32Array }) => void) | null;
}

/** Open libc with Bun's FFI. Called once, on the first socket open. */
export async function loadBunLibc(): Promise<Libc> {
  const ffi = await importBunFfi();
  const { symbols: sym, name: libcName } = openBunLibc(ffi);
  const errnoPtr = sym.__errno_location();
  const nullable = (b: Uint8Array | null) => b ?? null;

  return {
    runtime: "bun",
    socket: (d, t, p) => sym.socket(d, t, p),
    bind: (fd, a, l) => sym.bind(fd, a, l),
    connect: (fd, a, l) => sym.connect(fd, a, l),
    getsockname: (fd, a, l) => sym.getsockname(fd, a, l),
    sendto: (fd, buf, n, flags, to, tolen) => sym.sendto(fd, buf, n, flags, nullable(to), tolen),
    recvmsg: (fd, m, flags) => sym.recvmsg(fd, m, flags),
    setsockopt: (fd, l, n, v, len) => sym.setsockopt(fd, l, n, v, len),
    getsockopt: (fd, l, n, v, len) => sym.getsockopt(fd, l, n, v, len),
    close: (fd) => sym.close(fd),
    epoll_create1: (f) => sym.epoll_create1(f),
    epoll_ctl: (ep, op, fd, ev) => sym.epoll_ctl(ep, op, fd, nullable(ev)),
    eventfd: (v, f) => sym.eventfd(v, f),
    read: (fd, b, n) => sym.read(fd, b, n),
    write: (fd, b, n) => sym.write(fd, b, n),
    open: (p, f) => sym.open(p, f),
    ioctl: (fd, r, a) => sym.ioctl(fd, r, a),
    setns: (fd, t) => sym.setns(fd, t),
    unshare: (f) => sym.unshare(f),
    mount: (src, target, fstype, flags, data) =>
      sym.mount(src, target, fstype, flags, nullable(data)),
    umount2: (target, f) => sym.umount2(target, f),
    errno: () => ffi.read.i32(errnoPtr, 0),
    addressOf: (buf) => BigInt(ffi.ptr(buf)),
    poller(epfd, _wakeFd, onReady): Poller {
      // The worker thread is started on the first wait: a process that only sends requests
      // whose answers are already queued never needs it.
      let worker: BunWorker | undefined;
      return {
        ref() {
          if (!worker) {
            const W = (globalThis as unknown as { Worker: new (u: URL) => BunWorker }).Worker;
            worker = new W(new URL("./bun_poller_worker.ts", import.meta.url));
            worker.onmessage = (e) => onReady(e.data);
            worker.postMessage({ epfd, libc: libcName });
          }
          worker.ref();
        },
        unref: () => worker?.unref(),
      };
    },
  };
}
