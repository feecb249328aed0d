/**
 * Standard streams, arguments and exit for the example tools, under Deno or Bun, without
 * `node:` imports.
 *
 * @module
 */

interface DenoLike {
  args: string[];
  exit(code: number): never;
  stdout: { writeSync(b: Uint8Array): number };
  stderr: { writeSync(b: Uint8Array): number };
  addSignalListener?(signal: string, handler: () => void): void;
}
interface ProcessLike {
  argv: string[];
  exit(code: number): never;
  stdout: { write(s: string): boolean; on?(event: string, f: (e: Error) => void): void };
  stderr: { write(s: string): boolean };
  on?(event: string, handler: () => void): void;
}
const g = globalThis as unknown as { Deno?: DenoLike; process?: ProcessLike };

// Node-style streams report a closed pipe as an event: stop quietly, as on SIGPIPE.
if (!g.Deno) {
  g.process?.stdout.on?.("error", (e) => {
    if ((e as { code?: string }).code === "EPIPE") g.process!.exit(141);
    throw e;
  });
}

/** The script's arguments. */
export function args(): string[] {
  return g.Deno ? g.Deno.args : g.process!.argv.slice(2);
}

const encoder = new TextEncoder();

function writeAll(w: { writeSync(b: Uint8Array): number }, s: string): void {
  let b = encoder.encode(s);
  while (b.length > 0) b = b.subarray(w.writeSync(b));
}

/** Write to standard output, synchronously (nothing is lost at exit). */
export function stdout(s: string): void {
  if (s === "") return;
  try {
    if (g.Deno) writeAll(g.Deno.stdout, s);
    else g.process!.stdout.write(s);
  } catch (e) {
    // The reader went away (`| head`): stop quietly, as a C tool killed by SIGPIPE would.
    if ((e as Error).name === "BrokenPipe" || (e as { code?: string }).code === "EPIPE") exit(141);
    throw e;
  }
}

/** Write to standard error. */
export function stderr(s: string): void {
  if (g.Deno) writeAll(g.Deno.stderr, s);
  else g.process!.stderr.write(s);
}

/** Exit now with `code`. */
export function exit(code: number): never {
  return g.Deno ? g.Deno.exit(code) : g.process!.exit(code);
}

/** Call `handler` on SIGINT and SIGTERM. */
export function onInterrupt(handler: () => void): void {
  for (const s of ["SIGINT", "SIGTERM"]) {
    if (g.Deno?.addSignalListener) g.Deno.addSignalListener(s, handler);
    else g.process?.on?.(s, handler);
  }
}

/** A command-line error: printed as is, then exit with `code`. */
export class UsageError extends Error {
  /** The exit code. */
  readonly code: number;
  /** An error printing `message` and exiting with `code`. */
  constructor(message: string, code: number) {
    super(message);
    this.code = code;
  }
}

/** iproute2's `matches()`: `arg` is a non-empty prefix of `word`. */
export function matches(arg: string, word: string): boolean {
  return arg.length > 0 && word.startsWith(arg);
}
