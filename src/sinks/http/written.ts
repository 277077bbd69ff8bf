/**
 * Gives a sent request body back to the buffer pool once no socket can still be writing it. A target that answers has
 * read the body, so its bytes are normally long gone to the kernel; but one that answers early (a 413 or 401 before
 * reading it all) may leave part of it queued in the socket, and reusing that memory then would send other bytes. So
 * the body goes back only when every HTTP socket of the process has handed its queued writes on (writableLength 0).
 */
import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { bigBuffers } from '../../shared/buffer-pool.js';

/** Every socket undici opens (its `connected` diagnostics channel), until it closes. */
const sockets = new Set<Socket>();
diagnostics.subscribe('undici:client:connected', (message) => {
  const { socket } = message as { socket: Socket };
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
});

/** How often a body waiting for its socket to flush looks again. */
const RECHECK_MS = 50;

export function recycleWhenWritten(body: Buffer): void {
  for (const socket of sockets) {
    if (!socket.destroyed && socket.writableLength > 0) {
      setTimeout(() => recycleWhenWritten(body), RECHECK_MS).unref();
      return;
    }
  }
  bigBuffers.give(body);
}
