// families/sock_diag against the kernel and `ss`, in the private namespace of tests/run.sh: on
// sockets the test opens (TCP v4/v6/dual-stack listening and connected with unread data, UDP
// bound and connected, unix stream/dgram/seqpacket with and without names, an abstract name, a
// packet socket of every protocol and one bound to lo, netlink sockets with groups), what the
// library dumps equals what `ss` prints for the same flags: the set of sockets, states,
// addresses, ports, queues, inodes, cookies, memory, tcp_info fields, VFS inodes (checked
// against stat(2) too), netlink groups; kernel-side filters select the sockets `ss` selects;
// lookups by identity find the dumped socket; SOCK_DESTROY closes a connection the test owns.
import { kernelConfig, lacksConfig, test } from "./harness.ts";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import * as net from "node:net";
import { NETLINK_ROUTE } from "../codec/constants.ts";
import { NetlinkSocket } from "../socket/socket.ts";
import { SKIP_KERNEL, waitFor, withTimeout } from "./helpers.ts";
import process from "node:process";
import { NetlinkError } from "../codec/netlink_error.ts";
import {
  type InetSock,
  SockDiag,
  STATE_MASKS,
  stateMask,
  type UnixSock,
} from "../families/sock_diag/mod.ts";
import {
  field,
  openNodeSockets,
  openPySockets,
  splitEndpoint,
  SS_STATE,
  ssRows,
  ssText,
} from "./sock_diag_helpers.ts";

const SKIP_PY: string | false = SKIP_KERNEL ||
  (() => {
    try {
      execFileSync("python3", ["-c", "import socket"], { stdio: "ignore" });
      return false;
    } catch {
      return "python3 is not installed";
    }
  })();

async function dumpInet(
  diag: SockDiag,
  protocol: "tcp" | "udp" | "mptcp",
  extra: {
    states?: number;
    filter?: string;
    extensions?: ("meminfo" | "skmeminfo" | "info" | "cong" | "vegasinfo")[];
  } = {},
): Promise<InetSock[]> {
  const out: InetSock[] = [];
  for (const family of ["inet", "inet6"] as const) {
    for await (const s of diag.inet({ family, protocol, states: STATE_MASKS.all, ...extra })) {
      out.push(s);
    }
  }
  return out;
}

/** The facts ss prints for an inet socket with -ae, as one comparable line. */
function inetLine(s: InetSock): string {
  const addr = (a: string) => (s.family === 10 && a === "::" && !s.v6only ? "*" : a);
  return [
    SS_STATE[s.state],
    s.rqueue,
    s.wqueue,
    `${addr(s.src)}:${s.sport || "*"}`,
    `${addr(s.dst)}:${s.dport || "*"}`,
    `ino:${s.inode}`,
    `sk:${s.cookie.toString(16)}`,
    s.family === 10 && s.v6only !== undefined ? `v6only:${s.v6only ? 1 : 0}` : "-",
  ].join(" ");
}

/** The same facts from ss's text. */
function ssInetLines(args: string[]): string[] {
  return ssRows(ssText(args)).map((r) => {
    const [state, rq, wq, local, peer] = r.fields;
    const norm = (e: string) => {
      const { address, port } = splitEndpoint(e);
      return `${address}:${port}`;
    };
    const v6 = field(r, "v6only");
    return [
      state,
      rq,
      wq,
      norm(local),
      norm(peer),
      `ino:${field(r, "ino")}`,
      `sk:${field(r, "sk")}`,
      v6 === undefined ? "-" : `v6only:${v6}`,
    ].join(" ");
  }).sort();
}

test("sock_diag: TCP sockets (v4, v6, dual-stack, listening and connected) equal ss -tanHe", {
  skip: SKIP_KERNEL,
}, async () => {
  const socks = await openNodeSockets();
  try {
    await using diag = await SockDiag.open();
    const ours = await dumpInet(diag, "tcp");
    const theirs = ssInetLines(["-tanHe"]);
    assert.deepEqual(ours.map(inetLine).sort(), theirs);
    // The test's own sockets are there, with the unread bytes in the servers' receive queues.
    for (const port of [socks.tcp4, socks.tcp6, socks.tcpDual]) {
      assert.ok(ours.some((s) => s.state === 10 && s.sport === port), `listener ${port}`);
      const server = ours.find((s) => s.state === 1 && s.sport === port);
      assert.equal(server?.rqueue, socks.unread, `unread bytes at the server of ${port}`);
    }
    for (const port of socks.clients) assert.ok(ours.some((s) => s.sport === port));
    const dual = ours.find((s) => s.state === 10 && s.sport === socks.tcpDual)!;
    assert.deepEqual([dual.family, dual.src, dual.v6only], [10, "::", false]);
  } finally {
    await socks.close();
  }
});

