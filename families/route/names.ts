/**
 * Names for numbers, as iproute2 reads and prints them: routing tables, route protocols,
 * scopes, realms, device groups and DS fields from iproute2's databases (`/etc/iproute2/
 * rt_tables`, `rt_tables.d/*.conf`, `rt_protos`, `rt_protos.d/*.conf`, `rt_scopes`,
 * `rt_realms`, `group`, `rt_dsfield`, over iproute2's built-in defaults), route types, address
 * families and link types. Every typed object of the route API prints these names where it
 * knows one (a number where it does not), and every option takes the name or the number.
 *
 * The files are read once, on first use, like iproute2 reads them (`0x`-prefixed or decimal
 * id, then the name; `#` comments; a later entry for the same id wins); a file that cannot be
 * read (missing, or no read permission) leaves the defaults. {@link reloadNames} reads them
 * again.
 *
 * @example
 * ```ts
 * import { nameOf, numberOf } from "@netlink/netlink";
 * nameOf("table", 254); // "main"
 * nameOf("table", 100); // 100 (no name in rt_tables)
 * numberOf("protocol", "static"); // 4
 * numberOf("table", "0x64"); // 100
 * ```
 *
 * @module
 */
import { RTM_TYPE } from "../generated/rt_route.ts";

/** The name databases: what {@link nameOf} and {@link numberOf} look values up in. */
export type NameDatabase =
  | "table"
  | "protocol"
  | "scope"
  | "realm"
  | "group"
  | "dsfield"
  | "type"
  | "family";

/** Where iproute2 keeps its databases, in the order they are tried for each file. */
export const NAME_DIRS: readonly string[] = [
  "/etc/iproute2",
  "/usr/lib/iproute2",
  "/usr/share/iproute2",
];

/** iproute2's built-in entries (lib/rt_names.c), before the files are read. */
const DEFAULTS: Record<Exclude<NameDatabase, "type" | "family">, [number, string][]> = {
  table: [[253, "default"], [254, "main"], [255, "local"]],
  protocol: [
    [0, "unspec"],
    [1, "redirect"],
    [2, "kernel"],
    [3, "boot"],
    [4, "static"],
    [8, "gated"],
    [9, "ra"],
    [10, "mrt"],
    [11, "zebra"],
    [12, "bird"],
    [13, "dnrouted"],
    [14, "xorp"],
    [15, "ntk"],
    [16, "dhcp"],
    [18, "keepalived"],
    [42, "babel"],
    [186, "bgp"],
    [187, "isis"],
    [188, "ospf"],
    [189, "rip"],
    [192, "eigrp"],
  ],
  scope: [[0, "global"], [200, "site"], [253, "link"], [254, "host"], [255, "nowhere"]],
  realm: [[0, "unknown"]],
  group: [[0, "default"]],
  dsfield: [],
};

/** The files of each database, relative to a {@link NAME_DIRS} entry (`.d` directories last). */
const FILES: Record<keyof typeof DEFAULTS, { file: string; dir?: string; max: number }> = {
  table: { file: "rt_tables", dir: "rt_tables.d", max: 0xffffffff },
  protocol: { file: "rt_protos", dir: "rt_protos.d", max: 255 },
  scope: { file: "rt_scopes", max: 255 },
  realm: { file: "rt_realms", max: 255 },
  group: { file: "group", max: 0x7fffffff },
  dsfield: { file: "rt_dsfield", max: 255 },
};

/** Route types (`RTN_*`) by the names `ip route` reads and prints (ip/rtm_map.c). */
const TYPE_NAMES: [number, string][] = [
  [RTM_TYPE.UNSPEC, "none"],
  ...Object.entries(RTM_TYPE).filter(([k]) => k !== "UNSPEC").map(([k, v]) =>
    [v, k.toLowerCase()] as [number, string]
  ),
];

/** Address families (`AF_*` of linux/socket.h) by the names iproute2 uses. */
export const ADDRESS_FAMILIES = {
  unspec: 0,
  inet: 2,
  bridge: 7,
  inet6: 10,
  link: 17,
  mpls: 28,
} as const;

/** A family by name or number. */
export type FamilyName = keyof typeof ADDRESS_FAMILIES;

interface Table {
  byNumber: Map<number, string>;
  byName: Map<string, number>;
  /** `byNumber` for 0..255, where most ids are: an array read instead of a hash. */
  small: (string | undefined)[];
}

let tables: Map<NameDatabase, Table> | undefined;

interface FsLike {
  readFileSync(path: string, encoding: "utf8"): string;
  readdirSync(path: string): string[];
}

