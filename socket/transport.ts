/**
 * The seam under `NetlinkSocket`: a bound, non-blocking netlink endpoint that sends and
 * receives datagrams. The libc implementation (`socket/libc_transport.ts`) talks to the kernel;
 * `testing/fake_kernel.ts` answers from a function, so the socket's state machine and the
 * clients above it can be tested with no kernel and no permission.
 *
 * @module
 */

/** One datagram taken off the receive queue. */
export interface ReceivedDatagram {
  /** The datagram's bytes: a copy the caller may keep (unless it asked to borrow them). */
  data: Uint8Array;
  /** Sender's port id: 0 for the kernel. */
  sender: number;
  /** The multicast group it was sent to (0 for unicast; above 32 only with `NETLINK_PKTINFO`). */
  group: number;
  /** The peer namespace id (`NETLINK_LISTEN_ALL_NSID`), if reported. */
  nsid?: number;
}

/**
 * What a receive found: a whole datagram (however long), an overrun (`ENOBUFS`: the kernel
 * dropped messages for this socket; reported before the datagrams still queued, as the
 * kernel's pending socket error is), or nothing queued.
 */
export type ReceiveResult =
  | { kind: "datagram"; datagram: ReceivedDatagram }
  | { kind: "overrun" }
  | { kind: "empty" };

/** A netlink endpoint, as `NetlinkSocket` uses it. Failures throw `NetlinkError`. */
export interface Transport {
  /**
   * Identifies the kernel and network namespace the endpoint talks to: endpoints with equal
   * scopes share cached facts such as generic netlink family ids.
   */
  readonly scope: unknown;
  /** Bind to port `portId` (0: the kernel picks) and the group mask; returns the bound port id. */
  bind(portId: number, groups: number): number;
  /** Send one datagram to port `portId` (0: the kernel) and/or the multicast `groups` mask. */
  send(data: Uint8Array, portId: number, groups: number): void;
  /**
   * Take one whole datagram off the receive queue without blocking; never cut one short.
   * With `borrow`, the datagram's `data` may be a view of the endpoint's own receive buffer,
   * valid until the next `receive` (the caller copies what it keeps); without, it is a copy.
   */
  receive(borrow?: boolean): ReceiveResult;
  /** Resolve once a receive may find something (or {@link cancelWait} was called). */
  readable(): Promise<void>;
  /** Release a {@link readable} wait: nobody needs data now (lets an idle process exit). */
  cancelWait(): void;
  /** `setsockopt(level, name, &int, 4)`; `label` names the option in errors. */
  setInt(level: number, name: number, value: number, label: string): void;
  /** `getsockopt(level, name, &int, &4)`. */
  getInt(level: number, name: number, label: string): number;
  /** `getsockopt` of up to `size` bytes; returns the bytes the kernel wrote. */
  getBytes(level: number, name: number, size: number, label: string): Uint8Array;
  /** Release the endpoint. Idempotent. */
  close(): void;
}
