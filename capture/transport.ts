/**
 * A {@link Transport} decorator that records every datagram sent and received through the
 * transport it wraps to a {@link PcapWriter}, as the datagrams cross the socket: each send once
 * it succeeded, each receive as it is taken off the queue. Everything else passes straight
 * through.
 *
 * @example
 * ```ts
 * import { NETLINK_ROUTE, NetlinkSocket } from "@netlink/netlink";
 * import { CaptureTransport, pcapFile } from "@netlink/netlink/capture";
 * import { FakeKernel } from "@netlink/netlink/testing";
 * const kernel = new FakeKernel(NETLINK_ROUTE, (_req, k) => k.ack());
 * const transport = new CaptureTransport(kernel.endpoint(), NETLINK_ROUTE, pcapFile("x.pcap"));
 * await using sock = await NetlinkSocket.fromTransport(transport, NETLINK_ROUTE);
 * ```
 *
 * @module
 */
import type { ReceiveResult, Transport } from "../socket/transport.ts";
import type { PcapWriter } from "./pcap.ts";
import { pcapFile } from "./file.ts";

/** A transport whose traffic is also written to a pcap stream. */
export class CaptureTransport implements Transport {
  /** The transport underneath. */
  readonly inner: Transport;
  /** The netlink protocol recorded in each record's cooked header. */
  readonly protocol: number;
  /** The first error the writer threw; capture stopped there, traffic went on. */
  error: unknown = undefined;
  readonly #writer: PcapWriter;

  /** Wrap `inner`, recording to `writer` with `protocol` in every record. */
  constructor(inner: Transport, protocol: number, writer: PcapWriter) {
    this.inner = inner;
    this.protocol = protocol;
    this.#writer = writer;
  }

  /** The inner transport's scope. */
  get scope(): unknown {
    return this.inner.scope;
  }

  /** The inner transport's file descriptor, if it has one. */
  get fd(): number | undefined {
    return (this.inner as { fd?: number }).fd;
  }

  #record(data: Uint8Array, direction: "sent" | "received", peer: number, multicast: boolean) {
    if (this.error !== undefined) return;
    try {
      this.#writer.write({ data, protocol: this.protocol, direction, peer, multicast });
    } catch (e) {
      // A capture that cannot be written (disk full, file closed) must not change what the
      // socket does: stop capturing, say so once.
      this.error = e;
      console.error(`netlink: pcap capture stopped: ${e}`);
    }
  }

  /** Bind the inner transport. */
  bind(portId: number, groups: number): number {
    return this.inner.bind(portId, groups);
  }

  /** Send through the inner transport, then record the datagram as sent to `portId`. */
  send(data: Uint8Array, portId: number, groups: number): void {
    this.inner.send(data, portId, groups);
    this.#record(data, "sent", portId, groups !== 0);
  }

  /** Receive from the inner transport and record the datagram, if one came. */
  receive(): ReceiveResult {
    const r = this.inner.receive();
    if (r.kind === "datagram") {
      const d = r.datagram;
      this.#record(d.data, "received", d.sender, d.group !== 0);
    }
    return r;
  }

  /** The inner transport's readiness. */
  readable(): Promise<void> {
    return this.inner.readable();
  }

  /** Release the inner transport's wait. */
  cancelWait(): void {
    this.inner.cancelWait();
  }

  /** Set an option on the inner transport. */
  setInt(level: number, name: number, value: number, label: string): void {
    this.inner.setInt(level, name, value, label);
  }

  /** Read an option of the inner transport. */
  getInt(level: number, name: number, label: string): number {
    return this.inner.getInt(level, name, label);
  }

  /** Read an option of the inner transport as bytes. */
  getBytes(level: number, name: number, size: number, label: string): Uint8Array {
    return this.inner.getBytes(level, name, size, label);
  }

  /** Close the inner transport; the writer (shared, e.g. by file) stays open. */
  close(): void {
    this.inner.close();
  }
}

/**
 * `transport`, recording into `pcap` when given (a path's file is shared by its sockets); on
 * failure to open the capture the transport is closed.
 */
export function capture(
  transport: Transport,
  protocol: number,
  pcap: string | PcapWriter | false | undefined,
): Transport {
  if (!pcap) return transport;
  try {
    return new CaptureTransport(
      transport,
      protocol,
      typeof pcap === "string" ? pcapFile(pcap) : pcap,
    );
  } catch (e) {
    transport.close();
    throw e;
  }
}
