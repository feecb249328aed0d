/**
 * Named network namespaces, like `ip netns add|del|list`: a namespace kept alive by a bind
 * mount of its `nsfs` file on `/run/netns/NAME`; and namespace handles: an open fd for a
 * namespace name or path, for the attributes that take one (`IFLA_NET_NS_FD`, `NETNSA_FD`).
 *
 * @example
 * ```ts
 * import { addNetns, deleteNetns, listNetns, Rtnl } from "@netlink/netlink";
 * await addNetns("blue");
 * console.log(await listNetns()); // ["blue", …]
 * await using rt = await Rtnl.open({ netns: "blue" });
 * await deleteNetns("blue");
 * ```
 *
 * @module
 */
import { NetlinkError } from "../codec/netlink_error.ts";
import { ERRNO_NAMES } from "../codec/errno.ts";
import { check, CLONE_NEWNET, loadSys, O_CLOEXEC, O_RDONLY } from "../ffi/sys.ts";

/** Where named namespaces are mounted (iproute2's `NETNS_RUN_DIR`). */
export const NETNS_RUN_DIR = "/run/netns";

/** `mount(2)` and `umount2(2)` flags: `MS_*` of linux/mount.h, `MNT_DETACH` of <sys/mount.h>. */
const MOUNT = { MS_BIND: 4096, MS_REC: 16384, MS_SHARED: 1 << 20, MNT_DETACH: 2 } as const;
const { MS_BIND, MS_REC, MS_SHARED, MNT_DETACH } = MOUNT;
/** `EINVAL` (asm-generic/errno-base.h). */
const EINVAL = 22;

interface FsLike {
  mkdirSync(path: string, options: { mode: number }): void;
  openSync(path: string, flags: string, mode: number): number;
  closeSync(fd: number): void;
  unlinkSync(path: string): void;
  readdirSync(path: string): string[];
}

/** `node:fs`, which Deno and Bun both provide. */
function fs(): FsLike {
  const p = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
  const f = p?.getBuiltinModule?.("node:fs") as FsLike | undefined;
  if (f === undefined) throw new Error("Namespace management needs node:fs (Deno or Bun)");
  return f;
}

/** A file-system error as a {@link NetlinkError} naming what failed, as iproute2 words it. */
function fsError(e: unknown, operation: string): unknown {
  const code = (e as { code?: string }).code;
  const errno = Object.entries(ERRNO_NAMES).find(([, n]) => n === code)?.[0];
  return errno === undefined ? e : new NetlinkError(Number(errno), { operation });
}

/** A namespace name `ip netns` accepts: not empty, no `/`, not `.` or `..`, at most 255 bytes. */
function checkNetnsName(name: unknown): string {
  if (
    typeof name !== "string" || name === "" || name.includes("/") || name === "." ||
    name === ".." || new TextEncoder().encode(name).length > 255
  ) {
    throw new TypeError(`Invalid netns name "${String(name)}"`);
  }
  return name;
}

const cstr = (s: string) => new TextEncoder().encode(s + "\0");

/**
 * Create a named network namespace (`ip netns add NAME`): a new namespace, kept alive by a
 * bind mount of its `nsfs` file on `/run/netns/NAME` (made a shared mount point first, as
 * iproute2 does). The namespace is made on the calling (JS) thread with `unshare`, which is
 * switched back to its own namespace before this returns; nothing else runs meanwhile.
 * Needs `CAP_SYS_ADMIN`.
 *
 * @throws {NetlinkError} `EEXIST` when the name is taken; the failed step names itself
 * (`Cannot create namespace file "/run/netns/blue"`, …).
 * @example
 * ```ts
 * import { addNetns } from "@netlink/netlink";
 * await addNetns("blue");
 * ```
 */
export async function addNetns(name: string): Promise<void> {
  checkNetnsName(name);
  const { libc } = await loadSys();
  const f = fs();
  try {
    f.mkdirSync(NETNS_RUN_DIR, { mode: 0o755 });
  } catch (e) {
    if ((e as { code?: string }).code !== "EEXIST") {
      throw fsError(e, `mkdir ${NETNS_RUN_DIR}`);
    }
  }
  // Let unmounts propagate between mount namespaces: /run/netns is a shared mount point.
  const dir = cstr(NETNS_RUN_DIR), none = cstr("none");
  let bound = false;
  while (libc.mount(none, dir, none, MS_SHARED | MS_REC, null) < 0) {
    const errno = libc.errno();
    if (errno !== EINVAL || bound) {
      throw new NetlinkError(errno, { operation: `mount --make-shared ${NETNS_RUN_DIR}` });
    }
    check(
      libc,
      libc.mount(dir, dir, none, MS_BIND | MS_REC, null),
      `mount --bind ${NETNS_RUN_DIR} ${NETNS_RUN_DIR}`,
    );
    bound = true;
  }
  const path = `${NETNS_RUN_DIR}/${name}`;
  try {
    f.closeSync(f.openSync(path, "wx", 0));
  } catch (e) {
    throw fsError(e, `Cannot create namespace file "${path}"`);
  }
  const self = "/proc/thread-self/ns/net";
  const home = check(libc, libc.open(cstr(self), O_RDONLY | O_CLOEXEC), `open(${self})`);
  try {
    if (libc.unshare(CLONE_NEWNET) < 0) {
      const errno = libc.errno();
      removeFile(path);
      throw new NetlinkError(errno, {
        operation: `Failed to create a new network namespace "${name}"`,
      });
    }
    // The new namespace is this thread's now: bind its nsfs file, then go home at once.
    const bind = libc.mount(cstr(self), cstr(path), none, MS_BIND, null);
    const errno = bind < 0 ? libc.errno() : 0;
    if (libc.setns(home, CLONE_NEWNET) < 0) {
      throw new Error("setns: could not return to the original network namespace");
    }
    if (bind < 0) {
      removeFile(path);
      throw new NetlinkError(errno, { operation: `Bind ${self} -> ${path}` });
    }
  } finally {
    libc.close(home);
  }
}