test("sock_diag: UDP sockets (bound v4 and v6, connected) equal ss -uanHe", {
  skip: SKIP_PY,
}, async () => {
  const socks = await openNodeSockets();
  const py = await openPySockets();
  try {
    await using diag = await SockDiag.open();
    const ours = await dumpInet(diag, "udp");
    assert.deepEqual(ours.map(inetLine).sort(), ssInetLines(["-uanHe"]));
    const connected = ours.find((s) => s.inode === py.inodes.udp_connected)!;
    assert.deepEqual([connected.state, connected.dst, connected.dport], [1, "127.0.0.1", 9]);
    assert.ok(ours.some((s) => s.sport === socks.udp[1] && s.family === 10 && s.v6only));
    assert.ok(ours.some((s) => s.sport === socks.udp[0] && s.state === 7 && s.dst === "0.0.0.0"));
  } finally {
    await py.close();
    await socks.close();
  }
});

function unixLine(u: UnixSock): string {
  const netid = u.type === 1 ? "u_str" : u.type === 5 ? "u_seq" : "u_dgr";
  return [
    netid,
    SS_STATE[u.state],
    u.rqueue ?? 0,
    u.wqueue ?? 0,
    u.name ?? "*",
    u.inode,
    u.peer ?? 0,
  ]
    .join(" ");
}

test("sock_diag: unix sockets (stream, dgram, seqpacket; path, abstract, unnamed) equal ss -xanH", {
  skip: SKIP_PY,
}, async () => {
  const node = await openNodeSockets();
  const py = await openPySockets();
  try {
    await using diag = await SockDiag.open();
    const ours: UnixSock[] = [];
    for await (const u of diag.unix({ show: ["name", "peer", "rqlen", "vfs", "uid"] })) {
      ours.push(u);
    }
    const theirs = ssRows(ssText(["-xanHe"])).map((r) => {
      const [netid, state, rq, wq, name, ino, , peer] = r.fields;
      return { line: [netid, state, rq, wq, name, ino, peer].join(" "), vfs: field(r, "ino") };
    });
    assert.deepEqual(ours.map(unixLine).sort(), theirs.map((t) => t.line).sort());
    // Every socket the child opened is there, named as it was bound.
    const byInode = new Map(ours.map((u) => [u.inode, u]));
    for (const [what, inode] of Object.entries(py.inodes)) {
      if (!/^(dgram|seq|abstract)/.test(what)) continue;
      assert.ok(byInode.has(inode), `${what} (inode ${inode}) missing`);
    }
    assert.equal(byInode.get(py.inodes.dgram_named)?.name, py.dgramPath);
    assert.equal(byInode.get(py.inodes.abstract)?.name, `@${py.abstract}`);
    assert.equal(byInode.get(py.inodes.dgram_unnamed)?.name, undefined);
    assert.equal(byInode.get(py.inodes.dgram_pair_a)?.peer, py.inodes.dgram_pair_b);
    assert.equal(byInode.get(py.inodes.seq_a)?.type, 5);
    // 100 bytes sent on the pair wait in the receive queue of b (a datagram's size).
    assert.equal(byInode.get(py.inodes.dgram_pair_b)?.rqueue, 100);
    // The VFS inode of a socket bound to a path is the file's inode (stat(2)), as ss -e prints.
    for (const path of [py.dgramPath, node.unixPath]) {
      const u = ours.find((x) => x.name === path)!;
      assert.equal(u.vfs?.inode, statSync(path).ino, path);
      const t = theirs.find((x) => x.line.split(" ")[5] === String(u.inode));
      assert.equal(t?.vfs, String(u.vfs?.inode));
    }
    assert.equal(byInode.get(py.inodes.dgram_named)?.uid, process.getuid?.() ?? 0);
  } finally {
    await py.close();
    await node.close();
  }
});

