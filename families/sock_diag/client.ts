/**
 * {@link SockDiag}: the generic {@link Client} over `NETLINK_SOCK_DIAG`, with a typed call per
 * socket kind. Requests are built from the `sock-diag` spec's request operations and replies
 * decoded with its reply operations (the protocol answers a request of one struct with messages
 * of another, which the generic `Client.dump` cannot express: see the module notes of
 * families/sock_diag/mod.ts).
 *
 * @example
 * ```ts
 * import { SockDiag } from "@netlink/netlink/sock-diag";
 * await using diag = await SockDiag.open();
 * for await (const s of diag.inet({ family: "inet", protocol: "tcp", extensions: ["info"] })) {
 *   console.log(s.src, s.sport, s.dst, s.dport, s.tcpInfo?.tcpiRtt);
 * }
 * ```
 *
 * @module
 */
import { Client, type ClientOptions } from "../../client/client.ts";
import { NetlinkError } from "../../codec/netlink_error.ts";
import type { NetlinkSocket } from "../../socket/socket.ts";
import { family, operations } from "../generated/sock_diag.ts";
import { AF } from "./common.ts";
import {
  decodeInet,
  type InetQuery,
  inetRequest,
  inetRequestHeader,
  type InetSock,
  type InetSockId,
  protocolNumber,
} from "./inet.ts";
import { decodeNetlink, type NetlinkQuery, netlinkRequest, type NetlinkSock } from "./netlink.ts";
import { decodePacket, type PacketQuery, packetRequest, type PacketSock } from "./packet.ts";
import { decodeUnix, type UnixQuery, unixRequest, type UnixSock } from "./unix.ts";

const ENOENT = 2;

/** A client over a socket given by the caller (the constructor of `Client` is protected). */
class DiagClient extends Client {
  static over(socket: NetlinkSocket): Client {
    return new DiagClient(socket, [family]);
  }
}

/** Kernel options that enable each protocol's sock_diag handler (for error messages). */
const DIAG_CONFIG: Readonly<Record<number, string>> = {
  6: "CONFIG_INET_TCP_DIAG",
  17: "CONFIG_INET_UDP_DIAG",
  33: "CONFIG_INET_DCCP_DIAG",
  132: "CONFIG_INET_SCTP_DIAG",
  136: "CONFIG_INET_UDP_DIAG",
  255: "CONFIG_INET_RAW_DIAG",
  262: "CONFIG_INET_MPTCP_DIAG",
};

/** Options of the calls: cancel waiting. */
export interface DiagCallOptions {
  /** Stop the dump or the wait. */
  signal?: AbortSignal;
}

/** What {@link SockDiag.destroy} needs: a socket as dumped, or its identity. */
export interface DestroyTarget {
  /** `"inet"`/`AF_INET` or `"inet6"`/`AF_INET6`. */
  family: "inet" | "inet6" | number;
  /** The protocol. */
  protocol: InetQuery["protocol"];
  /** The socket's identity (give the cookie to be sure to hit this very socket). */
  id: InetSockId;
  /** For raw sockets: the IP protocol the socket is bound to. */
  rawProtocol?: number;
}

/**
 * Socket diagnostics: dumps and lookups of inet, unix, packet and netlink sockets, and
 * SOCK_DESTROY, on one `NETLINK_SOCK_DIAG` socket.
 */
export class SockDiag implements AsyncDisposable {
  /** The generic client the calls go through. */
  readonly client: Client;

  private constructor(client: Client) {
    this.client = client;
  }

  /**
   * Open a `NETLINK_SOCK_DIAG` socket (in another network namespace with `{ netns }`).
   *
   * @example
   * ```ts
   * import { SockDiag } from "@netlink/netlink/sock-diag";
   * await using diag = await SockDiag.open({ netns: "blue" });
   * ```
   */
  static async open(options: ClientOptions = {}): Promise<SockDiag> {
    return new SockDiag(await Client.open(family, options));
  }

  /**
   * Use a socket opened elsewhere (over a fake kernel in tests, or with other options).
   *
   * @example
   * ```ts
   * import { NETLINK_SOCK_DIAG, NetlinkSocket } from "@netlink/netlink";
   * import { SockDiag } from "@netlink/netlink/sock-diag";
   * const sock = await NetlinkSocket.open(NETLINK_SOCK_DIAG, { receiveBufferSize: 1 << 20 });
   * await using diag = SockDiag.fromSocket(sock);
   * ```
   */
  static fromSocket(socket: NetlinkSocket): SockDiag {
    return new SockDiag(DiagClient.over(socket));
  }

