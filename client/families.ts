/**
 * Every generated family by its YNL name, for tools that take a family on the command line
 * (`ynl.ts --family ethtool`), as the subpath `@netlink/netlink/families`. Importing this
 * module loads every generated module (their tables compile lazily, on first use), which is
 * why the package root does not: code that knows its families should import them directly.
 *
 * @example
 * ```ts
 * import { findFamily } from "@netlink/netlink/families";
 * findFamily("rt-link")?.spec.protonum; // 0
 * findFamily("net_shaper")?.name; // "net-shaper"
 * ```
 *
 * @module
 */
import type { Family, Operation } from "../codec/ynl/mod.ts";
import * as generated from "../families/generated/mod.ts";

let byName: Map<string, Family> | undefined;

function all(): Map<string, Family> {
  if (byName === undefined) {
    byName = new Map();
    for (const m of Object.values(generated)) byName.set(m.family.name, m.family);
  }
  return byName;
}

const normal = (s: string) => s.replace(/_/g, "-").toLowerCase();

/**
 * The YNL names of every generated family, sorted.
 *
 * @example
 * ```ts
 * import { familyNames } from "@netlink/netlink/families";
 * familyNames().includes("ethtool"); // true
 * ```
 */
export function familyNames(): string[] {
  return [...all().keys()].sort();
}

/**
 * The generated family named `name` (its YNL name; `_` and `-` are interchangeable), or
 * `undefined`.
 *
 * @example
 * ```ts
 * import { findFamily } from "@netlink/netlink/families";
 * findFamily("wireguard")?.isGenetlink; // true
 * ```
 */
export function findFamily(name: string): Family | undefined {
  return all().get(name) ??
    [...all().values()].find((f) => normal(f.name) === normal(name));
}

/**
 * The operation of `family` named `name`: its YNL name (`linkinfo-get`) or its camelCase key
 * (`linkinfoGet`); `undefined` when there is none.
 *
 * @example
 * ```ts
 * import { findFamily, findOperation } from "@netlink/netlink/families";
 * findOperation(findFamily("ethtool")!, "linkinfo-get")?.requestValue; // 2
 * ```
 */
export function findOperation(
  family: Family,
  name: string,
): Operation<object, object> | undefined {
  const key = normal(name).replace(/-/g, "");
  return family.operations().find((op) =>
    op.name === name || normal(op.name).replace(/-/g, "") === key
  );
}

/**
 * The modes of an operation, as the kernel's `ynl --list-ops` prints them: `do`, `dump`,
 * `notify` (a notification with another operation's reply) and `event`.
 *
 * @example
 * ```ts
 * import { findFamily, findOperation, operationModes } from "@netlink/netlink/families";
 * operationModes(findOperation(findFamily("ethtool")!, "linkinfo-get")!); // ["do", "dump"]
 * ```
 */
export function operationModes(op: Operation<object, object>): string[] {
  const modes: string[] = [];
  if (op.spec.do !== undefined) modes.push("do");
  if (op.spec.dump !== undefined) modes.push("dump");
  if (op.spec.notify !== undefined) modes.push("notify");
  if (op.spec.event !== undefined) modes.push("event");
  return modes;
}
