/**
 * tun and tap devices. The kernel does not create them over rtnetlink (`RTM_NEWLINK` with kind
 * `tun` answers `EOPNOTSUPP`): they are made with the `TUNSETIFF` ioctl on `/dev/net/tun` and
 * kept with `TUNSETPERSIST`, which is what `ip tuntap add` does.
 *
 * @module
 */
import { NetlinkError } from "../../codec/netlink_error.ts";
import { check, inNetns, loadSys, O_CLOEXEC } from "../../ffi/sys.ts";

// linux/if_tun.h: _IOW('T', 202..206, int) and the IFF_* flags of struct ifreq.ifr_flags.
const TUNSETIFF = 0x400454ca, TUNSETPERSIST = 0x400454cb, TUNSETOWNER = 0x400454cc;
const TUNSETGROUP = 0x400454ce;
const IFF_TUN = 0x0001, IFF_TAP = 0x0002, IFF_MULTI_QUEUE = 0x0100, IFF_NO_PI = 0x1000;
const IFF_VNET_HDR = 0x4000;
const O_RDWR = 2;
const IFNAMSIZ = 16;
const IFREQ_SIZE = 40; // sizeof(struct ifreq) on 64-bit Linux

/** Options for {@link createTunTap}. */
export interface TunTapOptions {
  /** `"tun"` (layer 3) or `"tap"` (layer 2). */
  mode: "tun" | "tap";
  /** Owner uid allowed to attach (`TUNSETOWNER`). */
  user?: number;
  /** Group gid allowed to attach (`TUNSETGROUP`). */
  group?: number;
  /** Prepend packet information (`IFF_NO_PI` unset). Default false, as `ip tuntap`. */
  pi?: boolean;
  /** Multiple queues (`IFF_MULTI_QUEUE`). */
  multiQueue?: boolean;
  /** Virtio net header (`IFF_VNET_HDR`). */
  vnetHdr?: boolean;
  /** Create it in another network namespace (name, path or fd). */
  netns?: string | number;
}

/**
 * Create a persistent tun or tap device named `name` (like `ip tuntap add NAME mode tap`).
 * Delete it like any link (`deleteLink`).
 *
 * @example
 * ```ts
 * import { createTunTap } from "@netlink/netlink";
 * await createTunTap("tap0", { mode: "tap" });
 * ```
 */
export async function createTunTap(name: string, options: TunTapOptions): Promise<void> {
  const nameBytes = new TextEncoder().encode(name);
  if (nameBytes.length === 0 || nameBytes.length >= IFNAMSIZ || name.includes("/")) {
    throw new RangeError(`Invalid interface name ${JSON.stringify(name)}`);
  }
  if (options?.mode !== "tun" && options?.mode !== "tap") {
    throw new TypeError(`mode must be "tun" or "tap", got ${String(options?.mode)}`);
  }
  for (const id of [options.user, options.group]) {
    if (id !== undefined && (!Number.isInteger(id) || id < 0 || id > 0xfffffffe)) {
      throw new RangeError(`user and group must be ids, got ${id}`);
    }
  }
  const { libc } = await loadSys();
  const path = new TextEncoder().encode("/dev/net/tun\0");
  const open = () => libc.open(path, O_RDWR | O_CLOEXEC);
  const fd = options.netns === undefined
    ? check(libc, open(), "open(/dev/net/tun)")
    : inNetns(libc, options.netns, "open(/dev/net/tun)", open);
  try {
    const ifreq = new Uint8Array(new ArrayBuffer(IFREQ_SIZE));
    ifreq.set(nameBytes);
    const flags = (options.mode === "tun" ? IFF_TUN : IFF_TAP) | (options.pi ? 0 : IFF_NO_PI) |
      (options.multiQueue ? IFF_MULTI_QUEUE : 0) | (options.vnetHdr ? IFF_VNET_HDR : 0);
    new DataView(ifreq.buffer).setUint16(IFNAMSIZ, flags, true);
    const ioctl = (request: number, arg: number | bigint, what: string) => {
      if (libc.ioctl(fd, request, arg) < 0) {
        throw new NetlinkError(libc.errno(), { operation: `ioctl(${what}) for ${name}` });
      }
    };
    ioctl(TUNSETIFF, libc.addressOf(ifreq), "TUNSETIFF");
    if (options.user !== undefined) ioctl(TUNSETOWNER, options.user, "TUNSETOWNER");
    if (options.group !== undefined) ioctl(TUNSETGROUP, options.group, "TUNSETGROUP");
    ioctl(TUNSETPERSIST, 1, "TUNSETPERSIST");
  } finally {
    libc.close(fd);
  }
}
