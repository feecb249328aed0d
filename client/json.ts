/**
 * YNL JSON: decoded messages ⇄ plain JSON with the attribute names the specs write, as the
 * kernel's own `tools/net/ynl` CLI reads and prints them. The codec decodes into camelCase
 * keys, `bigint`s and `Uint8Array`s; this module turns those into JSON and back, walking the
 * family's tables:
 *
 * | decoded | JSON |
 * | --- | --- |
 * | key `netNsPid` | key `"net-ns-pid"` (kebab-case; input also accepts camelCase or snake_case) |
 * | `bigint` (u64, s64, large uint/sint) | a number when it is a safe integer, else a decimal string |
 * | integer with an enum | the entry name (`"cmd-cap-do"`); flags: an array of names (bits no entry names stay numbers) |
 * | integer with display hint `ipv4` | `"192.0.2.1"`; hint `hex`: `"0x1f"` |
 * | `Uint8Array` | per display hint: `mac` `"aa:bb:…"`, `ipv4`/`ipv6` addresses, `uuid`; otherwise (or `hex`) lower-case hex `"0a1b"` |
 * | fixed header of a message | its members, merged with the attributes in one object |
 *
 * Input accepts all of the above, plus numbers for enums, decimal or `0x` strings for any
 * integer and arrays of byte values for binary. Attributes the spec does not describe (kept
 * raw by the codec under `UNKNOWN`) and `pad`s are left out of the JSON.
 *
 * Spec names come back from the generated tables' camelCase keys: a dash goes before each
 * capital letter and everything is lower-cased. For the few spec names with an underscore, a
 * capital letter or a dash before a digit (`if_idx`, `support-5-mhz`, `link-64`), the printed
 * name differs from the spec's; input matches them whatever the spelling.
 *
 * @example
 * ```ts
 * import { messageToJson, requestFromJson } from "@netlink/netlink";
 * import * as ethtool from "@netlink/netlink/ethtool";
 * const op = ethtool.operations.linkinfoGet;
 * const { attrs } = requestFromJson(op, { header: { "dev-name": "v0" } });
 * attrs; // { header: { devName: "v0" } }
 * declare const reply: Parameters<typeof messageToJson>[0];
 * console.log(JSON.stringify(messageToJson(reply))); // {"header":{"dev-index":3,…},"port":0,…}
 * ```
 *
 * @module
 */
import type {
  AttributeSet,
  AttributeSpec,
  DecodedMessage,
  Family,
  MemberSpec,
  Operation,
  StructType,
  SubMessageFormatSpec,
} from "../codec/ynl/mod.ts";
import {
  enumFromJson,
  formatFor,
  indexOf,
  INT_TYPES,
  integerFromJson,
  intFromJson,
  intToJson,
  lookup,
  membersOf,
  normal,
  plain,
} from "./_json_tables.ts";
import {
  bytesFromJson,
  bytesToJson,
  enumToJson,
  type Json,
  type JsonObject,
  specName,
  specNameOf,
} from "./json_values.ts";

export * from "./json_values.ts";

// ---------------------------------------------------------------------------
// Decoded → JSON
// ---------------------------------------------------------------------------

/**
 * A decoded struct as JSON: members by spec name, enums by name, display hints applied.
 *
 * @example
 * ```ts
 * import { rtLink, structToJson } from "@netlink/netlink";
 * structToJson(rtLink.family.struct("ifinfomsg"), { ifiIndex: 1, ifiFlags: 9 });
 * // { "ifi-index": 1, "ifi-flags": [ "up", "loopback" ] }
 * ```
 */
export function structToJson<T extends object>(struct: StructType<T>, value: T): JsonObject {
  const s = struct as unknown as StructType<object>;
  const v = value as Record<string, unknown>;
  const out: JsonObject = {};
  for (const m of membersOf(s)) {
    const x = v[m.name];
    if (x === undefined) continue;
    out[specNameOf(m)] = memberToJson(s.family, m, x);
  }
  return out;
}

