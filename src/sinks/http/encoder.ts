/** Encoding: records framed by the preset, batches turned into its body and compressed, within the request's size caps. */
import type { Delivery, Settlement } from '../../contract.js';
import { bigBuffers } from '../../shared/buffer-pool.js';
import { itemOf } from '../framing.js';
import type { HttpSinkConfig } from '../http-config.js';
import type { BatchItem, Preset } from '../preset.js';
import { compress } from './compression.js';

export interface Encoded {
  sent: Buffer;
  uncompressedBytes: number;
  /** Where the batch goes when the preset says (its `path`); undefined: the url's path. */
  path: string | undefined;
}

/** Compressed size is estimated from the last batches' ratio; this margin keeps most batches under the cap. */
const RATIO_MARGIN = 1.1;

export class Encoder {
  /** Hard cap on the uncompressed body: the preset's, and `batch.max_bytes` itself when nothing compresses. */
  private readonly maxUncompressed: number;
  private readonly maxSent: number;
  /**
   * Bytes sent / uncompressed bytes, averaged over the batches compressed so far, to cut batches by bytes sent before
   * compressing them. JSON logs gzip well below 0.3 (`npm run bench:sinks` prints the ratio per preset): starting
   * there fills the first batches without waiting to learn, and the exact check after compressing splits a batch
   * whose data compresses worse.
   */
  private ratio: number;

  constructor(
    private readonly preset: Preset,
    private readonly config: Pick<HttpSinkConfig, 'compression' | 'compression_level' | 'batch'>,
  ) {
    const compressed = config.compression !== 'none';
    this.maxSent = config.batch.max_bytes;
    this.maxUncompressed = Math.min(preset.maxUncompressedBytes ?? Infinity, compressed ? Infinity : this.maxSent);
    this.ratio = compressed ? 0.3 : 1;
  }

  /** The record in its frame, with the bytes it adds to a body. */
  item(record: Delivery, settlement: Settlement): BatchItem {
    return itemOf(this.preset, record, settlement);
  }

  /** Why the target would refuse this record whatever the batch (its frame over the preset's limit), or undefined. */
  tooLarge(item: BatchItem): string | undefined {
    const limit = this.preset.maxRecordBytes;
    const bytes = item.bytes - (this.preset.separatorBytes ?? 0);
    return limit !== undefined && bytes > limit ? `record is ${bytes} bytes; the target accepts at most ${limit}` : undefined;
  }

  /** Bytes of the item's frame the sink holds besides the record's text until it is settled: its prefix and suffix. */
  held(item: BatchItem): number {
    return item.frame === undefined ? 0 : item.bytes - (this.preset.separatorBytes ?? 0) - item.frame.recordBytes;
  }

  /** Whether a body of this many uncompressed bytes is expected to fit the caps once compressed. */
  fits(uncompressedBytes: number): boolean {
    const estimatedSent = this.config.compression === 'none' ? uncompressedBytes : uncompressedBytes * this.ratio * RATIO_MARGIN;
    return estimatedSent <= this.maxSent && uncompressedBytes <= this.maxUncompressed;
  }

  /** The preset's body for these items, compressed; the ratio learns from it. */
  async encode(items: readonly BatchItem[]): Promise<Encoded> {
    const body = this.preset.body(items);
    const uncompressedBytes = body.length;
    const sent = await compress(body, this.config.compression, this.config.compression_level);
    if (sent !== body) {
      if (uncompressedBytes > 0) this.ratio = (this.ratio + sent.length / uncompressedBytes) / 2;
      // Compressed: the body is done with (zlib has called back).
      bigBuffers.give(body);
    }
    return { sent, uncompressedBytes, path: this.preset.path?.(items) };
  }

  /** How an encoded body exceeds a cap (it must be split), or undefined when it fits. */
  oversize(encoded: Encoded): string | undefined {
    if (encoded.sent.length <= this.maxSent && encoded.uncompressedBytes <= this.maxUncompressed) return undefined;
    return `${encoded.sent.length} bytes to send, ${encoded.uncompressedBytes} uncompressed`;
  }
}
