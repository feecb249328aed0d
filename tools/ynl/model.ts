/**
 * The YNL spec document, typed: what `specs/upstream/{genetlink,genetlink-c,genetlink-legacy,
 * netlink-raw}.yaml` allow, as TypeScript interfaces. Specs are read as YAML, merged with their
 * overlays and validated against those schemas before they are treated as a {@link Spec}.
 *
 * Names are the YNL names (kebab-case), exactly as a spec writes them.
 *
 * @module
 */

/** Schema level of a spec (`protocol:`; absent means `genetlink`). */
export type Protocol = "genetlink" | "genetlink-c" | "genetlink-legacy" | "netlink-raw";

/** Fixed-width integer types. */
export type IntType = "u8" | "u16" | "u32" | "u64" | "s8" | "s16" | "s32" | "s64";

/** Attribute types of YNL (netlink-raw.yaml / genetlink-legacy.yaml `attr-type`). */
export type AttrType =
  | "unused"
  | "pad"
  | "flag"
  | "binary"
  | "bitfield32"
  | "uint"
  | "sint"
  | IntType
  | "string"
  | "nest"
  | "indexed-array"
  | "nest-type-value"
  | "sub-message";

/** Display hints (printing only). */
export type DisplayHint = "hex" | "mac" | "fddi" | "ipv4" | "ipv6" | "uuid";

/** Byte order of an integer. */
export type ByteOrder = "little-endian" | "big-endian";

/** A length: a number, a `const` name, or `NAME - 1`. */
export type LenOrDefine = number | string;

/** One entry of an enum or flags definition (a bare string is a name). */
export type EnumEntry = string | { name: string; value?: number; doc?: string };

/** Fields every definition has. */
interface DefinitionBase {
  name: string;
  doc?: string;
  /** Header (C) that already defines it. */
  header?: string;
  "name-prefix"?: string;
  "enum-name"?: string | null;
}

/** `type: const`. */
export interface ConstDefinition extends DefinitionBase {
  type: "const";
  value: number | string;
}

/** `type: enum` or `type: flags` (flags: entry values are bit positions). */
export interface EnumDefinition extends DefinitionBase {
  type: "enum" | "flags";
  "value-start"?: number | string;
  entries: EnumEntry[];
  "render-max"?: boolean;
  "enum-cnt-name"?: string;
}

/** A member of a struct. */
export interface StructMember {
  name: string;
  type: IntType | "string" | "binary" | "pad";
  len?: LenOrDefine;
  "byte-order"?: ByteOrder;
  doc?: string;
  enum?: string;
  "enum-as-flags"?: boolean;
  "display-hint"?: DisplayHint;
  /** A nested struct (binary members). */
  struct?: string;
}

/** `type: struct`: a fixed C struct. */
export interface StructDefinition extends DefinitionBase {
  type: "struct";
  members: StructMember[];
}

/** Any definition. */
export type Definition = ConstDefinition | EnumDefinition | StructDefinition;

/** Kernel input validation of an attribute (not used by the codec). */
export interface AttrChecks {
  "flags-mask"?: string;
  min?: number | string;
  max?: number | string;
  "min-len"?: LenOrDefine;
  "max-len"?: LenOrDefine;
  "exact-len"?: LenOrDefine;
  "unterminated-ok"?: boolean;
}

/** One attribute of an attribute set. In a `subset-of` set, only `name` is required. */
export interface Attribute {
  name: string;
  type?: AttrType;
  doc?: string;
  value?: number;
  "type-value"?: string[];
  "byte-order"?: ByteOrder;
  "multi-attr"?: boolean;
  "nested-attributes"?: string;
  enum?: string;
  "enum-as-flags"?: boolean;
  checks?: AttrChecks;
  "sub-type"?: AttrType;
  "display-hint"?: DisplayHint;
  "name-prefix"?: string;
  struct?: string;
  "sub-message"?: string;
  selector?: string;
}

/** An attribute set (attribute space). */
export interface AttributeSet {
  name: string;
  "name-prefix"?: string;
  "enum-name"?: string | null;
  doc?: string;
  "subset-of"?: string;
  "attr-cnt-name"?: string;
  "attr-max-name"?: string;
  header?: string;
  attributes: Attribute[];
}

/** One format of a sub-message, chosen when the selector equals `value`. */
export interface SubMessageFormat {
  value: string;
  "fixed-header"?: string;
  "attribute-set"?: string;
}

/** A sub-message: formats selected by the value of another attribute. */
export interface SubMessage {
  name: string;
  formats: SubMessageFormat[];
}

/** The request or reply of one mode of an operation. */
export interface MessageDef {
  /** Message type / command, when requests and replies are numbered apart. */
  value?: number;
  /** Names of the attributes the message carries. */
  attributes?: string[];
}

/** `do` or `dump` of an operation. */
export interface OperationMode {
  request?: MessageDef;
  reply?: MessageDef;
  pre?: string;
  post?: string;
}

/** One operation. */
export interface OperationDef {
  name: string;
  doc?: string;
  value?: number;
  "attribute-set"?: string;
  flags?: string[];
  "dont-validate"?: string[];
  "fixed-header"?: string;
  do?: OperationMode | null;
  dump?: OperationMode | null;
  /** Notification carrying the reply of the named operation. */
  notify?: string;
  /** Event with these attributes. */
  event?: { attributes?: string[] };
  mcgrp?: string;
}

/** The `operations` section. */
export interface Operations {
  "enum-model"?: "unified" | "directional";
  "name-prefix"?: string;
  "enum-name"?: string | null;
  "async-prefix"?: string;
  "async-enum"?: string | null;
  "fixed-header"?: string;
  list: OperationDef[];
}

/** One multicast group (netlink-raw groups carry their number). */
export interface McastGroup {
  name: string;
  "c-define-name"?: string;
  flags?: string[];
  value?: number;
}

/** A whole spec. */
export interface Spec {
  name: string;
  doc?: string;
  protocol?: Protocol;
  protonum?: number;
  "uapi-header"?: string;
  version?: number;
  "c-family-name"?: string;
  "c-version-name"?: string;
  "max-by-define"?: boolean;
  "cmd-max-name"?: string;
  "cmd-cnt-name"?: string;
  "kernel-policy"?: "split" | "per-op" | "global";
  definitions?: Definition[];
  "attribute-sets": AttributeSet[];
  "sub-messages"?: SubMessage[];
  operations: Operations;
  "mcast-groups"?: { list: McastGroup[] };
}

/** Where a loaded spec came from (for messages and the generated header line). */
export interface SpecSource {
  /** Spec path relative to the specs folder (`upstream/rt-link.yaml`, `local/rt-nsid.yaml`). */
  file: string;
  /** Overlay paths applied, relative to the specs folder, in order. */
  overlays: string[];
}

/** A spec ready to generate from: merged, citations stripped, validated. */
export interface LoadedSpec {
  spec: Spec;
  source: SpecSource;
}
