/**
 * Open-loop, fixed-rate load: request i is due at start + i/rate whatever happened to earlier
 * requests, and its latency is measured from that intended send time, so queueing in the
 * generator or in a stalled server shows up in the percentiles (coordinated-omission corrected,
 * as wrk2 does). Requests still open `timeoutMs` after the last send count as errors, with
 * the latency they had reached. Sends are clocked by ticker.ts (sub-millisecond).
 */
import { Tally } from './tally';
import { runTicker } from './ticker';
import type { Requester } from './requester';
import type { LoadResult, LoadSpec } from './types';

const now = (): bigint => process.hrtime.bigint();

export async function runOpenLoop(spec: LoadSpec, req: Requester, onMeasuring: () => void): Promise<LoadResult> {
  const rate = Math.max(1, spec.rate);
  const intervalNs = BigInt(Math.max(1, Math.round(1e9 / rate)));
  const warmN = Math.floor((spec.warmupMs * rate) / 1000);
  const measN = Math.max(1, Math.floor((spec.durationMs * rate) / 1000));
  const total = warmN + measN;
  const tally = new Tally();
  const pending = new Map<number, bigint>();
  let start = 0n;
  let measureStart = 0n;
  let lastDone = 0n;

  const fire = (idx: number, intended: bigint): void => {
    if (idx < warmN) {
      void req.send();
      return;
    }
    if (idx === warmN) onMeasuring();
    tally.sent++;
    tally.lag.recordNs(now() - intended);
    pending.set(idx, intended);
    void req.send().then((err) => {
      if (!pending.delete(idx)) return; // already counted as timed out
      const t = now();
      if (t > lastDone) lastDone = t;
      tally.outcome(err, t - intended);
    });
  };

  let i = 0;
  const sendDue = (): void => {
    const t = now();
    while (i < total) {
      const intended = start + BigInt(i) * intervalNs;
      if (intended > t) break;
      fire(i, intended);
      i++;
    }
  };
  const onStart = (s: bigint): void => {
    start = s;
    measureStart = start + BigInt(warmN) * intervalNs;
    lastDone = measureStart;
  };
  await runTicker(intervalNs, total, onStart, sendDue);
  sendDue();

  const drainDeadline = now() + BigInt(spec.timeoutMs) * 1_000_000n;
  for (let k = 0; k < spec.timeoutMs / 5 + 2 && pending.size > 0 && now() < drainDeadline; k++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const t = now();
  for (const [, intended] of pending) tally.outcome(`no response within ${spec.timeoutMs} ms`, t - intended);
  pending.clear();

  const scheduledMs = (measN / rate) * 1000;
  const elapsedMs = Number(lastDone - measureStart) / 1e6;
  return tally.result('rate', Math.max(scheduledMs, elapsedMs));
}
