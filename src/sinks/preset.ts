import type { Delivery, SinkEntry } from './sink.js';

/** One record in a batch: its entry and its bytes in the body, framed once when it is queued. */
export interface BatchItem {
  entry: SinkEntry;
  frame: string;
  /** UTF-8 length of `frame`. */
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
  /** Headers sent with every request: auth and target metadata. */
  headers: Record<string, string>;
  /** The record's part of the body. Built by string concatenation around `record.json`, never by re-parsing it. */
  frame(record: Delivery): string;
  /** The request body for these items, in order. */
  body(items: readonly BatchItem[]): string;
  /** Headers that depend on the exact bytes sent (HMAC signatures). */
  sign?(body: Buffer): Record<string, string>;
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
