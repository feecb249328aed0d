/**
 * Packet sockets (AF_PACKET): the request (`struct packet_diag_req`) and the replies
 * (`struct packet_diag_msg` with device and version, multicast memberships, rings, fanout, uid,
 * memory and the classic BPF filter) as typed values.
 *
 * @example
 * ```ts
 * import { packetRequest } from "@netlink/netlink/sock-diag";
 * const bytes = packetRequest({ show: ["info", "meminfo", "fanout", "ring-cfg", "filter"] });
 * ```
 *
 * @module
 */
import { buildMessage, decodeBody, decodeStruct } from "../../codec/ynl/mod.ts";
import {
  operations,
  PACKET_SHOW,
  type PacketDiagAttrs,
  type PacketDiagInfo,
  type PacketDiagMclist,
  packetDiagMclist,
  type PacketDiagMsg,
  type PacketDiagRing,
} from "../generated/sock_diag.ts";
import { AF, cookieOf, flagMask, type SkMeminfo, skMeminfo } from "./common.ts";
import type { RequestBuildOptions } from "./inet.ts";

/** What a packet request asks the kernel to include (`PACKET_SHOW_*` in lower case). */
export type PacketShow = Lowercase<keyof typeof PACKET_SHOW> extends infer N extends string
  ? N extends `${infer A}_${infer B}` ? `${A}-${B}` : N
  : never;

/** What to include in a packet dump. */
export interface PacketQuery {
  /** Names or the `PACKET_SHOW_*` mask (default what `ss -0` asks: info, meminfo, filter, ring-cfg, fanout). */
  show?: readonly PacketShow[] | number;
}

/**
 * The request bytes for a packet dump (the kernel has no lookup of one packet socket).
 *
 * @example
 * ```ts
 * import { packetRequest } from "@netlink/netlink/sock-diag";
 * const req = packetRequest({ show: ["info", "mclist"] });
 * ```
 */
export function packetRequest(q: PacketQuery = {}, options: RequestBuildOptions = {}): Uint8Array {
  return buildMessage(operations.packetDiagByFamily, {
    dump: true,
    seq: options.seq,
    header: {
      sdiagFamily: AF.packet,
      sdiagProtocol: 0,
      pdiagIno: 0,
      pdiagShow: q.show === undefined
        ? PACKET_SHOW.INFO | PACKET_SHOW.MEMINFO | PACKET_SHOW.FILTER | PACKET_SHOW.RING_CFG |
          PACKET_SHOW.FANOUT
        : flagMask(PACKET_SHOW, q.show, "packet show flag"),
      pdiagCookie: new Uint8Array(8),
    },
  });
}

/** One instruction of a classic BPF program (linux/filter.h `struct sock_filter`). */
export interface SockFilter {
  /** Opcode. */
  code: number;
  /** Jump offset when true. */
  jt: number;
  /** Jump offset when false. */
  jf: number;
  /** Generic field. */
  k: number;
}

/** A packet fanout group: PACKET_DIAG_FANOUT (`id | type << 16`, net/packet/diag.c) split. */
export interface PacketFanout {
  /** Group id. */
  id: number;
  /** `PACKET_FANOUT_*` mode: hash (0), lb, cpu, rollover, rnd, qm, cbpf, ebpf. */
  type: number;
}

/** One packet socket as the kernel reported it. */
export interface PacketSock {
  /** `SOCK_RAW` (3) or `SOCK_DGRAM` (2). */
  type: number;
  /** The protocol (`ETH_P_*`) in host order; 3 is `ETH_P_ALL`. */
  protocol: number;
  /** Inode of the socket. */
  inode: number;
  /** The kernel's socket cookie. */
  cookie: bigint;
  /** Device, version, flags. */
  info?: PacketDiagInfo;
  /** Multicast memberships. */
  mclist?: PacketDiagMclist[];
  /** The receive ring. */
  rxRing?: PacketDiagRing;
  /** The transmit ring. */
  txRing?: PacketDiagRing;
  /** The fanout group. */
  fanout?: PacketFanout;
  /** Owner uid. */
  uid?: number;
  /** Socket memory. */
  meminfo?: SkMeminfo;
  /** The attached classic BPF filter. */
  filter?: SockFilter[];
  /** The fixed header as decoded from the spec. */
  header: PacketDiagMsg;
  /** Every attribute as decoded from the spec. */
  attrs: PacketDiagAttrs;
}

/**
 * Decode one packet reply (the payload of a SOCK_DIAG_BY_FAMILY message from the kernel).
 *
 * @throws {NetlinkDecodeError} on malformed bytes.
 * @example
 * ```ts
 * import { decodePacket } from "@netlink/netlink/sock-diag";
 * declare const payload: Uint8Array;
 * const p = decodePacket(payload);
 * console.log(p.protocol, p.info?.pdiIndex);
 * ```
 */
export function decodePacket(payload: Uint8Array): PacketSock {
  const { header, attrs } = decodeBody(operations.packetDiagMsg, payload);
  const p: PacketSock = {
    type: header.pdiagType,
    protocol: header.pdiagNum,
    inode: header.pdiagIno,
    cookie: cookieOf(header.pdiagCookie),
    header,
    attrs,
  };
  if (attrs.info !== undefined) p.info = attrs.info;
  if (attrs.mclist !== undefined) {
    const b = attrs.mclist;
    const size = packetDiagMclist.size;
    p.mclist = [];
    for (let o = 0; o + size <= b.length; o += size) {
      p.mclist.push(decodeStruct(packetDiagMclist, b, o, o + size));
    }
  }
  if (attrs.rxRing !== undefined) p.rxRing = attrs.rxRing;
  if (attrs.txRing !== undefined) p.txRing = attrs.txRing;
  if (attrs.fanout !== undefined) {
    const f = attrs.fanout;
    p.fanout = { id: f & 0xffff, type: f >>> 16 };
  }
  if (attrs.uid !== undefined) p.uid = attrs.uid;
  const m = skMeminfo(attrs.meminfo);
  if (m !== undefined) p.meminfo = m;
  if (attrs.filter !== undefined) {
    const b = attrs.filter;
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    p.filter = [];
    for (let o = 0; o + 8 <= b.length; o += 8) {
      p.filter.push({
        code: v.getUint16(o, true),
        jt: b[o + 2],
        jf: b[o + 3],
        k: v.getUint32(o + 4, true),
      });
    }
  }
  return p;
}