function memberToJson(family: Family, m: MemberSpec, x: unknown): Json {
  if (m.struct !== undefined && x !== null && typeof x === "object" && !(x instanceof Uint8Array)) {
    return structToJson(family.struct(m.struct), x);
  }
  if (INT_TYPES.has(m.type)) return intToJson(family, m, x);
  if (x instanceof Uint8Array) return bytesToJson(x, m.display);
  return plain(x);
}

/**
 * Decoded attributes of `set` as JSON (see the module notes for the mapping).
 *
 * @example
 * ```ts
 * import { attrsToJson } from "@netlink/netlink";
 * import * as ethtool from "@netlink/netlink/ethtool";
 * attrsToJson(ethtool.channels, { header: { devName: "v0" }, rxMax: 2, rxCount: 1 });
 * // { header: { "dev-name": "v0" }, "rx-max": 2, "rx-count": 1 }
 * ```
 */
export function attrsToJson<T extends object>(set: AttributeSet<T>, value: T): JsonObject {
  return setToJson(set as unknown as AttributeSet<object>, value as Record<string, unknown>, []);
}

function setToJson(
  set: AttributeSet<object>,
  obj: Record<string, unknown>,
  up: readonly Record<string, unknown>[],
): JsonObject {
  const ix = indexOf(set.attributes, set);
  const scope = [obj, ...up];
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    const a = ix.byKey.get(k);
    if (a === undefined) {
      out[specName(k)] = plain(v);
      continue;
    }
    if (a.type === "pad" || a.type === "unused") continue;
    out[specNameOf(a)] = a.multi && Array.isArray(v)
      ? v.map((x) => attrToJson(set, a, x, scope))
      : attrToJson(set, a, v, scope);
  }
  return out;
}

function attrToJson(
  set: AttributeSet<object>,
  a: AttributeSpec,
  v: unknown,
  scope: readonly Record<string, unknown>[],
): Json {
  const family = set.family;
  switch (a.type) {
    case "nest":
      return setToJson(family.attributeSet(a.nested!), v as Record<string, unknown>, scope);
    case "indexed-array": {
      if (!Array.isArray(v)) return plain(v);
      return v.map((x) => {
        if (a.subType === "nest") {
          return setToJson(family.attributeSet(a.nested!), x as Record<string, unknown>, scope);
        }
        if (a.struct !== undefined && !(x instanceof Uint8Array)) {
          return structToJson(family.struct(a.struct), x as object);
        }
        return leafToJson(family, { ...a, type: a.subType ?? "binary" }, x);
      });
    }
    case "nest-type-value": {
      if (!Array.isArray(v)) return plain(v);
      const levels = new Set(a.typeValue ?? []);
      const nested = family.attributeSet(a.nested!);
      return v.map((item: Record<string, unknown>) => {
        const ids: JsonObject = {};
        const rest: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(item)) {
          if (levels.has(k)) ids[specName(k)] = plain(x);
          else rest[k] = x;
        }
        return { ...ids, ...setToJson(nested, rest, scope) };
      });
    }
    case "sub-message": {
      const f = formatFor(family, set, a, lookup(scope, a.selector ?? ""));
      if (f === undefined) return plain(v);
      return formatToJson(family, f, v as Record<string, unknown>, scope);
    }
    default:
      return leafToJson(family, a, v);
  }
}

function formatToJson(
  family: Family,
  f: SubMessageFormatSpec,
  v: Record<string, unknown>,
  scope: readonly Record<string, unknown>[],
): JsonObject {
  let out: JsonObject = {};
  const rest: Record<string, unknown> = { ...v };
  if (f.fixedHeader !== undefined) {
    const struct = family.struct(f.fixedHeader);
    out = structToJson(struct, v);
    for (const m of struct.members) delete rest[m.name];
  }
  if (f.attributeSet !== undefined) {
    const set = family.attributeSet(f.attributeSet);
    // An attribute named like a header member was decoded as `<name>Attr`.
    for (const k of Object.keys(rest)) {
      if (k.endsWith("Attr") && indexOf(set.attributes, set).byKey.has(k.slice(0, -4))) {
        rest[k.slice(0, -4)] = rest[k];
        delete rest[k];
      }
    }
    Object.assign(out, setToJson(set, rest, scope));
  }
  return out;
}

