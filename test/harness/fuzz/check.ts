/**
 * The properties the fuzzer checks on one input, in-process:
 * - forward level: the receiver's frame reader and decoder (the same steps as ForwardConnection.handleFrame, plus the
 *   handshake's PING check) either decode the input, wait for more bytes, or fail with a ProtocolError. Anything else
 *   thrown is a violation.
 * - record level: ZpaProcessor.process never throws; an accepted record has `json` that JSON.parse reads as an object,
 *   a log type, a finite event time and a recordEnd inside the text; a rejected one has one of the three reasons, a
 *   detail and the raw text.
 */
import * as zlib from 'node:zlib';
import { decodeEntries, decodeRequest } from '../../../src/forward/decode.js';
import { FrameReader } from '../../../src/forward/frame-reader.js';
import { Handshake } from '../../../src/forward/handshake.js';
import { ProtocolError, decodeRaw } from '../../../src/forward/msgpack.js';
import { isFailure, type Outcome } from '../../../src/contract.js';
import type { ZpaProcessor } from '../../../src/zpa/index.js';

/** A broken property: which level, what kind, and the error that showed it (with its stack). */
export class Violation extends Error {
  constructor(
    readonly level: 'forward' | 'record',
    readonly kind: string,
    message: string,
    readonly original?: unknown,
  ) {
    super(message);
  }

  get detail(): string {
    const original = this.original as Error | undefined;
    return original?.stack ?? (original !== undefined ? String(original) : this.stack ?? this.message);
  }
}

export interface ForwardLimits {
  maxMessageBytes: number;
  maxDecompressedBytes: number;
  maxDepth: number;
}

/** The relay's defaults (listen.max_message_size 16 MiB, max_decompressed_size 64 MiB, depth 64). */
export const DEFAULT_LIMITS: ForwardLimits = { maxMessageBytes: 16 * 1024 * 1024, maxDecompressedBytes: 64 * 1024 * 1024, maxDepth: 64 };

export type ForwardResult = 'decoded' | 'incomplete' | 'rejected';

export interface ForwardOutcome {
  result: ForwardResult;
  frames: number;
  entries: number;
  /** The ProtocolError's message with numbers masked, for counting by reason. */
  reason?: string;
}

/** The PING check of a connection with shared_key (one user): what the first request of such a connection goes through. */
const handshake = new Handshake({
  sharedKey: 'secret123',
  selfHostname: 'fuzz-server',
  users: [{ username: 'alice', password: 's3cr3t' }],
  random: (size) => Buffer.alloc(size, 7),
});

/** ForwardConnection.decompress, step for step (it is private): gzip or zstd with maxOutputLength, errors as ProtocolError. */
const zstd = (zlib as unknown as { zstdDecompressSync?: typeof zlib.gunzipSync }).zstdDecompressSync;
function decompress(payload: Buffer, compressed: string | undefined, max: number): Buffer {
  const inflate = compressed === 'gzip' ? zlib.gunzipSync : compressed === 'zstd' ? zstd : undefined;
  if (!inflate) throw new ProtocolError(`unsupported compression "${compressed}"`);
  try {
    return inflate(payload, { maxOutputLength: max });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) throw new ProtocolError(`decompressed payload exceeds the maximum of ${max} bytes`);
    throw new ProtocolError(`invalid ${compressed} payload: ${(error as Error).message}`);
  }
}

/**
 * Feeds `reads` to a fresh frame reader and decodes every complete request as a connection would, stopping at the
 * first ProtocolError (the connection closes there). Each decoded record goes to `onRecord` (the record level).
 * Throws Violation for anything thrown that is not a ProtocolError.
 */
