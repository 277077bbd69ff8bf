import type { Delivery } from '../contract.js';
import type { SinkEntry } from './common.js';

/** One record in a batch: its entry and its bytes in the body, framed once when it is queued. */
export interface BatchItem {
  entry: SinkEntry;
  /** The record's part of the body; undefined where the preset adds nothing around the record's text (no copy held). */
  frame: string | undefined;
  /** UTF-8 length of the frame (or of the record's text) plus the preset's `separatorBytes`: what the item adds to the body. */
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
  /**
   * The record's part of the body. Built by string concatenation around `record.text.json`, never by re-parsing it;
   * undefined when nothing goes around it: the body then gets the record's text as it is, with no copy held while it
   * waits and, for a record read on the processor's byte path, without ever becoming a string.
   */
  frame(record: Delivery): string | undefined;
  /** Bytes the body adds per item besides its frame (a separator written by `body`); counted in `BatchItem.bytes`. */
  separatorBytes?: number;
  /**
   * The request body for these items, in order: written straight into one Buffer (`joinFrames`), never through a
   * joined string, so a batch costs one copy of its bytes.
   */
  body(items: readonly BatchItem[]): Buffer;
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

/**
 * One Buffer holding `open`, the items' frames with `separator` after each (`'after'`, NDJSON) or between them
 * (`'between'`, a JSON array), and `close`: sized from `BatchItem.bytes` (which counts one separator per item) and
 * written in place, without an intermediate joined string.
 */
export function joinFrames(items: readonly BatchItem[], open: string, separator: string, close: string, placement: 'after' | 'between'): Buffer {
  const separatorBytes = Buffer.byteLength(separator);
  let size = Buffer.byteLength(open) + Buffer.byteLength(close);
  for (const item of items) size += item.bytes;
  if (placement === 'between' && items.length > 0) size -= separatorBytes;
  const body = Buffer.allocUnsafe(size);
  // A one-byte separator (NDJSON's newline) is stored, not written: Buffer#write's set-up costs more than the byte.
  const separatorByte = separatorBytes === 1 ? separator.charCodeAt(0) : -1;
  let offset = body.write(open, 0);
  for (let i = 0; i < items.length; i++) {
    const { frame } = items[i];
    offset += frame === undefined ? items[i].entry.record.text.writeTo(body, offset) : body.write(frame, offset);
    if (separatorBytes === 0 || (placement === 'between' && i === items.length - 1)) continue;
    if (separatorByte >= 0) body[offset++] = separatorByte;
    else offset += body.write(separator, offset);
  }
  offset += body.write(close, offset);
  if (offset !== size) throw new Error(`body framing wrote ${offset} bytes of ${size}: an item's bytes do not match its frame`);
  return body;
}
