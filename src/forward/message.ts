/** What the receiver hands the pipeline: a decoded forward message, its entries and peer, and its handler. */
import type { EventTime } from './event-time.js';

/** Who sent a message: the TCP peer, plus what the secure-forward handshake told us about it. */
export interface Peer {
  address: string;
  port: number;
  /** Self_Hostname from the PING, when the handshake is on. */
  hostname?: string;
  /** Authenticated user name, when user auth is on. */
  user?: string;
}

/** One event of a forward message: `[time, record]` or `[[time, metadata], record]`. */
export interface ForwardEntry {
  time: EventTime;
  /** Fluent Bit ≥ 5.0.5 metadata map (usually empty); undefined for the classic two-element entry. */
  metadata: Record<string, unknown> | undefined;
  /** The record: msgpack map decoded to an object. Integers beyond ±2^53 arrive as BigInt. */
  readonly record: Record<string, unknown>;
  /**
   * Set when the record is exactly `{"log": <str>}`, a line as Fluent Bit's `Format none` inputs send it: the str's
   * UTF-8 bytes are `line.bytes[line.start, line.end)`, a view of the request, not decoded (`record` decodes on use).
   */
  readonly line?: LogLine;
}

export interface LogLine {
  readonly bytes: Buffer;
  readonly start: number;
  readonly end: number;
}

/** One decoded forward-protocol request (any of the four modes), ready for the pipeline. */
export interface ForwardMessage {
  tag: string;
  entries: ForwardEntry[];
  /** The `chunk` option: when set, the sender waits for `{"ack": chunk}` once every entry is settled. */
  chunk: string | undefined;
  peer: Peer;
  /** Bytes this message took on the wire (before decompression). */
  wireBytes: number;
  /**
   * Aborted when the connection closes before the ack (ack timeout, peer gone, protocol error): the sender will
   * resend, so records of this message not yet on their way may be dropped instead of delivered twice.
   */
  signal: AbortSignal;
  /**
   * Frees the request's memory (when the receiver releases settled requests): call it once nothing reads this
   * message's entries any more, settled or not. An abandoned message's request would otherwise wait for V8's next
   * full collection, and through an outage every ack timeout leaves another in-flight budget of them behind.
   */
  release(): void;
}

/**
 * What the receiver calls for each message. The returned promise resolves once every entry is settled
 * (delivered or dead-lettered); only then is the ack sent. A rejection closes the connection without an ack,
 * so the sender retries.
 */
export type MessageHandler = (message: ForwardMessage) => Promise<void>;
