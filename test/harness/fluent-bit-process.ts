/**
 * A user-supplied Fluent Bit binary as a child process, for the side-by-side benchmark (bench/fluent-bit.ts): a
 * temporary classic-format configuration with a `forward` input on 127.0.0.1 and an `http` output (json_lines) to the
 * counting sink, optionally a `parser` filter that decodes each `log` line as JSON. Nothing of Fluent Bit is part of
 * this repository; the binary is given on the command line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { accepts, freePort, processMemory, resetPeakRss } from './relay-process.js';

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
}

/** Fluent Bit children still running: killed when this process exits, however it exits. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class FluentBitProcess {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-fluent-bit-'));
  readonly configPath = path.join(this.dir, 'fluent-bit.conf');
  child: ChildProcess | undefined;
  port = 0;
  /** Fluent Bit's log lines (stdout and stderr), most recent last, at most 2000 kept. */
  readonly log: string[] = [];

  constructor(private readonly options: FluentBitOptions) {}

  get pid(): number {
    const pid = this.child?.pid;
    if (pid === undefined) throw new Error('fluent-bit not running');
    return pid;
  }

  /** The configuration as written (for the report). */
  config(): string {
    return readFileSync(this.configPath, 'utf8');
  }

  /** Writes the configuration, spawns Fluent Bit, and resolves once its forward port accepts a connection. */
  async start(timeoutMs = 20_000): Promise<void> {
    this.port = await freePort();
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
      '',
    ];
    writeFileSync(this.configPath, lines.join('\n'));
    const child = spawn(o.binary, ['-c', this.configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    running.add(child);
    child.once('exit', () => running.delete(child));
    for (const stream of [child.stdout!, child.stderr!]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => {
        const got = (rest + text).split('\n');
        rest = got.pop() ?? '';
        this.log.push(...got);
        if (this.log.length > 2000) this.log.splice(0, this.log.length - 1000);
      });
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      if (await accepts(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const state = child.exitCode !== null || child.signalCode !== null ? `exited (${child.exitCode ?? child.signalCode})` : 'not listening in time';
    throw new Error(`fluent-bit ${state}:\n${this.log.slice(-20).join('\n')}`);
  }

  /** SIGTERM (Fluent Bit flushes for up to Grace seconds), escalating to SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  /** Fluent Bit is one process (its input, engine and output worker threads): its pid alone. */
  pids(): number[] {
    return [this.pid];
  }

  /** VmHWM (peak RSS) or VmRSS of /proc/<pid>/status, in bytes. */
  memory(key: 'VmHWM' | 'VmRSS'): number {
    return processMemory(this.pids(), key);
  }

  /** Resets the peak RSS (VmHWM) to the current RSS; false when the kernel refuses. */
  resetPeakRss(): boolean {
    return resetPeakRss(this.pids());
  }
}
