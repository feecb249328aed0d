/**
 * pcap files: a {@link PcapWriter} whose records go to a file with one synchronous `write(2)`
 * each, so whatever happened before a crash is on disk. One writer per path and process: every
 * socket capturing to the same path shares it (one file header, records in the order they
 * happened). The file is created (or truncated) when first opened and stays open until the
 * process exits or {@link closePcapFile} is called. Under Deno it needs `--allow-write=FILE`.
 *
 * @example
 * ```ts
 * import { pcapFile } from "@netlink/netlink/capture";
 * const pcap = pcapFile("/tmp/netlink.pcap");
 * console.log(pcap.records);
 * ```
 *
 * @module
 */
import { PcapWriter, type PcapWriterOptions } from "./pcap.ts";

// The file calls of the runtime, found when first needed: a `node:fs` import would load
// Deno's whole Node compatibility layer (tens of ms) into every program that imports the
// package, capturing or not.
interface FileCalls {
  cwd(): string;
  open(path: string): number;
  write(fd: number, b: Uint8Array, offset: number): number;
  close(fd: number): void;
}
interface DenoFile {
  writeSync(b: Uint8Array): number;
  close(): void;
}
interface DenoFiles {
  cwd(): string;
  openSync(path: string, o: { write: true; create: true; truncate: true }): DenoFile;
}
interface NodeFs {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, b: Uint8Array, offset: number, length: number): number;
  closeSync(fd: number): void;
}
let calls: FileCalls | undefined;

function fileCalls(): FileCalls {
  if (calls) return calls;
  const g = globalThis as unknown as {
    Deno?: DenoFiles;
    process?: { cwd(): string; getBuiltinModule(name: string): unknown };
  };
  if (g.Deno) {
    const deno = g.Deno;
    const files = new Map<number, DenoFile>();
    let next = 1;
    calls = {
      cwd: () => deno.cwd(),
      open(path) {
        const f = deno.openSync(path, { write: true, create: true, truncate: true });
        files.set(next, f);
        return next++;
      },
      write: (fd, b, offset) => files.get(fd)!.writeSync(b.subarray(offset)),
      close(fd) {
        files.get(fd)?.close();
        files.delete(fd);
      },
    };
  } else {
    const p = g.process!;
    const fs = p.getBuiltinModule("fs") as NodeFs;
    calls = {
      cwd: () => p.cwd(),
      open: (path) => fs.openSync(path, "w"),
      write: (fd, b, offset) => fs.writeSync(fd, b, offset, b.length - offset),
      close: (fd) => fs.closeSync(fd),
    };
  }
  return calls;
}

/** `path` made absolute against the working directory, with `.` and `..` resolved. */
function resolve(path: string): string {
  const parts: string[] = [];
  const full = path.startsWith("/") ? path : `${fileCalls().cwd()}/${path}`;
  for (const part of full.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return "/" + parts.join("/");
}

const open = new Map<string, { fd: number; writer: PcapWriter; closed: boolean }>();

/**
 * The shared writer for the pcap file at `path` (resolved against the working directory):
 * created and truncated on first use, then reused. `options` apply when it is created.
 */
export function pcapFile(path: string, options: PcapWriterOptions = {}): PcapWriter {
  const key = resolve(path);
  const known = open.get(key);
  if (known) return known.writer;
  const fs = fileCalls();
  const fd = fs.open(key);
  const entry = { fd, writer: undefined as unknown as PcapWriter, closed: false };
  try {
    entry.writer = new PcapWriter((bytes) => {
      if (entry.closed) return; // closePcapFile: the fd may belong to another file by now
      for (let done = 0; done < bytes.length;) {
        done += fs.write(fd, bytes, done);
      }
    }, options);
    open.set(key, entry);
    return entry.writer;
  } catch (e) {
    fs.close(fd);
    throw e;
  }
}

/**
 * Close the file behind {@link pcapFile}`(path)`, if open. Writers already handed out record
 * nothing more; a later {@link pcapFile} call for the same path starts a new file.
 */
export function closePcapFile(path: string): void {
  const key = resolve(path);
  const known = open.get(key);
  if (!known) return;
  open.delete(key);
  known.closed = true;
  fileCalls().close(known.fd);
}
