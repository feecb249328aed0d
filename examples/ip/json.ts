/**
 * The output layer of `ip.ts`: one printer that writes either iproute2's JSON (the same bytes
 * as its `json_writer`, compact or `-p` pretty) or its plain text, so each object printer is
 * written once, the way iproute2's `print_*(PRINT_ANY, key, fmt, value)` calls are.
 *
 * Output is built as bytes in the library's {@link ByteOutput} (strings quoted straight into
 * the buffer, no intermediate strings) and goes to standard output in large chunks between
 * records, so a listing of any size streams with bounded memory.
 *
 * @module
 */
import { ByteOutput, type ByteSink } from "../../codec/byte_output.ts";

/** A number already formatted (e.g. `"0.00"` for a timer), written verbatim in JSON. */
export class Raw {
  /** The literal JSON text. */
  readonly text: string;
  /** Wrap JSON text to print as is. */
  constructor(text: string) {
    this.text = text;
  }
}

/** A JSON scalar as iproute2 prints one. */
export type Scalar = string | number | bigint | boolean | null | Raw;

/**
 * Writes JSON like iproute2 (`-j`, with `-p` pretty) or text. In JSON mode the text arguments
 * are ignored; in text mode the keys and values are.
 */
export class Printer {
  /** True for `-j`. */
  readonly json: boolean;
  readonly #pretty: boolean;
  readonly #out: ByteOutput;
  #depth = 0;
  #sep = "";

  /** A printer of JSON (pretty or not) or of text, writing to `sink` (standard output). */
  constructor(json: boolean, pretty: boolean, sink: ByteSink) {
    this.json = json;
    this.#pretty = pretty;
    this.#out = new ByteOutput(sink, { chunkSize: 1 << 16 });
  }

  #eol(): void {
    if (this.#pretty) this.#out.write("\n" + "    ".repeat(this.#depth));
  }

  #eor(): void {
    if (this.#sep) this.#out.write(this.#sep);
    this.#sep = ",";
  }

  #name(key: string): void {
    this.#eor();
    this.#eol();
    this.#sep = "";
    this.#out.jsonString(key, "iproute2");
    this.#out.write(this.#pretty ? ": " : ":");
  }

  #begin(c: string): void {
    this.#eor();
    this.#out.write(c);
    this.#depth++;
    this.#sep = "";
  }

  #end(c: string): void {
    this.#depth--;
    if (this.#sep) this.#eol();
    this.#out.write(c);
    this.#sep = ",";
  }

  /** `new_json_obj`: the top-level array in JSON mode. */
  start(): void {
    this.#sep = "";
    this.#depth = 0;
    if (this.json) this.#startArray();
  }

  /** `delete_json_obj`: close the top-level array and end the line. */
  finish(): void {
    if (this.json) {
      this.#endArray();
      this.#out.write("\n");
    }
  }

  #startArray(): void {
    this.#begin("[");
    if (this.#pretty) this.#out.write(" ");
  }

  #endArray(): void {
    if (this.#pretty && this.#sep) this.#out.write(" ");
    this.#sep = "";
    this.#end("]");
  }

  /** `print_*(PRINT_ANY, key, fmt, value)`: `text` in text mode, `key: value` in JSON. */
  any(key: string | null, text: string, value: Scalar): void {
    if (this.json) this.jsonOnly(key, value);
    else this.#out.write(text);
  }

  /** `PRINT_JSON`: only in JSON mode. */
  jsonOnly(key: string | null, value: Scalar): void {
    if (!this.json) return;
    if (key !== null) this.#name(key);
    this.#eor();
    const out = this.#out;
    if (typeof value === "string") out.jsonString(value, "iproute2");
    else if (typeof value === "number" || typeof value === "bigint") out.number(value);
    else if (value === null) out.write("null");
    else if (value instanceof Raw) out.write(value.text);
    else out.write(value ? "true" : "false");
  }

  /** `PRINT_FP`: only in text mode. */
  text(text: string): void {
    if (!this.json) this.#out.write(text);
  }

  /** `open_json_object(key)`. */
  openObject(key: string | null = null): void {
    if (!this.json) return;
    if (key !== null) this.#name(key);
    this.#begin("{");
  }

  /** `close_json_object()`. */
  closeObject(): void {
    if (this.json) this.#end("}");
  }

  /** `open_json_array(PRINT_ANY, json ? key : text)`; `text` goes out in text mode. */
  openArray(key: string | null, text = ""): void {
    if (!this.json) {
      this.#out.write(text);
      return;
    }
    if (key !== null) this.#name(key);
    this.#startArray();
  }

  /** `close_json_array(PRINT_ANY, text)`. */
  closeArray(text = ""): void {
    if (this.json) this.#endArray();
    else this.#out.write(text);
  }

  /** A record is complete: write what is buffered if it is a large chunk. */
  boundary(): void {
    this.#out.flushIfFull();
  }

  /** Write everything buffered to standard output. */
  flush(): void {
    this.#out.flush();
  }

  /** How many bytes are buffered (a mark for {@link take}). */
  get length(): number {
    return this.#out.length;
  }

  /** What is buffered from `from` on (everything by default), not yet written; forget it. */
  take(from = 0): string {
    return this.#out.take(from);
  }
}