interface DenoFs {
  readTextFileSync(path: string): string;
  readDirSync(path: string): Iterable<{ name: string }>;
}

/**
 * The file calls: Deno's own under Deno (reaching for `node:fs` there would load Deno's Node
 * compatibility layer, tens of ms, for a few small files), else `node:fs` (Bun); undefined
 * when there is none.
 */
function fs(): FsLike | undefined {
  const deno = (globalThis as { Deno?: DenoFs }).Deno;
  if (deno !== undefined) {
    return {
      readFileSync: (path) => deno.readTextFileSync(path),
      readdirSync: (path) => [...deno.readDirSync(path)].map((e) => e.name),
    };
  }
  const p = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
  return p?.getBuiltinModule?.("node:fs") as FsLike | undefined;
}

function readText(path: string): string | undefined {
  try {
    return fs()?.readFileSync(path, "utf8");
  } catch {
    return undefined; // missing, unreadable, or no permission: iproute2 ignores it too
  }
}

/** iproute2's `fread_id_name`: `0xID NAME` or `ID NAME`, `#` comments, blank lines. */
export function parseNameFile(text: string, max: number): [number, string][] {
  const out: [number, string][] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/^[ \t]+/, "");
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(0x[0-9a-fA-F]+|-?[0-9]+)[ \t]+([^\s#]+)/.exec(line);
    if (m === null) break; // "Database … is corrupted": iproute2 stops reading the file
    const id = m[1].startsWith("0x") ? parseInt(m[1].slice(2), 16) : Number(m[1]);
    if (id >= 0 && id <= max) out.push([id, m[2]]);
  }
  return out;
}

/**
 * Databases iproute2 reads lazily, only for an id its built-in table lacks: there a built-in
 * name stays (realm 0 is "unknown" though the stock rt_realms says "cosmos").
 */
const LAZY = new Set<keyof typeof DEFAULTS>(["protocol", "scope", "realm"]);

function load(db: keyof typeof DEFAULTS): [number, string][] {
  const entries: [number, string][] = LAZY.has(db) ? [] : [...DEFAULTS[db]];
  const { file, dir, max } = FILES[db];
  for (const base of NAME_DIRS) {
    const text = readText(`${base}/${file}`);
    if (text === undefined) continue;
    entries.push(...parseNameFile(text, max));
    break;
  }
  if (dir !== undefined) {
    for (const base of NAME_DIRS) {
      let names: string[];
      try {
        names = fs()?.readdirSync(`${base}/${dir}`) ?? [];
      } catch {
        continue;
      }
      for (const n of names.filter((n) => n.endsWith(".conf")).sort()) {
        const text = readText(`${base}/${dir}/${n}`);
        if (text !== undefined) entries.push(...parseNameFile(text, max));
      }
      break;
    }
  }
  if (LAZY.has(db)) entries.push(...DEFAULTS[db]);
  return entries;
}

function table(db: NameDatabase): Table {
  tables ??= new Map();
  let t = tables.get(db);
  if (t === undefined) {
    const entries = db === "type"
      ? TYPE_NAMES
      : db === "family"
      ? Object.entries(ADDRESS_FAMILIES).map(([k, v]) => [v, k] as [number, string])
      : load(db);
    t = { byNumber: new Map(), byName: new Map(), small: new Array(256).fill(undefined) };
    for (const [id, name] of entries) {
      t.byNumber.set(id, name); // a later entry for an id wins, as in iproute2
      if (id >= 0 && id < 256) t.small[id] = name;
      if (!t.byName.has(name)) t.byName.set(name, id);
    }
    if (db === "type") t.byName.set("unspec", RTM_TYPE.UNSPEC);
    tables.set(db, t);
  }
  return t;
}

/**
 * Forget what was read from iproute2's files; the next lookup reads them again.
 *
 * @example
 * ```ts
 * import { reloadNames } from "@netlink/netlink";
 * reloadNames(); // after editing /etc/iproute2/rt_tables
 * ```
 */
export function reloadNames(): void {
  tables = undefined;
}

/**
 * The name of `value` in `db` (`"main"` for table 254), or the number itself when the
 * database has no name for it.
 *
 * @example
 * ```ts
 * import { nameOf } from "@netlink/netlink";
 * nameOf("scope", 253); // "link"
 * nameOf("type", 6); // "blackhole"
 * nameOf("family", 10); // "inet6"
 * ```
 */
export function nameOf(db: NameDatabase, value: number): string | number {
  const t = table(db);
  return (value >= 0 && value < 256 ? t.small[value] : t.byNumber.get(value)) ?? value;
}

