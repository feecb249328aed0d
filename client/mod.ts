/**
 * One client for every family: the generic {@link Client} (`call`, `get`, `dump`, typed
 * `events`), generic netlink name resolution and the controller's view of the kernel, YNL JSON
 * (decoded values ⇄ JSON with the specs' attribute names) and the generated families by name.
 *
 * @example
 * ```ts
 * import { Client, messageToJson } from "@netlink/netlink";
 * import * as ethtool from "@netlink/netlink/ethtool";
 * await using eth = await Client.open(ethtool.family);
 * const info = await eth.get(ethtool.operations.channelsGet, {
 *   attrs: { header: { devName: "v0" } },
 * });
 * console.log(JSON.stringify(messageToJson(info)));
 * ```
 *
 * @module
 */
export * from "./client.ts";
export * from "./genl.ts";
export * from "./ctrl.ts";
export * from "./json.ts";
export * from "./attribute_path.ts";
export * from "./consistent.ts";
export * from "./view.ts";
