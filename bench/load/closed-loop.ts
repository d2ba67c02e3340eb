/**
 * Saturation: `connections` closed loops, each sending its next request as soon as the previous
 * one answers, for warm-up + duration. Only requests started inside the measured window count.
 * Latency here is plain service time (closed loops cannot see coordinated omission).
 */
import { Tally } from './tally';
import type { Requester } from './requester';
import type { LoadResult, LoadSpec } from './types';

const now = (): bigint => process.hrtime.bigint();
/** Hard cap on requests per loop, whatever the duration, to keep the loop bounded. */
const MAX_PER_LOOP = 5_000_000;

export async function runClosedLoop(spec: LoadSpec, req: Requester, onMeasuring: () => void): Promise<LoadResult> {
  const tally = new Tally();
  const t0 = now();
  const measureStart = t0 + BigInt(spec.warmupMs) * 1_000_000n;
  const end = measureStart + BigInt(spec.durationMs) * 1_000_000n;
  const timer = setTimeout(onMeasuring, spec.warmupMs);

  const loop = async (): Promise<void> => {
    for (let n = 0; n < MAX_PER_LOOP; n++) {
      const sentAt = now();
      if (sentAt >= end) return;
      const counted = sentAt >= measureStart;
      if (counted) tally.sent++;
      const err = await req.send();
      if (counted) tally.outcome(err, now() - sentAt);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, spec.connections) }, loop));
  clearTimeout(timer);
  const windowMs = Number(end - measureStart) / 1e6;
  return tally.result('saturation', windowMs);
}