/** The largest value of each database. */
const MAX: Record<NameDatabase, number> = {
  table: 0xffffffff,
  protocol: 255,
  scope: 255,
  realm: 0xffff,
  group: 0xffffffff,
  dsfield: 255,
  type: 255,
  family: 255,
};

/**
 * `strtoul(text, &end, 0)` as iproute2 reads numbers: decimal, `0x` hexadecimal or `0`
 * octal, all of the text, at most `max`; undefined otherwise.
 *
 * @example
 * ```ts
 * import { parseNumber } from "@netlink/netlink";
 * parseNumber("0x10", 255); // 16
 * parseNumber("abc", 255); // undefined
 * ```
 */
export function parseNumber(text: string, max = 0xffffffff): number | undefined {
  let n: number;
  if (/^0x[0-9a-f]+$/i.test(text)) n = parseInt(text.slice(2), 16);
  else if (/^0[0-7]+$/.test(text)) n = parseInt(text, 8);
  else if (/^[0-9]+$/.test(text)) n = Number(text);
  else return undefined;
  return n <= max ? n : undefined;
}

/**
 * The number of a name in `db`, or of a number given as a number or as text (`"100"`,
 * `"0x64"`).
 *
 * @throws {TypeError} for a name the database does not have; {@link RangeError} for a number
 * out of the database's range.
 * @example
 * ```ts
 * import { numberOf } from "@netlink/netlink";
 * numberOf("table", "local"); // 255
 * numberOf("table", 1000); // 1000
 * numberOf("dsfield", "AF11"); // 40
 * ```
 */
export function numberOf(db: NameDatabase, value: string | number): number {
  const max = MAX[db];
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0 || value > max) {
      throw new RangeError(`A ${db} must be an integer in 0..${max}, got ${value}`);
    }
    return value;
  }
  if (typeof value !== "string") {
    throw new TypeError(`A ${db} is a name or a number, got ${String(value)}`);
  }
  const named = table(db).byName.get(value);
  if (named !== undefined) return named;
  const n = parseNumber(value, max);
  if (n === undefined) {
    const known = [...table(db).byName.keys()].join(", ");
    throw new TypeError(`Unknown ${db} "${value}": use a number or one of ${known}`);
  }
  return n;
}

/** Every name of `db` with its number (defaults, then what the files add). */
export function namesOf(db: NameDatabase): ReadonlyMap<string, number> {
  return table(db).byName;
}

/** `ARPHRD_*` (linux/if_arp.h) by the names iproute2 prints them with (lib/ll_types.c). */
const LINK_TYPES: Record<number, string> = {
  0: "netrom",
  1: "ether",
  2: "eether",
  3: "ax25",
  4: "pronet",
  5: "chaos",
  6: "ieee802",
  7: "arcnet",
  8: "atalk",
  15: "dlci",
  19: "atm",
  23: "metricom",
  24: "ieee1394",
  32: "infiniband",
  256: "slip",
  257: "cslip",
  258: "slip6",
  259: "cslip6",
  260: "rsrvd",
  264: "adapt",
  270: "rose",
  271: "x25",
  272: "hwx25",
  280: "can",
  512: "ppp",
  513: "hdlc",
  516: "lapb",
  517: "ddcmp",
  518: "rawhdlc",
  768: "ipip",
  769: "tunnel6",
  770: "frad",
  771: "skip",
  772: "loopback",
  773: "ltalk",
  774: "fddi",
  775: "bif",
  776: "sit",
  778: "gre",
  779: "pimreg",
  780: "hippi",
  781: "ash",
  782: "econet",
  783: "irda",
  784: "fcpp",
  785: "fcal",
  786: "fcpl",
  800: "tr",
  801: "ieee802.11",
  802: "ieee802.11/prism",
  803: "ieee802.11/radiotap",
  804: "ieee802.15.4",
  805: "ieee802.15.4/monitor",
  820: "phonet",
  821: "phonet_pipe",
  822: "caif",
  823: "gre6",
  824: "netlink",
  825: "6lowpan",
  0xfffe: "none",
  0xffff: "void",
};
for (let i = 0; i <= 12; i++) LINK_TYPES[787 + i] = `fcfb${i}`;

/**
 * The name iproute2 prints for a link type (`ifi_type`, `ARPHRD_*`): `"ether"`, `"loopback"`,
 * `"none"`…, or `"[N]"` for a type it has no name for.
 *
 * @example
 * ```ts
 * import { linkTypeName } from "@netlink/netlink";
 * linkTypeName(772); // "loopback"
 * ```
 */
export function linkTypeName(type: number): string {
  return LINK_TYPES[type] ?? `[${type}]`;
}
