/**
 * Byte layouts of the C structs the socket layer hands to libc, for 64-bit Linux (LP64:
 * x86_64, aarch64). `tests/uapi_layout.test.ts` compares each size and offset with a C program
 * compiled against the system headers.
 *
 * @module
 */

/** `struct sockaddr_nl` (linux/netlink.h): `{ sa_family_t nl_family; unsigned short nl_pad; __u32 nl_pid; __u32 nl_groups; }`. */
export const SOCKADDR_NL = { size: 12, family: 0, pid: 4, groups: 8 } as const;

/** `struct iovec` (bits/types/struct_iovec.h): `{ void *iov_base; size_t iov_len; }`. */
export const IOVEC = { size: 16, base: 0, len: 8 } as const;

/**
 * `struct msghdr` (bits/socket.h): `{ void *msg_name; socklen_t msg_namelen; struct iovec
 * *msg_iov; size_t msg_iovlen; void *msg_control; size_t msg_controllen; int msg_flags; }`.
 */
export const MSGHDR = {
  size: 56,
  name: 0,
  namelen: 8,
  iov: 16,
  iovlen: 24,
  control: 32,
  controllen: 40,
  flags: 48,
} as const;

/**
 * `struct cmsghdr` (bits/socket.h): `{ size_t cmsg_len; int cmsg_level; int cmsg_type; }`,
 * data at `CMSG_DATA` = 16; records are aligned to `sizeof(size_t)`.
 */
export const CMSGHDR = { size: 16, len: 0, level: 8, type: 12, data: 16, align: 8 } as const;

/** `struct nl_pktinfo` (linux/netlink.h): `{ __u32 group; }`. */
export const NL_PKTINFO = { size: 4, group: 0 } as const;

/** Write a `struct sockaddr_nl` for `AF_NETLINK` (16), port id `pid` and group mask `groups`. */
export function sockaddrNl(pid: number, groups: number): Uint8Array {
  const a = new Uint8Array(new ArrayBuffer(SOCKADDR_NL.size));
  const dv = new DataView(a.buffer);
  dv.setUint16(SOCKADDR_NL.family, 16, /* AF_NETLINK */ true);
  dv.setUint32(SOCKADDR_NL.pid, pid, true);
  dv.setUint32(SOCKADDR_NL.groups, groups, true);
  return a;
}
