/**
 * One measured load phase, as the load benchmarks run it: a fresh range of sequence numbers from a message pool, sent
 * by the at-least-once client (a closed loop, or paced) to a server process, delivered to the counting sink. Measures
 * the CPU of the server's processes, of this generator, of the sink and of the whole machine, the ack latencies, the
 * server's peak RSS, and what the sink got: missing and duplicate records, bytes.
 */
import { cpus } from 'node:os';
import type { CountSink } from './count-sink.js';
import { runPhase } from './load-client.js';
import { messageSource, type MessagePool, type RecordFormat } from './messages.js';
import { cpuOf, cpuPressureMicros, machineJiffies } from './proc.js';
import { num, percentile, sleep, type Column } from './report.js';
import type { ServiceProcess } from './service-process.js';

export interface PhaseOptions {
  seconds: number;
  /** Stop after this many records (default: none). */
  records?: number;
  /** Pace new messages to this many records/s in total; without it, a closed loop (the maximum). */
  rate?: number;
  /**
   * Wait until the sink has every record acked (up to 180 s), and count the phase's time and CPU to then: for a
   * server that acks on receipt, not on delivery. Then 300 ms more, so late duplicates count too.
   */
  untilDelivered?: boolean;
}

export interface PhaseResult {
  logType: string;
  format: RecordFormat;
  bytesPerRecord: number;
  /** Offered records/s, or undefined for a closed loop. */
  rate: number | undefined;
  /** Records and messages acked. */
  records: number;
  messages: number;
  /** Forward bytes acked. */
  bytes: number;
  /** First send → last ack. */
  ackSeconds: number;
  /** First send → the end of the phase: the last ack, or with untilDelivered the last record at the sink. */
  seconds: number;
  /** CPU seconds of the server's processes, in sum and each (the started one first). */
  cpu: number;
  cpuByProcess: number[];
  /** CPU seconds of the load generator (this process) and of the sink process. */
  genCpu: number;
  sinkCpu: number;
  /** CPU seconds the whole machine was busy (every core), for what other processes took. */
  machineBusy: number;
  /** Share of the phase in which some runnable task on the machine waited for a CPU (PSI), NaN where unavailable. */
  cpuPressure: number;
  /** Milliseconds from write to ack, and (paced) from when each message was due to its ack. */
  latencies: number[];
  dueLatencies: number[];
  /** Paced messages that found every window full when due. */
  late: number;
  resends: number;
  closedByPeer: number;
  peakRss: number;
  missing: number;
  duplicates: number;
  /** Bytes the sink received. */
  sinkBytes: number;
}

interface CpuReading {
  server: number[];
  gen: NodeJS.CpuUsage;
  sink: number;
  machine: { busy: number; total: number };
  pressure: number;
}

/** Runs phases from consecutive sequence ranges against any server, all to one sink. */
export class LoadPhases {
  private nextSeq = 0;

  constructor(
    private readonly sink: CountSink,
    private readonly load: { connections: number; window: number },
  ) {}

  async run(server: ServiceProcess, pool: MessagePool, options: PhaseOptions): Promise<PhaseResult> {
    const firstSeq = this.nextSeq;
    const source = messageSource(pool, firstSeq, options.records);
    const sinkBytes = (await this.sink.stats(0, 0)).bytes;
    server.resetPeakRss();
    const pids = server.pids();
    const before = this.readCpu(pids);
    const started = performance.now();
    const client = await runPhase(
      {
        port: server.port,
        ...this.load,
        next: source.next,
        recordsPerSecond: options.rate,
        onAcked: (message) => pool.recycle(message), // its buffer goes into a later message: no 2.4 MB allocation each
      },
      options.seconds,
    );
    const ackSeconds = (performance.now() - started) / 1000;
    this.nextSeq = source.nextSeq;
    if (options.untilDelivered) await this.delivered(firstSeq, this.nextSeq);
    const seconds = (performance.now() - started) / 1000;
    const after = this.readCpu(pids);
    const peakRss = server.memory('VmHWM');
    if (options.untilDelivered) await sleep(300);
    const stats = await this.sink.stats(firstSeq, this.nextSeq);
    const cpuByProcess = after.server.map((cpu, i) => cpu - before.server[i]);
    const gen = process.cpuUsage(before.gen);
    const machineShare = (after.machine.busy - before.machine.busy) / Math.max(1, after.machine.total - before.machine.total);
    return {
      logType: pool.logType,
      format: pool.format,
      bytesPerRecord: pool.bytesPerRecord,
      rate: options.rate,
      records: client.stats.ackedRecords,
      messages: client.stats.acked,
      bytes: client.stats.ackedBytes,
      ackSeconds,
      seconds,
      cpu: cpuByProcess.reduce((a, b) => a + b, 0),
      cpuByProcess,
      genCpu: (gen.user + gen.system) / 1e6,
      sinkCpu: after.sink - before.sink,
      machineBusy: machineShare * cpus().length * seconds,
      cpuPressure: (after.pressure - before.pressure) / 1e6 / seconds,
      latencies: client.stats.latencies,
      dueLatencies: client.stats.dueLatencies,
      late: client.stats.late,
      resends: client.stats.resends,
      closedByPeer: client.stats.closedByPeer,
      peakRss,
      missing: stats.seq.missing,
      duplicates: stats.seq.duplicates,
      sinkBytes: stats.bytes - sinkBytes,
    };
  }

  private readCpu(pids: number[]): CpuReading {
    const sinkPid = this.sink.pid;
    return { server: cpuOf(pids), gen: process.cpuUsage(), sink: sinkPid === undefined ? 0 : cpuOf([sinkPid])[0], machine: machineJiffies(), pressure: cpuPressureMicros() };
  }

  private async delivered(from: number, to: number): Promise<void> {
    const deadline = Date.now() + 180_000;
    while ((await this.sink.stats(from, to)).seq.missing > 0 && Date.now() < deadline) await sleep(20);
  }
}

/** CPU seconds the rest of the machine used during a phase: busy time less the server's, the generator's and the sink's. */
export function otherCpu(r: PhaseResult): number {
  return Math.max(0, r.machineBusy - r.cpu - r.genCpu - r.sinkCpu);
}

/** Report columns both load benchmarks print. */
export const PHASE_COLUMNS = {
  bytesPerRecord: ['B/rec', (r) => num(r.bytesPerRecord)],
  records: ['records', (r) => num(r.records)],
  perSecond: ['records/s', (r) => num(r.records / r.seconds)],
  mbPerSecond: ['MB/s', (r) => num(r.bytes / r.seconds / 1e6, 1)],
  perCpu: ['rec/CPU-s', (r) => num(r.records / r.cpu)],
  ackP50: ['ack p50 ms', (r) => num(percentile(r.latencies, 50), 1)],
  ackP99: ['ack p99 ms', (r) => num(percentile(r.latencies, 99), 1)],
  peakRss: ['peak RSS MB', (r) => num(r.peakRss / 1e6, 0)],
  missing: ['missing', (r) => num(r.missing)],
  duplicates: ['dup', (r) => num(r.duplicates)],
} satisfies Record<string, Column<PhaseResult>>;
