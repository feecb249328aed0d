/**
 * Environment variables the library reads (`NETLINK_LIBC`, `NETLINK_PCAP`), on either runtime,
 * without ever prompting: under Deno a variable is read only when `--allow-env` (or
 * `--allow-env=NAME`) already grants it; otherwise it counts as unset and
 * {@link envReadable} says why.
 *
 * @module
 */

interface DenoEnv {
  permissions: { querySync(d: { name: "env"; variable: string }): { state: string } };
  env: { get(name: string): string | undefined };
}

function deno(): DenoEnv | undefined {
  const g = globalThis as unknown as { Deno?: DenoEnv; Bun?: unknown };
  return g.Bun === undefined ? g.Deno : undefined;
}

/** Whether `name` can be read without a permission prompt (always true outside Deno). */
export function envReadable(name: string): boolean {
  const d = deno();
  if (!d) return true;
  try {
    return d.permissions.querySync({ name: "env", variable: name }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * The value of environment variable `name`, or undefined when it is unset, empty, or (under
 * Deno) not granted by `--allow-env`.
 */
export function readEnv(name: string): string | undefined {
  const d = deno();
  let value: string | undefined;
  if (d) {
    if (!envReadable(name)) return undefined;
    value = d.env.get(name);
  } else {
    const p = (globalThis as unknown as { process?: { env: Record<string, string | undefined> } })
      .process;
    value = p?.env[name];
  }
  return value === "" ? undefined : value;
}
