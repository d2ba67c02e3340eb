/**
 * Tracks the handler calls of one subscription: how many run (for maxInFlight), a way to wait
 * for a free slot, and a way to wait until all have settled (stop lets in-flight handlers finish).
 */
export class InFlight {
  private readonly running = new Set<Promise<void>>();
  private waiters: Array<() => void> = [];

  /** `onFree` runs each time a handler settles and its slot is free again. */
  constructor(readonly limit: number, private readonly onFree?: () => void) {}

  get size(): number {
    return this.running.size;
  }

  get free(): number {
    return Math.max(0, this.limit - this.running.size);
  }

  /** Runs `task` as one in-flight unit; never rejects (the task handles its own outcome). */
  start(task: () => Promise<void>): void {
    const p: Promise<void> = task()
      .catch(() => undefined)
      .finally(() => {
        this.running.delete(p);
        this.wake();
        this.onFree?.();
      });
    this.running.add(p);
  }

  /** Resolves when a slot frees up, `wake()` is called, or after `ms`. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(t);
        self.waiters = self.waiters.filter((w) => w !== done);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  wake(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  /** Resolves once every handler started so far has settled. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Back-off before a rejected message is offered again: 100 ms doubling up to 5 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(5000, 100 * 2 ** Math.max(0, attempt - 1));
}

/** Normalises the requested maxInFlight (0 or less means 1). */
export function inFlightLimit(maxInFlight: number): number {
  return Number.isFinite(maxInFlight) && maxInFlight >= 1 ? Math.floor(maxInFlight) : 1;
}
