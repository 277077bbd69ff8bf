/** Writes blocks of whole lines over TCP or TLS, reconnecting with backoff as an App Connector does. */
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LineTarget {
  host: string;
  port: number;
  /** Set (even `{}`) to speak TLS. */
  tls?: ConnectionOptions;
}

const INITIAL_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5000;

/**
 * Blocks of newline-terminated lines over one TCP or TLS connection, reconnecting with exponential backoff after any
 * error, the way an App Connector keeps its LSS stream up. A block that fails is written again, whole, on the next
 * connection: the receiver never sees half a line on a live connection (Fluent Bit drops a partial last line when a
 * connection closes), and may see a block twice.
 */
export class LineSender {
  /** Connections established so far. */
  connections = 0;
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private readonly stopped = new AbortController();

  constructor(
    private readonly target: LineTarget,
    private readonly onError: (error: Error) => void = () => {},
  ) {}

  /** Resolves once the socket has taken the whole block (backpressure included); rejects only after close(). */
  async write(block: string): Promise<void> {
    for (;;) {
      const socket = await this.connected();
      try {
        await new Promise<void>((resolve, reject) => socket.write(block, (error) => (error ? reject(error) : resolve())));
        return;
      } catch (error) {
        this.drop(socket, error as Error);
      }
    }
  }

  /** Ends the connection after everything written has been flushed. */
  async close(): Promise<void> {
    this.stopped.abort();
    const socket = this.socket;
    this.socket = undefined;
    if (socket === undefined || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
    });
  }

  /** Stops at once, dropping whatever the socket has not sent yet. */
  destroy(): void {
    this.stopped.abort();
    this.socket?.destroy();
    this.socket = undefined;
  }

  private connected(): Promise<Socket> {
    if (this.socket !== undefined && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= this.reconnect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async reconnect(): Promise<Socket> {
    let delay = INITIAL_BACKOFF_MS;
    for (;;) {
      if (this.stopped.signal.aborted) throw new Error('line sender closed');
      try {
        const socket = await this.open();
        if (this.stopped.signal.aborted) {
          socket.destroy(); // closed while connecting
          continue;
        }
        this.socket = socket;
        this.connections++;
        return socket;
      } catch (error) {
        this.onError(error as Error);
        await sleep(delay, undefined, { signal: this.stopped.signal }).catch(() => undefined);
        delay = Math.min(delay * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private open(): Promise<Socket> {
    const { host, port, tls } = this.target;
    return new Promise((resolve, reject) => {
      // SNI carries host names only (RFC 6066); for an address the certificate is still checked against it.
      const socket = tls === undefined ? tcpConnect({ host, port }) : tlsConnect({ ...(isIP(host) ? {} : { servername: host }), ...tls, host, port });
      socket.once('error', reject);
      socket.once(tls === undefined ? 'connect' : 'secureConnect', () => {
        socket.off('error', reject);
        socket.on('error', (error) => this.drop(socket, error));
        socket.on('close', () => this.drop(socket));
        socket.resume(); // an LSS receiver never answers; discard anything it sends
        resolve(socket);
      });
    });
  }

  private drop(socket: Socket, error?: Error): void {
    if (error !== undefined) this.onError(error);
    socket.destroy();
    if (this.socket === socket) this.socket = undefined;
  }
}
