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
   * Accept events from senders other than the kernel (port id 0) that are not udev's (group 2):
   * on group 1 or sent to this socket's port. Default false: such events are spoofed, and are
   * dropped and counted in {@link UeventMonitor.spoofed}.
   */
  acceptSpoofed?: boolean;
  /** Kernel receive buffer; default 1 MiB (bursts of events at boot or hotplug are large). */
  receiveBufferSize?: number;
  /**
   * Listen in another network namespace: a name (`ip netns`), a path (`/proc/PID/ns/net`) or
   * an open fd. The kernel sends a namespace's network-device uevents only to sockets made in
   * it; the sender check (kernel port 0) applies there as here.
   */
  netns?: string | number;
}

/**
 * What {@link UeventMonitor.events} yields for a receive-buffer overrun (the kernel dropped
 * events here; rescan `/sys` to resynchronise): a {@link Uevent} with `overrun: true`, action
 * `"overrun"`, an empty devpath and no properties, so code that reads any event's fields keeps
 * working. Tell it apart with `"overrun" in ev`.
 */
export interface UeventOverrun extends Uevent {
  /** `true`. */
  overrun: true;
  /** `"overrun"` (the kernel never sends this action). */
  action: "overrun";
}

/** Options of {@link UeventMonitor.events}. */
export interface UeventEventsOptions {
  /** Stop iterating; an already-aborted signal fails the first `next()`. */
  signal?: AbortSignal;
  /**
   * On a receive-buffer overrun: yield a {@link UeventOverrun} and go on (`"mark"`, the
   * default), or fail with an `ENOBUFS` `NetlinkError` (`"throw"`).
   */
  overrun?: "mark" | "throw";
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
  /** Events dropped because they did not come from the kernel (and not on udev's group 2). */
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
    const socket = await NetlinkSocket.open(NETLINK_KOBJECT_UEVENT, {
      groups,
      ...(options.netns === undefined ? {} : { netns: options.netns }),
    });
    try {
      socket.setReceiveBufferSize(options.receiveBufferSize ?? 1 << 20);
    } catch (e) {
      socket.close();
      throw e;
    }
    return new UeventMonitor(socket, options.acceptSpoofed ?? false);
  }

  /**
   * Iterate decoded events. Spoofed and malformed datagrams are skipped and counted. A
   * receive-buffer overrun yields a {@link UeventOverrun} (counted in {@link overruns}) and
   * the iteration goes on, unless `overrun: "throw"`. Aborting `signal` stops it at once.
   *
   * @example
   * ```ts
   * import { UeventMonitor } from "@netlink/netlink";
   * await using monitor = await UeventMonitor.open();
   * for await (const ev of monitor.events()) {
   *   if ("overrun" in ev) console.log("events were lost: rescan /sys");
   *   else if (ev.subsystem === "net") console.log(ev.action, ev.env.INTERFACE);
   * }
   * ```
   */
  async *events(options: UeventEventsOptions = {}): AsyncGenerator<Uevent | UeventOverrun> {
    options.signal?.throwIfAborted();
    const datagrams = this.socket.datagrams({
      signal: options.signal,
      overrun: options.overrun,
      acceptFrom: "any", // senders are checked here, so spoofed events are counted
    });
    for await (const d of datagrams) {
      if (d.overrun) {
        yield { overrun: true, action: "overrun", devpath: "", source: "kernel", env: {} };
        continue;
      }
      if (d.sender !== 0 && d.group !== UEVENT_GROUP_UDEV && !this.#acceptSpoofed) {
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

  /** Receive-buffer overruns so far (events were lost). */
  get overruns(): number {
    return this.socket.overruns;
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
