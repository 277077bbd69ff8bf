/** Waits the HTTP sink can cut short: every one when it closes, retry waits when senders abandon records. */
export class Waits {
  private readonly all = new Set<() => void>();
  private readonly abandonable = new Set<() => void>();

  /** Resolves after `ms`, or earlier when woken: by `wakeAll`, and by `wakeAbandonable` too when `abandonable`. */
  sleep(ms: number, abandonable = false): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.all.delete(wake);
        this.abandonable.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      this.all.add(wake);
      if (abandonable) this.abandonable.add(wake);
    });
  }

  wakeAbandonable(): void {
    for (const wake of this.abandonable) wake();
  }

  wakeAll(): void {
    for (const wake of this.all) wake();
  }
}
