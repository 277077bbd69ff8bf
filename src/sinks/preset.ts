/** What a preset gives the HTTP sink: each record's frame, the body's shape, headers and auth, how to read answers. */
import type { Delivery } from '../contract.js';
import type { TextPart } from '../shared/record-text.js';
import type { SinkEntry } from './common.js';

/**
 * How a record's own JSON text (or the line it was read from, per `Frame.part`) goes into its frame, between the
 * prefix and the suffix:
 * - `whole`: as it is (Splunk HEC's `"event":` envelope);
 * - `members`: after members the frame puts in front of the record's own: the prefix opens an object and ends with
 *   its last member, and the record follows with a comma in place of its opening brace (only its closing brace when
 *   it is `{}`): Datadog's fields, Elasticsearch's `@timestamp`. The record's text only;
 * - `string`: as the contents of a JSON string, escaped (a Loki line, Sentinel's `Message`);
 * - `base64`: as standard base64 (Google SecOps' `data`).
 */
export type RecordForm = 'whole' | 'members' | 'string' | 'base64';

/**
 * What goes around one record in the body. The prefix and suffix are small texts built from the record's fields,
 * never from its text: the record's bytes are written into the body between them, so a frame costs no copy of the
 * record, and a record read on the processor's byte path never becomes a string. Built with `framing.ts`.
 */
export interface Frame {
  readonly prefix: string;
  readonly form: RecordForm;
  /** The record's enriched text (`text`), or the line it was read from as received (`line`). */
  readonly part: TextPart;
  readonly suffix: string;
  /** UTF-8 bytes of the record's part between them, as `form` writes it. */
  readonly recordBytes: number;
}

/**
 * One record in a batch: the record with its account, its frame (chosen once when it is queued) and its bytes in the
 * body. One object per waiting record, not two: each is copied and marked by the collector while it waits.
 */
export interface BatchItem extends SinkEntry {
  /** Undefined where the preset adds nothing around the record's text. */
  frame: Frame | undefined;
  /** UTF-8 length of the frame with the record (or of the record's text) plus the preset's `separatorBytes`. */
  bytes: number;
}

/**
 * What an answer says about individual items: Elasticsearch `_bulk` answers 200 with per-item failures, Splunk HEC
 * answers 400 naming the one invalid event of a batch.
 */
export interface ItemResults {
  delivered: BatchItem[];
  /** Items the target already held (a retry of a request it had applied): delivered, and a duplicate avoided. */
  alreadyPresent: BatchItem[];
  retry: { item: BatchItem; status: number }[];
  failed: { item: BatchItem; status: number; detail: string }[];
  /** The items to retry may already be stored (the target does not say): their resend counts as a duplicate risk. */
  retryMayDuplicate: boolean;
}

/**
 * What makes one target different from another: how a record is framed, how frames become a body, which headers go
 * with it, and how to read a success. Everything else (batching, compression, retries, settlement) is shared.
 */
export interface Preset {
  contentType: string;
  /** Headers sent with every request: static credentials and target metadata. */
  headers: Record<string, string>;
  /** The record's frame; undefined when nothing goes around its text (NDJSON, a JSON array). */
  frame(record: Delivery): Frame | undefined;
  /** Bytes the body adds per item besides its frame (a separator written by `body`); counted in `BatchItem.bytes`. */
  separatorBytes?: number;
  /**
   * The request body for these items, in order: written straight into one Buffer of the size their `bytes` add up
   * to (`joinFrames`, or a `BodyWriter` for other shapes), never through a joined string.
   */
  body(items: readonly BatchItem[]): Buffer;
  /**
   * Headers that authorize one attempt: a signature of the exact bytes sent (HMAC), or a token the preset fetches
   * and refreshes. Awaited before every attempt, retries included; when it throws, the attempt fails unsent (a
   * retry that cannot duplicate).
   */
  authorize?(body: Buffer): Record<string, string> | Promise<Record<string, string>>;
  /**
   * The target refused the credentials `authorize` gave (401): forget them, so that the next `authorize` fetches new
   * ones. The attempt is then made once more at once; a second 401 is the answer.
   */
  unauthorized?(): void;
  /**
   * For a target that takes one kind of record per request (one log type in its URL or body): the record's group.
   * Records of different groups never share a batch.
   */
  group?(record: Delivery): string;
  /** The path (and query) to send a batch to, instead of the url's; its items are all of one `group`. */
  path?(items: readonly BatchItem[]): string;
  /** Release what the preset holds besides the sink's client (a token endpoint's connections). */
  close?(): Promise<void>;
  /**
   * Per-item outcome of an answer, or undefined to let the status decide for the whole batch (a 2xx then delivers
   * it). Throws only when a 2xx cannot be read: the batch is then sent again, counted as a duplicate risk.
   */
  results?(status: number, responseText: string, items: readonly BatchItem[], retryStatuses: ReadonlySet<number>): ItemResults | undefined;
  /**
   * Wait for the target to confirm a 2xx (Splunk HEC indexer acknowledgement): true once confirmed, false when it
   * never was (the batch is then sent again).
   */
  confirm?(responseText: string, target: ConfirmTarget): Promise<boolean>;
  /** Hard limit of the target on the uncompressed body, whatever `batch.max_bytes` says. */
  maxUncompressedBytes?: number;
  /** Records whose frame is larger than this are dead-lettered rather than sent (the target would truncate them). */
  maxRecordBytes?: number;
}

/** What `confirm` may do: post a small JSON body to another path of the same target, and wait (cancelled on close). */
export interface ConfirmTarget {
  post(path: string, body: string): Promise<{ status: number; text: string }>;
  sleep(ms: number): Promise<void>;
}