function leafToJson(family: Family, a: AttributeSpec, v: unknown): Json {
  if (INT_TYPES.has(a.type)) return intToJson(family, a, v);
  if (a.type === "bitfield32" && v !== null && typeof v === "object") {
    const bf = v as { value: number; selector: number };
    return a.enum !== undefined && family.spec.enums?.[a.enum] !== undefined
      ? {
        value: enumToJson(family, a.enum, bf.value, true),
        selector: enumToJson(family, a.enum, bf.selector, true),
      }
      : { value: bf.value, selector: bf.selector };
  }
  if (a.type === "binary") {
    if (
      a.struct !== undefined && v !== null && typeof v === "object" && !(v instanceof Uint8Array)
    ) {
      return structToJson(family.struct(a.struct), v);
    }
    if (Array.isArray(v)) {
      return v.map((x) => intToJson(family, { ...a, type: a.subType ?? "u8" }, x));
    }
    if (v instanceof Uint8Array) return bytesToJson(v, a.display);
  }
  return plain(v);
}

/**
 * A decoded message as one JSON object: the fixed header's members, then the attributes.
 *
 * @example
 * ```ts
 * import { Client, messageToJson, rtLink } from "@netlink/netlink";
 * await using rt = await Client.open(rtLink.family);
 * for await (const link of rt.dump(rtLink.operations.getlink)) {
 *   console.log(JSON.stringify(messageToJson(link))); // {"ifi-family":0,…,"ifname":"lo",…}
 * }
 * ```
 */
export function messageToJson<H extends object, A extends object>(
  message: DecodedMessage<H, A>,
): JsonObject {
  const op = message.operation as unknown as Operation<object, object>;
  const out: JsonObject = {};
  if (op.fixedHeader !== undefined) {
    Object.assign(out, structToJson(op.fixedHeader, message.header));
  }
  if (op.attributeSet !== undefined) {
    Object.assign(out, attrsToJson(op.attributeSet, message.attrs as object));
  } else Object.assign(out, plain(message.attrs) as JsonObject);
  return out;
}

// ---------------------------------------------------------------------------
// JSON → values to encode
// ---------------------------------------------------------------------------

function objectOf(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new TypeError(`${what} needs a JSON object, got ${JSON.stringify(v)}`);
  }
  return v as Record<string, unknown>;
}

/**
 * JSON (spec names, as {@link structToJson} prints) to struct values to encode.
 *
 * @throws {TypeError} for a member the struct does not have, or a value of the wrong shape.
 * @example
 * ```ts
 * import { rtLink, structFromJson } from "@netlink/netlink";
 * structFromJson(rtLink.family.struct("ifinfomsg"), { "ifi-index": 1 }); // { ifiIndex: 1 }
 * ```
 */
