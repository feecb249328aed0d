/**
 * Which C library to open, shared by both adapters: the path in `NETLINK_LIBC` if set (only
 * that one, so Deno's scoped `--allow-ffi=<path>` can grant exactly it), else the default
 * names of `LIBC_NAMES` in order. When none opens, the error lists every name tried with its
 * reason and says how to fix it.
 *
 * @module
 */
import { envReadable, readEnv } from "./env.ts";
import { LIBC_NAMES } from "./symbols.ts";

/** The environment variable naming the C library to open, e.g. `/lib/x86_64-linux-gnu/libc.so.6`. */
export const LIBC_ENV = "NETLINK_LIBC";

/** The names to try: `NETLINK_LIBC` alone when set, else the defaults. */
export function libcCandidates(): { names: readonly string[]; fromEnv: boolean } {
  const path = readEnv(LIBC_ENV);
  return path === undefined ? { names: LIBC_NAMES, fromEnv: false } : {
    names: [path],
    fromEnv: true,
  };
}

/**
 * Open the C library with `open` (the runtime's `dlopen`), trying each candidate in turn.
 * Returns the library and the name that opened; throws {@link libcLoadError} if none did.
 */
export function openLibc<T>(open: (name: string) => T): { lib: T; name: string } {
  const { names, fromEnv } = libcCandidates();
  const tried: { name: string; error: unknown }[] = [];
  for (const name of names) {
    try {
      return { lib: open(name), name };
    } catch (error) {
      tried.push({ name, error });
    }
  }
  throw libcLoadError(tried, fromEnv);
}

function reason(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.split("\n")[0];
}

/** The error thrown when no candidate opened: every name tried, its reason, and the fix. */
export function libcLoadError(tried: { name: string; error: unknown }[], fromEnv: boolean): Error {
  const lines = [
    `netlink: cannot open the C library (libc); tried${fromEnv ? ` ${LIBC_ENV}` : ""}:`,
    ...tried.map((t) => `  ${t.name}: ${reason(t.error)}`),
  ];
  const isDeno = (globalThis as { Bun?: unknown; Deno?: unknown }).Bun === undefined &&
    (globalThis as { Deno?: unknown }).Deno !== undefined;
  if (fromEnv) {
    lines.push(
      `Fix: point ${LIBC_ENV} at the C library's path (\`ldconfig -p | grep libc.so\` lists it), ` +
        `or unset it to try ${LIBC_NAMES.join(", ")}.`,
    );
  } else {
    lines.push(
      `Fix: set ${LIBC_ENV} to the C library's path, e.g. ` +
        `${LIBC_ENV}=/lib/x86_64-linux-gnu/libc.so.6 (\`ldconfig -p | grep libc.so\` lists it).`,
    );
  }
  if (isDeno) {
    lines.push(
      `Under Deno, grant --allow-ffi (or --allow-ffi=<libc path> --allow-env=${LIBC_ENV} ` +
        `with ${LIBC_ENV}=<libc path>).`,
    );
    if (!fromEnv && !envReadable(LIBC_ENV)) {
      lines.push(`(${LIBC_ENV} was not read: it needs --allow-env=${LIBC_ENV}.)`);
    }
  }
  return new Error(lines.join("\n"), { cause: tried.at(-1)?.error });
}
