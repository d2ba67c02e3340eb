/** Shared fixtures of the bench's own tests: report inputs, and the Redis precondition. */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { LoadSummary, TargetSummary } from '../report/summary';
import { redisUnavailable } from '../targets/state-stores';

/** One run's load figures: latencies, SUT mCPU and rate; the rest fixed. */
export const loadSummary = (p50: number, p90: number, p99: number, mcpu: number, rps = 1000): LoadSummary => ({
  runs: 1, p50, p90, p99, p999: p99, rps, errors: 0, sent: 1000, errorKinds: [], sutMcpu: mcpu, sutRssMb: 50,
  perProc: [], appMcpu: 0, generatorMcpu: 0, sendLagP99: 0, foreignMcpu: 0,
});

/** Builds targets of `hops` hops from their rate and saturation figures (or why they were unavailable). */
export const targetSummaryFor = (hops: number) => (name: string, rate?: LoadSummary, saturation?: LoadSummary, unavailable?: string): TargetSummary => ({
  result: { info: { name, title: name, protocol: 'http', hops, security: '' }, notes: [], rate: [], saturation: [], unavailable },
  rate,
  saturation,
});

/** True when Redis answers on 127.0.0.1:6379; otherwise skips the test, or fails it under CI=true. */
export async function redisReady(t: TestContext): Promise<boolean> {
  const why = await redisUnavailable(1000);
  if (!why) return true;
  if (process.env.CI === 'true') assert.fail(why);
  t.skip(why);
  return false;
}
