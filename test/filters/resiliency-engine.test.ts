/**
 * The resiliency engine without sidecars: circuit-breaker state machine (CEL trip expressions),
 * default policy names per target, retries and the retry budget, outlier ejection and return.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker, compileTrip } from '../../filters/resiliency/circuit-breaker';
import { ResiliencyEngine } from '../../filters/resiliency/engine';
import { Success, RetriableFailure, isResiliencyFailure } from '../../filters/resiliency/policy';
import { compileRetry } from '../../filters/resiliency/backoff';
import { FilterStats } from '../../filters/metrics/filter-stats';
import { OutlierDetector } from '../../proxy/upstream/outlier-detector';
import { resiliencySchema, type ResiliencyResource } from '../../config/schemas/resiliency';
import { silentLogger } from '../../observability/logger';

function resiliency(spec: unknown, scopes?: string[]): ResiliencyResource {
  return resiliencySchema.parse({ apiVersion: 'dapr.io/v1alpha1', kind: 'Resiliency', metadata: { name: 'r' }, spec, ...(scopes ? { scopes } : {}) });
}

function engine(spec: unknown, stats = new FilterStats()): ResiliencyEngine {
  return new ResiliencyEngine({ appId: 'me', namespace: 'default', resources: [resiliency(spec)], stats, logger: silentLogger });
}

describe('circuit breaker', () => {
  test('trips on the CEL expression, fails fast while open, half-opens after the timeout', () => {
    let now = 0;
    const trip = compileTrip('consecutiveFailures > 2');
    assert.equal(typeof trip, 'function');
    const states: string[] = [];
    const cb = new CircuitBreaker({ maxRequests: 1, interval: 0, timeout: 1000, trip: trip as never }, (s) => states.push(s), () => now);
    for (let i = 0; i < 3; i++) { assert.ok(cb.tryAcquire()); cb.record(false); }
    assert.equal(cb.current(), 'open');
    assert.equal(cb.tryAcquire(), false);
    now = 1000;
    assert.equal(cb.current(), 'half-open');
    assert.ok(cb.tryAcquire());
    assert.equal(cb.tryAcquire(), false, 'half-open admits maxRequests calls');
    cb.record(false);
    assert.equal(cb.current(), 'open', 'a failure in half-open re-opens');
    now = 2000;
    assert.ok(cb.tryAcquire());
    cb.record(true);
    assert.equal(cb.current(), 'closed');
    assert.deepEqual(states, ['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  test('counts reset every interval while closed; ratio expressions work', () => {
    let now = 0;
    const trip = compileTrip('requests >= 4 && totalFailures * 2 >= requests');
    const cb = new CircuitBreaker({ maxRequests: 1, interval: 100, timeout: 1000, trip: trip as never }, undefined, () => now);
    for (const ok of [false, true, false]) { cb.tryAcquire(); cb.record(ok); }
    now = 150; // counts cleared
    for (const ok of [true, false, true]) { cb.tryAcquire(); cb.record(ok); }
    assert.equal(cb.current(), 'closed');
    cb.tryAcquire();
    cb.record(false);
    assert.equal(cb.current(), 'open');
  });

  test('bad trip expressions are configuration errors, found at load', () => {
    assert.match(String(compileTrip('consecutiveFailures >')), /invalid trip expression/);
    assert.match(String(compileTrip('unknownVar > 1')), /invalid trip expression/);
    assert.match(String(compileTrip('requests + 1')), /boolean/);
  });
});

describe('policy resolution', () => {
  const spec = {
    policies: {
      timeouts: { DefaultTimeoutPolicy: '3s', short: '100ms' },
      retries: {
        named: { policy: 'constant', duration: '1ms', maxRetries: 1 },
        DefaultRetryPolicy: { maxRetries: 2, duration: '1ms' },
        DefaultAppRetryPolicy: { maxRetries: 3, duration: '1ms' },
        DefaultComponentOutboundRetryPolicy: { maxRetries: 4, duration: '1ms' },
        DefaultStatestoreComponentOutboundRetryPolicy: { maxRetries: 5, duration: '1ms' },
      },
      circuitBreakers: { DefaultActorCircuitBreakerPolicy: { trip: 'consecutiveFailures > 1', timeout: '1m' } },
    },
    targets: { apps: { orders: { retry: 'named', timeout: 'short' } }, components: { cache: { outbound: { retry: 'DaprBuiltInServiceRetries' } } } },
  };
  const e = engine(spec);
  test('named target > most specific default > broader default', () => {
    assert.equal(e.policyFor({ kind: 'app', appId: 'orders' }).retry?.name, 'named');
    assert.equal(e.policyFor({ kind: 'app', appId: 'other' }).retry?.name, 'DefaultAppRetryPolicy');
    assert.equal(e.policyFor({ kind: 'component', name: 's', block: 'state', direction: 'outbound' }).retry?.name, 'DefaultStatestoreComponentOutboundRetryPolicy');
    assert.equal(e.policyFor({ kind: 'component', name: 'p', block: 'pubsub', direction: 'outbound' }).retry?.name, 'DefaultComponentOutboundRetryPolicy');
    assert.equal(e.policyFor({ kind: 'component', name: 'p', block: 'pubsub', direction: 'inbound' }).retry?.name, 'DefaultRetryPolicy');
    assert.equal(e.policyFor({ kind: 'component', name: 'cache', block: 'state', direction: 'outbound' }).retry?.name, 'DaprBuiltInServiceRetries');
    assert.equal(e.policyFor({ kind: 'actor', type: 'Cart' }).retry?.name, 'DefaultRetryPolicy');
  });

  test('scoped resources apply only to their apps', () => {
    const scoped = new ResiliencyEngine({ appId: 'me', namespace: 'default', resources: [resiliency(spec, ['someone-else'])], stats: new FilterStats(), logger: silentLogger });
    assert.equal(scoped.policyFor({ kind: 'app', appId: 'orders' }).active, false);
  });

  test('a component target retries, then its breaker fails fast with an error value', async () => {
    const stats = new FilterStats();
    const c = engine({
      policies: { retries: { r: { duration: '1ms', maxRetries: 2 } }, circuitBreakers: { cb: { trip: 'consecutiveFailures > 2', timeout: '1m' } } },
      targets: { components: { store: { outbound: { retry: 'r', circuitBreaker: 'cb' } } } },
    }, stats);
    const p = c.policyFor({ kind: 'component', name: 'store', block: 'state', direction: 'outbound' });
    let calls = 0;
    const first = await p.execute(async () => { calls++; return 'fail'; }, (r) => (r === 'ok' ? Success : RetriableFailure));
    assert.equal(first, 'fail');
    assert.equal(calls, 3, 'one try and two retries');
    const second = await p.execute(async () => { calls++; return 'ok'; }, (r) => (r === 'ok' ? Success : RetriableFailure));
    assert.ok(isResiliencyFailure(second) && second.reason === 'breaker-open', 'open breaker: an error, never a success');
    assert.equal(calls, 3);
    const text = await stats.registry.metrics();
    assert.match(text, /dapr_resiliency_cb_state\{[^}]*status="open"[^}]*\} 1/);
    assert.match(text, /outrigger_circuit_breaker_rejected_total\{[^}]*\} 1/);
  });

  test('timeouts end an attempt with an error value', async () => {
    const p = engine({ policies: { timeouts: { t: '20ms' } }, targets: { actors: { Slow: { timeout: 't' } } } }).policyFor({ kind: 'actor', type: 'Slow', id: '1' });
    let aborted = false;
    const r = await p.execute((signal) => new Promise<string>((resolve) => {
      signal?.addEventListener('abort', () => { aborted = true; resolve('late'); });
    }), () => Success);
    assert.ok(isResiliencyFailure(r) && r.reason === 'timeout');
    assert.ok(aborted, 'the operation was told to stop');
  });
});

describe('retry budget', () => {
  test('retries stay within the share of active requests; the rest is counted', async () => {
    const stats = new FilterStats();
    const e = new ResiliencyEngine({
      appId: 'me', namespace: 'default', stats, logger: silentLogger, retryBudget: { budgetPercent: 20, minRetryConcurrency: 1 },
      resources: [resiliency({ policies: { retries: { r: { duration: '5ms', maxRetries: 5 } } }, targets: { apps: { flaky: { retry: 'r' } } } })],
    });
    const p = e.policyFor({ kind: 'app', appId: 'flaky' });
    let attempts = 0;
    const all = await Promise.all(Array.from({ length: 10 }, () => p.execute(async () => { attempts++; await new Promise((r) => setTimeout(r, 2)); return 500; }, () => RetriableFailure)));
    assert.ok(all.every((r) => r === 500));
    assert.ok(attempts < 10 * 6, `attempts ${attempts} must stay below the unbudgeted 60`);
    const text = await stats.registry.metrics();
    const exhausted = /outrigger_retry_budget_exhausted_total\{[^}]*\} (\d+)/.exec(text);
    assert.ok(exhausted && Number(exhausted[1]) > 0, 'budget exhaustion is visible in metrics');
  });

  test('exponential back-off grows by the multiplier and is capped', () => {
    const parsed = resiliency({ policies: { retries: { e: { policy: 'exponential', initialInterval: '100ms', maxInterval: '1s', randomizationFactor: 0 } } } });
    const r = compileRetry('e', parsed.spec.policies.retries.e!);
    assert.deepEqual([1, 2, 3, 10].map((n) => Math.round(r.delay(n))), [100, 150, 225, 1000]);
  });
});

describe('outlier detection', () => {
  test('ejects after consecutive failures, returns after a growing back-off', () => {
    let now = 0;
    const ejected: string[] = [];
    const od = new OutlierDetector({ consecutiveFailures: 3, baseEjectionTimeMs: 1000, maxEjectionTimeMs: 10_000, maxEjectionPercent: 50 }, { ejected: (_t, e) => ejected.push(e) }, () => now);
    const eps = ['a', 'b'];
    for (let i = 0; i < 3; i++) od.record('t', 'a', false, 2);
    assert.deepEqual(od.select('t', eps, (x) => x), ['b']);
    for (let i = 0; i < 3; i++) od.record('t', 'b', false, 2);
    assert.deepEqual(od.ejected('t'), ['a'], 'at most 50% ejected');
    now = 1000;
    assert.deepEqual(od.select('t', eps, (x) => x), ['a', 'b'], 'back after the base ejection time');
    for (let i = 0; i < 3; i++) od.record('t', 'a', false, 2);
    now = 2999;
    assert.ok(od.isEjected('t', 'a'), 'second ejection lasts twice as long');
    now = 3000;
    assert.equal(od.isEjected('t', 'a'), false);
    assert.deepEqual(ejected, ['a', 'a']);
    assert.deepEqual(od.ejectedCounts(), [['t', 0]]);
    od.record('t', 'a', true, 2);
    od.record('t', 'a', false, 2);
    assert.equal(od.isEjected('t', 'a'), false, 'a success resets the count');
  });
});
