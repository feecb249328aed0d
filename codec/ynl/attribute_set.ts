/**
 * {@link AttributeSet}: one attribute set of a {@link Family}, which decodes attributes into
 * objects and encodes them back (see `values.ts` for what the values are). Its compiled table
 * and its generated decoder are found on first use.
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
 * set.decode(set.encode(new AttributeWriter(), { mtu: 1500 }).bytes()).mtu; // 1500
 * ```
 *
 * @module
 */

import type { AttributeWriter } from "../attr_writer.ts";
import { type CompiledSet, compiledSet, compileSet, installAccessors } from "./compile.ts";
import { decodeAttributeSet } from "./decode.ts";
import { decodersOf, installGeneratedAccessors, type SetDecoder } from "./_runtime.ts";
import { encodeAttributeSet } from "./encode.ts";
import type { Family } from "./family.ts";
import type { AttributeSpec } from "./spec.ts";
import type { EncodeOptions } from "./values.ts";

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
  #attributes: readonly AttributeSpec[] | (() => readonly AttributeSpec[]);
  #compiled: CompiledSet | undefined;
  // The generated decoder: null when the family has none for this set (or this is a copy).
  #generated: SetDecoder | null | undefined;

  static {
    installAccessors({ set: (s) => s.#compiled ??= compileSet(s) });
    installGeneratedAccessors({
      set: (s) => (s.#generated ??= s.#findGenerated()) ?? undefined,
    });
  }

  #findGenerated(): SetDecoder | null {
    const gen = decodersOf(this.family)?.sets[this.name];
    // A copy with renamed attributes (see renameClashes) is not the set the code was made for.
    return gen !== undefined && this.family.attributeSet(this.name) === this ? gen : null;
  }

  /**
   * Wrap a set's table (or a function that gives it on first use); use
   * {@link Family.attributeSet} rather than this.
   *
   * @example
   * ```ts
   * import { AttributeSet, defineFamily } from "@netlink/netlink/codec";
   * const f = defineFamily({ name: "x", protocol: "netlink-raw", attributeSets: {}, operations: {} });
   * const set = new AttributeSet(f, "empty", []);
   * ```
   */
  constructor(
    family: Family,
    name: string,
    attributes: readonly AttributeSpec[] | (() => readonly AttributeSpec[]),
  ) {
    this.family = family;
    this.name = name;
    this.#attributes = attributes;
  }

  /**
   * The attributes, in spec order.
   *
   * @example
   * ```ts
   * import { AttributeSet, defineFamily } from "@netlink/netlink/codec";
   * const f = defineFamily({ name: "x", protocol: "netlink-raw", attributeSets: {}, operations: {} });
   * new AttributeSet(f, "s", [{ name: "mtu", value: 4, type: "u32" }]).attributes[0].name; // "mtu"
   * ```
   */
  get attributes(): readonly AttributeSpec[] {
    const a = this.#attributes;
    return typeof a === "function" ? (this.#attributes = a()) : a;
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
