/**
 * The output layer of `ip.ts`: one printer that writes either iproute2's JSON (the same bytes
 * as its `json_writer`, compact or `-p` pretty) or its plain text, so each object printer is
 * written once, the way iproute2's `print_*(PRINT_ANY, key, fmt, value)` calls are.
 *
 * @module
 */

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

/** Escape a string the way iproute2's `jsonw_puts` does (only these characters). */
function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    switch (c) {
      case "\t":
        out += "\\t";
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\f":
        out += "\\f";
        break;
      case "\b":
        out += "\\b";
        break;
      case "\\":
        out += "\\\\";
        break;
      case '"':
        out += '\\"';
        break;
      default:
        out += c;
    }
  }
  return out + '"';
}

function scalar(v: Scalar): string {
  if (v === null) return "null";
  if (v instanceof Raw) return v.text;
  if (typeof v === "string") return quote(v);
  return String(v);
}

/**
 * Writes JSON like iproute2 (`-j`, with `-p` pretty) or text. In JSON mode the text arguments
 * are ignored; in text mode the keys and values are.
 */
export class Printer {
  /** True for `-j`. */
  readonly json: boolean;
  readonly #pretty: boolean;
  #parts: string[] = [];
  #depth = 0;
  #sep = "";

  /** A printer of JSON (pretty or not) or of text. */
  constructor(json: boolean, pretty: boolean) {
    this.json = json;
    this.#pretty = pretty;
  }

  #put(s: string): void {
    this.#parts.push(s);
  }

  #eol(): void {
    if (this.#pretty) this.#put("\n" + "    ".repeat(this.#depth));
  }

  #eor(): void {
    if (this.#sep) this.#put(this.#sep);
    this.#sep = ",";
  }

  #name(key: string): void {
    this.#eor();
    this.#eol();
    this.#sep = "";
    this.#put(quote(key) + (this.#pretty ? ": " : ":"));
  }

  #begin(c: string): void {
    this.#eor();
    this.#put(c);
    this.#depth++;
    this.#sep = "";
  }

  #end(c: string): void {
    this.#depth--;
    if (this.#sep) this.#eol();
    this.#put(c);
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
      this.#put("\n");
    }
  }

  #startArray(): void {
    this.#begin("[");
    if (this.#pretty) this.#put(" ");
  }

  #endArray(): void {
    if (this.#pretty && this.#sep) this.#put(" ");
    this.#sep = "";
    this.#end("]");
  }

  /** `print_*(PRINT_ANY, key, fmt, value)`: `text` in text mode, `key: value` in JSON. */
  any(key: string | null, text: string, value: Scalar): void {
    if (this.json) this.jsonOnly(key, value);
    else this.#put(text);
  }

  /** `PRINT_JSON`: only in JSON mode. */
  jsonOnly(key: string | null, value: Scalar): void {
    if (!this.json) return;
    if (key !== null) this.#name(key);
    this.#eor();
    this.#put(scalar(value));
  }

  /** `PRINT_FP`: only in text mode. */
  text(text: string): void {
    if (!this.json) this.#put(text);
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
      this.#put(text);
      return;
    }
    if (key !== null) this.#name(key);
    this.#startArray();
  }

  /** `close_json_array(PRINT_ANY, text)`. */
  closeArray(text = ""): void {
    if (this.json) this.#endArray();
    else this.#put(text);
  }

  /** Everything written so far, and forget it. */
  take(): string {
    const s = this.#parts.join("");
    this.#parts = [];
    return s;
  }
}
