/**
 * `ss`'s output table (misc/ss.c: `out`, `field_next`, `field_set`, `render`), for output that
 * is not a terminal: each field of each socket is a token of a column; a column is as wide as
 * its widest token (plus its delimiter), addresses are right-aligned, the rest left-aligned,
 * and the last field of each line is followed by a newline. A column can be disabled (ss hides
 * Netid when one table is shown, State when one state is).
 *
 * One quirk is kept on purpose: `ss` measures a token when the next field starts, so the last
 * socket's last field does not count towards its column's width.
 *
 * @module
 */

/** Column indexes, as `enum col_id` (COL_EXT holds "Process" and everything after it). */
export const COL = {
  netid: 0,
  state: 1,
  recvq: 2,
  sendq: 3,
  addr: 4,
  serv: 5,
  raddr: 6,
  rserv: 7,
  ext: 8,
  proc: 9,
} as const;

interface Column {
  align: "left" | "right";
  header: string;
  ldelim: string;
  disabled: boolean;
  width: number;
  maxLen: number;
}

const encoder = new TextEncoder();
const byteLength = (s: string) => encoder.encode(s).length;

/** The table: write with {@link out}, move with {@link next} / {@link set}, print with {@link render}. */
export class Table {
  readonly #cols: Column[] = [
    { align: "left", header: "Netid", ldelim: "", disabled: false, width: 0, maxLen: 0 },
    { align: "left", header: "State", ldelim: " ", disabled: false, width: 0, maxLen: 0 },
    { align: "left", header: "Recv-Q", ldelim: " ", disabled: false, width: 0, maxLen: 0 },
    { align: "left", header: "Send-Q", ldelim: " ", disabled: false, width: 0, maxLen: 0 },
    { align: "right", header: "Local Address:", ldelim: " ", disabled: false, width: 0, maxLen: 0 },
    { align: "left", header: "Port", ldelim: "", disabled: false, width: 0, maxLen: 0 },
    { align: "right", header: "Peer Address:", ldelim: " ", disabled: false, width: 0, maxLen: 0 },
    { align: "left", header: "Port", ldelim: "", disabled: false, width: 0, maxLen: 0 },
    { align: "left", header: "Process", ldelim: "", disabled: false, width: 0, maxLen: 0 },
    { align: "left", header: "", ldelim: "", disabled: false, width: 0, maxLen: 0 },
  ];
  /** Tokens in order (only of enabled columns), the last one being written. */
  #tokens: string[] | undefined;
  #cur = 0;

  /** Hide a column (ss: `columns[COL_NETID].disabled = 1`). */
  disable(col: number): void {
    this.#cols[col].disabled = true;
  }

  /** Append text to the current field (nothing for a disabled column). */
  out(s: string): void {
    if (this.#cols[this.#cur].disabled) return;
    if (this.#tokens === undefined) this.#tokens = [""];
    this.#tokens[this.#tokens.length - 1] += s;
  }

  #flush(): void {
    const c = this.#cols[this.#cur];
    if (c.disabled || this.#tokens === undefined) return;
    const len = byteLength(this.#tokens[this.#tokens.length - 1]);
    if (len > c.maxLen) c.maxLen = len;
    this.#tokens.push("");
  }

  /** Finish the current field and move to the next column (wrapping after the last). */
  next(): void {
    this.#flush();
    this.#cur = this.#cur === this.#cols.length - 1 ? 0 : this.#cur + 1;
  }

  /** Move to column `col`, finishing the fields on the way. */
  set(col: number): void {
    while (this.#cur !== col) this.next();
  }

  /** The header line (ss: print_header). */
  header(): void {
    while (this.#cur !== this.#cols.length - 1) {
      if (!this.#cols[this.#cur].disabled) this.out(this.#cols[this.#cur].header);
      this.next();
    }
  }

  /** The text, as `ss` prints it to a pipe. */
  render(): string {
    const tokens = this.#tokens;
    if (tokens === undefined) return "";
    const cols = this.#cols;
    let first = true;
    for (const c of cols) {
      if (c.disabled) continue;
      c.width = !first && c.maxLen > 0 ? c.maxLen + c.ldelim.length : c.maxLen;
      if (c.width > 0) first = false;
    }
    let out = "";
    let f = 0;
    while (f < cols.length && cols[f].width === 0) f++;
    let lineStarted = false;
    for (const t of tokens) {
      const c = cols[f];
      let printed = 0;
      if (lineStarted) {
        out += c.ldelim;
        printed = c.ldelim.length;
      }
      lineStarted = true;
      const len = byteLength(t);
      if (c.width > 0 && c.align === "right") {
        const s = c.width - len - printed;
        if (s > 0) {
          out += " ".repeat(s);
          printed += s;
        }
      }
      out += t;
      printed += len;
      if (c.width > 0 && c.align === "left") {
        const s = c.width - printed;
        if (s > 0) out += " ".repeat(s);
      }
      do {
        if (f === cols.length - 1) {
          out += "\n";
          f = 0;
          lineStarted = false;
        } else f++;
      } while (cols[f].disabled);
    }
    if (lineStarted) out += "\n";
    this.#tokens = undefined;
    this.#cur = 0;
    return out;
  }
}
