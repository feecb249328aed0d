// families/sock_diag over a fake kernel (no kernel, no permission: this file runs in the
// no-permission pass of tests/run.sh). Replies are written byte by byte from the C layouts of
// linux/inet_diag.h and linux/unix_diag.h (not with the library's encoder): they decode to the
// values put in; a reply with a malformed attribute fails the dump with one NetlinkDecodeError
// and leaves the socket usable; SOCK_DESTROY goes out through the generic Client as the kernel
// expects it; a kernel without a protocol's diag module gets an error naming the option.
import { test } from "./harness.ts";
import assert from "node:assert/strict";
import { NetlinkDecodeError } from "../codec/errors.ts";
import { NetlinkError } from "../codec/netlink_error.ts";
import type { NetlinkMessage } from "../codec/message.ts";
import { FakeKernel } from "../testing/fake_kernel.ts";
import { SockDiag } from "../families/sock_diag/mod.ts";

const NETLINK_SOCK_DIAG = 4; // linux/netlink.h
const SOCK_DIAG_BY_FAMILY = 20, SOCK_DESTROY = 21; // linux/sock_diag.h
const NLM_F_REQUEST = 1, NLM_F_ACK = 4, NLM_F_DUMP = 0x300; // linux/netlink.h
const ENOENT = 2, EOPNOTSUPP = 95;

/** Little-endian bytes of integers of the given widths. */
function le(...fields: [number | bigint, 1 | 2 | 4 | 8][]): number[] {
  const out: number[] = [];
  for (const [v, n] of fields) {
    let x = BigInt(v);
    for (let i = 0; i < n; i++, x >>= 8n) out.push(Number(x & 0xffn));
  }
  return out;
}

/** One netlink attribute (struct nlattr + payload, padded to 4). */
function attr(type: number, payload: number[]): number[] {
  const out = [...le([4 + payload.length, 2], [type, 2]), ...payload];
  while (out.length % 4) out.push(0);
  return out;
}

/** struct inet_diag_msg for 127.0.0.1:8080 ↔ 127.0.0.1:40000, ESTABLISHED, then attributes. */
function inetMsg(...attrs: number[][]): Uint8Array {
  const ip = [127, 0, 0, 1, ...new Array(12).fill(0)];
  return Uint8Array.from([
    2, // idiag_family AF_INET
    1, // idiag_state TCP_ESTABLISHED
    2, // idiag_timer (keepalive)
    3, // idiag_retrans
    0x1f,
    0x90, // idiag_sport 8080, big-endian
    0x9c,
    0x40, // idiag_dport 40000
    ...ip, // idiag_src
    ...ip, // idiag_dst
    ...le([7, 4]), // idiag_if
    ...le([0x89abcdef, 4], [0x01234567, 4]), // idiag_cookie[0] low, [1] high
    ...le([1500, 4], [11, 4], [22, 4], [1000, 4], [424242, 4]), // expires rq wq uid inode
    ...attrs.flat(),
  ]);
}

/** struct tcp_info's first 16 bytes and a few u32 after, the rest zero (kernel 6.18: 280). */
function tcpInfo(): number[] {
  const b = new Array(280).fill(0);
  b[0] = 1; // tcpi_state
  b[5] = 1 | 2 | 4; // tcpi_options: TIMESTAMPS | SACK | WSCALE
  b[6] = 7 | (9 << 4); // tcpi_snd_wscale 7, tcpi_rcv_wscale 9
  b[7] = 1 | (2 << 1); // delivery_rate_app_limited 1, fastopen_client_fail 2
  b.splice(8, 4, ...le([204000, 4])); // tcpi_rto
  b.splice(16, 4, ...le([32768, 4])); // tcpi_snd_mss
  b.splice(68, 4, ...le([25, 4])); // tcpi_rtt (offset 68: 8 + 15 u32)
  b.splice(104, 8, ...le([0xffffffffffffffffn, 8])); // tcpi_pacing_rate (first u64)
  return b;
}

function isDump(m: NetlinkMessage) {
  return (m.flags & NLM_F_DUMP) === NLM_F_DUMP;
}

