/**
 * App health checks (--enable-app-health-check): probe the app every interval; the first success
 * marks it healthy, `threshold` consecutive failures unhealthy. Listeners are told on changes so
 * invocation, pub/sub and bindings can pause and resume.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../observability/logger';

export interface AppHealthOptions {
  readonly baseUrl: string;
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly threshold: number;
  readonly logger: Logger;
}

export class AppHealth extends EventEmitter {
  private healthy = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: AppHealthOptions) {
    super();
  }

  isHealthy(): boolean {
    return this.healthy;
  }

  start(): void {
    const tick = async (): Promise<void> => {
      if (this.stopped) return;
      const ok = await this.probeOnce();
      this.record(ok);
      if (!this.stopped) this.timer = setTimeout(tick, this.opts.intervalMs);
    };
    void tick();
  }

  private async probeOnce(): Promise<boolean> {
    try {
      // Loaded with the first probe, not at start-up (the checks are opt-in).
      const { request } = require('undici') as typeof import('undici');
      const res = await request(this.opts.baseUrl + this.opts.path, { method: 'GET', headersTimeout: this.opts.timeoutMs, bodyTimeout: this.opts.timeoutMs, signal: AbortSignal.timeout(this.opts.timeoutMs) });
      await res.body.dump();
      return res.statusCode >= 200 && res.statusCode < 300;
    } catch {
      return false;
    }
  }

  private record(ok: boolean): void {
    if (ok) {
      this.failures = 0;
      if (!this.healthy) {
        this.healthy = true;
        this.opts.logger.info('app is healthy');
        this.emit('change', true);
      }
      return;
    }
    this.failures++;
    if (this.healthy && this.failures >= this.opts.threshold) {
      this.healthy = false;
      this.opts.logger.warn(`app is unhealthy after ${this.failures} failed probes of ${this.opts.path}`);
      this.emit('change', false);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
