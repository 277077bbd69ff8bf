/** One forward connection: framing, handshake, decoding, decompression, and acks once messages are settled. */
import { setMaxListeners } from 'node:events';
import * as zlib from 'node:zlib';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { decodeEntries, decodeRequest, type ForwardOptions } from './decode.js';
import { Handshake, type HandshakeConfig } from './handshake.js';
import type { ForwardEntry, MessageHandler, Peer } from './message.js';
import { FrameReader } from './frame-reader.js';
import { bigBuffers } from '../shared/buffer-pool.js';
import { ProtocolError, RawString, decodeRaw, encode } from './msgpack.js';
import type { ReceiverStats } from './stats.js';

export interface ConnectionLimits {
  /** Largest request accepted on the wire. */
  maxMessageBytes: number;
  /** Largest decompressed CompressedPackedForward payload (gzip bombs). */
  maxDecompressedBytes: number;
  /** Deepest msgpack nesting accepted. */
  maxDepth: number;
  /** Close a connection that sends nothing for this long while it has nothing waiting for an ack. */
  idleTimeoutMs: number;
  /** Close a connection whose message is not settled within this time, so the sender retries. */
  ackTimeoutMs: number;
}

export interface ConnectionContext {
  limits: ConnectionLimits;
  handshake: HandshakeConfig | undefined;
  handler: MessageHandler;
  /** Release a settled message's request buffers (ForwardServerOptions.releaseSettled). */
  releaseSettled: boolean;
  logger: Logger;
  stats: ReceiverStats;
}

/** A connection that closed without sending a byte (a TCP health check): counted, and logged at debug only. */
export function noteProbe(ctx: Pick<ConnectionContext, 'stats' | 'logger'>, peer: string): void {
  ctx.stats.probes++;
  ctx.logger.debug({ peer }, 'connection closed without sending anything (a health check?)');
}

// zstd arrived in node:zlib with Node 22.15; on older runtimes a zstd request closes the connection with a reason.
const zstdDecompress = (zlib as unknown as { zstdDecompress?: typeof zlib.gunzip }).zstdDecompress;

/**
 * One forward-protocol connection: frames requests out of the byte stream, runs the handshake, decodes, hands each
 * message to the pipeline and acks it once the pipeline says it is settled. Any protocol violation closes this
 * connection only, with the reason logged.
 */
export class ForwardConnection {
  private readonly reader: FrameReader;
  private handshake: Handshake | undefined;
  private unsettled = 0;
  private closed = false;
  /** A CompressedPackedForward payload is being decompressed: later requests wait, in order. */
  private inflating = false;
  private readonly aborted = new AbortController();
  /** Bytes received so far: none when the peer closes means a health check, not a sender. */
  private received = 0;
  readonly peer: Peer;

