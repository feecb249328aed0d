/**
 * Capture what the library sends and receives, as a pcap file Wireshark and tshark dissect
 * (`LINKTYPE_NETLINK`, with the netlink protocol and the direction of each datagram). Needs no
 * kernel support (no `nlmon` device) and no privilege: the datagrams are recorded where they
 * cross the socket.
 *
 * - {@link pcapFile}: the shared, synchronously written file for a path.
 * - {@link CaptureTransport}: wraps any socket transport and records its traffic.
 * - {@link PcapWriter} and {@link pcapRecord}: the format, into any sink.
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
 * then `tshark -r x.pcap -V`.
 *
 * @module
 */
export * from "./pcap.ts";
export { closePcapFile, pcapFile } from "./file.ts";
export { CaptureTransport } from "./transport.ts";
export type { ReceivedDatagram, ReceiveResult, Transport } from "../socket/transport.ts";
