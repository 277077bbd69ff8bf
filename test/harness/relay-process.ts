/**
 * The real relay as a child process (`dist/src/cli.js --config FILE`), for benchmarks and chaos tests: started on a
 * fixed forward port so it can be killed and restarted in place, with its CPU time and peak memory read from /proc.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/config.js';
import { NODE_MAJOR, startupHeapFlags } from '../../src/config/heap.js';

/** dist/src/cli.js, from dist/test/harness/. */
export const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
export const PASSTHROUGH_RELAY = fileURLToPath(new URL('../../bench/passthrough-relay.js', import.meta.url));

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

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

/** Relay children still running: killed when this process exits, however it exits, so none is left behind. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Clock ticks per second of /proc/<pid>/stat times: `getconf CLK_TCK`, else Linux's usual 100. */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export class RelayProcess {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'zpa-relay-bench-'));
  readonly configPath = path.join(this.dir, 'relay.yaml');
  child: ChildProcess | undefined;
  opsPort: number | undefined;
  /** The relay's log lines (stdout and stderr), most recent last, at most 2000 kept. */
  readonly log: string[] = [];
  starts = 0;
  /**
   * How it is run, as the container image runs it (Dockerfile ENTRYPOINT and ENV): the heap flags only node's command
   * line takes, for the node binary used, and glibc's mmap threshold, which this environment or options.env may
   * override. Worked out once: a chaos run restarts the relay many times.
   */
  private readonly env: NodeJS.ProcessEnv;
  private readonly nodeArgs: string[];

  constructor(private readonly options: RelayProcessOptions) {
    writeFileSync(this.configPath, JSON.stringify(options.config, null, 2));
    this.env = { MALLOC_MMAP_THRESHOLD_: '131072', ...process.env, ...options.env };
    this.nodeArgs = [...startupHeapFlags(loadConfig(this.configPath, this.env), nodeMajorOf(options.node)), ...(options.nodeArgs ?? [])];
  }

  get pid(): number {
    const pid = this.child?.pid;
    if (pid === undefined) throw new Error('relay not running');
    return pid;
  }

  /** The forward port (listen.port). */
  get port(): number {
    return (this.options.config.listen as { port: number }).port;
  }

  get deadLetterPath(): string | undefined {
    return (this.options.config.dead_letter as { path?: string } | undefined)?.path;
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
    const child = spawn(this.options.node ?? process.execPath, [...this.nodeArgs, this.options.script ?? CLI, '--config', this.configPath], { stdio: ['ignore', 'pipe', 'pipe'], env: this.env });
    this.child = child;
    this.starts++;
    running.add(child);
    child.once('exit', () => running.delete(child));
    for (const stream of [child.stdout!, child.stderr!]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => {
        const lines = (rest + text).split('\n');
        rest = lines.pop() ?? '';
        this.log.push(...lines);
        if (this.log.length > 2000) this.log.splice(0, this.log.length - 1000);
      });
    }
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 20_000);
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      if (opsEnabled ? await httpOk(`http://127.0.0.1:${this.opsPort}/readyz`) : await accepts(forwardPort)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const state = child.exitCode !== null || child.signalCode !== null ? `exited (${child.exitCode ?? child.signalCode})` : 'not ready in time';
    throw new Error(`relay ${state}:\n${this.log.slice(-20).join('\n')}`);
  }

  /** kill -9, and wait for the process to be gone. */
  async kill9(): Promise<void> {
    await this.signal('SIGKILL', 5000);
  }

  /** SIGTERM (graceful: flush, settle, ack), escalating to SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 25_000): Promise<void> {
    await this.signal('SIGTERM', timeoutMs);
  }

  private async signal(signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  /** The relay's processes: the one started, plus its workers when it runs several (`workers` in the config). */
  pids(): number[] {
    return [this.pid, ...childPids(this.pid)];
  }

  /** User + system CPU seconds of the relay's processes so far. */
  cpuSeconds(): number {
    return this.pids().reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  }

  /** A memory figure of /proc/<pid>/status in bytes, summed over the relay's processes: VmHWM (peak RSS) or VmRSS. */
  memory(key: 'VmHWM' | 'VmRSS'): number {
    return processMemory(this.pids(), key);
  }

  /** Resets the peak RSS (VmHWM) to the current RSS; false when the kernel refuses. */
  resetPeakRss(): boolean {
    return resetPeakRss(this.pids());
  }

  /** /metrics as text. */
  async metrics(): Promise<string> {
    if (this.opsPort === undefined) throw new Error('ops server not enabled');
    const response = await fetch(`http://127.0.0.1:${this.opsPort}/metrics`, { signal: AbortSignal.timeout(5000) });
    return response.text();
  }

  /** Lines in the dead-letter file. */
  deadLetters(): string[] {
    const file = this.deadLetterPath;
    if (!file) return [];
    try {
      return readFileSync(file, 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }
}

/** Direct children of a process, from the parent pid field of every /proc/<pid>/stat. */
function childPids(parent: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

/** User + system CPU seconds of a process so far: utime and stime of /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at state, field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** A memory figure of /proc/<pid>/status in bytes, summed over `pids`: VmHWM (peak RSS) or VmRSS. */
export function processMemory(pids: number[], key: 'VmHWM' | 'VmRSS'): number {
  return pids.reduce((sum, pid) => {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
    return sum + Number(kb ?? NaN) * 1024;
  }, 0);
}

/** Resets the peak RSS (VmHWM) of `pids` to their current RSS; false when the kernel refuses. */
export function resetPeakRss(pids: number[]): boolean {
  try {
    for (const pid of pids) writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

async function httpOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

/** Something accepts TCP connections on 127.0.0.1:`port`. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** The sum of a metric's samples in Prometheus text (every label set), 0 when absent. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
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
