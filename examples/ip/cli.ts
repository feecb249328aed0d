/**
 * Command-line plumbing of `ip.ts`: the runtime (Deno or Bun) without `node:` imports, global
 * options, the shared context every object printer gets, argument cursors and iproute2-style
 * errors. Everything netlink goes through the library's public API (`../../mod.ts`).
 *
 * @module
 */
import { LinkNotFoundError } from "../../families/route/errors.ts";
import { linkIndex, listLinks } from "../../families/route/link.ts";
import type { Link } from "../../families/route/link_object.ts";
import { type NameDatabase, nameOf, numberOf, parseNumber } from "../../families/route/names.ts";
import type { Rtnl } from "../../families/route/rtnl.ts";
import { writeStdout } from "../_io.ts";
import { Printer } from "./json.ts";

export { args, exit, stderr, stdout } from "../_io.ts";

/** A usage or argument error: printed as is, exit code 1 (or `code`). */
export class UsageError extends Error {
  /** The exit code. */
  readonly code: number;
  /** An error printing `message` and exiting with `code`. */
  constructor(message: string, code = 1) {
    super(message);
    this.code = code;
  }
}

/** The global options (`-j -p -d -s -h -4 -6 -n -o -br -t -ts`). */
export interface Options {
  /** `-j`: JSON output. */
  json: boolean;
  /** `-p`: pretty JSON. */
  pretty: boolean;
  /** How many `-d` were given. */
  details: number;
  /** How many `-s` were given. */
  stats: number;
  /** `-h`/`-human`: counters with k/M/G suffixes. */
  human: boolean;
  /** 0 (any), 2 (inet), 10 (inet6), 17 (link) */
  family: number;
  /** `-n NETNS`. */
  netns?: string;
  /** `-o`: one line per record. */
  oneline: boolean;
  /** `-br`: brief output. */
  brief: boolean;
  /** `-t` (1) or `-ts` (2): timestamps in `monitor`. */
  timestamp: number;
}

/** What a link looks like to other printers (`ll_index_to_name` and friends). */
export interface LinkInfo {
  /** Interface name. */
  name: string;
  /** `ifi_flags` (`IFF_*`). */
  flags: number;
  /** `ifi_type` (`ARPHRD_*`). */
  type: number;
}

/** A {@link LinkInfo} from a listed link. */
export function linkInfo(l: Link): LinkInfo {
  return { name: l.name, flags: l.message.header.ifiFlags, type: l.message.header.ifiType };
}

/** Shared by the object printers. */
export class Context {
  /** The rtnetlink connection. */
  readonly rt: Rtnl;
  /** The global options. */
  readonly opts: Options;
  /** Where output is collected (and written to standard output in large chunks). */
  readonly p: Printer;
  #links?: Map<number, LinkInfo>;

  /** A context for one command. */
  constructor(rt: Rtnl, opts: Options) {
    this.rt = rt;
    this.opts = opts;
    this.p = new Printer(opts.json, opts.pretty, writeStdout);
  }

  /** Remember links from a listing already made (saves a second dump). */
  setLinks(links: Map<number, LinkInfo>): void {
    this.#links = links;
  }

  /** The ifindex → link map (`ll_init_map`). */
  async links(): Promise<Map<number, LinkInfo>> {
    if (this.#links) return this.#links;
    const m = new Map<number, LinkInfo>();
    for (const l of await listLinks(this.rt)) m.set(l.index, linkInfo(l));
    this.#links = m;
    return m;
  }

  /** `ll_index_to_name`. */
  async name(index: number): Promise<string> {
    return (await this.links()).get(index)?.name ?? `if${index}`;
  }

  /** `ll_name_to_index`, or a "Cannot find device" error. */
  async index(name: string): Promise<number> {
    for (const [i, l] of await this.links()) if (l.name === name) return i;
    if (/^if[0-9]+$/.test(name)) return Number(name.slice(2));
    try {
      return await linkIndex(this.rt, name); // an alternative name
    } catch (e) {
      if (e instanceof LinkNotFoundError) throw new UsageError(e.message);
      throw e;
    }
  }

  /**
   * A record is complete: write what the printer holds if it is a large chunk. Everything
   * left is written when the command ends (`ip.ts` calls `p.flush()`).
   */
  flush(): void {
    this.p.boundary();
  }
}

/** `matches(arg, word)`: `arg` is a non-empty prefix of `word`. */
export function matches(arg: string | undefined, word: string): boolean {
  return arg !== undefined && arg.length > 0 && word.startsWith(arg);
}

/** A cursor over the command's arguments. */
export class Args {
  readonly #a: string[];
  #i = 0;
  /** A cursor at the first of `a`. */
  constructor(a: string[]) {
    this.#a = a;
  }
  /** Whether arguments are left. */
  get more(): boolean {
    return this.#i < this.#a.length;
  }
  /** The next argument, not consumed. */
  peek(): string | undefined {
    return this.#a[this.#i];
  }
  /** The next argument, consumed. */
  next(): string {
    return this.#a[this.#i++];
  }
  /** `NEXT_ARG()`: the value after a keyword. */
  value(keyword?: string): string {
    void keyword;
    if (this.#i >= this.#a.length) {
      throw new UsageError(`Command line is not complete. Try option "help"`, 255);
    }
    return this.#a[this.#i++];
  }
  /** The value after a keyword as an unsigned number (`strtoul` base 0), or `invarg(msg)`. */
  number(msg: string, max = 0xffffffff): number {
    const v = this.value();
    return parseNumber(v, max) ?? invarg(msg, v);
  }
  /** The value after a keyword from a name database (name or number), or `invarg(msg)`. */
  named(db: NameDatabase, msg: string): number {
    const v = this.value();
    try {
      return numberOf(db, v);
    } catch {
      return invarg(msg, v);
    }
  }
}

/** `invarg`: `Error: argument "ARG" is wrong: MSG`, exit 255. */
export function invarg(msg: string, arg: string): never {
  throw new UsageError(`Error: argument "${arg}" is wrong: ${msg}`, 255);
}

/** `duparg2`: a word that is neither a keyword nor the expected value. */
export function garbage(key: string, arg: string): never {
  throw new UsageError(`Error: either "${key}" is duplicate, or "${arg}" is a garbage.`, 255);
}

/** `Command "WORD" is unknown, try "ip OBJECT help".`, exit 255. */
export function unknownCommand(word: string, object: string): never {
  throw new UsageError(`Command "${word}" is unknown, try "ip ${object} help".`, 255);
}

/** A name database entry as text: the name, or the number in decimal. */
export function nameText(db: NameDatabase, n: number): string {
  return String(nameOf(db, n));
}