function removeFile(path: string): void {
  try {
    fs().unlinkSync(path);
  } catch {
    // best effort, as iproute2's cleanup
  }
}

/**
 * Delete a named network namespace (`ip netns del NAME`): unmount `/run/netns/NAME` (lazily:
 * the namespace lives on while a process or socket uses it) and remove the file.
 *
 * @throws {NetlinkError} `ENOENT` when there is no such namespace.
 * @example
 * ```ts
 * import { deleteNetns } from "@netlink/netlink";
 * await deleteNetns("blue");
 * ```
 */
export async function deleteNetns(name: string): Promise<void> {
  checkNetnsName(name);
  const { libc } = await loadSys();
  const path = `${NETNS_RUN_DIR}/${name}`;
  libc.umount2(cstr(path), MNT_DETACH); // not mounted: the unlink below reports it
  try {
    fs().unlinkSync(path);
  } catch (e) {
    throw fsError(e, `Cannot remove namespace file "${path}"`);
  }
}

/**
 * The named network namespaces (`ip netns list`): the names under `/run/netns`, in the order
 * the directory lists them; an empty list when there is none.
 *
 * @example
 * ```ts
 * import { listNetns } from "@netlink/netlink";
 * for (const name of await listNetns()) console.log(name);
 * ```
 */
export function listNetns(): Promise<string[]> {
  let names: string[];
  try {
    // Deno's node:fs sorts the names; Deno.readDirSync keeps the directory's order, as Bun does.
    const deno = (globalThis as {
      Deno?: { readDirSync(p: string): Iterable<{ name: string }> };
    }).Deno;
    names = deno
      ? [...deno.readDirSync(NETNS_RUN_DIR)].map((e) => e.name)
      : fs().readdirSync(NETNS_RUN_DIR);
  } catch (e) {
    const notFound = (e as { name?: string }).name === "NotFound";
    if (notFound) return Promise.resolve([]);
    if ((e as { code?: string }).code === "ENOENT") return Promise.resolve([]);
    throw fsError(e, `opendir ${NETNS_RUN_DIR}`);
  }
  return Promise.resolve(names.filter((n) => n !== "." && n !== ".."));
}

/**
 * Run `fn` with the calling thread in another network namespace (a name, a path, or an open
 * fd), and switch back before returning: synchronous, so nothing else runs meanwhile.
 * Whatever `fn` creates on this thread lives in that namespace: sockets, and child
 * processes spawned from it (how `ip netns exec` starts a command there).
 *
 * @throws {NetlinkError} `ENOENT` when there is no such namespace, `EPERM` without
 * `CAP_SYS_ADMIN`.
 * @example
 * ```ts
 * import { runInNetns } from "@netlink/netlink";
 * const child = await runInNetns("blue", () =>
 *   new Deno.Command("ip", { args: ["link"], stdout: "inherit" }).spawn()
 * );
 * await child.status;
 * ```
 */
export async function runInNetns<T>(netns: string | number, fn: () => T): Promise<T> {
  const { libc } = await loadSys();
  const open = (path: string) =>
    check(libc, libc.open(cstr(path), O_RDONLY | O_CLOEXEC), `open(${path})`);
  const home = open("/proc/thread-self/ns/net");
  let target = -1;
  try {
    target = typeof netns === "number"
      ? netns
      : open(netns.includes("/") ? netns : `${NETNS_RUN_DIR}/${netns}`);
    check(libc, libc.setns(target, CLONE_NEWNET), "setns");
    let result: { value: T } | { error: unknown };
    try {
      result = { value: fn() };
    } catch (error) {
      result = { error };
    }
    if (libc.setns(home, CLONE_NEWNET) < 0) {
      // Cannot happen for the namespace we came from; if it does, nothing after is safe.
      throw new Error("setns: could not return to the original network namespace");
    }
    if ("error" in result) throw result.error;
    return result.value;
  } finally {
    if (typeof netns !== "number" && target >= 0) libc.close(target);
    libc.close(home);
  }
}

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
