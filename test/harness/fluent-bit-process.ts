/**
 * A user-supplied Fluent Bit binary as a child process, for the side-by-side benchmark (bench/fluent-bit.ts): a
 * temporary classic-format configuration with a `forward` input on 127.0.0.1 and an `http` output (json_lines) to the
 * counting sink, optionally a `parser` filter that decodes each `log` line as JSON. Nothing of Fluent Bit is part of
 * this repository; the binary is given on the command line.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ServiceProcess, accepts, freePort } from './service-process.js';

export interface FluentBitOptions {
  binary: string;
  /** The counting sink's port on 127.0.0.1 (requests go to /ingest). */
  sinkPort: number;
  /** Add a `parser` filter: `log` decoded as JSON, the record replaced by the parsed map (closer to the relay's work). */
  parse?: boolean;
  /** The forward input's Mem_Buf_Limit (e.g. "64M"); unset: Fluent Bit's default (no limit for memory buffering). */
  memBufLimit?: string;
  /** [SERVICE] Flush in seconds (Fluent Bit's default 1). */
  flush?: string;
  /** The http output's worker threads (unset: the plugin's default, 2 in v5.1.1). */
  outputWorkers?: number;
  /** The http output's `Compress gzip` (zlib's default level, 6). */
  gzip?: boolean;
}

/** Fluent Bit is one process (its input, engine and output worker threads): the inherited pids() is right. */
export class FluentBitProcess extends ServiceProcess {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-fluent-bit-'));
  readonly configPath = path.join(this.dir, 'fluent-bit.conf');
  private forwardPort = 0;

  constructor(private readonly options: FluentBitOptions) {
    super();
  }

  get port(): number {
    return this.forwardPort;
  }

  /** The configuration as written (for the report). */
  config(): string {
    return readFileSync(this.configPath, 'utf8');
  }

  /** Writes the configuration, spawns Fluent Bit, and resolves once its forward port accepts a connection. */
  async start(): Promise<void> {
    this.forwardPort = await freePort();
    const o = this.options;
    const parsersPath = path.join(this.dir, 'parsers.conf');
    if (o.parse) writeFileSync(parsersPath, ['[PARSER]', '    Name   bench_json', '    Format json', ''].join('\n'));
    const lines = [
      '[SERVICE]',
      `    Flush        ${o.flush ?? '1'}`,
      '    Grace        2',
      '    Log_Level    warn',
      '    HTTP_Server  Off',
      ...(o.parse ? [`    Parsers_File ${parsersPath}`] : []),
      '',
      '[INPUT]',
      '    Name   forward',
      '    Listen 127.0.0.1',
      `    Port   ${this.port}`,
      ...(o.memBufLimit ? [`    Mem_Buf_Limit ${o.memBufLimit}`] : []),
      '',
      ...(o.parse ? ['[FILTER]', '    Name     parser', '    Match    *', '    Key_Name log', '    Parser   bench_json', ''] : []),
      '[OUTPUT]',
      '    Name        http',
      '    Match       *',
      '    Host        127.0.0.1',
      `    Port        ${o.sinkPort}`,
      '    URI         /ingest',
      '    Format      json_lines',
      '    Retry_Limit no_limits',
      ...(o.outputWorkers === undefined ? [] : [`    Workers     ${o.outputWorkers}`]),
      ...(o.gzip ? ['    Compress    gzip'] : []),
      '',
    ];
    writeFileSync(this.configPath, lines.join('\n'));
    await this.launch('fluent-bit', o.binary, ['-c', this.configPath], undefined, () => accepts(this.port));
  }
}