export function checkForward(reads: Buffer[], limits: ForwardLimits = DEFAULT_LIMITS, onRecord?: (tag: string, record: Record<string, unknown>) => void): ForwardOutcome {
  const reader = new FrameReader({ maxBytes: limits.maxMessageBytes, maxDepth: limits.maxDepth });
  let frames = 0;
  let entries = 0;
  let first = true;
  try {
    for (const read of reads) {
      reader.push(read, (frame) => {
        frames++;
        if (first) {
          // The first request of a shared_key connection is the PING: its check must fail cleanly too.
          first = false;
          handshake.verifyPing(decodeRaw(frame, 0)[0]);
        }
        const request = decodeRequest(frame);
        if (request.kind === 'heartbeat') return true;
        const decoded = request.kind === 'compressed' ? decodeEntries(decompress(request.payload, request.options.compressed, limits.maxDecompressedBytes)) : request.entries;
        entries += decoded.length;
        if (onRecord) for (const entry of decoded) onRecord(request.tag, entry.record);
        return true;
      });
    }
  } catch (error) {
    if (error instanceof Violation) throw error;
    if (error instanceof ProtocolError) return { result: 'rejected', frames, entries, reason: maskReason(error.message) };
    throw new Violation('forward', 'throw', `${(error as Error)?.constructor?.name ?? typeof error} thrown, not a ProtocolError: ${(error as Error)?.message ?? String(error)}`, error);
  }
  return { result: reader.buffered > 0 ? 'incomplete' : 'decoded', frames, entries };
}

const REASONS = new Set(['unparsable', 'unclassified', 'invalid']);

/**
 * ZpaProcessor.process with its properties checked; returns the outcome (for counting). A line record also goes
 * through processBytes, the relay's path for it, which must decide the same way.
 */
export function checkRecord(processor: ZpaProcessor, record: Record<string, unknown>, tag: string): Outcome {
  let outcome: Outcome;
  try {
    outcome = processor.process(record, { tag, address: '127.0.0.1', source: '127.0.0.1' });
    const line = record.log;
    if (typeof line === 'string' && Object.keys(record).length === 1) {
      const bytes = Buffer.from(line);
      const viaBytes = processor.processBytes(bytes, 0, bytes.length, { tag, address: '127.0.0.1', source: '127.0.0.1' });
      // What the wire carries is UTF-8: a string that is not well formed (a lone surrogate) arrives as U+FFFD.
      const sent = bytes.toString();
      const viaText = sent === line ? outcome : processor.process({ log: sent }, { tag, address: '127.0.0.1', source: '127.0.0.1' });
      // Compared as the UTF-8 the sink gets: a string head's lone surrogate (from a \\udc00 escape decoded in a JSON
      // field) is written as U+FFFD, as Buffer.from gives the byte path.
      const decided = (o: Outcome) => (!isFailure(o) ? `ok ${o.logType} ${Buffer.from(o.text.head as string).toString()}` : `${o.reason} ${o.logType}`);
      if (decided(viaBytes) !== decided(viaText)) throw new Violation('record', 'bytes', `processBytes decided ${decided(viaBytes).slice(0, 200)}, process ${decided(viaText).slice(0, 200)}`);
    }
  } catch (error) {
    if (error instanceof Violation) throw error;
    throw new Violation('record', 'throw', `the processor threw ${(error as Error)?.constructor?.name ?? typeof error}: ${(error as Error)?.message ?? String(error)}`, error);
  }
  if (outcome === null || typeof outcome !== 'object') throw new Violation('record', 'outcome', `not an outcome: ${String(outcome)}`);
  if (!isFailure(outcome)) {
    const json = outcome.text.json;
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      throw new Violation('record', 'json', `accepted record is not JSON: ${(error as Error).message}: ${json.slice(0, 300)}`, error);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Violation('record', 'json', `accepted record is not a JSON object: ${json.slice(0, 300)}`);
    if (typeof outcome.logType !== 'string' || outcome.logType === '') throw new Violation('record', 'outcome', 'accepted without a log type');
    if (!Number.isFinite(outcome.eventTimeMs)) throw new Violation('record', 'event-time', `accepted with event time ${outcome.eventTimeMs}: ${json.slice(0, 300)}`);
    if (!json.startsWith(String(outcome.text.head))) throw new Violation('record', 'outcome', `the text head is not the start of the json: ${json.slice(0, 300)}`);
  } else {
    if (!REASONS.has(outcome.reason)) throw new Violation('record', 'outcome', `rejected with an unknown reason ${String(outcome.reason)}`);
    if (typeof outcome.detail !== 'string' || typeof outcome.raw !== 'string') throw new Violation('record', 'outcome', 'rejected without detail or raw text');
  }
  return outcome;
}

/** A message with its variable parts masked, so equal reasons count together: numbers, quoted text, long tails. */
export function maskReason(message: string): string {
  return message
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\d+/g, 'N')
    .slice(0, 70);
}
