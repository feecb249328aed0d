/**
 * The {@link Transport} that talks to the kernel: a non-blocking `AF_NETLINK` socket through
 * libc, waited on in the process-wide epoll hub, received with `recvmsg` (sender address and
 * `NETLINK_PKTINFO` / `NETLINK_LISTEN_ALL_NSID` control messages).
 *
 * No datagram is ever cut short: each receive first peeks at the next datagram's length
 * (`recvmsg(MSG_PEEK | MSG_TRUNC)` with no buffer, which copies nothing), then reads it into
 * the socket's buffer or, when longer, into one of its exact size. The peek costs about
 * 0.4–0.9 µs per datagram (bench/recv_sizing.ts); reading into a large buffer and checking
 * `MSG_TRUNC` afterwards would be cheaper but loses whatever did not fit. The buffer stays at
 * least 64 KiB so the kernel keeps filling dump datagrams to 32 KiB (it sizes them from the
 * longest read buffer it has seen).
 *
 * @module
 */
import { NETLINK_LISTEN_ALL_NSID, NETLINK_PKTINFO, SOL_NETLINK } from "../codec/constants.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import { CMSGHDR, IOVEC, MSGHDR, NL_PKTINFO, SOCKADDR_NL, sockaddrNl } from "../ffi/layouts.ts";
import {
  AF_NETLINK,
  check,
  EAGAIN,
  ECONNREFUSED,
  EINTR,
  ENOBUFS,
  type Hub,
  inNetns,
  loadSys,
  MSG_DONTWAIT,
  MSG_PEEK,
  MSG_TRUNC,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_RAW,
} from "../ffi/sys.ts";
import type { Libc } from "../ffi/types.ts";
import { EMSGSIZE } from "./errors.ts";
import { explainPermission } from "./privileges.ts";
import type { ReceiveResult, Transport } from "./transport.ts";

const CONTROL_LEN = 128;

/** How to create the socket. */
export interface LibcTransportOptions {
  /** `SOCK_RAW` (default) or `SOCK_DGRAM`. */
  type?: "raw" | "dgram";
  /** Create the socket in this network namespace (name, path or fd). */
  netns?: string | number;
  /** Size of the receive buffer; a longer datagram is read into one of its own size. */
  messageBufferSize: number;
}

/** A libc netlink socket. */
export class LibcTransport implements Transport {
  /** The file descriptor. */
  readonly fd: number;
  /** The `netns` it was created in (`""`: the process's own). */
  readonly scope: string;
  #libc: Libc;
  #hub: Hub;
  #kernelAddr = sockaddrNl(0, 0);
  // recvmsg state: the buffers are allocated once and their addresses written into msghdr.
  #buf!: Uint8Array;
  /** A msghdr with no buffer, name or control: for the length-only peek. */
  #peek = new Uint8Array(new ArrayBuffer(MSGHDR.size));
  /** The length of the datagram at the head of the queue, when a peek found it; else -1. */
  #peeked = -1;
  #name = new Uint8Array(new ArrayBuffer(SOCKADDR_NL.size));
  #nameView = new DataView(this.#name.buffer);
  #control = new Uint8Array(new ArrayBuffer(CONTROL_LEN));
  #controlView = new DataView(this.#control.buffer);
  #iov = new Uint8Array(new ArrayBuffer(IOVEC.size));
  #msghdr = new Uint8Array(new ArrayBuffer(MSGHDR.size));
  #closed = false;

  private constructor(libc: Libc, hub: Hub, fd: number, scope: string, bufferSize: number) {
    this.scope = scope;
    this.#libc = libc;
    this.#hub = hub;
    this.fd = fd;
    this.#setBuffer(bufferSize);
  }

