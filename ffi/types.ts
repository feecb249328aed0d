/**
 * The interface both runtime adapters implement: raw libc calls with C semantics (return -1 and
 * set errno) plus the few pointer helpers the socket layer needs. Nothing here throws; the
 * errno choke point is `ffi/sys.ts`.
 *
 * @module
 */

/** A blocking readiness poller over one epoll instance, run off the JS thread. */
export interface Poller {
  /** Keep the process alive and deliver ready fds while at least one fd is being waited on. */
  ref(): void;
  /** Let the process exit: nothing is waiting. */
  unref(): void;
}

/** The raw libc functions, one adapter per runtime. Buffers are passed by address. */
export interface Libc {
  /** Runtime name, for diagnostics. */
  readonly runtime: "deno" | "bun";
  /** `int socket(int domain, int type, int protocol);` */
  socket(domain: number, type: number, protocol: number): number;
  /** `int bind(int fd, const struct sockaddr *addr, socklen_t len);` */
  bind(fd: number, addr: Uint8Array, len: number): number;
  /** `int connect(int fd, const struct sockaddr *addr, socklen_t len);` */
  connect(fd: number, addr: Uint8Array, len: number): number;
  /** `int getsockname(int fd, struct sockaddr *addr, socklen_t *len);` */
  getsockname(fd: number, addr: Uint8Array, len: Uint8Array): number;
  /** `ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to, socklen_t tolen);` */
  sendto(
    fd: number,
    buf: Uint8Array,
    n: number,
    flags: number,
    to: Uint8Array | null,
    tolen: number,
  ): number;
  /** `ssize_t recvmsg(int fd, struct msghdr *msg, int flags);` */
  recvmsg(fd: number, msghdr: Uint8Array, flags: number): number;
  /** `int setsockopt(int fd, int level, int name, const void *val, socklen_t len);` */
  setsockopt(fd: number, level: number, name: number, val: Uint8Array, len: number): number;
  /** `int getsockopt(int fd, int level, int name, void *val, socklen_t *len);` */
  getsockopt(fd: number, level: number, name: number, val: Uint8Array, len: Uint8Array): number;
  /** `int close(int fd);` */
  close(fd: number): number;
  /** `int epoll_create1(int flags);` */
  epoll_create1(flags: number): number;
  /** `int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);` */
  epoll_ctl(epfd: number, op: number, fd: number, ev: Uint8Array | null): number;
  /** `int eventfd(unsigned int initval, int flags);` */
  eventfd(initval: number, flags: number): number;
  /** `ssize_t read(int fd, void *buf, size_t n);` */
  read(fd: number, buf: Uint8Array, n: number): number;
  /** `ssize_t write(int fd, const void *buf, size_t n);` */
  write(fd: number, buf: Uint8Array, n: number): number;
  /** `int open(const char *path, int flags);` */
  open(path: Uint8Array, flags: number): number;
  /** `int ioctl(int fd, unsigned long request, ...);` with one integer (or address) argument. */
  ioctl(fd: number, request: number, arg: number | bigint): number;
  /** `int setns(int fd, int nstype);` */
  setns(fd: number, nstype: number): number;
  /** `int unshare(int flags);` */
  unshare(flags: number): number;
  /** `int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const void *data);` */
  mount(
    source: Uint8Array,
    target: Uint8Array,
    fstype: Uint8Array,
    flags: number,
    data: Uint8Array | null,
  ): number;
  /** `int umount2(const char *target, int flags);` */
  umount2(target: Uint8Array, flags: number): number;
  /** `int *__errno_location(void);` read immediately after a failing call, same thread. */
  errno(): number;
  /** The address of a buffer's first byte (the buffer must stay referenced while used). */
  addressOf(buf: Uint8Array): bigint;
  /** Start the off-thread `epoll_wait` loop for `epfd`; ready fds are handed to `onReady`. */
  poller(epfd: number, wakeFd: number, onReady: (fds: Int32Array) => void): Poller;
}
