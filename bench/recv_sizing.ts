/**
 * How to size each netlink read so no datagram is ever cut: the cost per datagram of three ways
 * to call `recvmsg`, under the runtime that runs this file (Deno or Bun).
 *
 * - `plain`: one `recvmsg(MSG_TRUNC)` into a 64 KiB buffer. Fastest, but a longer datagram is
 *   cut and lost (what the socket did before).
 * - `peek-size`: `recvmsg(MSG_PEEK | MSG_TRUNC)` with no buffer (learns the length, copies
 *   nothing), then `recvmsg` into the 64 KiB buffer, or into one of the exact size when longer.
 * - `peek-data`: `recvmsg(MSG_PEEK | MSG_TRUNC)` into the 64 KiB buffer (copies the data), then
 *   a `recvmsg` with no buffer to take the datagram off the queue; re-read when longer.
 *
 * Two `NETLINK_USERSOCK` sockets in the caller's network namespace: one sends `COUNT` datagrams
 * of each size to the other, which drains them with each method in turn. Run as root (the
 * receiver's buffer is raised with `SO_RCVBUFFORCE`), in a namespace of its own:
 *
 *   unshare -n deno run -A bench/recv_sizing.ts
 *   unshare -n bun bench/recv_sizing.ts
 *
 * Prints one JSON line per size and method: nanoseconds per datagram (median of the rounds).
 *
 * @module
 */
import { loadSys, MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC } from "../ffi/sys.ts";
import { IOVEC, MSGHDR, SOCKADDR_NL, sockaddrNl } from "../ffi/layouts.ts";

const NETLINK_USERSOCK = 2, AF_NETLINK = 16, SOCK_RAW = 3, SOCK_NONBLOCK = 0o4000;
const SOL_SOCKET = 1, SO_RCVBUFFORCE = 33, SO_SNDBUFFORCE = 32;
const COUNT = Number(
  (globalThis as { process?: { env: Record<string, string> } }).process?.env
    .COUNT ?? 20000,
);
const ROUNDS = 7;
const SIZES = [64, 1024, 16384];

const { libc } = await loadSys();

function int(v: number): Uint8Array {
  const b = new Uint8Array(new ArrayBuffer(4));
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}

function open(): { fd: number; port: number } {
  const fd = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK, NETLINK_USERSOCK);
  if (fd < 0) throw new Error(`socket: errno ${libc.errno()}`);
  if (libc.bind(fd, sockaddrNl(0, 0), SOCKADDR_NL.size) < 0) throw new Error("bind");
  const addr = new Uint8Array(new ArrayBuffer(SOCKADDR_NL.size));
  const len = int(SOCKADDR_NL.size);
  libc.getsockname(fd, addr, len);
  return { fd, port: new DataView(addr.buffer).getUint32(SOCKADDR_NL.pid, true) };
}

/** A msghdr over `buf` (or no buffer), with room for the sender address. */
function msghdr(buf: Uint8Array | undefined): Uint8Array {
  const name = new Uint8Array(new ArrayBuffer(SOCKADDR_NL.size));
  const iov = new Uint8Array(new ArrayBuffer(IOVEC.size));
  const m = new Uint8Array(new ArrayBuffer(MSGHDR.size));
  const dv = new DataView(m.buffer);
  if (buf) {
    const iv = new DataView(iov.buffer);
    iv.setBigUint64(IOVEC.base, libc.addressOf(buf), true);
    iv.setBigUint64(IOVEC.len, BigInt(buf.length), true);
    dv.setBigUint64(MSGHDR.iov, libc.addressOf(iov), true);
    dv.setBigUint64(MSGHDR.iovlen, 1n, true);
  }
  dv.setBigUint64(MSGHDR.name, libc.addressOf(name), true);
  dv.setUint32(MSGHDR.namelen, SOCKADDR_NL.size, true);
  // Keep the buffers alive with the header.
  (m as unknown as { keep: unknown[] }).keep = [name, iov, buf];
  return m;
}

const rx = open(), tx = open();
libc.setsockopt(rx.fd, SOL_SOCKET, SO_RCVBUFFORCE, int(256 << 20), 4);
libc.setsockopt(tx.fd, SOL_SOCKET, SO_SNDBUFFORCE, int(4 << 20), 4);
const buf = new Uint8Array(new ArrayBuffer(65536));
const full = msghdr(buf);
const empty = msghdr(undefined);
const to = sockaddrNl(rx.port, 0);

function fill(size: number): void {
  const d = new Uint8Array(new ArrayBuffer(size));
  const dv = new DataView(d.buffer);
  dv.setUint32(0, size, true);
  dv.setUint16(4, 0x10, true);
  for (let i = 0; i < COUNT; i++) {
    if (libc.sendto(tx.fd, d, size, 0, to, SOCKADDR_NL.size) < 0) {
      throw new Error(`sendto: errno ${libc.errno()} after ${i}`);
    }
  }
}

type Method = () => Uint8Array | undefined;
const methods: Record<string, Method> = {
  plain() {
    const n = libc.recvmsg(rx.fd, full, MSG_DONTWAIT | MSG_TRUNC);
    return n < 0 ? undefined : buf.slice(0, n);
  },
  "peek-size"() {
    const n = libc.recvmsg(rx.fd, empty, MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC);
    if (n < 0) return undefined;
    if (n <= buf.length) {
      libc.recvmsg(rx.fd, full, MSG_DONTWAIT);
      return buf.slice(0, n);
    }
    const big = new Uint8Array(new ArrayBuffer(n));
    libc.recvmsg(rx.fd, msghdr(big), MSG_DONTWAIT);
    return big;
  },
  "peek-data"() {
    const n = libc.recvmsg(rx.fd, full, MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC);
    if (n < 0) return undefined;
    if (n <= buf.length) {
      libc.recvmsg(rx.fd, empty, MSG_DONTWAIT | MSG_TRUNC);
      return buf.slice(0, n);
    }
    const big = new Uint8Array(new ArrayBuffer(n));
    libc.recvmsg(rx.fd, msghdr(big), MSG_DONTWAIT);
    return big;
  },
};

const runtime = (globalThis as { Bun?: unknown }).Bun ? "bun" : "deno";
for (const size of SIZES) {
  for (const [name, read] of Object.entries(methods)) {
    const times: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      fill(size);
      let got = 0, bytes = 0;
      const t0 = performance.now();
      for (let d = read(); d; d = read()) {
        got++;
        bytes += d.length;
      }
      const ns = (performance.now() - t0) * 1e6 / COUNT;
      if (got !== COUNT || bytes !== COUNT * size) {
        throw new Error(`${name}: got ${got} datagrams, ${bytes} bytes`);
      }
      times.push(ns);
    }
    times.sort((a, b) => a - b);
    console.log(JSON.stringify({
      runtime,
      size,
      method: name,
      nsPerDatagram: Math.round(times[ROUNDS >> 1]),
      min: Math.round(times[0]),
    }));
  }
}
libc.close(rx.fd);
libc.close(tx.fd);