export function structFromJson(
  struct: StructType<object>,
  json: unknown,
): Record<string, unknown> {
  const obj = objectOf(json, `struct ${struct.name}`);
  const members = new Map(membersOf(struct).map((m) => [normal(m.name), m]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const m = members.get(normal(k));
    if (m === undefined) {
      throw new TypeError(
        `struct ${struct.name} of ${struct.family.name} has no member "${k}"; known: ${
          [...members.values()].map(specNameOf).join(", ")
        }`,
      );
    }
    out[m.name] = memberFromJson(struct.family, m, v, `${struct.name}.${specNameOf(m)}`);
  }
  return out;
}

function memberFromJson(family: Family, m: MemberSpec, v: unknown, what: string): unknown {
  if (m.struct !== undefined) return structFromJson(family.struct(m.struct), v);
  if (INT_TYPES.has(m.type)) return intFromJson(family, m, v, what);
  if (m.type === "string") {
    if (typeof v !== "string") throw new TypeError(`${what} needs a string`);
    return v;
  }
  return bytesFromJson(v, m.display, what);
}

/**
 * JSON (spec names, as {@link attrsToJson} prints) to attribute values of `set` to encode.
 *
 * @throws {TypeError} for an attribute the set does not have, or a value of the wrong shape.
 * @example
 * ```ts
 * import { attrsFromJson } from "@netlink/netlink";
 * import * as ethtool from "@netlink/netlink/ethtool";
 * attrsFromJson(ethtool.channels, { header: { "dev-name": "v0" }, "rx-count": 2 });
 * // { header: { devName: "v0" }, rxCount: 2 }
 * ```
 */
export function attrsFromJson<T extends object>(set: AttributeSet<T>, json: unknown): T {
  return setFromJson(set as unknown as AttributeSet<object>, json, []) as T;
}

function setFromJson(
  set: AttributeSet<object>,
  json: unknown,
  up: readonly Record<string, unknown>[],
): Record<string, unknown> {
  const obj = objectOf(json, `attribute set ${set.name}`);
  const ix = indexOf(set.attributes, set);
  const out: Record<string, unknown> = {};
  const scope = [out, ...up];
  const later: [AttributeSpec, unknown][] = [];
  for (const [k, v] of Object.entries(obj)) {
    const a = ix.byNormal.get(normal(k));
    if (a === undefined || a.type === "pad" || a.type === "unused") {
      throw new TypeError(
        `Attribute set ${set.name} of ${set.family.name} has no attribute "${k}"; known: ${
          set.attributes.filter((x) => x.type !== "pad").map(specNameOf).join(", ")
        }`,
      );
    }
    // Sub-messages last: their selector may come after them.
    if (a.type === "sub-message") later.push([a, v]);
    else out[a.name] = multiFromJson(set, a, v, scope);
  }
  for (const [a, v] of later) out[a.name] = multiFromJson(set, a, v, scope);
  return out;
}

function multiFromJson(
  set: AttributeSet<object>,
  a: AttributeSpec,
  v: unknown,
  scope: readonly Record<string, unknown>[],
): unknown {
  if (!a.multi) return attrFromJson(set, a, v, scope);
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => attrFromJson(set, a, x, scope));
}

function attrFromJson(
  set: AttributeSet<object>,
  a: AttributeSpec,
  v: unknown,
  scope: readonly Record<string, unknown>[],
): unknown {
  const family = set.family;
  const what = `${set.name}.${specNameOf(a)}`;
  switch (a.type) {
    case "flag":
      if (typeof v !== "boolean") throw new TypeError(`${what} is a flag: use true or false`);
      return v;
    case "string":
      if (typeof v !== "string") throw new TypeError(`${what} needs a string`);
      return v;
    case "nest":
      return setFromJson(family.attributeSet(a.nested!), v, scope);
    case "indexed-array": {
      if (!Array.isArray(v)) throw new TypeError(`${what} needs an array`);
      return v.map((x, i) => {
        if (a.subType === "nest") return setFromJson(family.attributeSet(a.nested!), x, scope);
        if (a.struct !== undefined) return structFromJson(family.struct(a.struct), x);
        return leafFromJson(family, { ...a, type: a.subType ?? "binary" }, x, `${what}[${i}]`);
      });
    }
    case "nest-type-value": {
      if (!Array.isArray(v)) throw new TypeError(`${what} needs an array`);
      const levels = a.typeValue ?? [];
      const nested = family.attributeSet(a.nested!);
      return v.map((item, i) => {
        const o = objectOf(item, `${what}[${i}]`);
        const ids: Record<string, unknown> = {};
        const rest: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(o)) {
          const level = levels.find((l) => normal(l) === normal(k));
          if (level !== undefined) ids[level] = integerFromJson(x, `${what}[${i}].${k}`);
          else rest[k] = x;
        }
        return { ...ids, ...setFromJson(nested, rest, scope) };
      });
    }
    case "sub-message": {
      const f = formatFor(family, set, a, lookup(scope, a.selector ?? ""));
      if (f === undefined) {
        throw new TypeError(
          `${what}: no format of ${a.subMessage} for ${specName(a.selector ?? "")} = ${
            JSON.stringify(lookup(scope, a.selector ?? ""))
          }`,
        );
      }
      const o = objectOf(v, what);
      const out: Record<string, unknown> = {};
      const rest: Record<string, unknown> = {};
      const members = f.fixedHeader === undefined
        ? new Map<string, MemberSpec>()
        : new Map(membersOf(family.struct(f.fixedHeader)).map((m) => [normal(m.name), m]));
      for (const [k, x] of Object.entries(o)) {
        const m = members.get(normal(k));
        if (m !== undefined) out[m.name] = memberFromJson(family, m, x, `${what}.${k}`);
        else rest[k] = x;
      }
      if (f.attributeSet !== undefined) {
        const attrs = setFromJson(family.attributeSet(f.attributeSet), rest, scope);
        for (const [k, x] of Object.entries(attrs)) {
          out[[...members.values()].some((m) => m.name === k) ? `${k}Attr` : k] = x;
        }
      } else if (Object.keys(rest).length > 0) {
        throw new TypeError(`${what}: unknown keys ${Object.keys(rest).join(", ")}`);
      }
      return out;
    }
    default:
      return leafFromJson(family, a, v, what);
  }
}

