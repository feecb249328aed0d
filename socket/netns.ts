/**
 * Network namespace handles: an open fd for a namespace name (`ip netns add NAME`) or path,
 * for the attributes that take one (`IFLA_NET_NS_FD`, `NETNSA_FD`).
 *
 * @module
 */
import { check, loadSys, O_CLOEXEC, O_RDONLY } from "../ffi/sys.ts";

/** An open network namespace: pass `fd` to the kernel, then close it. */
export interface NetnsHandle extends Disposable {
  /** The namespace fd. */
  readonly fd: number;
  /** Close the fd (idempotent). */
  close(): void;
}

/**
 * Open a network namespace by name (`/run/netns/NAME`) or path (`/proc/PID/ns/net`).
 * Fails with `ENOENT` (a `NetlinkError`) when there is no such namespace.
 *
 * @example
 * ```ts
 * import { openNetns } from "@netlink/netlink";
 * using ns = await openNetns("blue");
 * console.log(ns.fd);
 * ```
 */
export async function openNetns(target: string): Promise<NetnsHandle> {
  if (typeof target !== "string" || target === "") {
    throw new TypeError(`A network namespace is a name or a path, got ${JSON.stringify(target)}`);
  }
  const path = target.includes("/") ? target : `/run/netns/${target}`;
  const { libc } = await loadSys();
  const bytes = new TextEncoder().encode(path + "\0");
  const fd = check(libc, libc.open(bytes, O_RDONLY | O_CLOEXEC), `open(${path})`);
  let open = true;
  const close = () => {
    if (open) libc.close(fd);
    open = false;
  };
  return { fd, close, [Symbol.dispose]: close };
}
