/**
 * {@link StructType}: a fixed C struct of a {@link Family}, laid out with natural alignment as
 * the C compiler does, which decodes and encodes struct values. Its compiled layout and its
 * generated decoder are found on first use.
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
 * pair.decode(pair.encode({ a: 1, b: 2 })); // { a: 1, b: 2 }
 * ```
 *
 * @module
 */

import { type CompiledStruct, compiledStruct, compileStruct, installAccessors } from "./compile.ts";
import { decodeStruct } from "./decode.ts";
import { decodersOf, installGeneratedAccessors, type StructDecoder } from "./_runtime.ts";
import { encodeStruct } from "./encode.ts";
import type { Family } from "./family.ts";
import type { MemberSpec } from "./spec.ts";

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
  #members: readonly MemberSpec[] | (() => readonly MemberSpec[]);
  #compiled: CompiledStruct | undefined;
  #generated: StructDecoder | null | undefined;

  static {
    installAccessors({ struct: (s) => s.#compiled ??= compileStruct(s) });
    installGeneratedAccessors({
      struct: (s) => (s.#generated ??= s.#findGenerated()) ?? undefined,
    });
  }

  #findGenerated(): StructDecoder | null {
    const gen = decodersOf(this.family)?.structs[this.name];
    return gen !== undefined && this.family.struct(this.name) === this ? gen : null;
  }

  /**
   * Wrap a struct's table (or a function that gives it on first use); use {@link Family.struct}
   * rather than this.
   *
   * @example
   * ```ts
   * import { defineFamily, StructType } from "@netlink/netlink/codec";
   * const f = defineFamily({ name: "x", protocol: "netlink-raw", attributeSets: {}, operations: {} });
   * new StructType(f, "one", [{ name: "v", type: "u32" }]).size; // 4
   * ```
   */
  constructor(
    family: Family,
    name: string,
    members: readonly MemberSpec[] | (() => readonly MemberSpec[]),
  ) {
    this.family = family;
    this.name = name;
    this.#members = members;
  }

  /**
   * The members, in order.
   *
   * @example
   * ```ts
   * import { defineFamily, StructType } from "@netlink/netlink/codec";
   * const f = defineFamily({ name: "x", protocol: "netlink-raw", attributeSets: {}, operations: {} });
   * new StructType(f, "one", [{ name: "v", type: "u32" }]).members[0].name; // "v"
   * ```
   */
  get members(): readonly MemberSpec[] {
    const m = this.#members;
    return typeof m === "function" ? (this.#members = m()) : m;
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
