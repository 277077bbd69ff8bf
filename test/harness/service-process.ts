/**
 * A server program run as a child process by the tests and benchmarks (the relay, Fluent Bit): its log lines kept,
 * ready once a probe answers, stopped by a signal that escalates to SIGKILL, its memory read from /proc, and killed
 * when this process exits, however it exits, so that none is left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { processMemory, resetPeakRss } from './proc.js';

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export abstract class ServiceProcess {
  child: ChildProcess | undefined;
  /** Its log lines (stdout and stderr), most recent last, at most 2000 kept. */
  readonly log: string[] = [];
  /** How many times it was started. */
  starts = 0;

  /** The port it receives forward messages on. */
  abstract get port(): number;
  abstract start(): Promise<void>;

  get pid(): number {
    const pid = this.child?.pid;
    if (pid === undefined) throw new Error('not running');
    return pid;
  }

  /** Its processes; the started one alone unless it forks workers. */
  pids(): number[] {
    return [this.pid];
  }

  /** A memory figure of /proc/<pid>/status in bytes, summed over its processes: VmHWM (peak RSS) or VmRSS. */
  memory(key: 'VmHWM' | 'VmRSS'): number {
    return processMemory(this.pids(), key);
  }

  /** Resets the peak RSS (VmHWM) to the current RSS; false when the kernel refuses. */
  resetPeakRss(): boolean {
    return resetPeakRss(this.pids());
  }

  /** SIGTERM (graceful: flush, settle, ack), escalating to SIGKILL after `timeoutMs`. */
  stop(timeoutMs = 25_000): Promise<void> {
    return this.signal('SIGTERM', timeoutMs);
  }

  /** kill -9, and wait for the process to be gone. */
  kill9(): Promise<void> {
    return this.signal('SIGKILL', 5000);
  }

  /** Spawns the program, keeps its output in `log`, and resolves once `ready()` holds; throws with the log's tail if it exits or `timeoutMs` passes first. */
  protected async launch(name: string, command: string, args: string[], env: NodeJS.ProcessEnv | undefined, ready: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
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
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !exited()) {
      if (await ready()) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const state = exited() ? `exited (${child.exitCode ?? child.signalCode})` : 'not ready in time';
    throw new Error(`${name} ${state}:\n${this.log.slice(-20).join('\n')}`);
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
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
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

/** `url` answers 2xx within a second. */
export async function httpOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}