test("fake sock_diag: an inet reply decodes to the values of its C layout", async () => {
  const kernel = new FakeKernel(NETLINK_SOCK_DIAG, (req, k) => {
    if (req.type !== SOCK_DIAG_BY_FAMILY || req.payload[0] !== 2) return k.error(EOPNOTSUPP);
    k.dump([{
      type: SOCK_DIAG_BY_FAMILY,
      payload: inetMsg(
        attr(8, [3]), // INET_DIAG_SHUTDOWN
        attr(4, [...new TextEncoder().encode("cubic"), 0]), // INET_DIAG_CONG
        attr(7, le([1, 4], [2, 4], [3, 4], [4, 4], [5, 4], [6, 4], [7, 4], [8, 4], [9, 4])),
        attr(2, tcpInfo()), // INET_DIAG_INFO
        attr(15, le([0x1234, 4])), // INET_DIAG_MARK
        attr(21, le([99n, 8])), // INET_DIAG_CGROUP_ID
        attr(63, [1, 2, 3, 4]), // unknown: kept raw
      ),
    }]);
  });
  await using diag = SockDiag.fromSocket(await kernel.open());
  const got = [];
  for await (
    const s of diag.inet({ family: "inet", protocol: "tcp", extensions: ["info", "cong"] })
  ) {
    got.push(s);
  }
  assert.equal(got.length, 1);
  const s = got[0];
  assert.deepEqual(
    [s.family, s.protocol, s.state, s.src, s.sport, s.dst, s.dport, s.iface],
    [2, 6, 1, "127.0.0.1", 8080, "127.0.0.1", 40000, 7],
  );
  assert.equal(s.cookie, 0x0123456789abcdefn);
  assert.deepEqual([s.timer, s.retrans, s.expires, s.rqueue, s.wqueue, s.uid, s.inode], [
    2,
    3,
    1500,
    11,
    22,
    1000,
    424242,
  ]);
  assert.equal(s.shutdown, 3);
  assert.equal(s.cong, "cubic");
  assert.equal(s.mark, 0x1234);
  assert.equal(s.cgroupId, 99n);
  assert.deepEqual(s.skmeminfo, {
    rmemAlloc: 1,
    rcvbuf: 2,
    wmemAlloc: 3,
    sndbuf: 4,
    fwdAlloc: 5,
    wmemQueued: 6,
    optmem: 7,
    backlog: 8,
    drops: 9,
  });
  assert.equal(s.tcpInfo?.tcpiRto, 204000);
  assert.equal(s.tcpInfo?.tcpiSndMss, 32768);
  assert.equal(s.tcpInfo?.tcpiRtt, 25);
  assert.equal(s.tcpInfo?.tcpiPacingRate, 0xffffffffffffffffn);
  const { tcpInfoBits } = await import("../families/sock_diag/mod.ts");
  assert.deepEqual(tcpInfoBits(s.tcpInfo!), {
    sndWscale: 7,
    rcvWscale: 9,
    deliveryRateAppLimited: true,
    fastopenClientFail: 2,
    options: ["timestamps", "sack", "wscale"],
  });
  // The request: inet_diag_req_v2 for AF_INET/TCP with INFO|CONG, every state.
  const req = kernel.requests[0];
  assert.ok(isDump(req));
  assert.deepEqual(Array.from(req.payload.subarray(0, 8)), [2, 6, 2 | 8, 0, ...le([0xfff, 4])]);
});

test("fake sock_diag: a malformed attribute fails the dump with one NetlinkDecodeError", async () => {
  let n = 0;
  const kernel = new FakeKernel(NETLINK_SOCK_DIAG, (req, k) => {
    n++;
    const bad = inetMsg(attr(8, [0]));
    // Second attribute: nla_len 40 runs past the end of the message.
    const broken = Uint8Array.from([...bad, ...le([40, 2], [4, 2]), 0x63, 0x75]);
    k.dump([
      { type: SOCK_DIAG_BY_FAMILY, payload: inetMsg() },
      { type: SOCK_DIAG_BY_FAMILY, payload: n === 1 ? broken : inetMsg() },
      { type: SOCK_DIAG_BY_FAMILY, payload: inetMsg() },
    ]);
    void req;
  });
  await using diag = SockDiag.fromSocket(await kernel.open());
  const seen: number[] = [];
  const errors: unknown[] = [];
  try {
    for await (const s of diag.inet({ family: "inet", protocol: "tcp" })) seen.push(s.sport);
  } catch (e) {
    errors.push(e);
  }
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof NetlinkDecodeError, `got ${errors[0]}`);
  assert.deepEqual(seen, [8080], "the message before the bad one was delivered");
  // The socket is still usable: the next dump returns all three.
  const again = [];
  for await (const s of diag.inet({ family: "inet", protocol: "tcp" })) again.push(s.sport);
  assert.deepEqual(again, [8080, 8080, 8080]);
});

