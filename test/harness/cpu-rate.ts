/**
 * Records per CPU-second of `work` (one call handles `records` records) after one warm-up call: the median of five
 * windows of `seconds / 5` CPU-seconds of this process each, so a burst of another process's load on a shared machine
 * moves one window, not the figure.
 */
export function recordsPerCpuSecond(records: number, seconds: number, work: () => void): number {
  work();
  const rates: number[] = [];
  for (let window = 0; window < 5; window++) {
    const start = process.cpuUsage();
    let n = 0;
    let used = 0;
    while (used < (seconds / 5) * 1e6) {
      work();
      n += records;
      const cpu = process.cpuUsage(start);
      used = cpu.user + cpu.system;
    }
    rates.push(n / (used / 1e6));
  }
  return rates.sort((a, b) => a - b)[2];
}
