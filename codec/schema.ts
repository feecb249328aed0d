/**
 * Families are data: a table-driven codec for netlink attribute sets, fixed structs,
 * sub-messages and operations, driven by tables generated from the kernel's YNL specs
 * (`tools/ynl_gen.ts` writes them to `families/generated/`).
 *
 * Decoding turns attributes into plain objects keyed by camelCase attribute names:
 *
 * | YNL type | value |
 * | --- | --- |
 * | u8, u16, u32, s8, s16, s32 | `number` |
 * | u64, s64 | `bigint` |
 * | uint, sint (4 or 8 bytes) | `number`, or `bigint` past 2^53 |
 * | flag | `true` |
 * | string | `string` (trailing NULs removed) |
 * | binary | `Uint8Array` (a copy*); with `struct:` an object; with `sub-type:` an array |
 * | nest | an object of the nested set |
 * | indexed-array | an array |
 * | nest-type-value | an array of objects, the type-value ids merged in |
 * | bitfield32 | `{ value, selector }` |
 * | sub-message | the format chosen by the selector attribute (e.g. `kind`) |
 * | multi-attr | an array of the above |
 *
 * \* Copies of up to 64 bytes may be views into a shared 8 KiB `ArrayBuffer` (as Node's
 * `Buffer` pool does), so mind `byteOffset` when wrapping one in a `DataView`.
 *
 * Whatever the tables do not describe is kept, raw, under the {@link UNKNOWN} symbol:
 * unknown attribute numbers, `pad` attributes, repeats of a single-valued attribute and
 * sub-messages of an unknown kind. Encoding puts them back where they were, so
 * decode → encode gives back the same bytes (NLA_F_NESTED aside: decoding ignores it and
 * encoding sets it on every nest unless `nestedFlag: false`).
 *
 * Decoding is strict: a scalar of the wrong size, a length running past its nest or
 * a bad range throws {@link NetlinkDecodeError}. Fixed structs are the exception: the
 * kernel grows them over time, so a struct of another size decodes the members that fit
 * and keeps the original bytes under {@link STRUCT_BYTES}.
 *
 * @example
 * ```ts
 * import {
 *   AttributeWriter,
 *   defineFamily,
 *   decodeAttributeSet,
 *   encodeAttributeSet,
 *   type AttrValues,
 * } from "@netlink/netlink/codec";
 *
 * interface DemoAttrs extends AttrValues {
 *   ifname?: string;
 *   mtu?: number;
 * }
 * const family = defineFamily({
 *   name: "demo",
 *   protocol: "netlink-raw",
 *   attributeSets: {
 *     "demo-attrs": [
 *       { name: "ifname", value: 3, type: "string" },
 *       { name: "mtu", value: 4, type: "u32" },
 *     ],
 *   },
 *   operations: {},
 * });
 * const set = family.attributeSet<DemoAttrs>("demo-attrs");
 * const bytes = encodeAttributeSet(set, new AttributeWriter(), { ifname: "lo", mtu: 65536 }).bytes();
 * decodeAttributeSet(set, bytes); // { ifname: "lo", mtu: 65536 }
 * ```
 *
 * @module
 */

import { type Attribute, type AttributeWriter, MessageBuilder } from "./attrs.ts";
import {
  NLA_F_NESTED,
  NLA_F_NET_BYTEORDER,
  NLA_TYPE_MASK,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
} from "./constants.ts";
import { NetlinkDecodeError } from "./errors.ts";

// Re-exported so this module documents on its own (they are also in mod.ts).
export { type Attribute, AttributeWriter } from "./attrs.ts";

// ---------------------------------------------------------------------------
// Table types (what the generator writes)
// ---------------------------------------------------------------------------

/**
 * Fixed-size integer types of YNL.
 *
 * @example
 * ```ts
 * import type { ScalarType } from "@netlink/netlink/codec";
 * const t: ScalarType = "u32";
 * ```
 */
export type ScalarType = "u8" | "u16" | "u32" | "u64" | "s8" | "s16" | "s32" | "s64";

/**
 * Attribute types of YNL (`netlink-raw.yaml` / `genetlink-legacy.yaml`).
 *
 * @example
 * ```ts
 * import type { AttributeType } from "@netlink/netlink/codec";
 * const t: AttributeType = "sub-message";
 * ```
 */
export type AttributeType =
  | "unused"
  | "pad"
  | "flag"
  | ScalarType
  | "uint"
  | "sint"
  | "string"
  | "binary"
  | "nest"
  | "indexed-array"
  | "nest-type-value"
  | "bitfield32"
  | "sub-message";

/**
 * Types of fixed struct members.
 *
 * @example
 * ```ts
 * import type { MemberType } from "@netlink/netlink/codec";
 * const t: MemberType = "pad";
 * ```
 */
export type MemberType = ScalarType | "binary" | "string" | "pad";

/**
 * Byte order of an integer; integers are in host (little-endian) order unless
 * `"big-endian"`.
 *
 * @example
 * ```ts
 * import type { ByteOrder } from "@netlink/netlink/codec";
 * const port: ByteOrder = "big-endian";
 * ```
 */
export type ByteOrder = "little-endian" | "big-endian";

/**
 * One attribute of an attribute set, as written in the generated tables. Sets, structs,
 * enums and sub-messages are referred to by their YNL names.
 *
 * @example
 * ```ts
 * import type { AttributeSpec } from "@netlink/netlink/codec";
 * // IFLA_LINKINFO (18) in rt-link
 * const linkinfo: AttributeSpec = {
 *   name: "linkinfo",
 *   value: 18,
 *   type: "nest",
 *   nested: "linkinfo-attrs",
 * };
 * ```
 */
export interface AttributeSpec {
  /** Key in decoded objects: the YNL name in camelCase (`net-ns-pid` → `netNsPid`). */
  readonly name: string;
  /** Attribute number (`nla_type` without the flag bits). */
  readonly value: number;
  /** YNL type. */
  readonly type: AttributeType;
  /** Byte order of integer types (and of the elements of `sub-type` arrays). */
  readonly byteOrder?: ByteOrder;
  /** The attribute may repeat: decoded as an array. */
  readonly multi?: boolean;
  /** Attribute set of a `nest`, of `indexed-array` entries or of `nest-type-value` leaves. */
  readonly nested?: string;
  /** Element type of an `indexed-array`, or of a `binary` array of integers. */
  readonly subType?: AttributeType;
  /** Struct carried by a `binary` attribute. */
  readonly struct?: string;
  /** Enum (or flags) the integer values belong to; values stay numbers. */
  readonly enum?: string;
  /** Read the enum as flags (bit masks). */
  readonly enumAsFlags?: boolean;
  /** Display hint (`mac`, `ipv4`, `ipv6`, `hex`, `uuid`, `fddi`) for printing. */
  readonly display?: string;
  /** Sub-message table of a `sub-message` attribute. */
  readonly subMessage?: string;
  /** camelCase name of the attribute whose value picks the sub-message format. */
  readonly selector?: string;
  /** camelCase names given to the types of the nest levels of a `nest-type-value`. */
  readonly typeValue?: readonly string[];
}

/**
 * One member of a fixed struct.
 *
 * @example
 * ```ts
 * import type { MemberSpec } from "@netlink/netlink/codec";
 * const index: MemberSpec = { name: "ifiIndex", type: "s32" };
 * const pad: MemberSpec = { name: "pad", type: "pad", len: 1 };
 * ```
 */
export interface MemberSpec {
  /** Key in decoded objects (camelCase). Ignored for `pad` members. */
  readonly name: string;
  /** Member type. */
  readonly type: MemberType;
  /** Byte length of `binary`, `string` and `pad` members (omitted with `struct`). */
  readonly len?: number;
  /** Byte order of an integer member. */
  readonly byteOrder?: ByteOrder;
  /** A nested struct (`binary` members only). */
  readonly struct?: string;
  /** Enum (or flags) of an integer member; values stay numbers. */
  readonly enum?: string;
  /** Read the enum as flags (bit masks). */
  readonly enumAsFlags?: boolean;
  /** Display hint for printing. */
  readonly display?: string;
}

/**
 * An enum or a set of flags: entry name (SCREAMING_SNAKE, without prefix) to value; the
 * values of `flags` entries are masks (`1 << bit`).
 *
 * @example
 * ```ts
 * import type { EnumSpec } from "@netlink/netlink/codec";
 * const nud: EnumSpec = { type: "flags", entries: { INCOMPLETE: 1, REACHABLE: 2 } };
 * ```
 */
export interface EnumSpec {
  /** `enum` (consecutive values) or `flags` (bit masks). */
  readonly type: "enum" | "flags";
  /** Entries, in spec order. */
  readonly entries: Readonly<Record<string, number>>;
}

/**
 * One format of a sub-message: a fixed header, an attribute set, both (the attributes
 * follow the header) or neither (no content).
 *
 * @example
 * ```ts
 * import type { SubMessageFormatSpec } from "@netlink/netlink/codec";
 * const netem: SubMessageFormatSpec = {
 *   fixedHeader: "tc-netem-qopt",
 *   attributeSet: "netem-attrs",
 * };
 * ```
 */
export interface SubMessageFormatSpec {
  /** Struct at the start of the payload. */
  readonly fixedHeader?: string;
  /** Attribute set of the payload (after the header, if any). */
  readonly attributeSet?: string;
}

/**
 * The request or reply of one mode (`do`/`dump`) of an operation.
 *
 * @example
 * ```ts
 * import type { MessageSpec } from "@netlink/netlink/codec";
 * const req: MessageSpec = { value: 18, attributes: ["ifname", "extMask"] };
 * ```
 */
export interface MessageSpec {
  /** Message type (netlink-raw) or command (genetlink) when given by the spec. */
  readonly value?: number;
  /** camelCase names of the attributes this message carries. */
  readonly attributes?: readonly string[];
}

/**
 * An operation: its message numbers, fixed header, attribute set and modes.
 *
 * @example
 * ```ts
 * import type { OperationSpec } from "@netlink/netlink/codec";
 * const getlink: OperationSpec = {
 *   name: "getlink",
 *   requestValue: 18,
 *   replyValue: 16,
 *   attributeSet: "link-attrs",
 *   fixedHeader: "ifinfomsg",
 *   do: { request: { value: 18, attributes: ["ifname"] }, reply: { value: 16 } },
 *   dump: { request: { value: 18 }, reply: { value: 16 } },
 * };
 * ```
 */
export interface OperationSpec {
  /** YNL name (e.g. `getlink`, `newlink-ntf`). */
  readonly name: string;
  /** Message type / command sent to the kernel, when the operation has requests. */
  readonly requestValue?: number;
  /** Message type / command of replies and notifications from the kernel. */
  readonly replyValue?: number;
  /** Attribute set of the messages (for notifications: that of the `notify` operation). */
  readonly attributeSet?: string;
  /** Fixed header struct after the netlink (and genetlink) header. */
  readonly fixedHeader?: string;
  /** The `do` mode. */
  readonly do?: { readonly request?: MessageSpec; readonly reply?: MessageSpec };
  /** The `dump` mode. */
  readonly dump?: { readonly request?: MessageSpec; readonly reply?: MessageSpec };
  /** This is a notification with the contents of the named operation's reply. */
  readonly notify?: string;
  /** This is an event with these attributes. */
  readonly event?: MessageSpec;
  /** Multicast group of the notification or event. */
  readonly mcgrp?: string;
}

