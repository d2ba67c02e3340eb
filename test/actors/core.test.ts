/**
 * The actor runtime's pure parts: Dapr's time formats for timers and reminders, the app's
 * /dapr/config, the turn lock (FIFO, reentrancy, stack depth) and the local placement.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nextFiring, parseDueTime, parseIsoDuration, parsePeriod, parseSchedule, parseTtl } from '../../runtime/actors/schedule';
import { parseActorHostConfig, configFor } from '../../runtime/actors/host-config';
import { TurnLock } from '../../runtime/actors/turn-lock';
import { LocalPlacement } from '../../runtime/actors/placement';
import { isDaprError } from '../../errors/dapr-error';

describe('actor schedule formats', () => {
  const now = 1_700_000_000_000;
  it('reads Go durations, ISO 8601 durations and RFC 3339 times for dueTime', () => {
    assert.equal(parseDueTime('', now), now);
    assert.equal(parseDueTime('0', now), now);
    assert.equal(parseDueTime('1m30s', now), now + 90_000);
    assert.equal(parseDueTime('PT1M30S', now), now + 90_000);
    assert.equal(parseDueTime('P1DT1H', now), now + 25 * 3_600_000);
    assert.equal(parseDueTime('2030-01-02T03:04:05Z', now), Date.UTC(2030, 0, 2, 3, 4, 5));
    assert.equal(typeof parseDueTime('soon', now), 'string');
    assert.equal(typeof parseDueTime('-5s', now), 'string');
  });
  it('reads periods with and without R<n>/ repetitions', () => {
    assert.deepEqual(parsePeriod(''), { repetitions: 1 });
    assert.deepEqual(parsePeriod('10s'), { intervalMs: 10_000, repetitions: -1 });
    assert.deepEqual(parsePeriod('PT10S'), { intervalMs: 10_000, repetitions: -1 });
    assert.deepEqual(parsePeriod('R3/PT2S'), { intervalMs: 2_000, repetitions: 3 });
    assert.deepEqual(parsePeriod('R2/500ms'), { intervalMs: 500, repetitions: 2 });
    assert.equal(typeof parsePeriod('R0/PT1S'), 'string');
    assert.equal(typeof parsePeriod('R3/PT0S'), 'string');
    assert.equal(typeof parsePeriod('every second'), 'string');
    assert.equal(parseIsoDuration('P'), undefined);
    assert.equal(parseIsoDuration('PT'), undefined);
  });
  it('reads ttl and refuses one that ends before the first firing', () => {
    assert.equal(parseTtl('', now), undefined);
    assert.equal(parseTtl('1h', now), now + 3_600_000);
    assert.equal(typeof parseSchedule('10s', '1s', '5s', now), 'string');
    const s = parseSchedule('1s', 'R3/1s', '10s', now);
    assert.ok(typeof s === 'object');
  });
  it('stops after the repetitions or the ttl', () => {
    const s = parseSchedule('0', 'R2/1s', '', now);
    assert.ok(typeof s === 'object');
    assert.equal(nextFiring(s, now, 1), now + 1000);
    assert.equal(nextFiring(s, now + 1000, 2), undefined);
    const t = parseSchedule('0', '1s', '1500ms', now);
    assert.ok(typeof t === 'object');
    assert.equal(nextFiring(t, now, 1), now + 1000);
    assert.equal(nextFiring(t, now + 1000, 2), undefined);
    const once = parseSchedule('1s', '', '', now);
    assert.ok(typeof once === 'object');
    assert.equal(nextFiring(once, now + 1000, 1), undefined);
  });
});

describe('/dapr/config', () => {
  it('takes entities, timeouts, reentrancy and per-type overrides', () => {
    const c = parseActorHostConfig({
      entities: ['A', 'B', 'C'], actorIdleTimeout: '1h', drainOngoingCallTimeout: '30s', actorScanInterval: '30s',
      reentrancy: { enabled: true, maxStackDepth: 5 },
      entitiesConfig: [{ entities: ['B'], actorIdleTimeout: '2s', reentrancy: { enabled: false } }],
    });
    assert.ok(c);
    assert.deepEqual(c.entities, ['A', 'B', 'C']);
    assert.deepEqual(configFor(c, 'A'), { idleTimeoutMs: 3_600_000, drainTimeoutMs: 30_000, reentrancy: { enabled: true, maxStackDepth: 5 } });
    assert.deepEqual(configFor(c, 'B'), { idleTimeoutMs: 2000, drainTimeoutMs: 30_000, reentrancy: { enabled: false, maxStackDepth: 32 } });
  });
  it('means no actors when there are no entities', () => {
    assert.equal(parseActorHostConfig(undefined), undefined);
    assert.equal(parseActorHostConfig({ entities: [] }), undefined);
    assert.equal(parseActorHostConfig({ actorIdleTimeout: '1h' }), undefined);
  });
  it('uses daprd defaults', () => {
    const c = parseActorHostConfig({ entities: ['A'] });
    assert.ok(c);
    assert.deepEqual(configFor(c, 'A'), { idleTimeoutMs: 3_600_000, drainTimeoutMs: 2000, reentrancy: { enabled: false, maxStackDepth: 32 } });
  });
});

describe('turn lock', () => {
  it('serves one holder at a time, waiters in arrival order', async () => {
    const lock = new TurnLock();
    const order: number[] = [];
    const first = await lock.acquire(undefined, 32);
    assert.ok(first.ok);
    const waiting = [1, 2, 3].map((n) => lock.acquire(undefined, 32).then((a) => { order.push(n); return a; }));
    assert.equal(lock.pending, 4);
    first.release();
    for (const w of waiting) {
      const a = await w;
      assert.ok(a.ok);
      a.release();
    }
    assert.deepEqual(order, [1, 2, 3]);
    assert.equal(lock.busy, false);
  });
  it('lets the holding reentrancy chain in, up to the stack depth, and makes others wait', async () => {
    const lock = new TurnLock();
    const outer = await lock.acquire('chain-1', 2);
    assert.ok(outer.ok);
    const nested = await lock.acquire('chain-1', 2);
    assert.ok(nested.ok);
    assert.deepEqual(await lock.acquire('chain-1', 2), { ok: false, reason: 'stack-depth' });
    let otherIn = false;
    const other = lock.acquire('chain-2', 2).then((a) => { otherIn = true; return a; });
    nested.release();
    await new Promise((r) => setImmediate(r));
    assert.equal(otherIn, false, 'another chain waits while the first holds the turn');
    outer.release();
    const o = await other;
    assert.ok(o.ok);
    o.release();
  });
  it('refuses waiters once closed', async () => {
    const lock = new TurnLock();
    const a = await lock.acquire(undefined, 1);
    const b = lock.acquire(undefined, 1);
    lock.close();
    assert.deepEqual(await b, { ok: false, reason: 'closed' });
    assert.ok(a.ok);
    a.release();
  });
});

describe('local placement', () => {
  it('hosts the registered types here and has no address for others', () => {
    const p = new LocalPlacement(() => new Set(['Cart']));
    assert.deepEqual(p.hostFor('Cart', '1'), { kind: 'local' });
    const miss = p.hostFor('Order', '1');
    assert.ok(isDaprError(miss));
    assert.equal(miss.errorCode, 'ERR_ACTOR_NO_ADDRESS');
    assert.equal(miss.status, 404);
  });
});