  /** The underlying socket. */
  get socket(): NetlinkSocket {
    return this.client.socket;
  }

  async *#dump<T>(
    bytes: Uint8Array,
    what: string,
    decode: (payload: Uint8Array) => T,
    options: DiagCallOptions,
    protocol?: number,
  ): AsyncGenerator<T> {
    const operation = `sock-diag ${what} dump (SOCK_DIAG_BY_FAMILY)`;
    try {
      for await (const m of this.socket.dump(bytes, { signal: options.signal, operation })) {
        yield decode(m.payload);
      }
    } catch (e) {
      throw explain(e, protocol);
    }
  }

  /**
   * Dump inet sockets of one family and protocol (as `ss -t`, `-u`, `-w` … do per family),
   * filtered by state and by the filter expression in the kernel.
   *
   * @throws {NetlinkError} `ENOENT` when this kernel has no sock_diag handler for the protocol
   *   (the message names the `CONFIG_INET_*_DIAG` option).
   * @example
   * ```ts
   * import { SockDiag, stateMask } from "@netlink/netlink/sock-diag";
   * await using diag = await SockDiag.open();
   * const listening = diag.inet({
   *   family: "inet6",
   *   protocol: "tcp",
   *   states: stateMask("listening"),
   *   filter: "sport >= :1024",
   * });
   * for await (const s of listening) console.log(`[${s.src}]:${s.sport}`);
   * ```
   */
  inet(query: InetQuery, options: DiagCallOptions = {}): AsyncGenerator<InetSock> {
    const protocol = protocolNumber(query.protocol);
    const what = `${protocolLabel(protocol)}/${familyLabel(query.family)}`;
    return this.#dump(
      inetRequest(query),
      what,
      (p) => decodeInet(p, protocol),
      options,
      protocol,
    );
  }

  /**
   * Look up one inet socket by its identity (addresses, ports, device, and cookie if given).
   * Resolves `undefined` when there is none.
   *
   * @example
   * ```ts
   * import { SockDiag } from "@netlink/netlink/sock-diag";
   * await using diag = await SockDiag.open();
   * const s = await diag.inetGet({
   *   family: "inet",
   *   protocol: "tcp",
   *   id: { src: "127.0.0.1", sport: 8080, dst: "127.0.0.1", dport: 40000 },
   *   extensions: ["info"],
   * });
   * ```
   */
  async inetGet(
    query: InetQuery & { id: InetSockId },
    options: DiagCallOptions = {},
  ): Promise<InetSock | undefined> {
    const protocol = protocolNumber(query.protocol);
    try {
      const reply = await this.socket.request(inetRequest(query, { get: true }), {
        signal: options.signal,
        operation: `sock-diag ${protocolLabel(protocol)} get (SOCK_DIAG_BY_FAMILY)`,
      });
      return decodeInet(reply.payload, protocol);
    } catch (e) {
      if (e instanceof NetlinkError && e.errno === ENOENT) return undefined;
      throw e;
    }
  }

  /**
   * Close an inet socket (`SOCK_DESTROY`, as `ss -K`): established TCP connections are reset,
   * their owners see `ECONNABORTED`. Needs `CAP_NET_ADMIN` and `CONFIG_INET_DIAG_DESTROY`.
   *
   * @throws {NetlinkError} `EOPNOTSUPP` without `CONFIG_INET_DIAG_DESTROY`, `ENOENT` when the
   *   socket is gone, `EPERM` without the capability.
   * @example
   * ```ts
   * import { SockDiag } from "@netlink/netlink/sock-diag";
   * await using diag = await SockDiag.open();
   * for await (const s of diag.inet({ family: "inet", protocol: "tcp", filter: "dport = :80" })) {
   *   await diag.destroy(s);
   * }
   * ```
   */
  async destroy(target: InetSock | DestroyTarget, options: DiagCallOptions = {}): Promise<void> {
    const t: DestroyTarget = "id" in target ? target : {
      family: target.family,
      protocol: target.protocol,
      id: {
        src: target.header.id.idiagSrc.subarray(0, target.family === AF.inet ? 4 : 16),
        sport: target.sport,
        dst: target.header.id.idiagDst.subarray(0, target.family === AF.inet ? 4 : 16),
        dport: target.dport,
        iface: target.iface,
        cookie: target.cookie,
      },
      // ss (kill_inet_sock): raw sockets are named by their protocol too.
      rawProtocol: target.protocol === 255 ? target.rawProtocol : undefined,
    };
    const protocol = protocolNumber(t.protocol);
    await this.client.call(operations.sockDestroy, {
      header: inetRequestHeader({
        family: t.family,
        protocol,
        id: t.id,
        rawProtocol: t.rawProtocol,
      }),
      attrs: protocol > 255 ? { protocol } : undefined,
      signal: options.signal,
    });
  }

  /**
   * Dump unix sockets (as `ss -x`): by default with name, peer and queues.
   *
   * @example
   * ```ts
   * import { SockDiag } from "@netlink/netlink/sock-diag";
   * await using diag = await SockDiag.open();
   * for await (const u of diag.unix({ show: ["name", "peer", "rqlen", "vfs", "uid"] })) {
   *   console.log(u.inode, u.name ?? "*", u.peer, u.vfs?.inode);
   * }
   * ```
   */
  unix(query: UnixQuery = {}, options: DiagCallOptions = {}): AsyncGenerator<UnixSock> {
    return this.#dump(unixRequest(query), "unix", decodeUnix, options);
  }

  /**
   * Look up one unix socket by inode (and cookie, if given). Resolves `undefined` when there
   * is none.
   *
   * @example
   * ```ts
   * import { SockDiag } from "@netlink/netlink/sock-diag";
   * await using diag = await SockDiag.open();
   * const u = await diag.unixGet({ inode: 12345, show: ["name", "vfs"] });
   * ```
   */
  async unixGet(
    query: UnixQuery & { inode: number },
    options: DiagCallOptions = {},
  ): Promise<UnixSock | undefined> {
    try {
      const reply = await this.socket.request(unixRequest(query, { get: true }), {
        signal: options.signal,
        operation: "sock-diag unix get (SOCK_DIAG_BY_FAMILY)",
      });
      return decodeUnix(reply.payload);
    } catch (e) {
      if (e instanceof NetlinkError && e.errno === ENOENT) return undefined;
      throw e;
    }
  }

  /**
   * Dump packet sockets (as `ss -0`).
   *
   * @example
   * ```ts
   * import { SockDiag } from "@netlink/netlink/sock-diag";
   * await using diag = await SockDiag.open();
   * for await (const p of diag.packet()) console.log(p.inode, p.protocol, p.info?.pdiIndex);
   * ```
   */
  packet(query: PacketQuery = {}, options: DiagCallOptions = {}): AsyncGenerator<PacketSock> {
    return this.#dump(packetRequest(query), "packet", decodePacket, options);
  }

  /**
   * Dump netlink sockets (as `ss -A netlink`), of one protocol or all.
   *
   * @example
   * ```ts
   * import { SockDiag } from "@netlink/netlink/sock-diag";
   * await using diag = await SockDiag.open();
   * for await (const n of diag.netlink({ protocol: 0 })) console.log(n.portId, n.groups);
   * ```
   */
  netlink(query: NetlinkQuery = {}, options: DiagCallOptions = {}): AsyncGenerator<NetlinkSock> {
    return this.#dump(netlinkRequest(query), "netlink", decodeNetlink, options);
  }

  /** Close the socket. */
  close(): void {
    this.client.close();
  }

  /** `await using` support. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

function protocolLabel(p: number): string {
  const names: Record<number, string> = {
    6: "tcp",
    17: "udp",
    33: "dccp",
    132: "sctp",
    136: "udplite",
    255: "raw",
    262: "mptcp",
  };
  return names[p] ?? `protocol ${p}`;
}

function familyLabel(f: "inet" | "inet6" | number): string {
  return f === AF.inet ? "inet" : f === AF.inet6 ? "inet6" : String(f);
}

/** ENOENT from a dump means no handler for the protocol: say which kernel option. */
function explain(e: unknown, protocol: number | undefined): unknown {
  if (!(e instanceof NetlinkError) || e.errno !== ENOENT || protocol === undefined) return e;
  const config = DIAG_CONFIG[protocol] ?? "a CONFIG_INET_*_DIAG option";
  return new NetlinkError(e.errno, {
    operation: `${e.operation}: this kernel has no sock_diag handler for ${
      protocolLabel(protocol)
    } sockets (${config})`,
    seq: e.seq,
    request: e.request,
    extAck: e.extAck,
  });
}
