/**
 * `CLOCK_MONOTONIC` in nanoseconds under Deno and Bun, through libc's `clock_gettime` (FFI):
 * the clock the C peers stamp with, so times taken in different processes compare. For the
 * benchmark's latency and CPU measurements only.
 *
 * @module
 */

const CLOCK_MONOTONIC = 1;
const ts = new BigInt64Array(2); // struct timespec { tv_sec; tv_nsec }

type ClockGettime = (clock: number, tp: BigInt64Array) => number;
let call: ClockGettime;

const g = globalThis as unknown as {
  Bun?: unknown;
  Deno?: {
    dlopen(
      path: string,
      symbols: Record<string, { parameters: string[]; result: string }>,
    ): { symbols: { clock_gettime(c: number, p: BigInt64Array): number } };
  };
};
if (g.Bun !== undefined) {
  const ffi = await import("bun:ffi") as unknown as {
    dlopen(
      path: string,
      symbols: Record<string, { args: string[]; returns: string }>,
    ): { symbols: { clock_gettime(c: number, p: BigInt64Array): number } };
  };
  const lib = ffi.dlopen("libc.so.6", { clock_gettime: { args: ["i32", "ptr"], returns: "i32" } });
  call = (c, p) => lib.symbols.clock_gettime(c, p);
} else {
  const lib = g.Deno!.dlopen("libc.so.6", {
    clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  });
  call = (c, p) => lib.symbols.clock_gettime(c, p);
}

/** Now, CLOCK_MONOTONIC, in nanoseconds (a double: exact to ~100 ns over days of uptime). */
export function monotonicNs(): number {
  call(CLOCK_MONOTONIC, ts);
  return Number(ts[0]) * 1e9 + Number(ts[1]);
}

/** CPU time this process has used so far (user + system), in milliseconds, from /proc. */
export async function cpuMs(): Promise<number> {
  const text = g.Bun !== undefined
    ? await (globalThis as unknown as { Bun: { file(p: string): { text(): Promise<string> } } })
      .Bun.file("/proc/self/stat").text()
    : await (globalThis as unknown as { Deno: { readTextFile(p: string): Promise<string> } }).Deno
      .readTextFile("/proc/self/stat");
  // Fields after the command name (which may hold spaces), from field 3 on.
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return (utime + stime) * 10; // USER_HZ = 100 on Linux
}
