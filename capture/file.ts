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
import { closeSync, openSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import { PcapWriter, type PcapWriterOptions } from "./pcap.ts";

const open = new Map<string, { fd: number; writer: PcapWriter; closed: boolean }>();

/**
 * The shared writer for the pcap file at `path` (resolved against the working directory):
 * created and truncated on first use, then reused. `options` apply when it is created.
 */
export function pcapFile(path: string, options: PcapWriterOptions = {}): PcapWriter {
  const key = resolve(path);
  const known = open.get(key);
  if (known) return known.writer;
  const fd = openSync(key, "w");
  const entry = { fd, writer: undefined as unknown as PcapWriter, closed: false };
  try {
    entry.writer = new PcapWriter((bytes) => {
      if (entry.closed) return; // closePcapFile: the fd may belong to another file by now
      for (let done = 0; done < bytes.length;) {
        done += writeSync(fd, bytes, done, bytes.length - done);
      }
    }, options);
    open.set(key, entry);
    return entry.writer;
  } catch (e) {
    closeSync(fd);
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
  closeSync(known.fd);
}
