/**
 * Families are data: a family is compiled, lazily, from the tables that `tools/ynl` generates
 * from the kernel's YNL specs into `families/generated/` (see {@link FamilySpec}).
 * {@link Family} resolves attribute sets, structs, sub-messages and operations by name on
 * first use; {@link AttributeSet} and {@link StructType} decode and encode their values
 * (see `values.ts` for what the values are).
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

import { NetlinkDecodeError } from "../errors.ts";
import { AttributeSet } from "./attribute_set.ts";
import {
  type CompiledFormat,
  type CompiledSubMessage,
  GENL_HDRLEN,
  installAccessors,
} from "./compile.ts";
import { decodeBody, type DecodedMessage } from "./decode.ts";
import { type Decoders, installDecoderAccessors } from "./_runtime.ts";
import { Operation } from "./operation.ts";
import type { FamilySpec } from "./spec.ts";
import { StructType } from "./struct_type.ts";

export { AttributeSet } from "./attribute_set.ts";
export { StructType } from "./struct_type.ts";

// Set by the static block of Family: a family whose tables are built on first read.
let familyOf: (head: FamilyHead, load: () => FamilySpec) => Family;

/** The tables of a spec that a generated family builds on first read. */
const LAZY_KEYS = [
  "enums",
  "structs",
  "attributeSets",
  "attributePrefixes",
  "subMessages",
  "operations",
  "mcastGroups",
] as const satisfies readonly (keyof FamilySpec)[];

/** What a generated family knows before its tables are built. */
export type FamilyHead = Pick<FamilySpec, "name" | "protocol" | "protonum" | "version">;

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
  /**
   * The tables this family was built from. A generated family's name, protocol, protonum and
   * version are there at once; its other tables are built on first read.
   */
  readonly spec: FamilySpec;
  // Its tables are not built yet: sets, structs and operations are looked up on first use.
  #pending = false;
  #sets = new Map<string, AttributeSet<object>>();
  #structs = new Map<string, StructType<object>>();
  #subMessages = new Map<string, CompiledSubMessage>();
  #ops = new Map<string, Operation<object, object>>();
  #byRequest: Map<number, Operation<object, object>> | undefined;
  #byReply: Map<number, Operation<object, object>> | undefined;
  #decoders: Decoders | undefined;

  static {
    installDecoderAccessors((f) => f.#decoders, (f, d) => {
      f.#decoders = d;
    });
  }

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

  static {
    familyOf = (head, load) => {
      const spec = { ...head } as FamilySpec;
      const f = new Family(spec);
      f.#pending = true;
      const fill = () => {
        const full = load();
        for (const k of LAZY_KEYS) {
          Object.defineProperty(spec, k, { value: full[k], enumerable: full[k] !== undefined });
        }
        f.#pending = false;
      };
      for (const k of LAZY_KEYS) {
        Object.defineProperty(spec, k, {
          get: () => (fill(), spec[k]),
          configurable: true,
          enumerable: true,
        });
      }
      return f;
    };
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
      const attrs = this.#pending
        ? () => this.#part("attributeSets", "attribute set", name)
        : this.#part("attributeSets", "attribute set", name);
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
      const members = this.#pending
        ? () => this.#part("structs", "struct", name)
        : this.#part("structs", "struct", name);
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
      const spec = this.#pending
        ? () => this.#part("operations", "operation", name)
        : this.#part("operations", "operation", name);
      op = new Operation<object, object>(this, spec);
      this.#ops.set(name, op);
    }
    return op as Operation<H, A>;
  }

  // A table of the spec by name: found now, or (a generated family whose tables are not built
  // yet) on the handle's first use, so importing a family builds nothing.
  #part<K extends "attributeSets" | "structs" | "operations">(
    kind: K,
    what: string,
    name: string,
  ): NonNullable<FamilySpec[K]>[string] {
    const table = this.spec[kind]?.[name] as NonNullable<FamilySpec[K]>[string] | undefined;
    if (table === undefined) throw new TypeError(`Family "${this.name}" has no ${what} "${name}"`);
    return table;
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
    installAccessors({ subMessage: (f, name) => f.#subMessage(name) });
  }

  #subMessage(name: string): CompiledSubMessage {
    let sm = this.#subMessages.get(name);
    if (sm === undefined) {
      const spec = this.spec.subMessages?.[name];
      if (spec === undefined) {
        throw new TypeError(`Family "${this.name}" has no sub-message "${name}"`);
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
 * A family whose tables `load` builds on first read (a generated module's `family`): `head`
 * (name, protocol, protonum, version) is there at once, its sets, structs and operations can be
 * taken by name before the tables exist, and importing the module builds nothing. Not exported
 * by the codec's index: the generated modules' tables import it from here.
 */
export function lazyFamily(head: FamilyHead, load: () => FamilySpec): Family {
  return familyOf(head, load);
}
