/**
 * The one libc symbol table, shared by the Deno and the Bun adapters. Types are spelled in a
 * neutral vocabulary and mapped to each runtime's FFI type names by the adapter.
 *
 * @module
 */

/** Neutral FFI types: `ptr` is a buffer argument passed by address. */
export type CType = "i32" | "u32" | "usize" | "isize" | "ptr" | "void";

/** One C function: its parameter and result types. */
export interface CSymbol {
  /** Parameter types, in order. */
  readonly args: readonly CType[];
  /** Result type. */
  readonly result: CType;
}

/** Every libc function this library calls, with the C prototype beside it. */
export const SYMBOLS = {
  // int socket(int domain, int type, int protocol);
  socket: { args: ["i32", "i32", "i32"], result: "i32" },
  // int bind(int sockfd, const struct sockaddr *addr, socklen_t addrlen);
  bind: { args: ["i32", "ptr", "u32"], result: "i32" },
  // int connect(int sockfd, const struct sockaddr *addr, socklen_t addrlen);
  connect: { args: ["i32", "ptr", "u32"], result: "i32" },
  // int getsockname(int sockfd, struct sockaddr *addr, socklen_t *addrlen);
  getsockname: { args: ["i32", "ptr", "ptr"], result: "i32" },
  // ssize_t sendto(int sockfd, const void *buf, size_t len, int flags,
  //                const struct sockaddr *dest_addr, socklen_t addrlen);
  sendto: { args: ["i32", "ptr", "usize", "i32", "ptr", "u32"], result: "isize" },
  // ssize_t recvmsg(int sockfd, struct msghdr *msg, int flags);
  recvmsg: { args: ["i32", "ptr", "i32"], result: "isize" },
  // int setsockopt(int sockfd, int level, int optname, const void *optval, socklen_t optlen);
  setsockopt: { args: ["i32", "i32", "i32", "ptr", "u32"], result: "i32" },
  // int getsockopt(int sockfd, int level, int optname, void *optval, socklen_t *optlen);
  getsockopt: { args: ["i32", "i32", "i32", "ptr", "ptr"], result: "i32" },
  // int close(int fd);
  close: { args: ["i32"], result: "i32" },
  // int epoll_create1(int flags);
  epoll_create1: { args: ["i32"], result: "i32" },
  // int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event);
  epoll_ctl: { args: ["i32", "i32", "i32", "ptr"], result: "i32" },
  // int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout);
  epoll_wait: { args: ["i32", "ptr", "i32", "i32"], result: "i32" },
  // int eventfd(unsigned int initval, int flags);
  eventfd: { args: ["u32", "i32"], result: "i32" },
  // ssize_t read(int fd, void *buf, size_t count);
  read: { args: ["i32", "ptr", "usize"], result: "isize" },
  // ssize_t write(int fd, const void *buf, size_t count);
  write: { args: ["i32", "ptr", "usize"], result: "isize" },
  // int open(const char *pathname, int flags);
  open: { args: ["ptr", "i32"], result: "i32" },
  // int ioctl(int fd, unsigned long request, ...);  (one integer or pointer argument)
  ioctl: { args: ["i32", "usize", "usize"], result: "i32" },
  // int setns(int fd, int nstype);
  setns: { args: ["i32", "i32"], result: "i32" },
  // int unshare(int flags);
  unshare: { args: ["i32"], result: "i32" },
  // int mount(const char *source, const char *target, const char *filesystemtype,
  //           unsigned long mountflags, const void *data);
  mount: { args: ["ptr", "ptr", "ptr", "usize", "ptr"], result: "i32" },
  // int umount2(const char *target, int flags);
  umount2: { args: ["ptr", "i32"], result: "i32" },
  // int *__errno_location(void);
  __errno_location: { args: [], result: "ptr" },
} as const satisfies Record<string, CSymbol>;

/**
 * The library names tried, in order, by both adapters when `NETLINK_LIBC` does not name one:
 * glibc's soname, the development link, and musl's (x86_64 and aarch64).
 */
export const LIBC_NAMES = [
  "libc.so.6",
  "libc.so",
  "libc.musl-x86_64.so.1",
  "libc.musl-aarch64.so.1",
] as const;

/** Maximum events returned by one `epoll_wait`. */
export const EPOLL_EVENTS = 64;

/**
 * `sizeof(struct epoll_event)`: `{ uint32_t events; uint64_t data; }` is packed (12 bytes) on
 * x86_64 and naturally aligned (16 bytes, data at offset 8) elsewhere.
 */
export function epollEventSize(arch: string): number {
  return arch === "x86_64" || arch === "x64" ? 12 : 16;
}

/** Decode the fds out of an `epoll_event` array (the fd is stored in the low half of `data`). */
export function readyFds(events: Uint8Array, n: number, size: number): Int32Array {
  const dv = new DataView(events.buffer, events.byteOffset, events.byteLength);
  const out = new Int32Array(n);
  const dataOffset = size - 8;
  for (let i = 0; i < n; i++) out[i] = dv.getInt32(i * size + dataOffset, true);
  return out;
}
