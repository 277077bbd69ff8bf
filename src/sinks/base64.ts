/** A record's UTF-8 bytes (its text or its line) as standard base64, written in place into a body (Google SecOps' `data`). */
import type { RecordText, TextPart } from '../shared/record-text.js';

const ALPHABET = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
const PAD = 0x3d;

/** Characters of the base64 of `bytes` bytes, padding included. */
export function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/**
 * Writes the base64 of the text (or line) at `offset`, in the `base64Length` it takes; returns the bytes written.
 * The raw bytes are copied to the end of that room and encoded forward into it: four characters are written for
 * every three bytes read, and the room is at least a third larger than the input, so the output never overtakes it.
 */
export function writeBase64(body: Buffer, offset: number, text: RecordText, part: TextPart): number {
  const length = text.bytesOf(part);
  const room = base64Length(length);
  let from = offset + room - length;
  const end = from + text.writePart(part, body, from);
  let out = offset;
  for (; from + 2 < end; from += 3) {
    const triple = (body[from] << 16) | (body[from + 1] << 8) | body[from + 2];
    body[out++] = ALPHABET[triple >> 18];
    body[out++] = ALPHABET[(triple >> 12) & 63];
    body[out++] = ALPHABET[(triple >> 6) & 63];
    body[out++] = ALPHABET[triple & 63];
  }
  const left = end - from;
  if (left > 0) {
    const triple = (body[from] << 16) | (left === 2 ? body[from + 1] << 8 : 0);
    body[out++] = ALPHABET[triple >> 18];
    body[out++] = ALPHABET[(triple >> 12) & 63];
    body[out++] = left === 2 ? ALPHABET[(triple >> 6) & 63] : PAD;
    body[out++] = PAD;
  }
  return out - offset;
}