  constructor(
    readonly socket: Socket,
    private readonly ctx: ConnectionContext,
    private readonly onClosed: (connection: ForwardConnection) => void,
  ) {
    this.peer = { address: (socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, ''), port: socket.remotePort ?? 0 };
    this.reader = new FrameReader({ maxBytes: ctx.limits.maxMessageBytes, maxDepth: ctx.limits.maxDepth });
    // Every unsettled message of this connection listens on the one signal; they are removed as they settle.
    setMaxListeners(0, this.aborted.signal);
    socket.setNoDelay(true);
    socket.setTimeout(ctx.limits.idleTimeoutMs);
    socket.on('timeout', () => {
      if (this.unsettled === 0) this.close(`idle for ${ctx.limits.idleTimeoutMs} ms`);
    });
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => (this.received === 0 ? this.probed() : this.close(`socket error: ${error.message}`)));
    socket.on('close', () => (this.received === 0 ? this.probed() : this.finish()));
    if (ctx.handshake) {
      this.handshake = new Handshake(ctx.handshake);
      socket.write(this.handshake.helo());
    }
  }

  /** True while some message of this connection waits for settlement. */
  get waiting(): boolean {
    return this.unsettled > 0;
  }

  close(reason: string | undefined): void {
    if (this.closed) return;
    if (reason) {
      this.ctx.stats.connectionsClosedByServer++;
      this.ctx.logger.warn({ peer: `${this.peer.address}:${this.peer.port}`, reason }, 'closing forward connection');
    }
    this.finish();
    this.socket.destroy();
  }

  /** The peer closed (or reset) before sending a byte: a load balancer's TCP check, counted and logged quietly. */
  private probed(): void {
    if (this.closed) return;
    noteProbe(this.ctx, `${this.peer.address}:${this.peer.port}`);
    this.finish();
    this.socket.destroy();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.aborted.abort(new Error('connection closed before the ack'));
    this.reader.clear();
    this.onClosed(this);
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.received += chunk.length;
    this.ctx.stats.bytesReceived += chunk.length;
    this.reader.append(chunk);
    if (!this.inflating) this.guarded(() => this.drain());
  }

  private drain(): void {
    this.reader.drain((frame) => {
      this.handleFrame(frame);
      return !this.closed && !this.inflating;
    });
  }

  /** Runs `work`; a ProtocolError closes this connection with its reason, any other error as an internal one. */
  private guarded(work: () => void): void {
    try {
      work();
    } catch (error) {
      if (error instanceof ProtocolError) {
        this.ctx.stats.protocolErrors++;
        this.close(error.message);
        return;
      }
      // A fault of ours (e.g. the pipeline threw): this connection closes unacked and its sender retries; the
      // process and its other connections carry on.
      this.ctx.logger.error({ err: error, peer: `${this.peer.address}:${this.peer.port}` }, 'internal error handling a forward request');
      this.close(`internal error: ${(error as Error).message}`);
    }
  }

  private handleFrame(frame: Buffer): void {
    if (this.handshake) return this.handlePing(frame, this.handshake);
    const request = decodeRequest(frame);
    if (request.kind === 'heartbeat') return;
    if (request.kind !== 'compressed') return this.dispatch(request.tag, request.entries, request.options, frame.length, [frame]);
    // Off the event loop (zlib's thread pool): a large payload does not stall the other connections, and a corrupt
    // one does not leak (gunzipSync keeps ~8 KB of native memory per payload it fails on, Node 20 and 24).
    this.decompress(request.payload, request.options, (payload) => {
      this.inflating = false;
      if (this.closed) return;
      this.guarded(() => {
        const inflated = payload();
        this.dispatch(request.tag, decodeEntries(inflated), request.options, frame.length, [frame, inflated]);
        if (!this.closed) this.drain();
      });
    });
    // Set after the call: the callback never runs synchronously, and an unsupported compression throws before it.
    this.inflating = true;
  }

  private handlePing(frame: Buffer, handshake: Handshake): void {
    const result = handshake.verifyPing(decodeRaw(frame, 0)[0]);
    if (!result.ok) {
      this.ctx.stats.handshakeFailures++;
      this.ctx.logger.warn({ peer: `${this.peer.address}:${this.peer.port}`, reason: result.reason }, 'forward handshake rejected');
      this.finish();
      this.socket.end(result.reply, () => this.socket.destroy());
      return;
    }
    this.peer.hostname = result.hostname;
    this.peer.user = result.user;
    this.handshake = undefined;
    this.socket.write(result.reply);
  }

  /** Decompresses asynchronously; `done` gets a function that returns the payload or throws a ProtocolError. */
  private decompress(payload: Buffer, options: ForwardOptions, done: (result: () => Buffer) => void): void {
    const maxOutputLength = this.ctx.limits.maxDecompressedBytes;
    const inflate = options.compressed === 'gzip' ? zlib.gunzip : options.compressed === 'zstd' ? zstdDecompress : undefined;
    if (!inflate) {
      throw new ProtocolError(`unsupported compression "${options.compressed}" (supported: gzip${zstdDecompress ? ', zstd' : ''})`);
    }
    // gunzip reads every concatenated gzip member, as Fluent Bit may send several.
    inflate(payload, { maxOutputLength }, (error, result) => {
      if (!error) return done(() => result);
      const code = (error as { code?: string }).code;
      const message =
        code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError
          ? `decompressed payload exceeds the maximum of ${maxOutputLength} bytes`
          : `invalid ${options.compressed} payload: ${error.message}`;
      done(() => {
        throw new ProtocolError(message);
      });
    });
  }

  /** Hands one message to the pipeline; once it is settled, acks it and may release `buffers`, which its records are views of. */
  private dispatch(tag: string, entries: ForwardEntry[], options: ForwardOptions, wireBytes: number, buffers: Buffer[]): void {
    const stats = this.ctx.stats;
    stats.messages++;
    if (options.signal !== 0) {
      // Metrics and traces are not ZPA logs: counted, skipped, and acked so the sender does not retry them forever.
      stats.signalsSkipped++;
      if (options.chunk) this.ack(options.chunk);
      return;
    }
    stats.entries += entries.length;
    const chunk = options.chunk;
    // Called when the dispatcher is done with the records, and again once settled: a buffer given back twice is
    // ignored the second time (detached by the first).
    const release = () => {
      if (this.ctx.releaseSettled) for (const buffer of buffers) bigBuffers.give(buffer);
    };
    this.unsettled++;
    const timer = setTimeout(() => {
      stats.ackTimeouts++;
      this.close(`message not settled within ${this.ctx.limits.ackTimeoutMs} ms; closing so the sender retries`);
    }, this.ctx.limits.ackTimeoutMs);
    this.ctx
      .handler({ tag, entries, chunk: chunk?.text, peer: this.peer, wireBytes, signal: this.aborted.signal, release })
      .then(
        () => {
          if (chunk) this.ack(chunk);
          // Settled: every record is delivered or dead-lettered, so nothing reads them any more.
          release();
        },
        (error: Error) => this.close(`message not settled: ${error.message}`),
      )
      .finally(() => {
        clearTimeout(timer);
        this.unsettled--;
      });
  }

  private ack(chunk: RawString): void {
    if (this.closed) return;
    this.ctx.stats.acks++;
    this.socket.write(encode(new Map([['ack', chunk]])));
  }
}
