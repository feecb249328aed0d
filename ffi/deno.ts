/**
 * The Deno adapter: libc through `Deno.dlopen`. `epoll_wait` is declared `nonblocking`, so it
 * runs on Deno's blocking thread pool and returns a promise; exactly one is outstanding at a time.
 *
 * @module
 */
import { openLibc } from "./libc_open.ts";
import { type CType, EPOLL_EVENTS, epollEventSize, readyFds, SYMBOLS } from "./symbols.ts";
import type { Libc, Poller } from "./types.ts";

type DenoType = "i32" | "u32" | "usize" | "isize" | "buffer" | "pointer" | "void";

function denoArg(t: CType): DenoType {
  return t === "ptr" ? "buffer" : t;
}

function definitions() {
  // deno-lint-ignore no-explicit-any
  const defs: Record<string, any> = {};
  for (const [name, sym] of Object.entries(SYMBOLS)) {
    defs[name] = {
      parameters: sym.args.map(denoArg),
      result: sym.result === "ptr" ? "pointer" : sym.result,
    };
  }
  defs.epoll_wait_async = { ...defs.epoll_wait, name: "epoll_wait", nonblocking: true };
  // Pointer helpers through libc itself rather than Deno.UnsafePointer / UnsafePointerView,
  // which need an unscoped --allow-ffi: with these, `--allow-ffi=<libc path>` is enough.
  // void *memcpy(void *dest, const void *src, size_t n): with n = 0 it returns dest (a buffer's
  // address); from the errno location it copies errno out.
  defs.address_of = { name: "memcpy", parameters: ["buffer", "buffer", "usize"], result: "usize" };
  defs.copy_from = { name: "memcpy", parameters: ["buffer", "pointer", "usize"], result: "void" };
  return defs;
}

// deno-lint-ignore no-explicit-any
type Fn = (...args: any[]) => any;

/**
 * Open libc with Deno's FFI: the path in `NETLINK_LIBC` if set (and readable: `--allow-env`),
 * else the default names. Called once, on the first socket open.
 */
export function loadDenoLibc(): Libc {
  const { lib } = openLibc((name) =>
    Deno.dlopen(name, definitions()) as unknown as { symbols: Record<string, Fn> }
  );
  const s = lib.symbols;
  const errnoLocation = s.__errno_location();
  const errnoBuf = new Uint8Array(new ArrayBuffer(4));
  const errnoView = new DataView(errnoBuf.buffer);
  const eventSize = epollEventSize(Deno.build.arch);

  return {
    runtime: "deno",
    socket: s.socket,
    bind: s.bind,
    connect: s.connect,
    getsockname: s.getsockname,
    sendto: (fd, buf, n, flags, to, tolen) => Number(s.sendto(fd, buf, n, flags, to, tolen)),
    recvmsg: (fd, msghdr, flags) => Number(s.recvmsg(fd, msghdr, flags)),
    setsockopt: s.setsockopt,
    getsockopt: s.getsockopt,
    close: s.close,
    epoll_create1: s.epoll_create1,
    epoll_ctl: s.epoll_ctl,
    eventfd: s.eventfd,
    read: (fd, buf, n) => Number(s.read(fd, buf, n)),
    write: (fd, buf, n) => Number(s.write(fd, buf, n)),
    open: s.open,
    ioctl: s.ioctl,
    setns: s.setns,
    unshare: s.unshare,
    mount: s.mount,
    umount2: s.umount2,
    errno: () => {
      s.copy_from(errnoBuf, errnoLocation, 4);
      return errnoView.getInt32(0, true);
    },
    addressOf: (buf) => BigInt(s.address_of(buf, buf, 0)),
    poller(epfd, wakeFd, onReady): Poller {
      const events = new Uint8Array(new ArrayBuffer(EPOLL_EVENTS * eventSize));
      const counter = new Uint8Array(new ArrayBuffer(8));
      let wanted = false;
      let running = false;
      // True only while an epoll_wait is outstanding on the pool thread: the one moment a
      // wake-up write is needed. When ready fds are being handled (the call has returned) and
      // the last waiter goes, the loop just ends; a write then would leave the eventfd
      // readable, and the next wait would return at once for nothing: one more thread round
      // trip on every notification.
      let blocked = false;
      const loop = async () => {
        running = true;
        try {
          while (wanted) {
            blocked = true;
            let n: number;
            try {
              n = await s.epoll_wait_async(epfd, events, EPOLL_EVENTS, -1);
            } finally {
              blocked = false;
            }
            if (n <= 0) continue; // EINTR: errno cannot be read after a nonblocking call
            const fds = readyFds(events, n, eventSize);
            if (fds.includes(wakeFd)) s.read(wakeFd, counter, 8);
            onReady(fds);
          }
        } finally {
          running = false;
        }
      };
      const one = new Uint8Array(new ArrayBuffer(8));
      new DataView(one.buffer).setBigUint64(0, 1n, true);
      return {
        ref() {
          wanted = true;
          if (!running) loop();
        },
        unref() {
          if (!wanted) return;
          wanted = false;
          // Wake the outstanding epoll_wait so no op keeps the event loop alive.
          if (blocked) s.write(wakeFd, one, 8);
        },
      };
    },
  };
}
