/**
 * Device events (`NETLINK_KOBJECT_UEVENT`): the kernel's uevents on group 1 and udev's
 * republished events on group 2, decoded into one typed {@link Uevent}.
 *
 * @module
 */
import { NETLINK_KOBJECT_UEVENT } from "../codec/constants.ts";
import { NetlinkDecodeError } from "../codec/errors.ts";
import { decodeUevent, type Uevent } from "../codec/uevent.ts";
import { NetlinkSocket } from "../socket/socket.ts";

/** The kernel's uevent multicast group. */
export const UEVENT_GROUP_KERNEL = 1;
/** The group udev republishes processed events on. */
export const UEVENT_GROUP_UDEV = 2;

/** Options for {@link UeventMonitor.open}. */
export interface UeventMonitorOptions {
  /** Which events: `"kernel"` (default), `"udev"`, or `"both"`. */
  source?: "kernel" | "udev" | "both";
  /**
   * Accept group-1 events from senders other than the kernel (port id 0). Default false:
   * such events are spoofed, and are dropped and counted in {@link UeventMonitor.spoofed}.
   */
  acceptSpoofed?: boolean;
  /** Kernel receive buffer; default 1 MiB (bursts of events at boot or hotplug are large). */
  receiveBufferSize?: number;
}

/**
 * A uevent monitor: iterate it for {@link Uevent}s until the signal fires or it is closed.
 *
 * @example
 * ```ts
 * import { UeventMonitor } from "@netlink/netlink";
 * await using monitor = await UeventMonitor.open();
 * for await (const ev of monitor.events({ signal: AbortSignal.timeout(5000) })) {
 *   console.log(`${ev.action}@${ev.devpath}`);
 * }
 * ```
 */
export class UeventMonitor implements AsyncDisposable {
  /** The underlying socket. */
  readonly socket: NetlinkSocket;
  #acceptSpoofed: boolean;
  /** Group-1 events dropped because they did not come from the kernel. */
  spoofed = 0;
  /** Datagrams dropped because they did not decode as uevents. */
  malformed = 0;

  private constructor(socket: NetlinkSocket, acceptSpoofed: boolean) {
    this.socket = socket;
    this.#acceptSpoofed = acceptSpoofed;
  }

  /**
   * Open a monitor socket bound to the uevent group(s).
   *
   * @example
   * ```ts
   * import { UeventMonitor } from "@netlink/netlink";
   * const monitor = await UeventMonitor.open({ source: "both" });
   * monitor.close();
   * ```
   */
  static async open(options: UeventMonitorOptions = {}): Promise<UeventMonitor> {
    const source = options.source ?? "kernel";
    const groups = { kernel: 1, udev: 2, both: 3 }[source];
    if (groups === undefined) {
      throw new TypeError(`source must be "kernel", "udev" or "both", got ${String(source)}`);
    }
    const socket = await NetlinkSocket.open(NETLINK_KOBJECT_UEVENT, { groups });
    try {
      socket.setReceiveBufferSize(options.receiveBufferSize ?? 1 << 20);
    } catch (e) {
      socket.close();
      throw e;
    }
    return new UeventMonitor(socket, options.acceptSpoofed ?? false);
  }

  /**
   * Iterate decoded events. Spoofed and malformed datagrams are skipped and counted.
   *
   * @example
   * ```ts
   * import { UeventMonitor } from "@netlink/netlink";
   * await using monitor = await UeventMonitor.open();
   * for await (const ev of monitor.events()) {
   *   if (ev.subsystem === "net") console.log(ev.action, ev.env.INTERFACE);
   * }
   * ```
   */
  async *events(options: { signal?: AbortSignal } = {}): AsyncGenerator<Uevent> {
    for await (const d of this.socket.datagrams(options)) {
      if (d.group === UEVENT_GROUP_KERNEL && d.sender !== 0 && !this.#acceptSpoofed) {
        this.spoofed++;
        continue;
      }
      let ev: Uevent;
      try {
        ev = decodeUevent(d.data);
      } catch (e) {
        if (!(e instanceof NetlinkDecodeError)) throw e;
        this.malformed++;
        continue;
      }
      yield ev;
    }
  }

  /** Close the socket; running iterations end. */
  close(): void {
    this.socket.close();
  }

  /** `await using` support. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