test("fake sock_diag: SOCK_DESTROY is sent through the Client with the socket's identity", async () => {
  const kernel = new FakeKernel(NETLINK_SOCK_DIAG, (req, k) => {
    if (req.type === SOCK_DIAG_BY_FAMILY) {
      return k.dump([{ type: SOCK_DIAG_BY_FAMILY, payload: inetMsg() }]);
    }
    if (req.type === SOCK_DESTROY) return req.payload[11] === 2 ? k.error(EOPNOTSUPP) : k.ack();
    k.error(EOPNOTSUPP);
  });
  await using diag = SockDiag.fromSocket(await kernel.open());
  const [s] = await Array.fromAsync(diag.inet({ family: "inet", protocol: "tcp" }));
  await diag.destroy(s);
  const req = kernel.requests.at(-1)!;
  assert.equal(req.type, SOCK_DESTROY);
  assert.equal(req.flags & (NLM_F_REQUEST | NLM_F_ACK), NLM_F_REQUEST | NLM_F_ACK);
  const p = req.payload;
  // inet_diag_req_v2: family, protocol, ext, pad, states; then the id from the dump.
  assert.deepEqual(Array.from(p.subarray(0, 4)), [2, 6, 0, 0]);
  assert.deepEqual(Array.from(p.subarray(8, 12)), [0x1f, 0x90, 0x9c, 0x40]);
  assert.deepEqual(Array.from(p.subarray(12, 16)), [127, 0, 0, 1]);
  assert.deepEqual(Array.from(p.subarray(28, 32)), [127, 0, 0, 1]);
  assert.deepEqual(Array.from(p.subarray(44, 56)), [
    ...le([7, 4]),
    ...le([0x89abcdef, 4], [0x01234567, 4]),
  ]);
  // A refusal (here: the fake refuses dport 2) is a NetlinkError naming the operation.
  await assert.rejects(
    diag.destroy({
      family: "inet",
      protocol: "tcp",
      id: { src: "127.0.0.1", sport: 1, dst: "127.0.0.1", dport: 2 },
    }),
    (e) => e instanceof NetlinkError && e.code === "EOPNOTSUPP" && /sock-destroy/.test(e.message),
  );
});

test("fake sock_diag: a protocol without a diag module is named with its kernel option", async () => {
  const kernel = new FakeKernel(NETLINK_SOCK_DIAG, (_req, k) => k.error(ENOENT));
  await using diag = SockDiag.fromSocket(await kernel.open());
  await assert.rejects(
    Array.fromAsync(diag.inet({ family: "inet6", protocol: "raw" })),
    (e) =>
      e instanceof NetlinkError && e.code === "ENOENT" && /CONFIG_INET_RAW_DIAG/.test(e.message),
  );
});

test("fake sock_diag: a unix reply decodes name, peer, queues, VFS inode and pending connections", async () => {
  const name = [0, ...new TextEncoder().encode("abstract"), 0];
  const kernel = new FakeKernel(NETLINK_SOCK_DIAG, (req, k) => {
    if (req.payload[0] !== 1) return k.error(EOPNOTSUPP);
    k.dump([{
      type: SOCK_DIAG_BY_FAMILY,
      payload: Uint8Array.from([
        1, // udiag_family AF_UNIX
        1, // udiag_type SOCK_STREAM
        10, // udiag_state TCP_LISTEN
        0,
        ...le([555, 4]), // udiag_ino
        ...le([1, 4], [0, 4]), // udiag_cookie
        ...attr(0, name), // UNIX_DIAG_NAME (attribute 0)
        ...attr(1, le([777, 4], [(254 << 20) | 3, 4])), // UNIX_DIAG_VFS
        ...attr(2, le([0, 4])), // UNIX_DIAG_PEER
        ...attr(3, le([601, 4], [602, 4])), // UNIX_DIAG_ICONS
        ...attr(4, le([2, 4], [128, 4])), // UNIX_DIAG_RQLEN
        ...attr(7, le([1000, 4])), // UNIX_DIAG_UID
      ]),
    }]);
  });
  await using diag = SockDiag.fromSocket(await kernel.open());
  const [u] = await Array.fromAsync(
    diag.unix({ show: ["name", "vfs", "peer", "icons", "rqlen", "uid"] }),
  );
  assert.equal(u.type, 1);
  assert.equal(u.state, 10);
  assert.equal(u.inode, 555);
  assert.equal(u.cookie, 1n);
  assert.equal(u.name, "@abstract@");
  assert.deepEqual(u.vfs, { inode: 777, dev: (254 << 20) | 3, major: 254, minor: 3 });
  assert.equal(u.peer, 0);
  assert.deepEqual(u.pending, [601, 602]);
  assert.deepEqual([u.rqueue, u.wqueue, u.uid], [2, 128, 1000]);
  // unix_diag_req: AF_UNIX, protocol 0, pad, states, ino, show (NAME|VFS|PEER|ICONS|RQLEN|UID).
  const p = kernel.requests[0].payload;
  assert.deepEqual(Array.from(p.subarray(0, 16)), [
    1,
    0,
    0,
    0,
    ...le([0xfff, 4], [0, 4], [0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x40, 4]),
  ]);
});
