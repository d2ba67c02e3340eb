/**
 * Flow control of deliveries: a FIFO limiter bounding concurrent deliveries per subscription (so
 * maxInFlight 1 keeps the broker's order), a gate that holds deliveries while the app is unhealthy,
 * and an abortable sleep. All waits end with `StoppedError` once the owner stops.
 */
import type { EventEmitter } from 'node:events';

export class StoppedError extends Error {
  constructor() {
    super('subscription is stopping');
  }
}

/** FIFO counting semaphore. */
export class Limiter {
  private active = 0;
  private readonly waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private stopped = false;

  constructor(private readonly max: number) {}

  acquire(): Promise<void> {
    if (this.stopped) return Promise.reject(new StoppedError());
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next.resolve();
    else this.active--;
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.waiters.splice(0)) w.reject(new StoppedError());
  }
}

/** Something with isHealthy() that emits 'change' (true|false): runtime/app-health.ts AppHealth. */
export interface HealthSource extends Pick<EventEmitter, 'on' | 'off'> {
  isHealthy(): boolean;
}

/** Open while the app is healthy (always open without a health source). */
export class HealthGate {
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private stopped = false;
  private readonly onChange = (healthy: boolean): void => {
    if (healthy) for (const w of this.waiters.splice(0)) w.resolve();
  };

  constructor(private readonly source?: HealthSource) {
    source?.on('change', this.onChange);
  }

  isOpen(): boolean {
    return !this.source || this.source.isHealthy();
  }

  wait(): Promise<void> {
    if (this.stopped) return Promise.reject(new StoppedError());
    if (this.isOpen()) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  close(): void {
    this.stopped = true;
    this.source?.off('change', this.onChange);
    for (const w of this.waiters.splice(0)) w.reject(new StoppedError());
  }
}

/** Sleeps ms, rejecting with StoppedError when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new StoppedError());
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = (): void => { clearTimeout(t); reject(new StoppedError()); };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
