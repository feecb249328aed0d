/**
 * `CLOCK_MONOTONIC` in nanoseconds under Deno and Bun, through libc's `clock_gettime` (FFI):
 * the clock the C peers stamp with, so times taken in different processes compare; and the
 * process's CPU time. For the benchmark's latency and CPU measurements only.
 *
 * @module
 */

const CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2;
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

/**
 * CPU time this process has used so far (user + system, every thread), in milliseconds, from
 * `CLOCK_PROCESS_CPUTIME_ID` (nanosecond resolution; /proc/self/stat counts 10 ms ticks, too
 * coarse for an idle process).
 */
export function cpuMs(): Promise<number> {
  call(CLOCK_PROCESS_CPUTIME_ID, ts);
  return Promise.resolve(Number(ts[0]) * 1e3 + Number(ts[1]) / 1e6);
}
