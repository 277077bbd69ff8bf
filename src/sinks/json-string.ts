/** A record's UTF-8 bytes (its text or its line) escaped as the contents of a JSON string, counted and then written in place into a body. */
import type { RecordText, TextPart } from '../shared/record-text.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const U = 0x75;
const HEX = Buffer.from('0123456789abcdef');

/**
 * Per byte, the character after the backslash of its escape, or 0 when the byte goes as it is: the escapes
 * JSON.stringify writes (`\"`, `\\`, `\b \t \n \f \r`, `\u00XX` for the other control characters). Bytes of
 * multi-byte characters are all 0x80 or above and go as they are.
 */
const ESCAPE = new Uint8Array(256);
for (let byte = 0; byte < 0x20; byte++) ESCAPE[byte] = U;
for (const [byte, letter] of [[0x08, 'b'], [0x09, 't'], [0x0a, 'n'], [0x0c, 'f'], [0x0d, 'r'], [0x22, '"'], [0x5c, '\\']] as const) {
  ESCAPE[byte] = letter.charCodeAt(0);
}

/** Records up to this size are read into one reused buffer to be counted; larger ones into their own. */
const SCRATCH_BYTES = 64 * 1024;
const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);

/** UTF-8 bytes of the record's text (or line) once escaped (without the quotes). */
export function escapedLength(text: RecordText, part: TextPart = 'text'): number {
  const length = text.bytesOf(part);
  const bytes = length <= SCRATCH_BYTES ? scratch : Buffer.allocUnsafe(length);
  text.writePart(part, bytes, 0);
  let escaped = length;
  for (let i = 0; i < length; i++) {
    const byte = bytes[i];
    if (byte > QUOTE && byte !== BACKSLASH) continue;
    const escape = ESCAPE[byte];
    if (escape !== 0) escaped += escape === U ? 5 : 1;
  }
  return escaped;
}

/**
 * Writes the text (or line) escaped at `offset`, in the `escapedBytes` it takes (`escapedLength`), and returns the
 * bytes written. The raw bytes are copied to the end of that room and escaped forward into it: the output never
 * overtakes the input, as each byte's escape ends at or before where the byte was read.
 */
export function writeEscaped(body: Buffer, offset: number, text: RecordText, escapedBytes: number, part: TextPart = 'text'): number {
  let from = offset + escapedBytes - text.bytesOf(part);
  if (from === offset) return text.writePart(part, body, offset);
  const end = from + text.writePart(part, body, from);
  let out = offset;
  for (; from < end; from++) {
    const byte = body[from];
    // Most bytes are above the quote and go as they are: tested before the table, which costs more.
    if (byte > QUOTE && byte !== BACKSLASH) {
      body[out++] = byte;
      continue;
    }
    const escape = ESCAPE[byte];
    if (escape === 0) {
      body[out++] = byte;
      continue;
    }
    body[out++] = BACKSLASH;
    body[out++] = escape;
    if (escape === U) {
      body[out++] = 0x30;
      body[out++] = 0x30;
      body[out++] = HEX[byte >> 4];
      body[out++] = HEX[byte & 15];
    }
  }
  return out - offset;
}
