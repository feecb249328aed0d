/**
 * The tables of a family, as `tools/ynl` writes them from the kernel's YNL specs into
 * `families/generated/`: attribute sets, structs, enums, sub-messages and operations, all
 * referring to each other by their YNL names. {@link FamilySpec} is what {@link defineFamily}
 * compiles.
 *
 * @example
 * ```ts
 * import type { FamilySpec } from "@netlink/netlink/codec";
 * const spec: FamilySpec = {
 *   name: "demo",
 *   protocol: "netlink-raw",
 *   attributeSets: { "demo-attrs": [{ name: "mtu", value: 4, type: "u32" }] },
 *   operations: {},
 * };
 * ```
 *
 * @module
 */

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
  /**
   * The YNL name, present only when `name` does not give it back: putting a dash before each
   * capital and lower-casing `name` does not spell it (`if_idx` → `ifIdx` → `if-idx`, `link-64`,
   * `support-5-mhz`, `DP`). Absent: the YNL name is that spelling of `name`.
   */
  readonly yname?: string;
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
  /**
   * The C name (uAPI enum entry), present only when the set's prefix
   * ({@link FamilySpec.attributePrefixes}) and the SCREAMING_SNAKE YNL name do not spell it.
   */
  readonly cName?: string;
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
  /**
   * The YNL name, present only when `name` does not give it back (see
   * {@link AttributeSpec.yname}): `tc-gred-qopt`'s member `DP` keeps the key `DP`, which
   * reads back as `dp`.
   */
  readonly yname?: string;
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
  /**
   * The C name prefix of each set's attributes, by set name (`linkinfo-vxlan-attrs` →
   * `IFLA_VXLAN_`): an attribute's C name is the prefix and its YNL name in SCREAMING_SNAKE
   * (`IFLA_VXLAN_ID`), unless it has its own {@link AttributeSpec.cName}.
   */
  readonly attributePrefixes?: Readonly<Record<string, string>>;
  /** Sub-messages by YNL name: selector value → format. */
  readonly subMessages?: Readonly<
    Record<string, Readonly<Record<string, SubMessageFormatSpec>>>
  >;
  /** Operations by camelCase name. */
  readonly operations: Readonly<Record<string, OperationSpec>>;
  /** Multicast groups by YNL name: group number (netlink-raw) or `null` (resolved at run time). */
  readonly mcastGroups?: Readonly<Record<string, number | null>>;
}
