/**
 * What every socket kind shares: address families, the kernel's socket cookie, and the socket
 * memory array (`SK_MEMINFO_*`) that inet, unix, packet and netlink replies carry.
 *
 * @module
 */
import { SK_MEMINFO } from "../generated/sock_diag.ts";

/** Address families of the socket kinds sock_diag reports (linux/socket.h `AF_*`). */
export const AF: {
  readonly unix: 1;
  readonly inet: 2;
  readonly inet6: 10;
  readonly netlink: 16;
  readonly packet: 17;
} = { unix: 1, inet: 2, inet6: 10, netlink: 16, packet: 17 };

/** Socket types (linux/net.h `SOCK_*`). */
export const SOCK_TYPE: {
  readonly stream: 1;
  readonly dgram: 2;
  readonly raw: 3;
  readonly rdm: 4;
  readonly seqpacket: 5;
} = { stream: 1, dgram: 2, raw: 3, rdm: 4, seqpacket: 5 };

/**
 * Socket memory (`INET_DIAG_SKMEMINFO`, `UNIX_DIAG_MEMINFO`, …): the u32 array indexed by
 * `SK_MEMINFO_*` (linux/sock_diag.h), by name. `ss -m` prints it as
 * `skmem:(r…,rb…,t…,tb…,f…,w…,o…,bl…,d…)`.
 */
export interface SkMeminfo {
  /** `r`: bytes allocated for received data. */
  rmemAlloc: number;
  /** `rb`: receive buffer size (SO_RCVBUF). */
  rcvbuf: number;
  /** `t`: bytes allocated for data being sent. */
  wmemAlloc: number;
  /** `tb`: send buffer size (SO_SNDBUF). */
  sndbuf: number;
  /** `f`: memory reserved but not used yet. */
  fwdAlloc: number;
  /** `w`: bytes queued for sending. */
  wmemQueued: number;
  /** `o`: option memory. */
  optmem: number;
  /** `bl`: backlog bytes (kernels since 3.18). */
  backlog?: number;
  /** `d`: dropped packets (kernels since 4.6). */
  drops?: number;
}

/** Name the `SK_MEMINFO_*` array; `undefined` when there is none or it is too short. */
export function skMeminfo(values: readonly number[] | undefined): SkMeminfo | undefined {
  if (values === undefined || values.length <= SK_MEMINFO.OPTMEM) return undefined;
  const m: SkMeminfo = {
    rmemAlloc: values[SK_MEMINFO.RMEM_ALLOC],
    rcvbuf: values[SK_MEMINFO.RCVBUF],
    wmemAlloc: values[SK_MEMINFO.WMEM_ALLOC],
    sndbuf: values[SK_MEMINFO.SNDBUF],
    fwdAlloc: values[SK_MEMINFO.FWD_ALLOC],
    wmemQueued: values[SK_MEMINFO.WMEM_QUEUED],
    optmem: values[SK_MEMINFO.OPTMEM],
  };
  if (values.length > SK_MEMINFO.BACKLOG) m.backlog = values[SK_MEMINFO.BACKLOG];
  if (values.length > SK_MEMINFO.DROPS) m.drops = values[SK_MEMINFO.DROPS];
  return m;
}

/**
 * The 64-bit socket cookie from the 8 bytes of `idiag_cookie[2]` (and its unix, packet and
 * netlink twins): `cookie[1] << 32 | cookie[0]`, what `ss -e` prints as `sk:`.
 */
export function cookieOf(bytes: Uint8Array | undefined): bigint {
  if (bytes === undefined || bytes.length < 8) return 0n;
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
}

/** The 8 bytes of a cookie (all ones, `INET_DIAG_NOCOOKIE`, when none is given). */
export function cookieBytes(cookie: bigint | undefined): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, cookie ?? 0xffffffffffffffffn, true);
  return b;
}

/** Flag names set in `mask`, by the entries of a generated flags table, lower case. */
export function flagNames(table: Readonly<Record<string, number>>, mask: number): string[] {
  return Object.entries(table).filter(([, v]) => (mask & v) !== 0).map(([k]) =>
    k.toLowerCase().replace(/_/g, "-")
  );
}

/** A mask from flag names (or a mask as is), by the entries of a generated flags table. */
export function flagMask(
  table: Readonly<Record<string, number>>,
  value: number | readonly string[] | undefined,
  what: string,
): number {
  if (value === undefined) return 0;
  if (typeof value === "number") return value;
  let m = 0;
  for (const name of value) {
    const v = table[name.toUpperCase().replace(/-/g, "_")];
    if (v === undefined) {
      throw new TypeError(
        `Unknown ${what} "${name}"; known: ${
          Object.keys(table).map((k) => k.toLowerCase().replace(/_/g, "-")).join(", ")
        }`,
      );
    }
    m |= v;
  }
  return m;
}
