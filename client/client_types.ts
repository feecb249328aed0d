/**
 * The option and result types of {@link Client} (client.ts): what a request, a dump and an
 * event subscription take, what a dump returns ({@link DumpGenerator}) and what
 * {@link Client.events} yields (decoded, raw, or the overrun marker). Re-exported by client.ts.
 *
 * @module
 */
import type { DecodedMessage, Operation } from "../codec/ynl/mod.ts";
import type { AcceptFrom, OpenOptions, ReceivedMessage } from "../socket/socket.ts";
import type { ConsistencyOptions } from "./consistent.ts";

/** What to send in a request: fixed-header fields, attributes, extra flags. */
export interface CallOptions<H, A> {
  /** Fixed header fields; missing ones are zero. */
  header?: Partial<H>;
  /** Attributes. */
  attrs?: A;
  /** Extra `nlmsg_flags` (e.g. `NLM_F_CREATE | NLM_F_EXCL`). */
  flags?: number;
  /** Cancel waiting for the answer; an already-aborted signal rejects before anything is sent. */
  signal?: AbortSignal;
  /**
   * `call`/`get` only: ask for an ACK (default true). `false` for protocols that answer without
   * one: the call resolves with the first answer (see the socket's `RequestOptions.ack`).
   */
  ack?: boolean;
}

/**
 * The operation a reply is decoded with. By default a reply is decoded by its own message type
 * (for generic netlink: its command) when that differs from the one `op` declares, through
 * `family.operationFor(type)` — xfrm answers `XFRM_MSG_GETSA` with `XFRM_MSG_NEWSA` — else
 * with `op`; `reply` names the operation outright, for protocols that answer one struct type
 * with another (sock_diag).
 */
export interface ReplyOptions<RH extends object, RA extends object> {
  /** Decode replies as messages of this operation. */
  reply?: Operation<RH, RA>;
}

/**
 * Options of {@link Client.dump}: those of a request, and what to do when the kernel flags the
 * dump interrupted (`NLM_F_DUMP_INTR`, see {@link ConsistencyOptions}).
 */
export interface DumpOptions<H, A> extends CallOptions<H, A>, ConsistencyOptions {}

/**
 * What {@link Client.dump} returns: an async generator of the dump's messages that also says
 * whether the kernel flagged the dump interrupted (`NLM_F_DUMP_INTR`: the table changed while
 * it was read, so objects may be missing or repeated). Read `interrupted` after the iteration.
 */
export interface DumpGenerator<T> extends AsyncGenerator<T> {
  /** True once a message of the dump carried `NLM_F_DUMP_INTR` (never after a `consistent` dump). */
  readonly interrupted: boolean;
  /** How many passes the dump took (more than 1 only with `consistent`). */
  readonly attempts: number;
}

/** Options of {@link Client.events} and {@link Client.subscribe}. */
export interface EventOptions {
  /** Stop the iterator; an already-aborted signal rejects before the groups are joined. */
  signal?: AbortSignal;
  /**
   * On a receive-buffer overrun: yield an {@link OverrunNotification} and go on (`"mark"`, the
   * default), or fail with an `ENOBUFS` `NetlinkError` (`"throw"`).
   */
  overrun?: "mark" | "throw";
  /** Whose notifications to take (default: the kernel's only); see `SubscribeOptions`. */
  acceptFrom?: AcceptFrom;
}

/** A notification decoded by its family's tables. */
export interface Notification
  extends DecodedMessage<Record<string, unknown>, Record<string, unknown>> {
  /** YNL name of the family it belongs to. */
  family: string;
  /** Netlink message type (for generic netlink: the family id). */
  type: number;
  /** The multicast group it arrived on (0 when unknown). */
  group: number;
  /** The peer namespace id, with `listenAllNsid`. */
  nsid?: number;
  /** Never set on a notification (see {@link OverrunNotification}). */
  overrun?: undefined;
}

/** A received message that no family of the client describes, kept raw. */
export interface UnknownNotification {
  /** `undefined`: no family matched. */
  family: undefined;
  /** The message as received. */
  message: ReceivedMessage;
  /** True on the overrun marker ({@link OverrunNotification}). */
  overrun?: boolean;
}

/**
 * The marker for a receive-buffer overrun: the kernel dropped notifications here, so state
 * built from them is stale until re-read (dump again). `message` is the socket's marker
 * (type `NLMSG_OVERRUN`, empty payload, sender 0, group 0).
 */
export interface OverrunNotification extends UnknownNotification {
  /** `true`. */
  overrun: true;
}

/** What {@link Client.events} yields: decoded, raw, or the overrun marker. */
export type ClientEvent = Notification | UnknownNotification | OverrunNotification;

/** Options of {@link Client.open}: those of the socket, including `netns`. */
export type ClientOptions = OpenOptions;
