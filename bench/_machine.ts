/**
 * The machine a benchmark ran on, for the report: CPU, memory, kernel, the versions of the
 * runtimes and of what we compare with, and the load average at the end.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { BUN, PYTHON } from "./_env.ts";
import { run } from "./_proc.ts";

/** The machine and versions, as results.json records them. */
export interface Machine {
  /** `model name` of /proc/cpuinfo. */
  cpu: string;
  /** Logical CPUs. */
  cpus: number;
  /** MemTotal, rounded. */
  memory_gib: number;
  /** Kernel release. */
  kernel: string;
  /** Deno's version. */
  deno: string;
  /** `bun --version`. */
  bun: string;
  /** `ip -V`. */
  iproute2: string;
  /** The libmnl0 package's version. */
  libmnl: string;
  /** The python3-pyroute2 package's version. */
  pyroute2: string;
  /** `python3 --version`. */
  python: string;
  /** The 1, 5 and 15 minute load averages. */
  load: string;
}

const cmdOut = (cmd: string, args: string[]) => {
  try {
    return run(cmd, args).trim();
  } catch {
    return "?";
  }
};

/** Read the machine's description now ("?" for a version that cannot be read). */
export function machineInfo(): Machine {
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ??
    "?";
  const memGiB = Number(/MemTotal:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0) /
    1048576;
  return {
    cpu: cpuModel,
    cpus: navigator.hardwareConcurrency,
    memory_gib: Math.round(memGiB),
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    bun: cmdOut(BUN, ["--version"]),
    iproute2: cmdOut("ip", ["-V"]),
    libmnl: cmdOut("dpkg-query", ["-W", "-f", "${Version}", "libmnl0"]),
    pyroute2: cmdOut("dpkg-query", ["-W", "-f", "${Version}", "python3-pyroute2"]),
    python: cmdOut(PYTHON, ["--version"]),
    load: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
  };
}
