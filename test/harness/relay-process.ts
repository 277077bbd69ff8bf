/**
 * The real relay as a child process (`dist/src/cli.js --config FILE`), for benchmarks and chaos tests: started on a
 * fixed forward port so it can be killed and restarted in place, run as the container image runs it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/config.js';
import { NODE_MAJOR, startupHeapFlags } from '../../src/config/heap.js';
import { childPids } from './proc.js';
import { ServiceProcess, accepts, freePort, httpOk } from './service-process.js';

/** dist/src/cli.js, from dist/test/harness/. */
const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

export interface RelayProcessOptions {
  /** The configuration (written as JSON, which is YAML); listen.port and ops.port must be fixed (freePort()). */
  config: Record<string, unknown>;
  /** The node binary (default: this one). */
  node?: string;
  /** Extra environment of the relay process (e.g. NODE_OPTIONS, ZPA_RELAY_* overrides). */
  env?: Record<string, string>;
  /**
   * Node flags before the script, for those NODE_OPTIONS refuses (e.g. --trace-gc); cluster workers inherit them. They
   * follow the configured heap start-up flags, which the relay always gets.
   */
  nodeArgs?: string[];
  /** Milliseconds to wait for the relay to listen (default 20 s). */
  startTimeoutMs?: number;
  /** The script to run with `--config FILE` instead of the relay's CLI (bench/passthrough-relay.ts). */
  script?: string;
}

/** The major version of the node binary `node` (a path, or a script that runs node), or of this one. */
function nodeMajorOf(node: string | undefined): number {
  if (node === undefined) return NODE_MAJOR;
  return Number(execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8', timeout: 10_000 }).split('.')[0]);
}

export class RelayProcess extends ServiceProcess {
  readonly configPath = path.join(mkdtempSync(path.join(tmpdir(), 'zpa-relay-bench-')), 'relay.yaml');
  opsPort: number | undefined;
  /**
   * How it is run, as the container image runs it (Dockerfile ENTRYPOINT and ENV): the heap flags only node's command
   * line takes, for the node binary used, and glibc's mmap threshold, which this environment or options.env may
   * override. Worked out once: a chaos run restarts the relay many times.
   */
  private readonly env: NodeJS.ProcessEnv;
  private readonly nodeArgs: string[];

  constructor(private readonly options: RelayProcessOptions) {
    super();
    writeFileSync(this.configPath, JSON.stringify(options.config, null, 2));
    this.env = { MALLOC_MMAP_THRESHOLD_: '131072', ...process.env, ...options.env };
    this.nodeArgs = [...startupHeapFlags(loadConfig(this.configPath, this.env), nodeMajorOf(options.node)), ...(options.nodeArgs ?? [])];
  }

  /** The forward port (listen.port). */
  get port(): number {
    return (this.options.config.listen as { port: number }).port;
  }

  /**
   * Spawns the relay and resolves once it accepts connections: /readyz answers 200 when ops is enabled (on its fixed
   * port), else the forward port accepts a TCP connection. Any log level works.
   */
  async start(): Promise<void> {
    const config = this.options.config as { ops?: { enabled?: boolean; port?: number }; listen?: { port?: number } };
    const opsEnabled = config.ops?.enabled !== false;
    this.opsPort = opsEnabled ? config.ops?.port : undefined;
    const forwardPort = config.listen?.port;
    if ((opsEnabled && !this.opsPort) || !forwardPort) throw new Error('RelayProcess needs fixed listen.port and ops.port (use freePort())');
    const args = [...this.nodeArgs, this.options.script ?? CLI, '--config', this.configPath];
    const ready = () => (opsEnabled ? httpOk(`http://127.0.0.1:${this.opsPort}/readyz`) : accepts(forwardPort));
    await this.launch('relay', this.options.node ?? process.execPath, args, this.env, ready, this.options.startTimeoutMs);
  }

  /** The relay's processes: the one started, plus its workers when it runs several (`workers` in the config). */
  override pids(): number[] {
    return [this.pid, ...childPids(this.pid)];
  }

  /** /metrics as text. */
  async metrics(): Promise<string> {
    if (this.opsPort === undefined) throw new Error('ops server not enabled');
    const response = await fetch(`http://127.0.0.1:${this.opsPort}/metrics`, { signal: AbortSignal.timeout(5000) });
    return response.text();
  }

  /** Lines in the dead-letter file. */
  deadLetters(): string[] {
    const file = (this.options.config.dead_letter as { path?: string } | undefined)?.path;
    if (!file) return [];
    try {
      return readFileSync(file, 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }
}

/**
 * A relay configuration for benchmarks and chaos runs: forward and ops on fixed free ports of 127.0.0.1, dead letters
 * in a temp file, one `ndjson` sink to `sinkUrl`; `listen` and `sink` keys override the defaults.
 */
export async function relayConfig(options: {
  sinkUrl: string;
  listen?: Record<string, unknown>;
  sink?: Record<string, unknown>;
  logLevel?: string;
  /** Relay processes (default 1, so per-process figures stay comparable; see e2e --workers). */
  workers?: number | 'auto';
}): Promise<Record<string, unknown>> {
  return {
    workers: options.workers ?? 1,
    listen: { host: '127.0.0.1', port: await freePort(), ...options.listen },
    ops: { enabled: true, host: '127.0.0.1', port: await freePort() },
    log: { level: options.logLevel ?? 'warn' },
    dead_letter: { path: path.join(mkdtempSync(path.join(tmpdir(), 'zpa-relay-dead-')), 'dead-letter.ndjson') },
    sinks: [{ type: 'ndjson', name: 'bench', url: options.sinkUrl, ...options.sink }],
  };
}
