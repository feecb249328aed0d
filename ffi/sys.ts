/**
 * The errno choke point and the process-wide readiness hub. Everything that calls libc goes
 * through {@link Sys}: a call that returns -1 has its errno read at once, on the same thread,
 * and becomes a {@link NetlinkError} naming the call.
 *
 * @module
 */
import { NetlinkError } from "../codec/netlink_error.ts";
import { epollEventSize } from "./symbols.ts";
import type { Libc, Poller } from "./types.ts";

/** `AF_NETLINK` from `<sys/socket.h>`. */
export const AF_NETLINK = 16;
/** `SOCK_RAW`, `SOCK_DGRAM`, `SOCK_NONBLOCK`, `SOCK_CLOEXEC` from `<bits/socket_type.h>`. */
export const SOCK_RAW = 3, SOCK_DGRAM = 2, SOCK_NONBLOCK = 0o4000, SOCK_CLOEXEC = 0o2000000;
/** `SOL_SOCKET` options from `<asm-generic/socket.h>`. */
export const SOL_SOCKET = 1, SO_RCVBUF = 8, SO_SNDBUF = 7, SO_RCVBUFFORCE = 33, SO_PROTOCOL = 38;
/** `MSG_*` flags from `<bits/socket.h>`. */
export const MSG_PEEK = 2, MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40;
/** `open(2)` flags from `<fcntl.h>` and `CLONE_NEWNET` from `<sched.h>` (for `setns`). */
export const O_RDONLY = 0, O_CLOEXEC = 0o2000000, CLONE_NEWNET = 0x40000000;
/** Errno values the socket layer branches on (`<asm-generic/errno*.h>`). */
export const EAGAIN = 11, EINTR = 4, ENOBUFS = 105, ECONNREFUSED = 111;

const EPOLL_CLOEXEC = 0o2000000;
const EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
const EPOLLIN = 0x001, EPOLLONESHOT = 1 << 30;
const EFD_CLOEXEC = 0o2000000, EFD_NONBLOCK = 0o4000;

/**
 * The process-wide readiness hub: one epoll instance, one outstanding wait (off the JS thread)
 * only while some socket is waiting, `EPOLLONESHOT` registrations re-armed on each wait.
 */
export class Hub {
  #libc: Libc;
  #epfd: number;
  #wakeFd: number;
  #poller: Poller;
  #waiters = new Map<number, () => void>();
  #registered = new Set<number>();
  #event: Uint8Array;
  #eventView: DataView;

  /** The hub over `libc`; `arch` selects the `struct epoll_event` layout. */
  constructor(libc: Libc, arch: string) {
    this.#libc = libc;
    this.#epfd = check(libc, libc.epoll_create1(EPOLL_CLOEXEC), "epoll_create1");
    this.#wakeFd = check(libc, libc.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd");
    this.#event = new Uint8Array(new ArrayBuffer(epollEventSize(arch)));
    this.#eventView = new DataView(this.#event.buffer);
    this.#ctl(EPOLL_CTL_ADD, this.#wakeFd, EPOLLIN);
    this.#poller = libc.poller(this.#epfd, this.#wakeFd, (fds) => this.#ready(fds));
  }

