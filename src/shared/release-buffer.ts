/**
 * Gives a big buffer's memory back as soon as nothing will read it (a forward request once its message is acked, a
 * sink body once compressed), instead of at V8's next full garbage collection. Such buffers live a few hundred
 * milliseconds, long enough to be tenured, and V8 frees the memory of a tenured Buffer only with the old
 * generation, after tens of megabytes of them have piled up: releasing them at once nearly halves the relay's peak
 * resident memory under load, on Node 20 and 24 alike. Never for a buffer that native code may still read (a socket
 * write in progress): its memory would be freed under it.
 *
 * Only a buffer that is its whole ArrayBuffer is released: a view into someone else's memory (a pooled small Buffer,
 * a part of a socket read shared with the next request) is left to the collector. Any view of a released buffer
 * reads as empty afterwards; RecordText and the forward entries check for that, so a bug that reads a record after
 * its ack fails loudly.
 */
type Transferable = ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };

export function releaseBuffer(buffer: Buffer): void {
  const memory = buffer.buffer as Transferable;
  if (buffer.byteOffset !== 0 || buffer.byteLength !== memory.byteLength || memory.byteLength === 0) return;
  // transfer(0) frees the memory now (Node ≥ 22). Node 20 has no transfer: structuredClone moves the memory to a new
  // ArrayBuffer that is garbage at once, freed by the next young-generation collection, within milliseconds.
  if (typeof memory.transfer === 'function') memory.transfer(0);
  else structuredClone(memory, { transfer: [memory] });
}