function leafFromJson(family: Family, a: AttributeSpec, v: unknown, what: string): unknown {
  if (INT_TYPES.has(a.type)) return intFromJson(family, a, v, what);
  if (a.type === "flag") return v === true;
  if (a.type === "string") {
    if (typeof v !== "string") throw new TypeError(`${what} needs a string`);
    return v;
  }
  if (a.type === "bitfield32") {
    const o = objectOf(v, what);
    const part = (x: unknown) =>
      Number(
        a.enum !== undefined && family.spec.enums?.[a.enum] !== undefined
          ? enumFromJson(family, a.enum, x, true, what)
          : integerFromJson(x, what),
      );
    return { value: part(o.value), selector: part(o.selector) };
  }
  if (a.type === "binary") {
    if (a.struct !== undefined && v !== null && typeof v === "object" && !Array.isArray(v)) {
      return structFromJson(family.struct(a.struct), v);
    }
    if (a.subType !== undefined && INT_TYPES.has(a.subType)) {
      if (!Array.isArray(v)) throw new TypeError(`${what} needs an array of integers`);
      return v.map((x, i) => intFromJson(family, { ...a, type: a.subType! }, x, `${what}[${i}]`));
    }
    return bytesFromJson(v, a.display, what);
  }
  throw new TypeError(`${what}: type ${a.type} cannot be given in JSON`);
}

/**
 * The header and attributes of a request of `op` from one JSON object (spec names): keys
 * that are members of the operation's fixed header go to `header`, the others are
 * attributes.
 *
 * @throws {TypeError} for a key that is neither, or a value of the wrong shape.
 * @example
 * ```ts
 * import { Client, requestFromJson, rtLink } from "@netlink/netlink";
 * const op = rtLink.operations.getlink;
 * const { header, attrs } = requestFromJson(op, { "ifi-index": 1, "ext-mask": ["vf"] });
 * await using rt = await Client.open(rtLink.family);
 * await rt.get(op, { header, attrs });
 * ```
 */
export function requestFromJson<H extends object, A extends object>(
  op: Operation<H, A>,
  json: unknown,
): { header: Partial<H>; attrs: A } {
  const o = op as unknown as Operation<object, object>;
  const obj = objectOf(json ?? {}, `request of ${op.name}`);
  const fixed = o.fixedHeader;
  const members = fixed === undefined
    ? new Set<string>()
    : new Set(membersOf(fixed).map((m) => normal(m.name)));
  const head: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) (members.has(normal(k)) ? head : rest)[k] = v;
  const header = fixed === undefined ? {} : structFromJson(fixed, head);
  const set = o.attributeSet;
  if (set === undefined && Object.keys(rest).length > 0) {
    throw new TypeError(`${op.family.name} ${op.name} has no attributes: ${Object.keys(rest)}`);
  }
  const attrs = set === undefined ? {} : setFromJson(set, rest, []);
  return { header: header as Partial<H>, attrs: attrs as A };
}
