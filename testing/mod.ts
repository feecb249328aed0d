/**
 * Testing without a kernel: a fake kernel behind the socket's transport seam, so code written
 * on `NetlinkSocket` or the generic `Client` runs in unit tests with no privileges.
 *
 * @example
 * ```ts
 * import { FakeKernel } from "@netlink/netlink/testing";
 * import { encodeMessage, NETLINK_ROUTE } from "@netlink/netlink";
 * const kernel = new FakeKernel(NETLINK_ROUTE, (_req, k) => k.error(1));
 * await using sock = await kernel.open();
 * await sock.request(encodeMessage({ type: 18 })).catch((e) => console.log(e.code)); // "EPERM"
 * ```
 *
 * @module
 */
export * from "./fake_kernel.ts";
export * from "./fake_genl.ts";
export type { ReceivedDatagram, ReceiveResult, Transport } from "../socket/transport.ts";
