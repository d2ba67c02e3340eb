/**
 * Resiliency on actor calls (issue 3 point 1, actor targets): a retry policy on the actor type
 * retries a failing method; a breaker opens after N failures and then fails fast with
 * ERR_ACTOR_INVOKE_METHOD without calling the app; breaker scope `id` isolates ids while scope
 * `type` trips the whole type; a timeout policy (named and DefaultActorTimeoutPolicy) ends a slow
 * call with an error; Dapr's resiliency metrics count it all with target actor_<type>.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AbstractActor } from '@dapr/dapr';
import { api, sqliteActorStore, startActorEnv, type ActorEnv } from './harness';
import { metricValue, scrape } from '../filters/helpers';

const attempts = new Map<string, number>();
const bump = (k: string): number => { const n = (attempts.get(k) ?? 0) + 1; attempts.set(k, n); return n; };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class RetryActor extends AbstractActor {
  async flaky(key: string): Promise<string> {
    if (bump(`flaky/${key}`) < 3) throw new Error('not yet');
    return `ok after ${attempts.get(`flaky/${key}`)}`;
  }
}
class BreakerActor extends AbstractActor {
  async fail(): Promise<void> { bump(`breaker/${this.getActorId().getId()}`); throw new Error('broken'); }
  async ok(): Promise<string> { bump(`breaker-ok/${this.getActorId().getId()}`); return 'fine'; }
}
class TypeBreakerActor extends AbstractActor {
  async fail(): Promise<void> { bump(`typebreaker/${this.getActorId().getId()}`); throw new Error('broken'); }
  async ok(): Promise<string> { bump(`typebreaker-ok/${this.getActorId().getId()}`); return 'fine'; }
}
class SlowActor extends AbstractActor {
  async nap(ms: number): Promise<string> { await sleep(ms); return 'rested'; }
}
class PlainActor extends AbstractActor {
  async nap(ms: number): Promise<string> { await sleep(ms); return 'rested'; }
}

const RESILIENCY = `apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: actor-policies
spec:
  policies:
    timeouts:
      short: 300ms
      DefaultActorTimeoutPolicy: 1s
    retries:
      three:
        policy: constant
        duration: 50ms
        maxRetries: 3
    circuitBreakers:
      twoStrikes:
        maxRequests: 1
        timeout: 60s
        trip: consecutiveFailures >= 2
  targets:
    actors:
      RetryActor:
        retry: three
      BreakerActor:
        circuitBreaker: twoStrikes
        circuitBreakerScope: id
        circuitBreakerCacheSize: 100
      TypeBreakerActor:
        circuitBreaker: twoStrikes
        circuitBreakerScope: type
      SlowActor:
        timeout: short
`;

describe('resiliency on actor calls', () => {
  let env: ActorEnv;
  const call = (type: string, id: string, method: string, args: unknown[] = []) =>
    api(env.httpPort, `/v1.0/actors/${type}/${id}/method/${method}`, { method: 'POST', body: args });

  before(async () => {
    env = await startActorEnv({
      actors: [RetryActor, BreakerActor, TypeBreakerActor, SlowActor, PlainActor],
      files: { 'store.yaml': sqliteActorStore(), 'resiliency.yaml': RESILIENCY },
      sidecar: { enableMetrics: true, metricsPort: 0 },
    });
  });
  after(async () => { await env?.close(); });

  it('retries a failing method under the actor type retry policy', async () => {
    const r = await call('RetryActor', 'r1', 'flaky', ['k1']);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, 'ok after 3');
    assert.equal(attempts.get('flaky/k1'), 3);
  });

  it('opens a breaker after two failures and then fails fast without calling the app (scope id)', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await call('BreakerActor', 'b1', 'fail');
      assert.equal(r.status, 500);
      assert.equal(r.json().errorCode, 'ERR_ACTOR_INVOKE_METHOD');
      assert.doesNotMatch(String(r.json().message), /circuit breaker/);
    }
    assert.equal(attempts.get('breaker/b1'), 2);
    const fast = await call('BreakerActor', 'b1', 'ok');
    assert.equal(fast.status, 500);
    assert.equal(fast.json().errorCode, 'ERR_ACTOR_INVOKE_METHOD');
    assert.match(String(fast.json().message), /circuit breaker is open/);
    assert.equal(attempts.get('breaker-ok/b1'), undefined, 'the app was not called while the breaker is open');
    // Scope id: another id of the same type has its own breaker.
    const other = await call('BreakerActor', 'b2', 'ok');
    assert.equal(other.status, 200, other.text);
    assert.equal(other.text, 'fine');
  });

  it('trips the whole type with scope type', async () => {
    for (let i = 0; i < 2; i++) assert.equal((await call('TypeBreakerActor', 't1', 'fail')).status, 500);
    const other = await call('TypeBreakerActor', 't2', 'ok');
    assert.equal(other.status, 500);
    assert.equal(other.json().errorCode, 'ERR_ACTOR_INVOKE_METHOD');
    assert.match(String(other.json().message), /circuit breaker is open/);
    assert.equal(attempts.get('typebreaker-ok/t2'), undefined);
  });

  it('ends a slow call with an error under the named timeout and under DefaultActorTimeoutPolicy', async () => {
    const slow = await call('SlowActor', 's1', 'nap', [3000]);
    assert.equal(slow.status, 500);
    assert.equal(slow.json().errorCode, 'ERR_ACTOR_INVOKE_METHOD');
    assert.match(String(slow.json().message), /timed out/);
    const quick = await call('SlowActor', 's2', 'nap', [10]);
    assert.equal(quick.status, 200);
    const plain = await call('PlainActor', 'p1', 'nap', [4000]);
    assert.equal(plain.status, 500);
    assert.match(String(plain.json().message), /timed out after 1000ms/);
  });

  it('counts actor policies in the resiliency metrics with target actor_<type>', async () => {
    const m = await scrape(env.sidecar.metricsPort);
    assert.ok(metricValue(m, 'dapr_resiliency_count', { target: 'actor_RetryActor', policy: 'retry' }) >= 1);
    assert.ok(metricValue(m, 'dapr_resiliency_activations_total', { target: 'actor_RetryActor', policy: 'retry' }) >= 2);
    assert.ok(metricValue(m, 'dapr_resiliency_activations_total', { target: 'actor_SlowActor', policy: 'timeout' }) >= 1);
    assert.equal(metricValue(m, 'dapr_resiliency_cb_state', { target: 'actor_BreakerActor/b1', status: 'open' }), 1);
    assert.equal(metricValue(m, 'dapr_resiliency_cb_state', { target: 'actor_TypeBreakerActor', status: 'open' }), 1);
  });
});