/**
 * A whole family as data: what {@link defineFamily} compiles.
 *
 * @example
 * ```ts
 * import type { FamilySpec } from "@netlink/netlink/codec";
 * const spec: FamilySpec = {
 *   name: "demo",
 *   protocol: "netlink-raw",
 *   protonum: 0,
 *   attributeSets: { "demo-attrs": [{ name: "mtu", value: 4, type: "u32" }] },
 *   operations: {},
 * };
 * ```
 */
export interface FamilySpec {
  /** YNL family name (`rt-link`, `nlctrl`, …); the genetlink family name for genetlink. */
  readonly name: string;
  /** Schema level: `netlink-raw` has fixed message types, the others use genetlink. */
  readonly protocol: "netlink-raw" | "genetlink" | "genetlink-c" | "genetlink-legacy";
  /** Netlink protocol number (netlink-raw). */
  readonly protonum?: number;
  /** Genetlink family version written in `genlmsghdr.version` (default 1). */
  readonly version?: number;
  /** Enums and flags by YNL name. */
  readonly enums?: Readonly<Record<string, EnumSpec>>;
  /** Fixed structs by YNL name. */
  readonly structs?: Readonly<Record<string, readonly MemberSpec[]>>;
  /** Attribute sets by YNL name (fractional `subset-of` sets are flattened). */
  readonly attributeSets: Readonly<Record<string, readonly AttributeSpec[]>>;
  /** Sub-messages by YNL name: selector value → format. */
  readonly subMessages?: Readonly<
    Record<string, Readonly<Record<string, SubMessageFormatSpec>>>
  >;
  /** Operations by camelCase name. */
  readonly operations: Readonly<Record<string, OperationSpec>>;
  /** Multicast groups by YNL name: group number (netlink-raw) or `null` (resolved at run time). */
  readonly mcastGroups?: Readonly<Record<string, number | null>>;
}

// ---------------------------------------------------------------------------
// Value types
// ---------------------------------------------------------------------------

/**
 * Key of the attributes a decoded object keeps raw: unknown numbers, `pad`, repeats of a
 * single-valued attribute, sub-messages of unknown kind. Encoding writes them back.
 *
 * @example
 * ```ts
 * import { UNKNOWN, type AttrValues } from "@netlink/netlink/codec";
 * declare const link: AttrValues;
 * for (const a of link[UNKNOWN] ?? []) console.log(a.type, a.data.length);
 * ```
 */
export const UNKNOWN: unique symbol = Symbol.for("netlink.schema.unknown");

/**
 * Key of the original bytes of a struct whose length was not the size the spec gives
 * (older or newer kernels): encoding starts from these bytes, so nothing is lost.
 *
 * @example
 * ```ts
 * import { STRUCT_BYTES } from "@netlink/netlink/codec";
 * declare const stats: { [STRUCT_BYTES]?: Uint8Array };
 * if (stats[STRUCT_BYTES]) console.log("kernel struct is", stats[STRUCT_BYTES].length, "bytes");
 * ```
 */
export const STRUCT_BYTES: unique symbol = Symbol.for("netlink.schema.structBytes");

/**
 * Key of the entry numbers of a decoded indexed array, set only when they are not 1..n.
 *
 * @example
 * ```ts
 * import { INDEXES } from "@netlink/netlink/codec";
 * declare const targets: number[] & { [INDEXES]?: number[] };
 * console.log(targets[INDEXES] ?? targets.map((_, i) => i + 1));
 * ```
 */
export const INDEXES: unique symbol = Symbol.for("netlink.schema.indexes");

/**
 * An attribute kept raw. `index` is its position among the attributes of its nest, so
 * encoding can put it back in place (without `index` it is written last).
 *
 * @example
 * ```ts
 * import type { UnknownAttribute } from "@netlink/netlink/codec";
 * const a: UnknownAttribute = {
 *   type: 999,
 *   nested: false,
 *   netByteOrder: false,
 *   data: new Uint8Array([1, 2, 3, 4]),
 *   index: 2,
 * };
 * ```
 */
export interface UnknownAttribute extends Attribute {
  /** Position among all attributes of the nest (0-based). */
  index?: number;
}

/**
 * Base of every decoded attribute-set object.
 *
 * @example
 * ```ts
 * import type { AttrValues } from "@netlink/netlink/codec";
 * interface MyAttrs extends AttrValues {
 *   mtu?: number;
 * }
 * ```
 */
export interface AttrValues {
  /** Attributes kept raw (see {@link UNKNOWN}). */
  [UNKNOWN]?: UnknownAttribute[];
}

/**
 * Base of every decoded struct object.
 *
 * @example
 * ```ts
 * import type { StructValues } from "@netlink/netlink/codec";
 * interface Ratespec extends StructValues {
 *   rate?: number;
 * }
 * ```
 */
export interface StructValues {
  /** Original bytes when their length was not the spec's size (see {@link STRUCT_BYTES}). */
  [STRUCT_BYTES]?: Uint8Array;
}

/**
 * Value of a `bitfield32` attribute (struct nla_bitfield32): the bits, and which of them
 * the request changes.
 *
 * @example
 * ```ts
 * import type { Bitfield32 } from "@netlink/netlink/codec";
 * const flags: Bitfield32 = { value: 1, selector: 1 };
 * ```
 */
export interface Bitfield32 {
  /** Bit values. */
  value: number;
  /** Mask of the bits that are meaningful. */
  selector: number;
}

/**
 * Options of the encoders.
 *
 * @example
 * ```ts
 * import type { EncodeOptions } from "@netlink/netlink/codec";
 * const iproute2Style: EncodeOptions = { nestedFlag: false };
 * ```
 */
export interface EncodeOptions {
  /**
   * Set NLA_F_NESTED on nests (default `true`). Strictly validated kernel families need
   * it; rtnetlink accepts both, and iproute2 and the kernel's own rtnetlink messages
   * leave it out.
   */
  nestedFlag?: boolean;
}

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

/**
 * The camelCase key of a YNL name: dashes and underscores start a new word.
 *
 * @example
 * ```ts
 * import { camelCase } from "@netlink/netlink/codec";
 * camelCase("net-ns-pid"); // "netNsPid"
 * camelCase("ipv4-devconf"); // "ipv4Devconf"
 * ```
 */
