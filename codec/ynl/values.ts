/**
 * The values of decoded families: what decoding returns and encoding takes. Attributes
 * become plain objects keyed by camelCase attribute names ({@link camelCase}):
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
 * encoding sets it on every nest unless `nestedFlag: false`, see {@link EncodeOptions}).
 * Fixed structs of another size than the spec's keep their bytes under
 * {@link STRUCT_BYTES}.
 *
 * @example
 * ```ts
 * import { type AttrValues, UNKNOWN } from "@netlink/netlink/codec";
 * interface LinkAttrs extends AttrValues {
 *   ifname?: string;
 *   mtu?: number;
 * }
 * declare const link: LinkAttrs;
 * console.log(link.ifname, link.mtu, link[UNKNOWN]?.length ?? 0);
 * ```
 *
 * @module
 */

import type { Attribute } from "../attrs.ts";

// Re-exported so this module documents on its own (it is also in the codec's mod.ts).
export type { Attribute } from "../attrs.ts";

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