test("sock_diag: packet sockets equal ss -0anHe", { skip: SKIP_PY }, async () => {
  const py = await openPySockets();
  try {
    await using diag = await SockDiag.open();
    const ours = (await Array.fromAsync(diag.packet())).map((p) =>
      [
        p.type === 3 ? "p_raw" : "p_dgr",
        p.protocol === 3 ? "*" : `[${p.protocol}]`,
        p.info?.pdiIndex ? "lo" : "*",
        p.inode,
        p.cookie.toString(16),
      ].join(" ")
    ).sort();
    const theirs = ssRows(ssText(["-0anHe"])).map((r) => {
      const [netid, , , , local] = r.fields;
      const i = local.lastIndexOf(":");
      return [netid, local.slice(0, i), local.slice(i + 1), field(r, "ino"), field(r, "sk")]
        .join(" ");
    }).sort();
    assert.deepEqual(ours, theirs);
    const lo = (await Array.fromAsync(diag.packet())).find((p) =>
      p.inode === py.inodes.packet_dgram
    );
    assert.equal(lo?.protocol, 0x0800);
    assert.equal(lo?.type, 2);
    assert.equal(lo?.info?.pdiIndex, 1, "bound to lo (ifindex 1)");
    assert.ok(lo?.meminfo !== undefined && lo.meminfo.rcvbuf > 0);
  } finally {
    await py.close();
  }
});

test("sock_diag: netlink sockets (port ids, groups, queues) equal ss -A netlink -anHe", {
  skip: SKIP_PY,
}, async () => {
  const py = await openPySockets();
  await using route = await NetlinkSocket.open(NETLINK_ROUTE);
  route.join(3);
  route.join(33);
  try {
    await using diag = await SockDiag.open();
    const all = await Array.fromAsync(diag.netlink());
    const me = diag.socket.portId;
    // The dumping sockets (ours and ss's own) differ; everything else must be equal.
    const ours = all.filter((n) => !(n.protocol === 4 && n.portId !== 0)).map((n) =>
      [
        n.protocol,
        n.portId | 0,
        ((n.attrs.groups?.[0] ?? 0) >>> 0).toString(16).padStart(8, "0"),
        n.protocol === 4 ? "-" : n.meminfo?.rmemAlloc,
      ].join(" ")
    ).sort();
    assert.ok(all.some((n) => n.protocol === 4 && n.portId === me), "our own dumper is listed");
    const theirs = ssRows(ssText(["-A", "netlink", "-anHe"])).map((r) => {
      const { address, port } = splitEndpoint(r.fields[3]);
      return {
        protocol: Number(address),
        port: Number(port),
        rq: r.fields[1],
        groups: field(r, "groups"),
      };
    }).filter((r) => !(r.protocol === 4 && r.port !== 0)).map((r) =>
      [r.protocol, r.port, r.groups!.replace(/^0x/, ""), r.protocol === 4 ? "-" : r.rq].join(" ")
    ).sort();
    assert.deepEqual(ours, theirs);
    const pyNl = all.find((n) => n.portId === py.netlink.portId)!;
    assert.deepEqual(pyNl.groups, [1, 3, 5]);
    const mine = all.find((n) => n.portId === route.portId)!;
    assert.deepEqual([mine.protocol, mine.groups], [0, [3, 33]]);
  } finally {
    await py.close();
  }
});

/** `skmem:(r0,rb…)` as an object. */
function skmemOf(text: string): Record<string, number> | undefined {
  const m = /skmem:\(([^)]*)\)/.exec(text);
  if (!m) return undefined;
  const names: Record<string, string> = {
    r: "rmemAlloc",
    rb: "rcvbuf",
    t: "wmemAlloc",
    tb: "sndbuf",
    f: "fwdAlloc",
    w: "wmemQueued",
    o: "optmem",
    bl: "backlog",
    d: "drops",
  };
  return Object.fromEntries(
    m[1].split(",").map((kv) => {
      const k = /^[a-z]+/.exec(kv)![0];
      return [names[k], Number(kv.slice(k.length))];
    }),
  );
}

