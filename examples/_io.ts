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

// Under Bun, output goes through `fs.writeSync` (see writeStdout), never `process.stdout` or
// `process.stderr`: making either stream costs tens of ms at start-up.

/** The script's arguments. */
export function args(): string[] {
  return g.Deno ? g.Deno.args : g.process!.argv.slice(2);
}

const encoder = new TextEncoder();

function writeAll(w: { writeSync(b: Uint8Array): number }, s: string): void {
  let b = encoder.encode(s);
  while (b.length > 0) b = b.subarray(w.writeSync(b));
}

/** Node's `fs.writeSync`, under Bun, without a `node:` import. */
type WriteSync = (fd: number, b: Uint8Array, offset: number, length: number) => number;
let bunWrite: WriteSync | undefined;
const pause = new Int32Array(new SharedArrayBuffer(4));

function bunWriteAll(fd: number, b: Uint8Array): void {
  if (!bunWrite) {
    const p = g.process as unknown as { getBuiltinModule(m: string): { writeSync: WriteSync } };
    const fs = p.getBuiltinModule("fs");
    bunWrite = fs.writeSync.bind(fs);
  }
  let o = 0;
  while (o < b.length) {
    try {
      o += bunWrite(fd, b, o, b.length - o);
    } catch (e) {
      // A non-blocking pipe that is full: wait a little for the reader.
      if ((e as { code?: string }).code !== "EAGAIN") throw e;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

/**
 * Write bytes to standard output, synchronously and completely (nothing is lost at exit, and
 * memory stays bounded however much is written). A reader that went away (`| head`) ends the
 * process quietly with status 141, as SIGPIPE ends a C tool. A `ByteSink` for the
 * library's `ByteOutput`.
 */
export function writeStdout(b: Uint8Array): void {
  if (b.length === 0) return;
  try {
    if (g.Deno) {
      while (b.length > 0) b = b.subarray(g.Deno.stdout.writeSync(b));
    } else bunWriteAll(1, b);
  } catch (e) {
    if ((e as Error).name === "BrokenPipe" || (e as { code?: string }).code === "EPIPE") exit(141);
    throw e;
  }
}

/** Write to standard output, synchronously (nothing is lost at exit). */
export function stdout(s: string): void {
  if (s !== "") writeStdout(encoder.encode(s));
}

/** Write to standard error. */
export function stderr(s: string): void {
  if (g.Deno) writeAll(g.Deno.stderr, s);
  else if (s !== "") bunWriteAll(2, encoder.encode(s));
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

/**
 * Run a tool's `main` as the program: SIGINT and SIGTERM abort the signal it gets (and a run
 * that fails because of that abort ends with status 0); a {@link UsageError} prints its text
 * and exits with its code; `handle` may turn other errors into a status (it prints what it
 * wants), and anything else prints `NAME: message` and exits with status 1.
 */
export async function runTool(
  name: string,
  main: (signal: AbortSignal) => Promise<number>,
  handle?: (e: unknown) => number | undefined,
): Promise<never> {
  const stop = new AbortController();
  onInterrupt(() => stop.abort());
  let code: number;
  try {
    code = await main(stop.signal).catch((e) => {
      if (stop.signal.aborted) return 0;
      throw e;
    });
  } catch (e) {
    if (e instanceof UsageError) {
      (e.code === 0 ? stdout : stderr)(e.message);
      return exit(e.code);
    }
    const handled = handle?.(e);
    if (handled !== undefined) return exit(handled);
    stderr(`${name}: ${e instanceof Error ? e.message.trimEnd() : e}\n`);
    code = 1;
  }
  return exit(code);
}

/** iproute2's `matches()`: `arg` is a non-empty prefix of `word`. */
export function matches(arg: string, word: string): boolean {
  return arg.length > 0 && word.startsWith(arg);
}

/**
 * Text for `out`, handed over in chunks of at least `size` characters: a listing written an
 * element at a time costs a few large writes, not one per line, and never the whole output
 * in memory. Call {@link Chunks.end} when done.
 */
export class Chunks {
  readonly #out: (s: string) => void;
  readonly #size: number;
  #text = "";

  /** Chunks for `out` (e.g. an `Output`'s `out`), of `size` characters (default 64 Ki). */
  constructor(out: (s: string) => void, size = 65536) {
    this.#out = out;
    this.#size = size;
  }

  /** Add `s`; pass the text on once it is a large chunk. */
  write(s: string): void {
    this.#text += s;
    if (this.#text.length >= this.#size) this.end();
  }

  /** Pass on what is left. */
  end(): void {
    if (this.#text === "") return;
    const t = this.#text;
    this.#text = "";
    this.#out(t);
  }
}