  /** Create a non-blocking netlink socket for `protocol` (unbound). Loads libc on first use. */
  static async open(protocol: number, options: LibcTransportOptions): Promise<LibcTransport> {
    const { libc, hub } = await loadSys();
    const type = (options.type === "dgram" ? SOCK_DGRAM : SOCK_RAW) | SOCK_NONBLOCK | SOCK_CLOEXEC;
    const netns = options.netns;
    let fd: number;
    try {
      fd = netns === undefined
        ? check(libc, libc.socket(AF_NETLINK, type, protocol), "socket")
        : inNetns(libc, netns, "socket", () => libc.socket(AF_NETLINK, type, protocol));
    } catch (e) {
      throw e instanceof NetlinkError && e.operation === "setns"
        ? explainPermission(e, { kind: "netns" })
        : e;
    }
    try {
      const scope = netns === undefined ? "" : String(netns);
      return new LibcTransport(libc, hub, fd, scope, options.messageBufferSize);
    } catch (e) {
      libc.close(fd);
      throw e;
    }
  }

  #setBuffer(size: number): void {
    this.#buf = new Uint8Array(new ArrayBuffer(size));
    this.#point(this.#msghdr, this.#iov, this.#buf);
  }

  /** Point `msghdr` (through `iov`) at `buf`, the shared name and control buffers. */
  #point(msghdr: Uint8Array, iov: Uint8Array, buf: Uint8Array): void {
    const a = this.#libc.addressOf.bind(this.#libc);
    const iv = new DataView(iov.buffer);
    iv.setBigUint64(IOVEC.base, a(buf), true);
    iv.setBigUint64(IOVEC.len, BigInt(buf.length), true);
    const m = new DataView(msghdr.buffer);
    m.setBigUint64(MSGHDR.name, a(this.#name), true);
    m.setUint32(MSGHDR.namelen, SOCKADDR_NL.size, true);
    m.setBigUint64(MSGHDR.iov, a(iov), true);
    m.setBigUint64(MSGHDR.iovlen, 1n, true);
    m.setBigUint64(MSGHDR.control, a(this.#control), true);
    m.setBigUint64(MSGHDR.controllen, BigInt(CONTROL_LEN), true);
    m.setInt32(MSGHDR.flags, 0, true);
  }

  bind(portId: number, groups: number): number {
    const libc = this.#libc;
    check(libc, libc.bind(this.fd, sockaddrNl(portId, groups), SOCKADDR_NL.size), "bind");
    const addr = new Uint8Array(new ArrayBuffer(SOCKADDR_NL.size));
    const len = new Uint8Array(new ArrayBuffer(4));
    new DataView(len.buffer).setUint32(0, SOCKADDR_NL.size, true);
    check(libc, libc.getsockname(this.fd, addr, len), "getsockname");
    return new DataView(addr.buffer).getUint32(SOCKADDR_NL.pid, true);
  }

  send(data: Uint8Array, portId: number, groups: number): void {
    const to = portId === 0 && groups === 0 ? this.#kernelAddr : sockaddrNl(portId, groups);
    const libc = this.#libc;
    if (libc.sendto(this.fd, data, data.length, 0, to, SOCKADDR_NL.size) >= 0) return;
    const errno = libc.errno();
    // After a multicast the kernel also unicasts to port 0; protocols without a kernel socket
    // (USERSOCK) refuse that part, but the multicast went out.
    if (errno === ECONNREFUSED && groups !== 0 && portId === 0) return;
    throw new NetlinkError(errno, { operation: "sendto" });
  }

  receive(borrow = false): ReceiveResult {
    const libc = this.#libc;
    for (;;) {
      // The next datagram's length, without taking it off the queue or copying it. After a
      // peek the kernel may set a socket error (a dump it tried to continue found no room),
      // which the read then reports instead of the datagram: the next receive reads it
      // without peeking again, or every peek would re-arm the error and nothing would move.
      let n = this.#peeked;
      this.#peeked = -1;
      if (n < 0) n = libc.recvmsg(this.fd, this.#peek, MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC);
      if (n < 0) {
        const r = this.#failed(libc.errno());
        if (r) return r;
        continue;
      }
      let buf = this.#buf, msghdr = this.#msghdr;
      if (n > buf.length) {
        buf = new Uint8Array(new ArrayBuffer(n));
        msghdr = new Uint8Array(new ArrayBuffer(MSGHDR.size));
        this.#point(msghdr, new Uint8Array(new ArrayBuffer(IOVEC.size)), buf);
      }
      const m = new DataView(msghdr.buffer);
      m.setUint32(MSGHDR.namelen, SOCKADDR_NL.size, true);
      m.setBigUint64(MSGHDR.controllen, BigInt(CONTROL_LEN), true);
      const got = libc.recvmsg(this.fd, msghdr, MSG_DONTWAIT | MSG_TRUNC);
      if (got < 0) {
        const errno = libc.errno();
        if (errno !== EAGAIN) this.#peeked = n; // an error came first: the datagram waits
        const r = this.#failed(errno);
        if (r) return r;
        continue;
      }
      if (got > buf.length || (m.getInt32(MSGHDR.flags, true) & MSG_TRUNC) !== 0) {
        // Only another reader of this fd could have changed the queue between the two calls.
        throw new NetlinkError(EMSGSIZE, {
          operation: `recvmsg: a ${got}-byte datagram replaced the ${n}-byte one just peeked at`,
        });
      }
      const sender = this.#nameView.getUint32(SOCKADDR_NL.pid, true);
      const mask = this.#nameView.getUint32(SOCKADDR_NL.groups, true); // groups 1-32 only
      const datagram = {
        data: buf !== this.#buf ? buf : borrow ? buf.subarray(0, got) : buf.slice(0, got),
        sender,
        group: mask === 0 ? 0 : 32 - Math.clz32(mask),
        nsid: undefined as number | undefined,
      };
      const controllen = Number(m.getBigUint64(MSGHDR.controllen, true));
      if (controllen > 0) this.#readControl(datagram, controllen);
      if (datagram.nsid === undefined) delete datagram.nsid;
      return { kind: "datagram", datagram };
    }
  }

  /** A failed `recvmsg`: what to report, or undefined to try again (`EINTR`). */
  #failed(errno: number): ReceiveResult | undefined {
    if (errno === EAGAIN) return { kind: "empty" };
    if (errno === EINTR) return undefined;
    if (errno === ENOBUFS) return { kind: "overrun" };
    throw new NetlinkError(errno, { operation: "recvmsg" });
  }

  /** The group (`NETLINK_PKTINFO`) and peer nsid from the control messages, if present. */
  #readControl(d: { group: number; nsid?: number }, len: number): void {
    const dv = this.#controlView;
    for (let off = 0; off + CMSGHDR.size <= len;) {
      const clen = Number(dv.getBigUint64(off + CMSGHDR.len, true));
      if (clen < CMSGHDR.size || off + clen > len) break;
      const level = dv.getInt32(off + CMSGHDR.level, true);
      const type = dv.getInt32(off + CMSGHDR.type, true);
      if (level === SOL_NETLINK && clen >= CMSGHDR.data + 4) {
        if (type === NETLINK_PKTINFO) {
          d.group = dv.getUint32(off + CMSGHDR.data + NL_PKTINFO.group, true);
        } else if (type === NETLINK_LISTEN_ALL_NSID) d.nsid = dv.getInt32(off + CMSGHDR.data, true);
      }
      off += (clen + CMSGHDR.align - 1) & ~(CMSGHDR.align - 1);
    }
  }

  readable(): Promise<void> {
    return this.#hub.readable(this.fd);
  }

  cancelWait(): void {
    this.#hub.cancel(this.fd);
  }

  setInt(level: number, name: number, value: number, label: string): void {
    const v = new Uint8Array(new ArrayBuffer(4));
    new DataView(v.buffer).setInt32(0, value, true);
    check(this.#libc, this.#libc.setsockopt(this.fd, level, name, v, 4), `setsockopt(${label})`);
  }

  getInt(level: number, name: number, label: string): number {
    return new DataView(this.getBytes(level, name, 4, label).buffer).getInt32(0, true);
  }

  getBytes(level: number, name: number, size: number, label: string): Uint8Array {
    const v = new Uint8Array(new ArrayBuffer(size));
    const len = new Uint8Array(new ArrayBuffer(4));
    new DataView(len.buffer).setUint32(0, size, true);
    check(this.#libc, this.#libc.getsockopt(this.fd, level, name, v, len), `getsockopt(${label})`);
    return v.slice(0, Math.min(new DataView(len.buffer).getUint32(0, true), size));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.remove(this.fd);
    this.#libc.close(this.fd);
  }
}