test("sock_diag: socket memory equals ss -m (TCP, UDP, unix)", { skip: SKIP_PY }, async () => {
  const node = await openNodeSockets();
  const py = await openPySockets();
  try {
    await using diag = await SockDiag.open();
    const ext = { extensions: ["meminfo", "skmeminfo"] as ("meminfo" | "skmeminfo")[] };
    const inet = [...await dumpInet(diag, "tcp", ext), ...await dumpInet(diag, "udp", ext)];
    const theirs = new Map(
      ssRows(ssText(["-tuanHme"])).map((r) => [Number(field(r, "ino")), skmemOf(r.text)]),
    );
    assert.equal(theirs.size, inet.length);
    for (const s of inet) {
      if (s.state === 6) continue; // time-wait sockets have no memory
      assert.deepEqual(s.skmeminfo, theirs.get(s.inode), `inode ${s.inode}`);
      assert.ok(s.meminfo !== undefined);
    }
    const server = inet.find((s) => s.state === 1 && s.sport === node.tcp4)!;
    assert.ok(server.skmeminfo!.rmemAlloc > 0, "the unread bytes take receive memory");
    const unix = await Array.fromAsync(diag.unix({ show: ["meminfo", "name", "peer", "rqlen"] }));
    const ux = new Map(
      ssRows(ssText(["-xanHm"])).map((r) => [Number(r.fields[5]), skmemOf(r.text)]),
    );
    for (const u of unix) assert.deepEqual(u.meminfo, ux.get(u.inode), `unix inode ${u.inode}`);
    // A unix datagram waiting to be read is charged to its sender's send memory.
    assert.ok(unix.some((u) => u.inode === py.inodes.dgram_pair_a && u.meminfo!.wmemAlloc > 0));
  } finally {
    await py.close();
    await node.close();
  }
});

test("sock_diag: tcp_info and the congestion algorithm equal ss -tinHe", {
  skip: SKIP_KERNEL,
}, async () => {
  const node = await openNodeSockets();
  try {
    await using diag = await SockDiag.open();
    const ours = await dumpInet(diag, "tcp", {
      states: stateMask("established"),
      extensions: ["info", "vegasinfo", "cong"],
    });
    const theirs = new Map(ssRows(ssText(["-tinHe"])).map((r) => [Number(field(r, "ino")), r]));
    assert.ok(ours.length >= 6, `${ours.length} established sockets`);
    for (const s of ours) {
      const r = theirs.get(s.inode);
      assert.ok(r, `ss lists inode ${s.inode}`);
      const i = s.tcpInfo!;
      const expect = (k: string, v: number | bigint | string | undefined) =>
        assert.equal(field(r, k), v === undefined ? undefined : String(v), `${k} of ${s.inode}`);
      const wscale = i.tcpiWscale ?? 0;
      expect("wscale", `${wscale & 15},${wscale >> 4}`);
      expect("rto", i.tcpiRto / 1000);
      expect("mss", i.tcpiSndMss);
      expect("pmtu", i.tcpiPmtu);
      expect("rcvmss", i.tcpiRcvMss);
      expect("advmss", i.tcpiAdvmss);
      expect("cwnd", i.tcpiSndCwnd);
      expect("bytes_acked", i.tcpiBytesAcked || undefined);
      expect("bytes_received", i.tcpiBytesReceived || undefined);
      expect("segs_out", i.tcpiSegsOut);
      expect("segs_in", i.tcpiSegsIn);
      expect("rcv_space", i.tcpiRcvSpace || undefined);
      expect("snd_wnd", i.tcpiSndWnd || undefined);
      assert.ok(r.text.includes(` ${s.cong} `), `congestion algorithm ${s.cong}`);
      assert.equal(i.tcpiState, 1);
    }
    // The servers never read: their receive side saw the clients' bytes.
    const server = ours.find((s) => s.sport === node.tcp4)!;
    assert.equal(server.tcpInfo!.tcpiBytesReceived, BigInt(node.unread));
  } finally {
    await node.close();
  }
});

const FILTERS = [
  (p: { tcp4: number; tcp6: number; clients: number[] }) => `sport = :${p.tcp4}`,
  (p: { tcp4: number }) => `dport != :${p.tcp4}`,
  () => "dst 127.0.0.1",
  () => "src [::1]",
  (p: { tcp4: number; tcp6: number }) =>
    `( sport = :${p.tcp4} or sport = :${p.tcp6} ) and not dst 127.0.0.1`,
  (p: { clients: number[] }) => `sport >= :${Math.min(...p.clients)}`,
  () => "dst 127.0.0.0/8 or dst [::1]",
];

