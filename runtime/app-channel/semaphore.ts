/** A FIFO counting semaphore (for --app-max-concurrency); limit < 0 means unlimited. */
export class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  get unlimited(): boolean {
    return this.limit < 0;
  }

  acquire(): Promise<void> | undefined {
    if (this.limit < 0) return undefined;
    if (this.active < this.limit) {
      this.active++;
      return undefined;
    }
    return new Promise((resolve) => this.waiters.push(() => { this.active++; resolve(); }));
  }

  release(): void {
    if (this.limit < 0) return;
    this.active--;
    const next = this.waiters.shift();
    if (next) next();
  }
}
