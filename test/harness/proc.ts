/** Readings of /proc for the benchmarks: a process's CPU time, memory and children; the machine's busy time and CPU wait. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times: `getconf CLK_TCK`, else Linux's usual 100. */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Fields of /proc/<pid>/stat from the state (field 3) on: the command name before them may hold spaces. */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User + system CPU seconds of a process so far: utime and stime (fields 14 and 15) of /proc/<pid>/stat. */
function processCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** CPU seconds so far of each of `pids`, NaN for one that is gone. */
export function cpuOf(pids: number[]): number[] {
  return pids.map((pid) => {
    try {
      return processCpuSeconds(pid);
    } catch {
      return NaN;
    }
  });
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

/** Direct children of a process, from the parent pid field of every /proc/<pid>/stat. */
export function childPids(parent: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(statFields(entry)[1]) === parent) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

/** Busy and total jiffies of the whole machine (every core), from the first line of /proc/stat. */
export function machineJiffies(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - fields[3] - fields[4], total };
}

/** Microseconds so far in which some runnable task waited for a CPU (/proc/pressure/cpu "some" total), NaN without PSI. */
export function cpuPressureMicros(): number {
  try {
    return Number(/^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}