test("sock_diag: kernel-side filters and states select the sockets ss selects", {
  skip: SKIP_KERNEL,
}, async () => {
  const node = await openNodeSockets();
  try {
    await using diag = await SockDiag.open();
    const cases: [string, number, string[]][] = FILTERS.map((f) => {
      const e = f(node);
      return [e, STATE_MASKS.all, ["-tanHe", ...e.split(" ")]];
    });
    cases.push(["", stateMask("listening"), ["-tnHe", "state", "listening"]]);
    cases.push(["", stateMask("connected"), ["-tnHe", "state", "connected"]]);
    cases.push(["", stateMask("synchronized"), ["-tnHe", "state", "synchronized"]]);
    cases.push(["", STATE_MASKS.conn, ["-tnHe"]]);
    for (const [filter, states, args] of cases) {
      const ours = (await dumpInet(diag, "tcp", { states, filter: filter || undefined }))
        .map((s) => s.inode).sort();
      const theirs = ssRows(ssText(args)).map((r) => Number(field(r, "ino"))).sort();
      assert.deepEqual(ours, theirs, `ss ${args.join(" ")}`);
      assert.ok(ours.length > 0, `ss ${args.join(" ")} selects something`);
    }
  } finally {
    await node.close();
  }
});

test("sock_diag: a socket looked up by identity (and cookie) is the dumped one", {
  skip: SKIP_KERNEL,
}, async () => {
  const node = await openNodeSockets();
  try {
    await using diag = await SockDiag.open();
    const all = await dumpInet(diag, "tcp");
    const client = all.find((s) => s.sport === node.clients[1])!; // the IPv6 client
    const id = { src: client.src, sport: client.sport, dst: client.dst, dport: client.dport };
    const got = await diag.inetGet({ family: "inet6", protocol: "tcp", id, extensions: ["info"] });
    assert.equal(got?.inode, client.inode);
    assert.equal(got?.cookie, client.cookie);
    assert.equal(got?.tcpInfo?.tcpiState, 1);
    const same = await diag.inetGet({
      family: "inet6",
      protocol: "tcp",
      id: { ...id, cookie: client.cookie },
    });
    assert.equal(same?.inode, client.inode);
    assert.equal(
      await diag.inetGet({
        family: "inet6",
        protocol: "tcp",
        id: { ...id, cookie: client.cookie + 1n },
      }),
      undefined,
      "a wrong cookie finds nothing",
    );
    const unix = await Array.fromAsync(diag.unix());
    const listener = unix.find((u) => u.name === node.unixPath)!;
    const u = await diag.unixGet({ inode: listener.inode, show: ["name", "vfs"] });
    assert.equal(u?.name, node.unixPath);
    assert.equal(u?.vfs?.inode, statSync(node.unixPath).ino);
  } finally {
    await node.close();
  }
});

test("sock_diag: SOCK_DESTROY resets a TCP connection the test owns", {
  skip: SKIP_KERNEL || lacksConfig(["CONFIG_INET_DIAG_DESTROY"]),
}, async () => {
  const accepted: net.Socket[] = [];
  const server = net.createServer({ pauseOnConnect: true }, (c) => accepted.push(c));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const client = net.connect(port, "127.0.0.1");
  client.on("error", () => {}); // the reset shows up here, or not, depending on the runtime
  await withTimeout(new Promise((r) => client.once("connect", r)), 5000, "connect");
  try {
    await using diag = await SockDiag.open();
    const conns = await Array.fromAsync(
      diag.inet({
        family: "inet",
        protocol: "tcp",
        states: stateMask("established"),
        filter: `dport = :${port}`,
      }),
    );
    assert.equal(conns.length, 1, "one client socket connected to the server");
    const s = conns[0];
    const listed = () =>
      ssText([
        "-tanHe",
        "state",
        "established",
        "(",
        "sport",
        "=",
        `:${s.sport}`,
        "or",
        "dport",
        "=",
        `:${s.sport}`,
        ")",
      ]);
    assert.equal(ssRows(listed()).length, 2, "ss sees both ends before");
    await diag.destroy(s);
    // The kernel closed the client end and reset the server end: neither is established.
    await waitFor(() => ssRows(listed()).length === 0, 5000, "both ends to leave ESTABLISHED");
    assert.equal(
      await diag.inetGet({
        family: "inet",
        protocol: "tcp",
        id: { src: s.src, sport: s.sport, dst: s.dst, dport: s.dport },
      }),
      undefined,
    );
    // Destroying it again: the kernel no longer has it.
    await assert.rejects(diag.destroy(s), (e) => e instanceof NetlinkError && e.code === "ENOENT");
  } finally {
    client.destroy();
    for (const c of accepted) c.destroy();
    await new Promise((r) => server.close(r));
  }
});

