/** HDR histogram of latencies in microseconds (1 us .. 60 s, 3 significant digits). */
import * as hdr from 'hdr-histogram-js';
import type { Percentiles } from './types';

export class LatencyHistogram {
  private readonly h = hdr.build({
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });

  /** Records a latency given as nanoseconds (bigint from process.hrtime.bigint()). */
  recordNs(ns: bigint): void {
    const us = Number(ns / 1000n);
    this.h.recordValue(us < 1 ? 1 : us);
  }

  get count(): number {
    return this.h.totalCount;
  }

  percentiles(): Percentiles {
    if (this.h.totalCount === 0) return { p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN, mean: NaN };
    const ms = (us: number): number => Math.round(us) / 1000;
    return {
      p50: ms(this.h.getValueAtPercentile(50)),
      p90: ms(this.h.getValueAtPercentile(90)),
      p99: ms(this.h.getValueAtPercentile(99)),
      p999: ms(this.h.getValueAtPercentile(99.9)),
      max: ms(this.h.maxValue),
      mean: ms(this.h.mean),
    };
  }
}