  #ctl(op: number, fd: number, events: number): number {
    this.#eventView.setUint32(0, events, true);
    const dataOffset = this.#event.length - 8;
    this.#eventView.setInt32(dataOffset, fd, true);
    this.#eventView.setInt32(dataOffset + 4, 0, true);
    return this.#libc.epoll_ctl(this.#epfd, op, fd, this.#event);
  }

  /** Resolve once `fd` is readable (or the wait is cancelled). One waiter per fd. */
  readable(fd: number): Promise<void> {
    if (this.#waiters.has(fd)) throw new Error(`fd ${fd} already has a waiter`);
    const op = this.#registered.has(fd) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    check(this.#libc, this.#ctl(op, fd, EPOLLIN | EPOLLONESHOT), "epoll_ctl");
    this.#registered.add(fd);
    return new Promise((resolve) => {
      this.#waiters.set(fd, resolve);
      if (this.#waiters.size === 1) this.#poller.ref();
    });
  }

  /** Forget `fd` (before closing it) and release its waiter, if any. */
  remove(fd: number): void {
    if (this.#registered.delete(fd)) this.#ctl(EPOLL_CTL_DEL, fd, 0);
    this.#release(fd);
  }

  /**
   * Release `fd`'s waiter without an event (nobody needs its data any more), so an idle
   * process can exit. The one-shot registration stays; a later event for it is ignored.
   */
  cancel(fd: number): void {
    this.#release(fd);
  }

  #release(fd: number): void {
    const w = this.#waiters.get(fd);
    if (!w) return;
    this.#waiters.delete(fd);
    if (this.#waiters.size === 0) this.#poller.unref();
    w();
  }

  #ready(fds: Int32Array): void {
    for (const fd of fds) if (fd !== this.#wakeFd) this.#release(fd);
  }
}

/** Turn a -1 result into a {@link NetlinkError}; errno is read immediately. */
export function check(libc: Libc, result: number, operation: string): number {
  if (result < 0) throw new NetlinkError(libc.errno(), { operation });
  return result;
}

/**
 * Run `create` (which returns a new fd, or -1 with errno set) inside another network
 * namespace: switch this thread there, create, switch back. All synchronous on the JS thread,
 * so nothing else runs meanwhile; the fd keeps the namespace it was made in. `netns` is a
 * name (`/run/netns/NAME`), a path (`/proc/PID/ns/net`) or an open namespace fd.
 */
export function inNetns(
  libc: Libc,
  netns: string | number,
  operation: string,
  create: () => number,
): number {
  const open = (path: string) =>
    check(
      libc,
      libc.open(new TextEncoder().encode(path + "\0"), O_RDONLY | O_CLOEXEC),
      `open(${path})`,
    );
  const home = open("/proc/thread-self/ns/net");
  let target = -1;
  try {
    target = typeof netns === "number"
      ? netns
      : open(netns.includes("/") ? netns : `/run/netns/${netns}`);
    check(libc, libc.setns(target, CLONE_NEWNET), "setns");
    const fd = create();
    const errno = fd < 0 ? libc.errno() : 0;
    if (libc.setns(home, CLONE_NEWNET) < 0) {
      // Cannot happen for the namespace we came from; if it does, nothing after is trustworthy.
      if (fd >= 0) libc.close(fd);
      throw new Error("setns: could not return to the original network namespace");
    }
    if (fd < 0) throw new NetlinkError(errno, { operation });
    return fd;
  } finally {
    if (typeof netns !== "number" && target >= 0) libc.close(target);
    libc.close(home);
  }
}

/** The loaded libc plus the hub; one per process. */
export interface Sys {
  /** Raw libc. */
  libc: Libc;
  /** The readiness hub. */
  hub: Hub;
}

let loading: Promise<Sys> | undefined;

/**
 * Load libc for this runtime (Bun or Deno) and create the hub, once, on first use. Importing
 * this module loads nothing.
 */
export function loadSys(): Promise<Sys> {
  return loading ??= (async () => {
    const g = globalThis as unknown as {
      Bun?: unknown;
      Deno?: { build: { arch: string } };
      process?: { arch: string };
    };
    let libc: Libc;
    let arch: string;
    if (g.Bun !== undefined) {
      const { loadBunLibc } = await import("./bun.ts");
      libc = await loadBunLibc();
      arch = g.process?.arch ?? "x64";
    } else if (g.Deno !== undefined) {
      const { loadDenoLibc } = await import("./deno.ts");
      libc = loadDenoLibc();
      arch = g.Deno.build.arch;
    } else {
      throw new Error("netlink: unsupported runtime (Deno or Bun is required)");
    }
    return { libc, hub: new Hub(libc, arch) };
  })().catch((e) => {
    loading = undefined;
    throw e;
  });
}