test("sock_diag: the SKNLGRP destroy groups report freed sockets through the generic Client", {
  skip: SKIP_KERNEL,
}, async () => {
  await using diag = await SockDiag.open();
  const signal = AbortSignal.timeout(10000);
  await using events = await diag.client.subscribe(
    ["sknlgrp-inet-tcp-destroy", "sknlgrp-inet6-tcp-destroy"],
    { signal },
  );
  const ports: number[] = [];
  for (const host of ["127.0.0.1", "::1"]) {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, host, () => r()));
    ports.push((srv.address() as net.AddressInfo).port);
    await new Promise((r) => srv.close(r));
  }
  const seen = new Map<number, { family: number; state: number; operation: string }>();
  for await (const n of events) {
    if (n.family !== "sock-diag") continue;
    const h = n.header as { idiagFamily: number; idiagState: number; id: { idiagSport: number } };
    seen.set(h.id.idiagSport, {
      family: h.idiagFamily,
      state: h.idiagState,
      operation: n.operation.name,
    });
    if (ports.every((p) => seen.has(p))) break;
  }
  assert.deepEqual(seen.get(ports[0]), { family: 2, state: 7, operation: "inet-diag-msg" });
  assert.deepEqual(seen.get(ports[1]), { family: 10, state: 7, operation: "inet-diag-msg" });
});

test("sock_diag: raw sockets equal ss -wanHe", {
  skip: SKIP_PY || lacksConfig(["CONFIG_INET_RAW_DIAG"]),
}, async () => {
  const py = await openPySockets();
  try {
    await using diag = await SockDiag.open();
    const ours: InetSock[] = [];
    for (const family of ["inet", "inet6"] as const) {
      for await (const s of diag.inet({ family, protocol: "raw", states: STATE_MASKS.all })) {
        ours.push(s);
      }
    }
    assert.ok(ours.some((s) => s.inode === py.inodes.raw), "the child's raw ICMP socket");
    assert.deepEqual(
      ours.map((s) => String(s.inode)).sort(),
      ssRows(ssText(["-wanHe"])).map((r) => field(r, "ino")).sort(),
    );
  } finally {
    await py.close();
  }
});

test("sock_diag: without CONFIG_INET_RAW_DIAG a raw dump fails with ENOENT naming the option", {
  skip: SKIP_KERNEL ||
    (kernelConfig()?.has("CONFIG_INET_RAW_DIAG") !== false
      ? "this kernel has CONFIG_INET_RAW_DIAG (or hides its configuration)"
      : false),
}, async () => {
  await using diag = await SockDiag.open();
  await assert.rejects(
    Array.fromAsync(diag.inet({ family: "inet", protocol: "raw" })),
    (e) =>
      e instanceof NetlinkError && e.code === "ENOENT" &&
      e.message.includes("CONFIG_INET_RAW_DIAG"),
  );
  // The socket is still usable.
  assert.ok(Array.isArray(await Array.fromAsync(diag.inet({ family: "inet", protocol: "tcp" }))));
});

test("sock_diag: MPTCP sockets equal ss -ManHe", {
  skip: SKIP_PY || lacksConfig(["CONFIG_MPTCP", "CONFIG_INET_MPTCP_DIAG"]),
}, async () => {
  const py = await openPySockets();
  try {
    if (py.mptcpPort === 0) {
      throw new Error("python3 could not open an MPTCP socket (net.mptcp.enabled=0?)");
    }
    await using diag = await SockDiag.open();
    const ours = await dumpInet(diag, "mptcp");
    assert.deepEqual(ours.map(inetLine).sort(), ssInetLines(["-ManHe"]));
    const l = ours.find((s) => s.sport === py.mptcpPort);
    assert.deepEqual([l?.state, l?.protocol, l?.inode], [10, 262, py.inodes.mptcp]);
  } finally {
    await py.close();
  }
});
