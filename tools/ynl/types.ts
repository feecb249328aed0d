/**
 * One emitter per YNL attribute type: the TypeScript type of a decoded value and the fields of
 * its entry in the codec's attribute table (`AttributeSpec` of codec/schema.ts).
 *
 * @module
 */
import type { Attribute, AttrType } from "./model.ts";
import { camelCase, type Lit, ynameIfLost } from "./text.ts";

/** What an emitter needs to know about the rest of the family. */
export interface TypeContext {
  /** Interface of struct `name` (throws when there is none). */
  structIface(name: string): string;
  /** Interface of attribute set `name` (throws when there is none). */
  setIface(name: string): string;
  /** Interface of the formats of sub-message `name` (throws when there is none). */
  subMessageIface(name: string): string;
}

/** The emitter of one attribute type. */
export interface TypeEmitter {
  /** TS type of one value (before `multi-attr`); undefined: not in decoded objects. */
  ts(a: Attribute, ctx: TypeContext, where: string): string | undefined;
  /** Table fields of this type (besides name, value, type and the common ones). */
  entry(a: Attribute, ctx: TypeContext, where: string): Record<string, Lit | undefined>;
}

const INT_TS: Readonly<Record<string, string>> = {
  u8: "number",
  u16: "number",
  u32: "number",
  s8: "number",
  s16: "number",
  s32: "number",
  u64: "bigint",
  s64: "bigint",
  uint: "number | bigint",
  sint: "number | bigint",
};

/** TS type of an integer type, or undefined for other types. */
export function intTs(t: string | undefined): string | undefined {
  return t === undefined ? undefined : INT_TS[t];
}

/** `T[]`, parenthesised when `T` is a union or intersection. */
export function arrayOf(t: string): string {
  return /[ |&]/.test(t) ? `(${t})[]` : `${t}[]`;
}

function need(a: Attribute, key: keyof Attribute, where: string): string {
  const v = a[key];
  if (typeof v !== "string") throw new Error(`${where}: ${a.type} needs ${key}`);
  return v;
}

const none = (): Record<string, Lit | undefined> => ({});

const integer: TypeEmitter = { ts: (a) => INT_TS[a.type!], entry: none };

const nest: TypeEmitter = {
  ts: (a, ctx, where) => ctx.setIface(need(a, "nested-attributes", where)),
  entry: (a, ctx, where) => {
    ctx.setIface(need(a, "nested-attributes", where));
    return { nested: a["nested-attributes"] };
  },
};

/** The TS type of a single element of type `t` (indexed-array entries). */
function elementTs(t: AttrType, a: Attribute, ctx: TypeContext, where: string): string {
  if (t === "nest") return ctx.setIface(need(a, "nested-attributes", where));
  if (t === "binary" && a.struct !== undefined) return ctx.structIface(a.struct);
  const leaf = intTs(t) ??
    { flag: "boolean", string: "string", binary: "Uint8Array", bitfield32: "Bitfield32" }[
      t as string
    ];
  if (leaf === undefined) throw new Error(`${where}: unsupported element type ${t}`);
  return leaf;
}

/** Emitters by YNL type. */
export const EMITTERS: Readonly<Record<AttrType, TypeEmitter>> = {
  unused: { ts: () => undefined, entry: none },
  pad: { ts: () => undefined, entry: none },
  flag: { ts: () => "boolean", entry: none },
  u8: integer,
  u16: integer,
  u32: integer,
  u64: integer,
  s8: integer,
  s16: integer,
  s32: integer,
  s64: integer,
  uint: integer,
  sint: integer,
  string: { ts: () => "string", entry: none },
  bitfield32: { ts: () => "Bitfield32", entry: none },
  binary: {
    // A struct, an array of integers (`sub-type`), or bytes.
    ts: (a, ctx, where) => {
      if (a.struct !== undefined) return ctx.structIface(a.struct);
      const sub = intTs(a["sub-type"]);
      if (a["sub-type"] !== undefined && sub === undefined) {
        throw new Error(`${where}: binary sub-type ${a["sub-type"]} is not an integer type`);
      }
      return sub === undefined ? "Uint8Array" : arrayOf(sub.replace("number | bigint", "number"));
    },
    entry: (a, ctx) => {
      if (a.struct !== undefined) ctx.structIface(a.struct);
      return { subType: a["sub-type"], struct: a.struct };
    },
  },
  nest,
  "indexed-array": {
    ts: (a, ctx, where) =>
      arrayOf(elementTs(need(a, "sub-type", where) as AttrType, a, ctx, where)),
    entry: (a, ctx, where) => {
      const st = need(a, "sub-type", where) as AttrType;
      elementTs(st, a, ctx, where);
      return {
        nested: a["nested-attributes"],
        subType: st,
        struct: a.struct,
      };
    },
  },
  "nest-type-value": {
    ts: (a, ctx, where) => {
      const ids = (a["type-value"] ?? []).map((n) => `${camelCase(n)}: number`).join("; ");
      return `({ ${ids} } & ${ctx.setIface(need(a, "nested-attributes", where))})[]`;
    },
    entry: (a, ctx, where) => {
      ctx.setIface(need(a, "nested-attributes", where));
      return { nested: a["nested-attributes"] };
    },
  },
  "sub-message": {
    ts: (a, ctx, where) => {
      const iface = ctx.subMessageIface(need(a, "sub-message", where));
      return `${iface}[keyof ${iface}]`;
    },
    entry: (a, ctx, where) => {
      ctx.subMessageIface(need(a, "sub-message", where));
      return { subMessage: a["sub-message"], selector: camelCase(need(a, "selector", where)) };
    },
  },
};

/** Order of the fields of a table entry. */
const FIELD_ORDER = [
  "name",
  "yname",
  "value",
  "type",
  "byteOrder",
  "multi",
  "nested",
  "subType",
  "struct",
  "enum",
  "enumAsFlags",
  "display",
  "subMessage",
  "selector",
  "typeValue",
];

function emitterOf(a: Attribute, where: string): TypeEmitter {
  const e = a.type === undefined ? undefined : EMITTERS[a.type];
  if (e === undefined) throw new Error(`${where}: unsupported attribute type ${a.type}`);
  return e;
}

/** TS type of a decoded attribute value (an array for `multi-attr`), or undefined. */
export function attrTs(a: Attribute, ctx: TypeContext, where: string): string | undefined {
  const ts = emitterOf(a, where).ts(a, ctx, where);
  if (ts === undefined) return undefined;
  return a["multi-attr"] ? arrayOf(ts) : ts;
}

/** The codec table entry of an attribute (`key` is its camelCase name). */
export function attrEntry(
  a: Attribute,
  key: string,
  value: number,
  ctx: TypeContext,
  where: string,
): Record<string, Lit | undefined> {
  const fields: Record<string, Lit | undefined> = {
    name: key,
    yname: ynameIfLost(a.name),
    value,
    type: a.type,
    byteOrder: a["byte-order"] === "big-endian" ? "big-endian" : undefined,
    multi: a["multi-attr"] ? true : undefined,
    enum: a.enum,
    enumAsFlags: a["enum-as-flags"] ? true : undefined,
    display: a["display-hint"],
    typeValue: a["type-value"]?.map((n) => camelCase(n)),
    ...emitterOf(a, where).entry(a, ctx, where),
  };
  const out: Record<string, Lit | undefined> = {};
  for (const k of FIELD_ORDER) if (fields[k] !== undefined) out[k] = fields[k];
  return out;
}
