/**
 * The kernel connector (`NETLINK_CONNECTOR`) and its process events: every `fork`, `exec`,
 * uid/gid/session change, `ptrace` attach/detach, `comm` change, core dump and exit on the
 * machine, typed.
 *
 * The structs and enums come from `specs/local/connector.yaml` (generated into
 * `families/generated/connector.ts`); this module adds what YNL cannot describe: the `cn_msg`
 * framing (a header whose `len` gives the length of the data, families/connector/cn_msg.ts),
 * the `proc_event` union (proc_event.ts) and the subscription (proc_events.ts), whose stream
 * marks where the kernel dropped events for the listener (`kind: "overrun"`).
 *
 * The kernel multicasts process events in the initial network namespace only: open
 * {@link ProcEvents} there (`netns: "/proc/1/ns/net"`, or the namespace of any process that
 * lives there). Listening needs the initial user and PID namespaces (Linux ≥ 6.x) or
 * `CAP_NET_ADMIN` (older kernels).
 *
 * @example
 * ```ts
 * import { ProcEvents } from "@netlink/netlink/connector";
 * await using events = await ProcEvents.open({ events: ["exec", "exit"] });
 * for await (const e of events) {
 *   if (e.kind === "overrun") console.log("events were lost");
 *   if (e.kind === "exec") console.log("exec", e.pid);
 *   if (e.kind === "exit") console.log("exit", e.pid, e.status ?? `signal ${e.signal}`);
 * }
 * ```
 *
 * @module
 */
export * from "../generated/connector.ts";
export * from "./cn_msg.ts";
export * from "./proc_event.ts";
export * from "./proc_events.ts";
