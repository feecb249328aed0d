/**
 * The operations of a family: their message numbers, fixed header and attribute set, from
 * which `buildMessage` builds requests and `decodeBody` decodes replies.
 *
 * @example
 * ```ts
 * import { defineFamily } from "@netlink/netlink/codec";
 * const op = defineFamily({
 *   name: "demo",
 *   protocol: "netlink-raw",
 *   attributeSets: { s: [{ name: "mtu", value: 4, type: "u32" }] },
 *   operations: { getthing: { name: "getthing", requestValue: 30, replyValue: 28, attributeSet: "s" } },
 * }).operation("getthing");
 * op.replyValue; // 28
 * ```
 *
 * @module
 */

import type { AttributeSet, Family, StructType } from "./family.ts";
import type { OperationSpec } from "./spec.ts";
import { type BodyPlan, installPlanAccessor } from "./_runtime.ts";

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
  #spec: OperationSpec | (() => OperationSpec);
  #plan: BodyPlan | undefined;

  static {
    installPlanAccessor((op, make) => op.#plan ??= make(op));
  }

  /**
   * Wrap an operation's table (or a function that gives it on first use); use
   * {@link Family.operation} rather than this.
   *
   * @example
   * ```ts
   * import { defineFamily, Operation } from "@netlink/netlink/codec";
   * const f = defineFamily({ name: "x", protocol: "netlink-raw", attributeSets: {}, operations: {} });
   * new Operation(f, { name: "noop" }).name; // "noop"
   * ```
   */
  constructor(family: Family, spec: OperationSpec | (() => OperationSpec)) {
    this.family = family;
    this.#spec = spec;
  }

  /**
   * The operation's table.
   *
   * @example
   * ```ts
   * import { defineFamily, Operation } from "@netlink/netlink/codec";
   * const f = defineFamily({ name: "x", protocol: "netlink-raw", attributeSets: {}, operations: {} });
   * new Operation(f, { name: "getlink", requestValue: 18 }).spec.requestValue; // 18
   * ```
   */
  get spec(): OperationSpec {
    const s = this.#spec;
    return typeof s === "function" ? (this.#spec = s()) : s;
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
