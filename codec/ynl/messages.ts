/**
 * Types of the messages of generated operations. Each generated module types its `operations`
 * as `Operation<Header, Attrs> & { readonly "~messages"?: … }`: the type-only key (never present
 * at run time) carries the attributes the spec lists for each mode's request and reply, so a
 * typed client can take and return exactly those.
 *
 * @example
 * ```ts
 * import type { Operation, ReplyAttrs, RequestAttrs } from "@netlink/netlink/codec";
 * type Get = Operation<{ family: number }, { name?: string; id?: number }> & {
 *   readonly "~messages"?: { doRequest: { name?: string }; doReply: { id?: number } };
 * };
 * const req: RequestAttrs<Get> = { name: "x" };
 * const rep: ReplyAttrs<Get> = { id: 1 };
 * ```
 *
 * @module
 */
import type { Operation } from "./operation.ts";

/**
 * The attributes of each message of an operation, as its spec lists them: `doRequest`,
 * `doReply`, `dumpRequest`, `dumpReply`, and `event` for notifications and events.
 *
 * @example
 * ```ts
 * import type { OperationMessages } from "@netlink/netlink/codec";
 * const m: OperationMessages = {};
 * ```
 */
export interface OperationMessages {
  /** Attributes of the `do` request. */
  readonly doRequest?: object;
  /** Attributes of the `do` reply. */
  readonly doReply?: object;
  /** Attributes of the `dump` request. */
  readonly dumpRequest?: object;
  /** Attributes of each `dump` reply. */
  readonly dumpReply?: object;
  /** Attributes of a notification or event. */
  readonly event?: object;
}

/**
 * The type-only carrier of an operation's {@link OperationMessages}.
 *
 * @example
 * ```ts
 * import type { Operation, WithMessages } from "@netlink/netlink/codec";
 * type Op = Operation<object, { a?: number }> & WithMessages<{ doRequest: { a?: number } }>;
 * ```
 */
export interface WithMessages<M extends OperationMessages> {
  /** Type only: never present at run time. */
  readonly "~messages"?: M;
}

/**
 * The {@link OperationMessages} of an operation type (`{}` when it carries none).
 *
 * @example
 * ```ts
 * import type { MessagesOf, Operation, WithMessages } from "@netlink/netlink/codec";
 * type Op = Operation<object, object> & WithMessages<{ doReply: { id?: number } }>;
 * const m: MessagesOf<Op> = { doReply: { id: 1 } };
 * ```
 */
export type MessagesOf<O> = O extends { readonly "~messages"?: infer M } ? NonNullable<M>
  : Record<never, never>;

/**
 * The attribute type of an operation (its whole attribute set).
 *
 * @example
 * ```ts
 * import type { AttrsOf, Operation } from "@netlink/netlink/codec";
 * const a: AttrsOf<Operation<object, { mtu?: number }>> = { mtu: 1500 };
 * ```
 */
export type AttrsOf<O> = O extends Operation<infer _H, infer A> ? A : never;

/**
 * The attributes of message `K` of `O` as its spec lists them; the whole attribute set when
 * the spec lists none.
 *
 * @example
 * ```ts
 * import type { MessageAttrs, Operation, WithMessages } from "@netlink/netlink/codec";
 * type Op = Operation<object, { a?: number }> & WithMessages<{ event: { a?: number } }>;
 * const e: MessageAttrs<Op, "event"> = { a: 1 };
 * ```
 */
export type MessageAttrs<O, K extends keyof OperationMessages> = MessagesOf<O> extends
  { readonly [P in K]?: infer T } ? (T extends object ? T : AttrsOf<O>) : AttrsOf<O>;

/**
 * The attributes of the request of `O` in `mode` as its spec lists them; the whole attribute
 * set when the spec lists none.
 *
 * @example
 * ```ts
 * import type { Operation, RequestAttrs, WithMessages } from "@netlink/netlink/codec";
 * type Op = Operation<object, { a?: number; b?: string }> & WithMessages<{ doRequest: { a?: number } }>;
 * const r: RequestAttrs<Op, "do"> = { a: 1 };
 * ```
 */
export type RequestAttrs<O, Mode extends "do" | "dump" = "do"> = Mode extends "dump"
  ? MessageAttrs<O, "dumpRequest">
  : MessageAttrs<O, "doRequest">;

/**
 * The attributes of the reply of `O` in `mode` as its spec lists them; the whole attribute set
 * when the spec lists none.
 *
 * @example
 * ```ts
 * import type { Operation, ReplyAttrs, WithMessages } from "@netlink/netlink/codec";
 * type Op = Operation<object, { a?: number; b?: string }> & WithMessages<{ dumpReply: { b?: string } }>;
 * const r: ReplyAttrs<Op, "dump"> = { b: "x" };
 * ```
 */
export type ReplyAttrs<O, Mode extends "do" | "dump" = "do"> = Mode extends "dump"
  ? MessageAttrs<O, "dumpReply">
  : MessageAttrs<O, "doReply">;
