/** Counts outcomes of one measured window. */
import { LatencyHistogram } from './histogram';
import type { LoadMode, LoadResult } from './types';

export class Tally {
  readonly hist = new LatencyHistogram();
  /** Generator lateness, open loop only. */
  readonly lag = new LatencyHistogram();
  sent = 0;
  ok = 0;
  errors = 0;
  private readonly kinds = new Map<string, number>();

  outcome(err: string | undefined, latencyNs: bigint): void {
    this.hist.recordNs(latencyNs);
    if (err === undefined) {
      this.ok++;
      return;
    }
    this.errors++;
    if (this.kinds.size < 5 || this.kinds.has(err)) this.kinds.set(err, (this.kinds.get(err) ?? 0) + 1);
  }

  result(mode: LoadMode, windowMs: number): LoadResult {
    return {
      mode,
      sent: this.sent,
      ok: this.ok,
      errors: this.errors,
      errorKinds: [...this.kinds].map(([k, n]) => `${k} (x${n})`),
      windowMs,
      achievedRps: windowMs > 0 ? (this.ok / windowMs) * 1000 : 0,
      latency: this.hist.percentiles(),
      ...(this.lag.count > 0 ? { sendLag: this.lag.percentiles() } : {}),
    };
  }
}