export function camelCase(name: string): string {
  return name.replace(/[-_]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The SCREAMING_SNAKE form of a YNL name, as used for enum entries and constants.
 *
 * @example
 * ```ts
 * import { screamingSnake } from "@netlink/netlink/codec";
 * screamingSnake("point-to-point"); // "POINT_TO_POINT"
 * ```
 */
export function screamingSnake(name: string): string {
  return name.replace(/-/g, "_").toUpperCase();
}

// ---------------------------------------------------------------------------
// Compiled tables
// ---------------------------------------------------------------------------

// Attribute kinds, dispatched on in the decode and encode loops.
const K_RAW = 0; // pad, unused: kept raw
const K_FLAG = 1;
const K_U8 = 2;
const K_U16 = 3;
const K_U32 = 4;
const K_U64 = 5;
const K_S8 = 6;
const K_S16 = 7;
const K_S32 = 8;
const K_S64 = 9;
const K_UINT = 10;
const K_SINT = 11;
const K_STRING = 12;
const K_BINARY = 13;
const K_STRUCT = 14;
const K_ARRAY = 15; // binary with an integer sub-type
const K_NEST = 16;
const K_INDEXED = 17;
const K_NTV = 18;
const K_BITFIELD = 19;
const K_SUBMSG = 20;

const KIND_OF: Readonly<Record<string, number>> = {
  unused: K_RAW,
  pad: K_RAW,
  flag: K_FLAG,
  u8: K_U8,
  u16: K_U16,
  u32: K_U32,
  u64: K_U64,
  s8: K_S8,
  s16: K_S16,
  s32: K_S32,
  s64: K_S64,
  uint: K_UINT,
  sint: K_SINT,
  string: K_STRING,
  binary: K_BINARY,
  nest: K_NEST,
  "indexed-array": K_INDEXED,
  "nest-type-value": K_NTV,
  bitfield32: K_BITFIELD,
  "sub-message": K_SUBMSG,
};

// Byte size of the fixed-size integer kinds (index: kind).
const SIZE_OF: readonly number[] = [0, 0, 1, 2, 4, 8, 1, 2, 4, 8];

interface CompiledFormat {
  name: string;
  struct: StructType<object> | undefined;
  set: AttributeSet<object> | undefined;
}

interface CompiledSubMessage {
  name: string;
  formats: Map<string, CompiledFormat>;
  /** Formats by numeric selector value, for selectors that are enums. */
  byNumber: Map<number, CompiledFormat> | undefined;
}

interface CompiledAttr {
  spec: AttributeSpec;
  key: string;
  value: number;
  kind: number;
  be: boolean;
  multi: boolean;
  /** Element kind of indexed arrays and binary arrays. */
  sub: number;
  set: AttributeSet<object> | undefined;
  struct: StructType<object> | undefined;
  subMessage: CompiledSubMessage | undefined;
  selector: string;
  typeValue: readonly string[];
  enumEntries: Readonly<Record<string, number>> | undefined;
}

interface CompiledSet {
  byType: (CompiledAttr | undefined)[];
  byKey: Map<string, CompiledAttr>;
}

interface CompiledMember {
  key: string;
  kind: number; // K_U8..K_S64, K_BINARY, K_STRING, K_STRUCT, K_RAW (pad)
  be: boolean;
  offset: number;
  size: number;
  struct: StructType<object> | undefined;
}

interface CompiledStruct {
  members: CompiledMember[];
  byKey: Map<string, CompiledMember>;
  size: number;
  align: number;
}

let compiledSet: (set: AttributeSet<object>) => CompiledSet;
let compiledStruct: (struct: StructType<object>) => CompiledStruct;
let subMessageOf: (family: Family, name: string) => CompiledSubMessage;

function typeError(message: string): TypeError {
  return new TypeError(message);
}

/**
 * A compiled family: its attribute sets, structs, sub-messages and operations, resolved
 * by name on first use. Build one with {@link defineFamily}; the generated modules in
 * `families/generated/` export one each as `family`.
 *
 * @example
 * ```ts
 * import { defineFamily } from "@netlink/netlink/codec";
 * const family = defineFamily({
 *   name: "demo",
 *   protocol: "netlink-raw",
 *   attributeSets: { "demo-attrs": [{ name: "mtu", value: 4, type: "u32" }] },
 *   operations: {},
 * });
 * family.attributeSet("demo-attrs").attribute("mtu")?.value; // 4
 * ```
 */
export class Family {
  /** The tables this family was built from. */
  readonly spec: FamilySpec;
  #sets = new Map<string, AttributeSet<object>>();
  #structs = new Map<string, StructType<object>>();
  #subMessages = new Map<string, CompiledSubMessage>();
  #ops = new Map<string, Operation<object, object>>();
  #byRequest: Map<number, Operation<object, object>> | undefined;
  #byReply: Map<number, Operation<object, object>> | undefined;

  /**
   * Wrap a family spec; nothing is compiled until used.
   *
   * @example
   * ```ts
   * import { Family } from "@netlink/netlink/codec";
   * const f = new Family({ name: "demo", protocol: "genetlink", attributeSets: {}, operations: {} });
   * ```
   */
  constructor(spec: FamilySpec) {
    this.spec = spec;
  }

  /**
   * Family name.
   *
   * @example
   * ```ts
   * import { defineFamily } from "@netlink/netlink/codec";
   * defineFamily({ name: "rt-link", protocol: "netlink-raw", attributeSets: {}, operations: {} })
   *   .name; // "rt-link"
   * ```
   */
  get name(): string {
    return this.spec.name;
  }

  /**
   * True for genetlink families (messages carry a 4-byte genlmsghdr, the message type is
   * the family id resolved at run time).
   *
   * @example
   * ```ts
   * import { defineFamily } from "@netlink/netlink/codec";
   * defineFamily({ name: "x", protocol: "genetlink", attributeSets: {}, operations: {} })
   *   .isGenetlink; // true
   * ```
   */
  get isGenetlink(): boolean {
    return this.spec.protocol !== "netlink-raw";
  }

  /**
   * The attribute set named `name` (its YNL name). The type parameter types decoded
   * values; the generated modules export each set already typed.
   *
   * @throws {TypeError} if the family has no such set.
   * @example
   * ```ts
   * import { defineFamily } from "@netlink/netlink/codec";
   * const f = defineFamily({
   *   name: "demo",
   *   protocol: "netlink-raw",
   *   attributeSets: { "demo-attrs": [{ name: "mtu", value: 4, type: "u32" }] },
   *   operations: {},
   * });
   * const set = f.attributeSet<{ mtu?: number }>("demo-attrs");
   * ```
   */
  attributeSet<T extends object = Record<string, unknown>>(name: string): AttributeSet<T> {
    let s = this.#sets.get(name);
    if (s === undefined) {
      const attrs = this.spec.attributeSets[name];
      if (attrs === undefined) {
        throw typeError(`Family "${this.name}" has no attribute set "${name}"`);
      }
      s = new AttributeSet<object>(this, name, attrs);
      this.#sets.set(name, s);
    }
    return s as AttributeSet<T>;
  }

  /**
   * The fixed struct named `name` (its YNL name).
   *
   * @throws {TypeError} if the family has no such struct.
   * @example
   * ```ts
   * import { defineFamily } from "@netlink/netlink/codec";
   * const f = defineFamily({
   *   name: "demo",
   *   protocol: "netlink-raw",
   *   structs: { pair: [{ name: "a", type: "u16" }, { name: "b", type: "u32" }] },
   *   attributeSets: {},
   *   operations: {},
   * });
   * f.struct("pair").size; // 8
   * ```
   */
  struct<T extends object = Record<string, unknown>>(name: string): StructType<T> {
    let s = this.#structs.get(name);
    if (s === undefined) {
      const members = this.spec.structs?.[name];
      if (members === undefined) {
        throw typeError(`Family "${this.name}" has no struct "${name}"`);
      }
      s = new StructType<object>(this, name, members);
      this.#structs.set(name, s);
    }
    return s as StructType<T>;
  }

  /**
   * The operation with camelCase name `name`.
   *
   * @throws {TypeError} if the family has no such operation.
   * @example
   * ```ts
   * import { defineFamily } from "@netlink/netlink/codec";
   * const f = defineFamily({
   *   name: "demo",
   *   protocol: "netlink-raw",
   *   attributeSets: { a: [] },
   *   operations: { getthing: { name: "getthing", requestValue: 30, attributeSet: "a" } },
   * });
   * f.operation("getthing").requestValue; // 30
   * ```
   */
  operation<H extends object = Record<string, unknown>, A extends object = Record<string, unknown>>(
    name: string,
  ): Operation<H, A> {
    let op = this.#ops.get(name);
    if (op === undefined) {
      const spec = this.spec.operations[name];
      if (spec === undefined) {
        throw typeError(`Family "${this.name}" has no operation "${name}"`);
      }
      op = new Operation<object, object>(this, spec);
      this.#ops.set(name, op);
    }
    return op as Operation<H, A>;
  }

  /**
   * Every operation, in spec order.
   *
   * @example
   * ```ts
   * import { defineFamily } from "@netlink/netlink/codec";
   * const f = defineFamily({ name: "x", protocol: "netlink-raw", attributeSets: {}, operations: {} });
   * f.operations().map((op) => op.name); // []
   * ```
   */
  operations(): Operation<object, object>[] {
    return Object.keys(this.spec.operations).map((k) => this.operation(k));
  }

  /**
   * The operation whose requests (`direction: "request"`) or replies and notifications
   * (`"reply"`, the default) carry message type — or, for genetlink, command — `value`.
   *
   * @example
   * ```ts
   * import { defineFamily } from "@netlink/netlink/codec";
   * const f = defineFamily({
   *   name: "demo",
   *   protocol: "netlink-raw",
   *   attributeSets: { a: [] },
   *   operations: { getthing: { name: "getthing", requestValue: 30, replyValue: 28, attributeSet: "a" } },
   * });
   * f.operationFor(28)?.name; // "getthing"
   * ```
   */
  operationFor(
    value: number,
    direction: "request" | "reply" = "reply",
  ): Operation<object, object> | undefined {
    if (this.#byReply === undefined || this.#byRequest === undefined) {
      const req = new Map<number, Operation<object, object>>();
      const rep = new Map<number, Operation<object, object>>();
      const all = this.operations();
      // Replies of do/dump first, so a type shared with a notification names the operation.
      for (const pass of [false, true]) {
        for (const op of all) {
          const ntf = op.spec.notify !== undefined || op.spec.event !== undefined;
          if (ntf !== pass) continue;
          if (op.requestValue !== undefined && !req.has(op.requestValue)) {
            req.set(op.requestValue, op);
          }
          if (op.replyValue !== undefined && !rep.has(op.replyValue)) rep.set(op.replyValue, op);
        }
      }
      this.#byRequest = req;
      this.#byReply = rep;
    }
    return (direction === "request" ? this.#byRequest : this.#byReply).get(value);
  }

  /**
   * Decode a received message of this family: the operation is found by message type
   * (netlink-raw) or by the genetlink command, then the fixed header and attributes are
   * decoded. `undefined` when no operation matches.
   *
   * @throws {NetlinkDecodeError} on malformed bytes.
   * @example
   * ```ts
   * import { defineFamily } from "@netlink/netlink/codec";
   * const f = defineFamily({
   *   name: "demo",
   *   protocol: "netlink-raw",
   *   attributeSets: { a: [{ name: "mtu", value: 4, type: "u32" }] },
   *   operations: { getthing: { name: "getthing", replyValue: 28, attributeSet: "a" } },
   * });
   * f.decodeMessage(28, new Uint8Array([8, 0, 4, 0, 0xdc, 5, 0, 0]))?.attrs; // { mtu: 1500 }
   * ```
   */
  decodeMessage(
    type: number,
    payload: Uint8Array,
    direction: "request" | "reply" = "reply",
  ): DecodedMessage<Record<string, unknown>, Record<string, unknown>> | undefined {
    let value = type;
    if (this.isGenetlink) {
      if (payload.length < GENL_HDRLEN) {
        throw new NetlinkDecodeError(
          `genetlink payload of ${payload.length} bytes is shorter than the 4-byte genlmsghdr`,
          0,
        );
      }
      value = payload[0];
    }
    const op = this.operationFor(value, direction);
    if (op === undefined) return undefined;
    return decodeBody(
      op as Operation<Record<string, unknown>, Record<string, unknown>>,
      payload,
    );
  }

  static {
    subMessageOf = (f, name) => f.#subMessage(name);
  }

  #subMessage(name: string): CompiledSubMessage {
    let sm = this.#subMessages.get(name);
    if (sm === undefined) {
      const spec = this.spec.subMessages?.[name];
      if (spec === undefined) {
        throw typeError(`Family "${this.name}" has no sub-message "${name}"`);
      }
      const formats = new Map<string, CompiledFormat>();
      for (const [value, f] of Object.entries(spec)) {
        const struct = f.fixedHeader === undefined ? undefined : this.struct<object>(f.fixedHeader);
        let set = f.attributeSet === undefined
          ? undefined
          : this.attributeSet<object>(f.attributeSet);
        if (struct !== undefined && set !== undefined) set = renameClashes(this, struct, set);
        formats.set(value, { name: value, struct, set });
      }
      sm = { name, formats, byNumber: undefined };
      this.#subMessages.set(name, sm);
    }
    return sm;
  }
}

/**
 * In a format with a fixed header and attributes both decode into one object; an attribute
 * whose name is also a struct member's (netem's `loss`) is renamed `<name>Attr`.
 */
function renameClashes(
  family: Family,
  struct: StructType<object>,
  set: AttributeSet<object>,
): AttributeSet<object> {
  const members = new Set(struct.members.filter((m) => m.type !== "pad").map((m) => m.name));
  if (!set.attributes.some((a) => members.has(a.name))) return set;
  return new AttributeSet<object>(
    family,
    set.name,
    set.attributes.map((a) => (members.has(a.name) ? { ...a, name: `${a.name}Attr` } : a)),
  );
}

/**
 * Compile a family spec (lazily: each set, struct and operation on first use).
 *
 * @example
 * ```ts
 * import { defineFamily } from "@netlink/netlink/codec";
 * const family = defineFamily({
 *   name: "demo",
 *   protocol: "netlink-raw",
 *   attributeSets: { "demo-attrs": [{ name: "ifname", value: 3, type: "string" }] },
 *   operations: {},
 * });
 * ```
 */
export function defineFamily(spec: FamilySpec): Family {
  return new Family(spec);
}

/**
 * An attribute set: decodes attributes into objects of type `T` and encodes them back.
 * Lookup tables indexed by attribute number are built on first use.
 *
 * @example
 * ```ts
 * import { AttributeWriter, defineFamily } from "@netlink/netlink/codec";
 * const set = defineFamily({
 *   name: "demo",
 *   protocol: "netlink-raw",
 *   attributeSets: { "demo-attrs": [{ name: "mtu", value: 4, type: "u32" }] },
 *   operations: {},
 * }).attributeSet<{ mtu?: number }>("demo-attrs");
 * const bytes = set.encode(new AttributeWriter(), { mtu: 1500 }).bytes();
 * set.decode(bytes).mtu; // 1500
 * ```
 */
export class AttributeSet<T extends object = Record<string, unknown>> {
  /** The family this set belongs to. */
  readonly family: Family;
  /** YNL name of the set. */
  readonly name: string;
  /** The attributes, in spec order. */
  readonly attributes: readonly AttributeSpec[];
  #compiled: CompiledSet | undefined;

  static {
    compiledSet = (s) => s.#compiled ??= compileSet(s);
  }

  /**
   * Wrap a set's table; use {@link Family.attributeSet} rather than this.
   *
   * @example
   * ```ts
   * import { AttributeSet, defineFamily } from "@netlink/netlink/codec";
   * const f = defineFamily({ name: "x", protocol: "netlink-raw", attributeSets: {}, operations: {} });
   * const set = new AttributeSet(f, "empty", []);
   * ```
   */
  constructor(family: Family, name: string, attributes: readonly AttributeSpec[]) {
    this.family = family;
    this.name = name;
    this.attributes = attributes;
  }

  /**
   * The attribute with this camelCase name or number.
   *
   * @example
   * ```ts
   * import { defineFamily } from "@netlink/netlink/codec";
   * const set = defineFamily({
   *   name: "demo",
   *   protocol: "netlink-raw",
   *   attributeSets: { s: [{ name: "mtu", value: 4, type: "u32" }] },
   *   operations: {},
   * }).attributeSet("s");
   * set.attribute("mtu")?.value; // 4
   * set.attribute(4)?.name; // "mtu"
   * ```
   */
  attribute(key: string | number): AttributeSpec | undefined {
    if (typeof key === "number") {
      return compiledSet(this as AttributeSet<object>).byType[key]?.spec ??
        this.attributes.find((a) => a.value === key);
    }
    return compiledSet(this as AttributeSet<object>).byKey.get(key)?.spec ??
      this.attributes.find((a) => a.name === key);
  }

  /**
   * Decode the attributes in `bytes[offset, end)`; same as {@link decodeAttributeSet}.
   *
   * @throws {NetlinkDecodeError} on malformed bytes.
   * @example
   * ```ts
   * import { defineFamily } from "@netlink/netlink/codec";
   * const set = defineFamily({
   *   name: "demo",
   *   protocol: "netlink-raw",
   *   attributeSets: { s: [{ name: "mtu", value: 4, type: "u32" }] },
   *   operations: {},
   * }).attributeSet<{ mtu?: number }>("s");
   * set.decode(new Uint8Array([8, 0, 4, 0, 0xdc, 5, 0, 0])); // { mtu: 1500 }
   * ```
   */
  decode(bytes: Uint8Array, offset = 0, end: number = bytes.length): T {
    return decodeAttributeSet(this, bytes, offset, end);
  }

  /**
   * Append `value`'s attributes to `writer`; same as {@link encodeAttributeSet}.
   *
   * @throws {TypeError} for a key the set does not have or a value of the wrong shape.
   * @throws {RangeError} for an integer out of its type's range.
   * @example
   * ```ts
   * import { AttributeWriter, defineFamily } from "@netlink/netlink/codec";
   * const set = defineFamily({
   *   name: "demo",
   *   protocol: "netlink-raw",
   *   attributeSets: { s: [{ name: "mtu", value: 4, type: "u32" }] },
   *   operations: {},
   * }).attributeSet<{ mtu?: number }>("s");
   * set.encode(new AttributeWriter(), { mtu: 1500 }).bytes(); // [8, 0, 4, 0, 0xdc, 5, 0, 0]
   * ```
   */
  encode<W extends AttributeWriter>(writer: W, value: T, options?: EncodeOptions): W {
    return encodeAttributeSet(this, writer, value, options);
  }
}

/**
 * A fixed C struct (a family header such as `ifinfomsg`, or the payload of a `binary`
 * attribute). Members are laid out with their natural alignment, as the C compiler does.
 *
 * @example
 * ```ts
 * import { defineFamily } from "@netlink/netlink/codec";
 * const pair = defineFamily({
 *   name: "demo",
 *   protocol: "netlink-raw",
 *   structs: { pair: [{ name: "a", type: "u8" }, { name: "b", type: "u32" }] },
 *   attributeSets: {},
 *   operations: {},
 * }).struct<{ a?: number; b?: number }>("pair");
 * pair.size; // 8
 * pair.decode(pair.encode({ a: 1, b: 2 })); // { a: 1, b: 2 }
 * ```
 */
export class StructType<T extends object = Record<string, unknown>> {
  /** The family this struct belongs to. */
  readonly family: Family;
  /** YNL name of the struct. */
  readonly name: string;
  /** The members, in order. */
  readonly members: readonly MemberSpec[];
  #compiled: CompiledStruct | undefined;

  static {
    compiledStruct = (s) => s.#compiled ??= compileStruct(s);
  }

  /**
   * Wrap a struct's table; use {@link Family.struct} rather than this.
   *
   * @example
   * ```ts
   * import { defineFamily, StructType } from "@netlink/netlink/codec";
   * const f = defineFamily({ name: "x", protocol: "netlink-raw", attributeSets: {}, operations: {} });
   * new StructType(f, "one", [{ name: "v", type: "u32" }]).size; // 4
   * ```
   */
  constructor(family: Family, name: string, members: readonly MemberSpec[]) {
    this.family = family;
    this.name = name;
    this.members = members;
  }

  /**
   * Size in bytes, with C alignment padding.
   *
   * @example
   * ```ts
   * import { defineFamily } from "@netlink/netlink/codec";
   * defineFamily({
   *   name: "x",
   *   protocol: "netlink-raw",
   *   structs: { s: [{ name: "a", type: "u64" }, { name: "b", type: "u8" }] },
   *   attributeSets: {},
   *   operations: {},
   * }).struct("s").size; // 16
   * ```
   */
  get size(): number {
    return compiledStruct(this as StructType<object>).size;
  }

  /**
   * Decode a struct from `bytes[offset, end)`; same as {@link decodeStruct}.
   *
   * @example
   * ```ts
   * import { defineFamily } from "@netlink/netlink/codec";
   * const s = defineFamily({
   *   name: "x",
   *   protocol: "netlink-raw",
   *   structs: { s: [{ name: "v", type: "u16" }] },
   *   attributeSets: {},
   *   operations: {},
   * }).struct("s");
   * s.decode(new Uint8Array([1, 2])); // { v: 513 }
   * ```
   */
  decode(bytes: Uint8Array, offset = 0, end: number = bytes.length): T {
    return decodeStruct(this, bytes, offset, end);
  }

  /**
   * Encode a struct; same as {@link encodeStruct}.
   *
   * @example
   * ```ts
   * import { defineFamily } from "@netlink/netlink/codec";
   * const s = defineFamily({
   *   name: "x",
   *   protocol: "netlink-raw",
   *   structs: { s: [{ name: "v", type: "u16" }] },
   *   attributeSets: {},
   *   operations: {},
   * }).struct<{ v?: number }>("s");
   * s.encode({ v: 513 }); // Uint8Array [1, 2]
   * ```
   */
  encode(value: Partial<T>): Uint8Array {
    return encodeStruct(this, value);
  }
}

/**
 * An operation of a family: message numbers, fixed header struct `H` and attribute set
 * with values `A`.
 *
 * @example
 * ```ts
 * import { buildMessage, defineFamily } from "@netlink/netlink/codec";
 * const op = defineFamily({
 *   name: "demo",
 *   protocol: "netlink-raw",
 *   attributeSets: { s: [{ name: "mtu", value: 4, type: "u32" }] },
 *   operations: {
 *     getthing: { name: "getthing", requestValue: 30, attributeSet: "s", do: { request: {} } },
 *   },
 * }).operation("getthing");
 * buildMessage(op, { attrs: { mtu: 1500 } }).length; // 24
 * ```
 */
export class Operation<
  H extends object = Record<string, unknown>,
  A extends object = Record<string, unknown>,
> {
  /** The family this operation belongs to. */
  readonly family: Family;
  /** The operation's table. */
  readonly spec: OperationSpec;

  /**
   * Wrap an operation's table; use {@link Family.operation} rather than this.
   *
   * @example
   * ```ts
   * import { defineFamily, Operation } from "@netlink/netlink/codec";
   * const f = defineFamily({ name: "x", protocol: "netlink-raw", attributeSets: {}, operations: {} });
   * new Operation(f, { name: "noop" }).name; // "noop"
   * ```
   */
  constructor(family: Family, spec: OperationSpec) {
    this.family = family;
    this.spec = spec;
  }

  /**
   * YNL name.
   *
   * @example
   * ```ts
   * import { defineFamily, Operation } from "@netlink/netlink/codec";
   * const f = defineFamily({ name: "x", protocol: "netlink-raw", attributeSets: {}, operations: {} });
   * new Operation(f, { name: "getlink" }).name; // "getlink"
   * ```
   */
  get name(): string {
    return this.spec.name;
  }

  /**
   * Message type (netlink-raw) or command (genetlink) of requests.
   *
   * @example
   * ```ts
   * import { defineFamily, Operation } from "@netlink/netlink/codec";
   * const f = defineFamily({ name: "x", protocol: "netlink-raw", attributeSets: {}, operations: {} });
   * new Operation(f, { name: "getlink", requestValue: 18 }).requestValue; // 18
   * ```
   */
  get requestValue(): number | undefined {
    return this.spec.requestValue;
  }

  /**
   * Message type (netlink-raw) or command (genetlink) of replies and notifications.
   *
   * @example
   * ```ts
   * import { defineFamily, Operation } from "@netlink/netlink/codec";
   * const f = defineFamily({ name: "x", protocol: "netlink-raw", attributeSets: {}, operations: {} });
   * new Operation(f, { name: "getlink", replyValue: 16 }).replyValue; // 16
   * ```
   */
  get replyValue(): number | undefined {
    return this.spec.replyValue;
  }

  /**
   * The fixed header struct, if the messages have one.
   *
   * @example
   * ```ts
   * import { defineFamily } from "@netlink/netlink/codec";
   * const op = defineFamily({
   *   name: "x",
   *   protocol: "netlink-raw",
   *   structs: { hdr: [{ name: "family", type: "u8" }] },
   *   attributeSets: {},
   *   operations: { get: { name: "get", fixedHeader: "hdr" } },
   * }).operation("get");
   * op.fixedHeader?.size; // 1
   * ```
   */
  get fixedHeader(): StructType<H> | undefined {
    const name = this.spec.fixedHeader;
    return name === undefined ? undefined : this.family.struct<H>(name);
  }

  /**
   * The attribute set of the messages, if any.
   *
   * @example
   * ```ts
   * import { defineFamily } from "@netlink/netlink/codec";
   * const op = defineFamily({
   *   name: "x",
   *   protocol: "netlink-raw",
   *   attributeSets: { s: [] },
   *   operations: { get: { name: "get", attributeSet: "s" } },
   * }).operation("get");
   * op.attributeSet?.name; // "s"
   * ```
   */
  get attributeSet(): AttributeSet<A> | undefined {
    const name = this.spec.attributeSet;
    return name === undefined ? undefined : this.family.attributeSet<A>(name);
  }
}

// ---------------------------------------------------------------------------
// Compilation
// ---------------------------------------------------------------------------

function scalarKind(t: string | undefined): number {
  const k = t === undefined ? undefined : KIND_OF[t];
  return k === undefined ? -1 : k;
}

function compileSet(set: AttributeSet<object>): CompiledSet {
  const family = set.family;
  let max = -1;
  for (const spec of set.attributes) if (spec.type !== "pad" && spec.value > max) max = spec.value;
  const byType: (CompiledAttr | undefined)[] = new Array(Math.min(max, NLA_TYPE_MASK) + 1).fill(
    undefined,
  );
  const byKey = new Map<string, CompiledAttr>();
  for (const spec of set.attributes) {
    let kind = KIND_OF[spec.type];
    if (kind === undefined) {
      throw typeError(
        `Attribute "${spec.name}" of set "${set.name}" has unknown type "${spec.type}"`,
      );
    }
    let sub = -1;
    let nested: AttributeSet<object> | undefined;
    let struct: StructType<object> | undefined;
    let subMessage: CompiledSubMessage | undefined;
    if (kind === K_BINARY) {
      if (spec.struct !== undefined) {
        kind = K_STRUCT;
        struct = family.struct(spec.struct);
      } else if (spec.subType !== undefined) {
        sub = scalarKind(spec.subType);
        if (sub >= K_U8 && sub <= K_S64) kind = K_ARRAY;
      }
    } else if (kind === K_INDEXED) {
      sub = scalarKind(spec.subType);
      if (sub === K_BINARY && spec.struct !== undefined) {
        sub = K_STRUCT;
        struct = family.struct(spec.struct);
      }
      if (sub < 0 || sub === K_RAW || sub === K_SUBMSG || sub === K_INDEXED || sub === K_NTV) {
        throw typeError(
          `Indexed array "${spec.name}" of set "${set.name}" has unsupported sub-type "${spec.subType}"`,
        );
      }
    } else if (kind === K_SUBMSG) {
      if (spec.subMessage === undefined || spec.selector === undefined) {
        throw typeError(
          `Sub-message "${spec.name}" of set "${set.name}" needs sub-message and selector`,
        );
      }
      subMessage = subMessageOf(family, spec.subMessage);
      if (subMessage.byNumber === undefined) {
        subMessage.byNumber = numberFormats(set, spec, subMessage);
      }
    }
    if (spec.nested !== undefined && (kind === K_NEST || kind === K_INDEXED || kind === K_NTV)) {
      nested = family.attributeSet(spec.nested);
    }
    if ((kind === K_NEST || kind === K_NTV || sub === K_NEST) && nested === undefined) {
      throw typeError(`Attribute "${spec.name}" of set "${set.name}" needs nested attributes`);
    }
    const enumSpec = spec.enum === undefined ? undefined : family.spec.enums?.[spec.enum];
    const c: CompiledAttr = {
      spec,
      key: spec.name,
      value: spec.value,
      kind,
      be: spec.byteOrder === "big-endian",
      multi: spec.multi === true,
      sub,
      set: nested,
      struct,
      subMessage,
      selector: spec.selector ?? "",
      typeValue: spec.typeValue ?? [],
      enumEntries: enumSpec?.entries,
    };
    if ((spec.value >>> 0) !== spec.value || spec.value > NLA_TYPE_MASK) {
      throw typeError(`Attribute "${spec.name}" of set "${set.name}" has bad number ${spec.value}`);
    }
    // Pads keep their number free (kept raw), but they are still known by name.
    if (kind !== K_RAW) {
      if (byType[spec.value] === undefined) byType[spec.value] = c;
      byKey.set(spec.name, c);
    }
  }
  return { byType, byKey };
}

// For a selector holding an enum value (nftables object types), map numbers to formats
// through the enum's entry names.
function numberFormats(
  set: AttributeSet<object>,
  spec: AttributeSpec,
  sm: CompiledSubMessage,
): Map<number, CompiledFormat> {
  const map = new Map<number, CompiledFormat>();
  const family = set.family;
  let enumName: string | undefined;
  const own = set.attributes.find((a) => a.name === spec.selector);
  if (own !== undefined) enumName = own.enum;
  else {
    for (const attrs of Object.values(family.spec.attributeSets)) {
      const a = attrs.find((x) => x.name === spec.selector && x.enum !== undefined);
      if (a !== undefined) {
        enumName = a.enum;
        break;
      }
    }
  }
  const entries = enumName === undefined ? undefined : family.spec.enums?.[enumName]?.entries;
  if (entries !== undefined) {
    for (const [value, f] of sm.formats) {
      const n = entries[screamingSnake(value)];
      if (n !== undefined) map.set(n, f);
    }
  }
  return map;
}

function compileStruct(struct: StructType<object>): CompiledStruct {
  const members: CompiledMember[] = [];
  const byKey = new Map<string, CompiledMember>();
  let offset = 0;
  let align = 1;
  for (const m of struct.members) {
    let kind: number;
    let size: number;
    let a: number;
    let nested: StructType<object> | undefined;
    if (m.type === "pad" || m.type === "binary" || m.type === "string") {
      if (m.struct !== undefined) {
        nested = struct.family.struct(m.struct);
        const c = compiledStruct(nested);
        kind = K_STRUCT;
        size = c.size;
        a = c.align;
      } else {
        if (m.len === undefined || (m.len >>> 0) !== m.len) {
          throw typeError(`Member "${m.name}" of struct "${struct.name}" needs a length`);
        }
        kind = m.type === "pad" ? K_RAW : m.type === "string" ? K_STRING : K_BINARY;
        size = m.len;
        a = 1;
      }
    } else {
      kind = KIND_OF[m.type];
      if (kind === undefined || kind < K_U8 || kind > K_S64) {
        throw typeError(
          `Member "${m.name}" of struct "${struct.name}" has unknown type "${m.type}"`,
        );
      }
      size = SIZE_OF[kind];
      a = size;
    }
    offset = (offset + a - 1) & ~(a - 1);
    const c: CompiledMember = {
      key: m.name,
      kind,
      be: m.byteOrder === "big-endian",
      offset,
      size,
      struct: nested,
    };
    members.push(c);
    if (kind !== K_RAW) byKey.set(m.name, c);
    offset += size;
    if (a > align) align = a;
  }
  return { members, byKey, size: (offset + align - 1) & ~(align - 1), align };
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

const GENL_HDRLEN = 4;

// Scope chain for selector lookups: the objects being decoded/encoded, innermost first.
interface Scope {
  value: Record<string, unknown>;
  up: Scope | undefined;
}

const textDecoder = new TextDecoder("utf-8", { fatal: false });

function decodeString(b: Uint8Array, start: number, end: number): string {
  while (end > start && b[end - 1] === 0) end--;
  if (end - start <= 32) {
    let s = "";
    for (let i = start; i < end; i++) {
      const c = b[i];
      if (c >= 0x80) return textDecoder.decode(b.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return textDecoder.decode(b.subarray(start, end));
}

// Under V8 (Deno) copies of up to 64 bytes are views into a shared 8 KiB block, as Node's
// Buffer pool does: a fresh ArrayBuffer costs ~300 ns there, a view ~20 ns. JavaScriptCore
// (Bun) allocates small typed arrays in ~10 ns, faster than it makes views.
const POOLED = !("Bun" in globalThis);
const POOL_SIZE = 8192;
let pool = new ArrayBuffer(POOL_SIZE);
let poolBytes = new Uint8Array(pool);
let poolOffset = 0;

// A copy of b[start, end).
function copyBytes(b: Uint8Array, start: number, end: number): Uint8Array {
  const n = end - start;
  if (n > 64) return b.slice(start, end);
  if (!POOLED) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = b[start + i];
    return out;
  }
  if (poolOffset + n > POOL_SIZE) {
    pool = new ArrayBuffer(POOL_SIZE);
    poolBytes = new Uint8Array(pool);
    poolOffset = 0;
  }
  const o = poolOffset;
  for (let i = 0; i < n; i++) poolBytes[o + i] = b[start + i];
  poolOffset = (o + n + 7) & ~7;
  return new Uint8Array(pool, o, n);
}

function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

function be32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function big64(hi: number, lo: number): bigint {
  if (hi < 0x200000 && hi >= -0x200000) return BigInt(hi * 0x100000000 + lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

// Read a fixed-size integer of kind k at o (the caller checked the length).
function readInt(k: number, be: boolean, b: Uint8Array, o: number): number | bigint {
  switch (k) {
    case K_U8:
      return b[o];
    case K_S8:
      return (b[o] << 24) >> 24;
    case K_U16:
      return be ? (b[o] << 8) | b[o + 1] : b[o] | (b[o + 1] << 8);
    case K_S16:
      return ((be ? (b[o] << 8) | b[o + 1] : b[o] | (b[o + 1] << 8)) << 16) >> 16;
    case K_U32:
      return be ? be32(b, o) : le32(b, o);
    case K_S32:
      return (be ? be32(b, o) : le32(b, o)) | 0;
    case K_U64:
      return be ? big64(be32(b, o), be32(b, o + 4)) : big64(le32(b, o + 4), le32(b, o));
    default: // K_S64
      return be ? big64(be32(b, o) | 0, be32(b, o + 4)) : big64(le32(b, o + 4) | 0, le32(b, o));
  }
}

const KIND_NAME: readonly string[] = [
  "raw",
  "flag",
  "u8",
  "u16",
  "u32",
  "u64",
  "s8",
  "s16",
  "s32",
  "s64",
  "uint",
  "sint",
];

function lengthError(
  set: AttributeSet<object>,
  a: CompiledAttr,
  what: string,
  len: number,
  off: number,
): NetlinkDecodeError {
  return new NetlinkDecodeError(
    `${set.name}.${a.key} (${a.value}): ${what}, got ${len} bytes`,
    off,
  );
}

function checkRange(bytes: Uint8Array, offset: number, end: number): void {
  if (
    !(bytes instanceof Uint8Array) || (offset >>> 0) !== offset || (end >>> 0) !== end ||
    offset > end || end > bytes.length
  ) {
    throw new NetlinkDecodeError(
      `range [${offset}, ${end}) is outside the ${bytes?.length}-byte buffer`,
      (offset >>> 0) === offset ? offset : 0,
    );
  }
}

// Decode a variable-size uint/sint (4 or 8 bytes).
function readAuto(
  signed: boolean,
  be: boolean,
  b: Uint8Array,
  o: number,
  len: number,
): number | bigint {
  if (len === 4) {
    const v = be ? be32(b, o) : le32(b, o);
    return signed ? v | 0 : v;
  }
  let hi = be ? be32(b, o) : le32(b, o + 4);
  const lo = be ? be32(b, o + 4) : le32(b, o);
  if (signed) hi |= 0;
  if (hi < 0x200000 && hi >= -0x200000 && !(hi === -0x200000 && lo === 0)) {
    return hi * 0x100000000 + lo;
  }
  return big64(hi, lo);
}

// Decode one attribute's data [ds, de) as `kind` (the scalar and leaf kinds).
function decodeLeaf(
  set: AttributeSet<object>,
  a: CompiledAttr,
  kind: number,
  b: Uint8Array,
  ds: number,
  de: number,
  off: number,
): unknown {
  const len = de - ds;
  switch (kind) {
    case K_FLAG:
      if (len !== 0) throw lengthError(set, a, "a flag has no data", len, off);
      return true;
    case K_U8:
    case K_U16:
    case K_U32:
    case K_U64:
    case K_S8:
    case K_S16:
    case K_S32:
    case K_S64: {
      const n = SIZE_OF[kind];
      if (len !== n) throw lengthError(set, a, `${KIND_NAME[kind]} needs ${n} bytes`, len, off);
      return readInt(kind, a.be, b, ds);
    }
    case K_UINT:
    case K_SINT:
      if (len !== 4 && len !== 8) {
        throw lengthError(set, a, `${KIND_NAME[kind]} needs 4 or 8 bytes`, len, off);
      }
      return readAuto(kind === K_SINT, a.be, b, ds, len);
    case K_STRING:
      return decodeString(b, ds, de);
    case K_STRUCT:
      return decodeStructAt(a.struct!, b, ds, de);
    case K_BITFIELD:
      if (len !== 8) throw lengthError(set, a, "bitfield32 needs 8 bytes", len, off);
      return { value: le32(b, ds), selector: le32(b, ds + 4) };
    default: // K_BINARY
      return copyBytes(b, ds, de);
  }
}

function rawAttr(
  b: Uint8Array,
  off: number,
  ds: number,
  de: number,
  index: number,
): UnknownAttribute {
  const t = b[off + 2] | (b[off + 3] << 8);
  return {
    type: t & NLA_TYPE_MASK,
    nested: (t & NLA_F_NESTED) !== 0,
    netByteOrder: (t & NLA_F_NET_BYTEORDER) !== 0,
    data: copyBytes(b, ds, de),
    index,
  };
}

function attrHeaderError(len: number, off: number, end: number): NetlinkDecodeError {
  return len < 4
    ? new NetlinkDecodeError(
      `nla_len ${len} at offset ${off} is shorter than the 4-byte header`,
      off,
    )
    : new NetlinkDecodeError(
      `nla_len ${len} at offset ${off} runs past the end of its nest at ${end}`,
      off,
    );
}

interface Pending {
  a: CompiledAttr;
  off: number;
  ds: number;
  de: number;
  index: number;
}

function lookupSelector(key: string, scope: Scope | undefined): unknown {
  for (let s = scope; s !== undefined; s = s.up) {
    const v = s.value[key];
    if (v !== undefined) return v;
  }
  return undefined;
}

function findFormat(sm: CompiledSubMessage, selector: unknown): CompiledFormat | undefined {
  if (typeof selector === "string") return sm.formats.get(selector);
  if (typeof selector === "number") {
    return sm.byNumber?.get(selector) ?? sm.formats.get(String(selector));
  }
  return undefined;
}

function decodeSubMessage(
  f: CompiledFormat,
  b: Uint8Array,
  ds: number,
  de: number,
  scope: Scope | undefined,
): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  let start = ds;
  if (f.struct !== undefined) {
    const size = compiledStruct(f.struct).size;
    decodeStructInto(obj, f.struct, b, ds, f.set === undefined ? de : Math.min(de, ds + size));
    start = Math.min(de, ds + ((size + 3) & ~3));
  }
  if (f.set !== undefined) decodeSetInto(obj, f.set, b, start, de, scope);
  return obj;
}

// Decode the attributes of `set` in b[offset, end) into `obj`.
function decodeSetInto(
  obj: Record<string, unknown>,
  set: AttributeSet<object>,
  b: Uint8Array,
  offset: number,
  end: number,
  up: Scope | undefined,
): void {
  const byType = compiledSet(set).byType;
  const nTypes = byType.length;
  let scope: Scope | undefined;
  let unknown: UnknownAttribute[] | undefined;
  let pending: Pending[] | undefined;
  let index = 0;
  let off = offset;
  while (end - off >= 4) {
    const len = b[off] | (b[off + 1] << 8);
    if (len < 4 || len > end - off) throw attrHeaderError(len, off, end);
    const t = (b[off + 2] | (b[off + 3] << 8)) & NLA_TYPE_MASK;
    const ds = off + 4;
    const de = off + len;
    const a = t < nTypes ? byType[t] : undefined;
    // A "flag" with data (e.g. rt-link's brport flags, which the kernel sends as u8) is kept
    // raw rather than failing the whole message.
    if (
      a === undefined || (!a.multi && obj[a.key] !== undefined) || (a.kind === K_FLAG && de !== ds)
    ) {
      (unknown ??= []).push(rawAttr(b, off, ds, de, index));
    } else {
      let v: unknown;
      const kind = a.kind;
      if (kind === K_NEST) {
        const inner: Record<string, unknown> = {};
        decodeSetInto(inner, a.set!, b, ds, de, scope ??= { value: obj, up });
        v = inner;
      } else if (kind === K_SUBMSG) {
        const sel = lookupSelector(a.selector, scope ??= { value: obj, up });
        if (sel === undefined) {
          (pending ??= []).push({ a, off, ds, de, index });
          index++;
          off += (len + 3) & ~3;
          continue;
        }
        const f = findFormat(a.subMessage!, sel);
        if (f === undefined) {
          (unknown ??= []).push(rawAttr(b, off, ds, de, index));
          index++;
          off += (len + 3) & ~3;
          continue;
        }
        v = decodeSubMessage(f, b, ds, de, scope);
      } else if (kind === K_INDEXED) {
        v = decodeIndexed(set, a, b, ds, de, scope ??= { value: obj, up });
      } else if (kind === K_ARRAY) {
        v = decodeIntArray(set, a, b, ds, de, off);
      } else if (kind === K_NTV) {
        const out: Record<string, unknown>[] = [];
        decodeTypeValue(a, 0, {}, b, ds, de, out, scope ??= { value: obj, up });
        v = out;
      } else {
        v = decodeLeaf(set, a, kind, b, ds, de, off);
      }
      if (a.multi) {
        const list = obj[a.key] as unknown[] | undefined;
        if (list === undefined) obj[a.key] = [v];
        else list.push(v);
      } else obj[a.key] = v;
    }
    index++;
    off += (len + 3) & ~3;
  }
  if (pending !== undefined) {
    // Sub-messages whose selector came later in the nest.
    for (const p of pending) {
      const sel = lookupSelector(p.a.selector, scope);
      const f = sel === undefined ? undefined : findFormat(p.a.subMessage!, sel);
      if (f === undefined || (!p.a.multi && obj[p.a.key] !== undefined)) {
        (unknown ??= []).push(rawAttr(b, p.off, p.ds, p.de, p.index));
        continue;
      }
      const v = decodeSubMessage(f, b, p.ds, p.de, scope);
      if (p.a.multi) ((obj[p.a.key] ??= []) as unknown[]).push(v);
      else obj[p.a.key] = v;
    }
    if (unknown !== undefined) unknown.sort((x, y) => x.index! - y.index!);
  }
  if (unknown !== undefined) (obj as AttrValues)[UNKNOWN] = unknown;
}

function decodeIntArray(
  set: AttributeSet<object>,
  a: CompiledAttr,
  b: Uint8Array,
  ds: number,
  de: number,
  off: number,
): (number | bigint)[] {
  const n = SIZE_OF[a.sub];
  if ((de - ds) % n !== 0) {
    throw lengthError(
      set,
      a,
      `an array of ${KIND_NAME[a.sub]} needs a multiple of ${n} bytes`,
      de - ds,
      off,
    );
  }
  const out: (number | bigint)[] = [];
  for (let o = ds; o < de; o += n) out.push(readInt(a.sub, a.be, b, o));
  return out;
}

function decodeIndexed(
  set: AttributeSet<object>,
  a: CompiledAttr,
  b: Uint8Array,
  ds: number,
  de: number,
  scope: Scope,
): unknown[] {
  const out: unknown[] = [];
  let indexes: number[] | undefined;
  let off = ds;
  while (de - off >= 4) {
    const len = b[off] | (b[off + 1] << 8);
    if (len < 4 || len > de - off) throw attrHeaderError(len, off, de);
    const t = (b[off + 2] | (b[off + 3] << 8)) & NLA_TYPE_MASK;
    const eds = off + 4;
    const ede = off + len;
    let v: unknown;
    if (a.sub === K_NEST) {
      const inner: Record<string, unknown> = {};
      decodeSetInto(inner, a.set!, b, eds, ede, scope);
      v = inner;
    } else v = decodeLeaf(set, a, a.sub, b, eds, ede, off);
    if (indexes === undefined && t !== out.length + 1) {
      indexes = out.map((_, i) => i + 1);
    }
    if (indexes !== undefined) indexes.push(t);
    out.push(v);
    off += (len + 3) & ~3;
  }
  if (indexes !== undefined) (out as unknown[] & { [INDEXES]?: number[] })[INDEXES] = indexes;
  return out;
}

function decodeTypeValue(
  a: CompiledAttr,
  level: number,
  prefix: Record<string, unknown>,
  b: Uint8Array,
  ds: number,
  de: number,
  out: Record<string, unknown>[],
  scope: Scope,
): void {
  let off = ds;
  while (de - off >= 4) {
    const len = b[off] | (b[off + 1] << 8);
    if (len < 4 || len > de - off) throw attrHeaderError(len, off, de);
    const t = (b[off + 2] | (b[off + 3] << 8)) & NLA_TYPE_MASK;
    const item: Record<string, unknown> = { ...prefix };
    item[a.typeValue[level] ?? `type${level}`] = t;
    if (level + 1 < a.typeValue.length) {
      decodeTypeValue(a, level + 1, item, b, off + 4, off + len, out, scope);
    } else {
      decodeSetInto(item, a.set!, b, off + 4, off + len, scope);
      out.push(item);
    }
    off += (len + 3) & ~3;
  }
}

function decodeStructInto(
  obj: Record<string, unknown>,
  struct: StructType<object>,
  b: Uint8Array,
  ds: number,
  de: number,
): void {
  const c = compiledStruct(struct);
  const len = de - ds;
  const members = c.members;
  for (let i = 0; i < members.length; i++) {
    const m = members[i];
    if (m.offset + m.size > len) break;
    const o = ds + m.offset;
    switch (m.kind) {
      case K_RAW:
        break;
      case K_BINARY:
        obj[m.key] = copyBytes(b, o, o + m.size);
        break;
      case K_STRING: {
        let e = o;
        while (e < o + m.size && b[e] !== 0) e++;
        obj[m.key] = decodeString(b, o, e);
        break;
      }
      case K_STRUCT:
        obj[m.key] = decodeStructAt(m.struct!, b, o, o + m.size);
        break;
      default:
        obj[m.key] = readInt(m.kind, m.be, b, o);
    }
  }
  if (len !== c.size) (obj as StructValues)[STRUCT_BYTES] = copyBytes(b, ds, de);
}

function decodeStructAt(
  struct: StructType<object>,
  b: Uint8Array,
  ds: number,
  de: number,
): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  decodeStructInto(obj, struct, b, ds, de);
  return obj;
}

/**
 * Decode the attributes of `set` found in `bytes[offset, end)` (the whole array by
 * default) into a plain object keyed by camelCase attribute names. Values are copies:
 * the result does not keep `bytes` alive (small `Uint8Array` values may share a pooled
 * `ArrayBuffer`; see the module notes).
 *
 * @throws {NetlinkDecodeError} if an attribute's length is below 4 or runs past its nest,
 *   a scalar has the wrong size, or the range lies outside `bytes`. Offsets in the error
 *   are indexes into `bytes`.
 * @example
 * ```ts
 * import { decodeAttributeSet, rtLink } from "@netlink/netlink";
 * // IFLA_IFNAME "lo", IFLA_MTU 65536
 * const bytes = new Uint8Array([7, 0, 3, 0, 0x6c, 0x6f, 0, 0, 8, 0, 4, 0, 0, 0, 1, 0]);
 * decodeAttributeSet(rtLink.linkAttrs, bytes); // { ifname: "lo", mtu: 65536 }
 * ```
 */
export function decodeAttributeSet<T extends object>(
  set: AttributeSet<T>,
  bytes: Uint8Array,
  offset = 0,
  end: number = bytes.length,
): T {
  checkRange(bytes, offset, end);
  const obj: Record<string, unknown> = {};
  decodeSetInto(obj, set as AttributeSet<object>, bytes, offset, end, undefined);
  return obj as T;
}

/**
 * Decode a fixed struct from `bytes[offset, end)`. Members that do not fit are left out;
 * when the length is not the struct's size the original bytes are kept under
 * {@link STRUCT_BYTES} (kernels grow structs over time, so this is not an error).
 *
 * @throws {NetlinkDecodeError} if the range lies outside `bytes`.
 * @example
 * ```ts
 * import { decodeStruct, rtLink } from "@netlink/netlink";
 * // struct ifinfomsg: AF_UNSPEC, ARPHRD_LOOPBACK (772), index 1, IFF_UP|IFF_LOOPBACK, 0
 * const b = new Uint8Array([0, 0, 4, 3, 1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0]);
 * decodeStruct(rtLink.ifinfomsg, b); // { ifiFamily: 0, ifiType: 772, ifiIndex: 1, ifiFlags: 9, ifiChange: 0 }
 * ```
 */
export function decodeStruct<T extends object>(
  struct: StructType<T>,
  bytes: Uint8Array,
  offset = 0,
  end: number = bytes.length,
): T {
  checkRange(bytes, offset, end);
  return decodeStructAt(struct as StructType<object>, bytes, offset, end) as T;
}

/**
 * A decoded message body: the genetlink command and version (genetlink families only),
 * the fixed header (an empty object when the messages have none) and the attributes.
 *
 * @example
 * ```ts
 * import type { DecodedMessage, Ifinfomsg, LinkAttrs } from "@netlink/netlink";
 * declare const m: DecodedMessage<Ifinfomsg, LinkAttrs>;
 * console.log(m.header.ifiIndex, m.attrs.ifname);
 * ```
 */
export interface DecodedMessage<H, A> {
  /** The operation the message belongs to. */
  operation: Operation<H & object, A & object>;
  /** genlmsghdr.cmd (genetlink only). */
  cmd?: number;
  /** genlmsghdr.version (genetlink only). */
  version?: number;
  /** The fixed header. */
  header: H;
  /** The attributes. */
  attrs: A;
}

/**
 * Decode the payload of a message of `op` (the bytes after struct nlmsghdr): the
 * genlmsghdr for genetlink families, the fixed header if any, then the attributes, which
 * start at the next 4-byte boundary after the header.
 *
 * @throws {NetlinkDecodeError} on malformed bytes.
 * @example
 * ```ts
 * import { decodeBody, parseMessages, rtLink } from "@netlink/netlink";
 * declare const datagram: Uint8Array;
 * for (const m of parseMessages(datagram)) {
 *   if (m.type !== rtLink.RTM_NEWLINK) continue;
 *   const { header, attrs } = decodeBody(rtLink.operations.getlink, m.payload);
 *   console.log(header.ifiIndex, attrs.ifname, attrs.mtu);
 * }
 * ```
 */
export function decodeBody<H extends object, A extends object>(
  op: Operation<H, A>,
  payload: Uint8Array,
  offset = 0,
  end: number = payload.length,
): DecodedMessage<H, A> {
  checkRange(payload, offset, end);
  let off = offset;
  let cmd: number | undefined;
  let version: number | undefined;
  if (op.family.isGenetlink) {
    if (end - off < GENL_HDRLEN) {
      throw new NetlinkDecodeError(
        `genetlink payload of ${end - off} bytes is shorter than the 4-byte genlmsghdr`,
        off,
      );
    }
    cmd = payload[off];
    version = payload[off + 1];
    off += GENL_HDRLEN;
  }
  let header: Record<string, unknown> = {};
  const fixed = op.fixedHeader as StructType<object> | undefined;
  if (fixed !== undefined) {
    const size = compiledStruct(fixed).size;
    if (end - off < size) {
      throw new NetlinkDecodeError(
        `${op.family.name} ${op.name}: payload of ${
          end - off
        } bytes is shorter than struct ${fixed.name} (${size} bytes)`,
        off,
      );
    }
    header = decodeStructAt(fixed, payload, off, off + size);
    off = Math.min(end, off + ((size + 3) & ~3));
  }
  const set = op.attributeSet as AttributeSet<object> | undefined;
  let attrs: Record<string, unknown> = {};
  if (set !== undefined) decodeSetInto(attrs, set, payload, off, end, undefined);
  else if (end - off >= 4) {
    // No table: keep whatever is there raw.
    attrs = {};
    decodeSetInto(attrs, EMPTY_SET, payload, off, end, undefined);
  }
  const out: DecodedMessage<H, A> = { operation: op, header: header as H, attrs: attrs as A };
  if (cmd !== undefined) {
    out.cmd = cmd;
    out.version = version;
  }
  return out;
}

const EMPTY_SET = new AttributeSet<object>(
  new Family({ name: "none", protocol: "netlink-raw", attributeSets: {}, operations: {} }),
  "none",
  [],
);

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

function intValue(v: unknown, min: number, max: number, what: string): number {
  const n = typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    throw new RangeError(`${what} value ${String(v)} is outside ${min}..${max}`);
  }
  return n;
}

function toBig(v: unknown, signed: boolean, what: string): bigint {
  let n: bigint;
  if (typeof v === "bigint") n = v;
  else if (typeof v === "number" && Number.isInteger(v)) n = BigInt(v);
  else throw new RangeError(`${what} value ${String(v)} is not an integer`);
  const ok = signed ? n >= -(1n << 63n) && n < 1n << 63n : n >= 0n && n < 1n << 64n;
  if (!ok) throw new RangeError(`${what} value ${String(v)} is out of range`);
  return BigInt.asUintN(64, n);
}

// Enum names are accepted where numbers are expected: "UP", "up" or ["UP", "RUNNING"].
function enumValue(
  a: { enumEntries: Readonly<Record<string, number>> | undefined },
  v: unknown,
): unknown {
  if (a.enumEntries === undefined) return v;
  const one = (x: unknown): unknown => {
    if (typeof x !== "string") return x;
    const n = a.enumEntries![screamingSnake(x)];
    if (n === undefined) throw typeError(`"${x}" is not an entry of the enum`);
    return n;
  };
  if (Array.isArray(v)) {
    let mask = 0;
    for (const x of v) mask = (mask | (one(x) as number)) >>> 0;
    return mask;
  }
  return one(v);
}

// Write a fixed-size integer of kind k into out[o..] (little- or big-endian).
function putInt(
  k: number,
  be: boolean,
  out: Uint8Array,
  o: number,
  v: unknown,
  what: string,
): void {
  const size = SIZE_OF[k];
  if (size === 8) {
    const n = toBig(v, k === K_S64, what);
    const hi = Number(n >> 32n);
    const lo = Number(n & 0xffffffffn);
    if (be) {
      putBe32(out, o, hi);
      putBe32(out, o + 4, lo);
    } else {
      putLe32(out, o, lo);
      putLe32(out, o + 4, hi);
    }
    return;
  }
  const signed = k === K_S8 || k === K_S16 || k === K_S32;
  const bits = size * 8;
  const n = signed
    ? intValue(v, -(2 ** (bits - 1)), 2 ** (bits - 1) - 1, what)
    : intValue(v, 0, 2 ** bits - 1, what);
  if (size === 1) out[o] = n;
  else if (size === 2) {
    if (be) {
      out[o] = n >>> 8;
      out[o + 1] = n;
    } else {
      out[o] = n;
      out[o + 1] = n >>> 8;
    }
  } else if (be) putBe32(out, o, n);
  else putLe32(out, o, n);
}

function putLe32(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}

function putBe32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

const textEncoder = new TextEncoder();

function encodeStructBytes(
  struct: StructType<object>,
  value: Record<string, unknown>,
  lax: boolean,
): Uint8Array {
  if (value === null || typeof value !== "object") {
    throw typeError(`struct ${struct.name} needs an object, got ${String(value)}`);
  }
  const c = compiledStruct(struct);
  const orig = (value as StructValues)[STRUCT_BYTES];
  const out = new Uint8Array(orig instanceof Uint8Array ? orig.length : c.size);
  if (orig instanceof Uint8Array) out.set(orig);
  if (!lax) {
    for (const k of Object.keys(value)) {
      if (!c.byKey.has(k) && value[k] !== undefined) {
        throw typeError(`struct ${struct.name} has no member "${k}"`);
      }
    }
  }
  for (const m of c.members) {
    if (m.offset + m.size > out.length) break;
    const v = value[m.key];
    if (m.kind === K_RAW || v === undefined) continue;
    const what = `${struct.name}.${m.key}`;
    switch (m.kind) {
      case K_BINARY: {
        if (!(v instanceof Uint8Array)) throw typeError(`${what} needs a Uint8Array`);
        if (v.length > m.size) throw new RangeError(`${what} is ${v.length} bytes, over ${m.size}`);
        out.fill(0, m.offset, m.offset + m.size);
        out.set(v, m.offset);
        break;
      }
      case K_STRING: {
        if (typeof v !== "string") throw typeError(`${what} needs a string`);
        const s = textEncoder.encode(v);
        if (s.length > m.size) throw new RangeError(`${what} is ${s.length} bytes, over ${m.size}`);
        out.fill(0, m.offset, m.offset + m.size);
        out.set(s, m.offset);
        break;
      }
      case K_STRUCT:
        out.set(
          encodeStructBytes(m.struct!, v as Record<string, unknown>, lax).subarray(0, m.size),
          m.offset,
        );
        break;
      default:
        putInt(m.kind, m.be, out, m.offset, v, what);
    }
  }
  return out;
}

/**
 * Encode a fixed struct. Missing members are zero. When the value carries
 * {@link STRUCT_BYTES} (it was decoded from a struct of another size), encoding starts
 * from those bytes and keeps their length.
 *
 * @throws {TypeError} for a member the struct does not have.
 * @throws {RangeError} for an integer out of range or a too long string or binary.
 * @example
 * ```ts
 * import { encodeStruct, rtLink } from "@netlink/netlink";
 * encodeStruct(rtLink.ifinfomsg, { ifiIndex: 1 }).length; // 16
 * ```
 */
export function encodeStruct<T extends object>(
  struct: StructType<T>,
  value: Partial<T>,
): Uint8Array {
  return encodeStructBytes(
    struct as StructType<object>,
    value as Record<string, unknown>,
    false,
  );
}

interface EncodeState {
  nestedFlag: boolean;
}

function writeLeaf(
  set: AttributeSet<object>,
  w: AttributeWriter,
  a: CompiledAttr,
  kind: number,
  type: number,
  v: unknown,
  st: EncodeState,
  scope: Scope,
): void {
  const what = `${set.name}.${a.key}`;
  switch (kind) {
    case K_FLAG:
      if (v === true) w.flag(type);
      else if (v !== false) throw typeError(`${what} is a flag: use true or false`);
      return;
    case K_U8:
    case K_S8:
    case K_U16:
    case K_S16:
    case K_U32:
    case K_S32:
    case K_U64:
    case K_S64: {
      const n = enumValue(a, v);
      if (!a.be) {
        switch (kind) {
          case K_U8:
            w.u8(type, n as number);
            return;
          case K_U16:
            w.u16(type, n as number);
            return;
          case K_U32:
            w.u32(type, n as number);
            return;
          case K_S8:
            w.s8(type, n as number);
            return;
          case K_S16:
            w.s16(type, n as number);
            return;
          case K_S32:
            w.s32(type, n as number);
            return;
        }
      }
      const out = new Uint8Array(SIZE_OF[kind]);
      putInt(kind, a.be, out, 0, n, what);
      w.attr(type, out);
      return;
    }
    case K_UINT:
    case K_SINT: {
      const n = enumValue(a, v);
      if (a.be) {
        const signed = kind === K_SINT;
        const big = toBig(n, signed, what);
        const small = signed ? BigInt.asIntN(64, big) : big;
        const fits = signed ? small >= -(1n << 31n) && small < 1n << 31n : small < 1n << 32n;
        const out = new Uint8Array(fits ? 4 : 8);
        putInt(
          fits ? (signed ? K_S32 : K_U32) : (signed ? K_S64 : K_U64),
          true,
          out,
          0,
          small,
          what,
        );
        w.attr(type, out);
      } else if (kind === K_UINT) w.uint(type, n as number | bigint);
      else w.sint(type, n as number | bigint);
      return;
    }
    case K_STRING:
      if (typeof v !== "string") throw typeError(`${what} needs a string`);
      w.string(type, v);
      return;
    case K_STRUCT:
      if (v instanceof Uint8Array) w.attr(type, v);
      else w.attr(type, encodeStructBytes(a.struct!, v as Record<string, unknown>, false));
      return;
    case K_BITFIELD: {
      const bf = v as Bitfield32;
      if (bf === null || typeof bf !== "object") {
        throw typeError(`${what} needs { value, selector }`);
      }
      const out = new Uint8Array(8);
      putInt(K_U32, false, out, 0, enumValue(a, bf.value), what);
      putInt(K_U32, false, out, 4, enumValue(a, bf.selector), what);
      w.attr(type, out);
      return;
    }
    case K_NEST:
      if (v === null || typeof v !== "object") throw typeError(`${what} needs an object`);
      w.nest(
        type,
        (w) => encodeSetInto(a.set!, w, v as Record<string, unknown>, st, scope, undefined),
        { flag: st.nestedFlag },
      );
      return;
    case K_BINARY:
      if (!(v instanceof Uint8Array)) throw typeError(`${what} needs a Uint8Array`);
      w.attr(type, v);
      return;
    default:
      throw typeError(`${what} cannot be encoded`);
  }
}

function writeAttr(
  set: AttributeSet<object>,
  w: AttributeWriter,
  a: CompiledAttr,
  v: unknown,
  st: EncodeState,
  scope: Scope,
): void {
  const what = `${set.name}.${a.key}`;
  switch (a.kind) {
    case K_SUBMSG: {
      const sel = lookupSelector(a.selector, scope);
      const f = findFormat(a.subMessage!, sel);
      if (f === undefined) {
        throw typeError(
          `${what}: sub-message ${a.subMessage!.name} has no format for ${a.selector} = ${
            String(sel)
          }`,
        );
      }
      if (v === null || typeof v !== "object") throw typeError(`${what} needs an object`);
      const obj = v as Record<string, unknown>;
      if (f.struct !== undefined && f.set === undefined) {
        w.attr(a.value, encodeStructBytes(f.struct, obj, false));
      } else if (f.struct !== undefined) {
        const skip = compiledStruct(f.struct).byKey;
        w.nest(a.value, (w) => {
          w.raw(encodeStructBytes(f.struct!, obj, true));
          encodeSetInto(f.set!, w, obj, st, scope, skip);
        }, { flag: false });
      } else {
        w.nest(a.value, (w) => {
          if (f.set !== undefined) encodeSetInto(f.set, w, obj, st, scope, undefined);
        }, { flag: st.nestedFlag });
      }
      return;
    }
    case K_INDEXED: {
      if (!Array.isArray(v)) throw typeError(`${what} needs an array`);
      const indexes = (v as unknown[] & { [INDEXES]?: number[] })[INDEXES];
      const useIdx = Array.isArray(indexes) && indexes.length === v.length;
      w.nest(a.value, (w) => {
        for (let i = 0; i < v.length; i++) {
          const t = useIdx ? indexes![i] : i + 1;
          if (a.sub === K_NEST) {
            const item = v[i];
            if (item === null || typeof item !== "object") {
              throw typeError(`${what}[${i}] needs an object`);
            }
            w.nest(
              t,
              (w) =>
                encodeSetInto(a.set!, w, item as Record<string, unknown>, st, scope, undefined),
              { flag: st.nestedFlag },
            );
          } else writeLeaf(set, w, a, a.sub, t, v[i], st, scope);
        }
      }, { flag: st.nestedFlag });
      return;
    }
    case K_ARRAY: {
      if (!Array.isArray(v)) throw typeError(`${what} needs an array of integers`);
      const n = SIZE_OF[a.sub];
      const out = new Uint8Array(v.length * n);
      for (let i = 0; i < v.length; i++) putInt(a.sub, a.be, out, i * n, v[i], `${what}[${i}]`);
      w.attr(a.value, out);
      return;
    }
    case K_NTV: {
      if (!Array.isArray(v)) throw typeError(`${what} needs an array`);
      w.nest(
        a.value,
        (w) => writeTypeValue(a, w, v as Record<string, unknown>[], 0, 0, v.length, st, scope),
        {
          flag: st.nestedFlag,
        },
      );
      return;
    }
    default:
      writeLeaf(set, w, a, a.kind, a.value, v, st, scope);
  }
}

// Items [from, to) share the type-values of levels < level; group runs sharing level's too.
function writeTypeValue(
  a: CompiledAttr,
  w: AttributeWriter,
  items: Record<string, unknown>[],
  level: number,
  from: number,
  to: number,
  st: EncodeState,
  scope: Scope,
): void {
  const key = a.typeValue[level] ?? `type${level}`;
  let i = from;
  while (i < to) {
    const item = items[i];
    if (item === null || typeof item !== "object") {
      throw typeError(`${a.key}[${i}] needs an object`);
    }
    const t = intValue(item[key], 0, NLA_TYPE_MASK, `${a.key}[${i}].${key}`);
    if (level + 1 < a.typeValue.length) {
      let j = i + 1;
      while (j < to && items[j]?.[key] === t) j++;
      const start = i;
      w.nest(t, (w) => writeTypeValue(a, w, items, level + 1, start, j, st, scope), {
        flag: st.nestedFlag,
      });
      i = j;
    } else {
      const skip = new Map<string, unknown>(a.typeValue.map((k) => [k, true]));
      w.nest(t, (w) => encodeSetInto(a.set!, w, item, st, scope, skip), { flag: st.nestedFlag });
      i++;
    }
  }
}

function writeUnknown(w: AttributeWriter, u: UnknownAttribute): void {
  if (!(u?.data instanceof Uint8Array)) throw typeError("a raw attribute needs data: Uint8Array");
  const t = (u.type & NLA_TYPE_MASK) | (u.nested ? NLA_F_NESTED : 0) |
    (u.netByteOrder ? NLA_F_NET_BYTEORDER : 0);
  w.attr(t, u.data);
}

function encodeSetInto(
  set: AttributeSet<object>,
  w: AttributeWriter,
  value: Record<string, unknown>,
  st: EncodeState,
  up: Scope | undefined,
  skip: Map<string, unknown> | undefined,
): void {
  const byKey = compiledSet(set).byKey;
  const scope: Scope = { value, up };
  const unknown = (value as AttrValues)[UNKNOWN];
  let u = 0;
  let count = 0;
  let raw: UnknownAttribute[] | undefined;
  if (unknown !== undefined) {
    if (!Array.isArray(unknown)) throw typeError(`${set.name}: the UNKNOWN entry must be an array`);
    raw = unknown.slice().sort((x, y) => (x.index ?? Infinity) - (y.index ?? Infinity));
  }
  const keys = Object.keys(value);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    const v = value[key];
    if (v === undefined) continue;
    const a = byKey.get(key);
    if (a === undefined) {
      if (skip?.has(key)) continue;
      throw typeError(`Attribute set "${set.name}" has no attribute "${key}"`);
    }
    if (a.multi) {
      if (!Array.isArray(v)) throw typeError(`${set.name}.${key} repeats: it needs an array`);
      for (let i = 0; i < v.length; i++) {
        if (raw !== undefined) {
          while (u < raw.length && (raw[u].index ?? Infinity) <= count) {
            writeUnknown(w, raw[u++]);
            count++;
          }
        }
        writeAttr(set, w, a, v[i], st, scope);
        count++;
      }
    } else {
      if (raw !== undefined) {
        while (u < raw.length && (raw[u].index ?? Infinity) <= count) {
          writeUnknown(w, raw[u++]);
          count++;
        }
      }
      writeAttr(set, w, a, v, st, scope);
      count++;
    }
  }
  if (raw !== undefined) { while (u < raw.length) writeUnknown(w, raw[u++]); }
}

/**
 * Append the attributes of `value` to `writer`, the inverse of
 * {@link decodeAttributeSet}: keys in object order, repeated attributes from arrays,
 * nests with NLA_F_NESTED (see {@link EncodeOptions}), raw attributes from
 * {@link UNKNOWN} back at their positions. Keys whose value is `undefined` are skipped.
 * Integer attributes with an enum also take entry names (`"UP"`, or an array of flag
 * names).
 *
 * @throws {TypeError} for a key the set does not have, a value of the wrong shape, or a
 *   sub-message whose selector has no format.
 * @throws {RangeError} for an integer out of range or an attribute over 65535 bytes.
 * @example
 * ```ts
 * import { AttributeWriter, encodeAttributeSet, rtLink } from "@netlink/netlink";
 * const w = encodeAttributeSet(rtLink.linkAttrs, new AttributeWriter(), {
 *   ifname: "v0",
 *   linkinfo: { kind: "vlan", data: { id: 100 } },
 * });
 * w.bytes();
 * ```
 */
export function encodeAttributeSet<T extends object, W extends AttributeWriter>(
  set: AttributeSet<T>,
  writer: W,
  value: T,
  options?: EncodeOptions,
): W {
  if (value === null || typeof value !== "object") {
    throw typeError(`Attribute set "${set.name}" needs an object, got ${String(value)}`);
  }
  encodeSetInto(
    set as AttributeSet<object>,
    writer,
    value as Record<string, unknown>,
    { nestedFlag: options?.nestedFlag !== false },
    undefined,
    undefined,
  );
  return writer;
}

/**
 * Options of {@link buildMessage}.
 *
 * @example
 * ```ts
 * import type { BuildOptions, Ifinfomsg, LinkAttrs } from "@netlink/netlink";
 * const opts: BuildOptions<Ifinfomsg, LinkAttrs> = { dump: true, seq: 1 };
 * ```
 */
export interface BuildOptions<H, A> extends EncodeOptions {
  /** Send the dump form: its message type, and NLM_F_DUMP. */
  dump?: boolean;
  /** nlmsg_type; required for genetlink (the family id), else taken from the operation. */
  type?: number;
  /**
   * Extra nlmsg_flags (e.g. NLM_F_CREATE | NLM_F_EXCL), added to NLM_F_REQUEST and to
   * NLM_F_ACK (a `do`) or NLM_F_DUMP (a dump).
   */
  flags?: number;
  /** Ask for an ACK on a `do` request (NLM_F_ACK); default `true`. */
  ack?: boolean;
  /** nlmsg_seq. */
  seq?: number;
  /** nlmsg_pid. */
  pid?: number;
  /** Fixed header fields (missing ones are zero). */
  header?: Partial<H>;
  /** Attributes. */
  attrs?: A;
  /** genlmsghdr.version (genetlink); default the family's version, else 1. */
  version?: number;
}

/**
 * Build a whole request of `op`: struct nlmsghdr, genlmsghdr for genetlink families,
 * the fixed header, then the attributes.
 *
 * @throws {TypeError} if the operation has no such request, or a genetlink message has
 *   no `type`; errors of {@link encodeAttributeSet} and {@link encodeStruct}.
 * @example
 * ```ts
 * import { buildMessage, rtLink } from "@netlink/netlink";
 * const dump = buildMessage(rtLink.operations.getlink, { dump: true, seq: 1 });
 * const get = buildMessage(rtLink.operations.getlink, { attrs: { ifname: "lo" }, seq: 2 });
 * ```
 */
export function buildMessage<H extends object, A extends object>(
  op: Operation<H, A>,
  options: BuildOptions<H, A> = {},
): Uint8Array {
  const mode = options.dump ? op.spec.dump : op.spec.do;
  if (mode === undefined) {
    throw typeError(
      `Operation "${op.name}" of ${op.family.name} has no ${options.dump ? "dump" : "do"} form`,
    );
  }
  const value = mode.request?.value ?? op.requestValue;
  if (value === undefined) {
    throw typeError(`Operation "${op.name}" of ${op.family.name} has no request`);
  }
  const genl = op.family.isGenetlink;
  let type = options.type;
  if (type === undefined) {
    if (genl) {
      throw typeError(
        `Genetlink family ${op.family.name} needs options.type: its resolved family id`,
      );
    }
    type = value;
  }
  const flags = NLM_F_REQUEST |
    (options.dump ? NLM_F_DUMP : options.ack === false ? 0 : NLM_F_ACK) |
    (options.flags ?? 0);
  const b = new MessageBuilder(type, flags, { seq: options.seq, pid: options.pid });
  if (genl) {
    b.raw(new Uint8Array([value, options.version ?? op.family.spec.version ?? 1, 0, 0]));
  }
  const fixed = op.fixedHeader;
  if (fixed !== undefined) b.raw(encodeStruct(fixed, options.header ?? {}));
  else if (options.header !== undefined && Object.keys(options.header).length > 0) {
    throw typeError(`Operation "${op.name}" of ${op.family.name} has no fixed header`);
  }
  if (options.attrs !== undefined) {
    const set = op.attributeSet;
    if (set === undefined) {
      throw typeError(`Operation "${op.name}" of ${op.family.name} has no attributes`);
    }
    encodeAttributeSet(set, b, options.attrs, options);
  }
  return b.finish();
}
