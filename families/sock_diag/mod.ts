/**
 * Socket diagnostics (`NETLINK_SOCK_DIAG`, the protocol of `ss`), typed from the local YNL spec
 * `specs/local/sock-diag.yaml`, whose generated tables this module re-exports too:
 *
 * - {@link SockDiag}: dumps and lookups of inet (TCP, UDP, raw, SCTP, MPTCP; IPv4 and IPv6),
 *   unix, packet and netlink sockets, and `SOCK_DESTROY`, over the generic `Client`;
 * - requests as bytes ({@link inetRequest}, {@link unixRequest}, …) and replies as typed
 *   values ({@link decodeInet}, {@link decodeUnix}, …) for use without a socket;
 * - `ss` filter expressions: {@link parseFilter}, {@link compileFilter} (the kernel's
 *   `INET_DIAG_REQ_BYTECODE`, byte for byte what `ss` sends) and {@link matchFilter};
 * - state names and state groups as `ss` spells them ({@link stateMask}, {@link ssStateName}).
 *
 * One message type carries every request and reply of this protocol, with a different struct
 * per address family and direction, so a request operation of the spec (e.g.
 * `sockDiagByFamily`) is answered with messages of a reply operation (`inetDiagMsg`); this
 * module pairs them. The generic `Client` (whose `dump` decodes a reply with the request's
 * operation) is used for `SOCK_DESTROY`, which is only acknowledged.
 *
 * @example
 * ```ts
 * import { SockDiag, ssStateName } from "@netlink/netlink/sock-diag";
 * await using diag = await SockDiag.open();
 * for await (const s of diag.inet({ family: "inet", protocol: "tcp", filter: "dport = :443" })) {
 *   console.log(ssStateName(s.state), `${s.src}:${s.sport}`, `${s.dst}:${s.dport}`);
 * }
 * for await (const u of diag.unix()) console.log(u.inode, u.name ?? "*");
 * ```
 *
 * @module
 */
export * from "./client.ts";
export * from "./common.ts";
export * from "./filter.ts";
export * from "./filter_bytecode.ts";
export * from "./filter_match.ts";
export * from "./inet.ts";
export * from "./netlink.ts";
export * from "./packet.ts";
export * from "./states.ts";
export * from "./unix.ts";
// The generated tables (families/generated/sock_diag.ts), so that this module, the family's
// subpath `@netlink/netlink/sock-diag`, has every name of the spec too.
export * from "../generated/sock_diag.ts";
