import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runOpenLoop } from '../load/open-loop';
import { runClosedLoop } from '../load/closed-loop';
import type { Requester } from '../load/requester';
import type { LoadSpec } from '../load/types';

const spec = (over: Partial<LoadSpec>): LoadSpec => ({
  mode: 'rate',
  target: { protocol: 'http', port: 1, path: '/', headers: {} },
  rate: 500,
  connections: 4,
  warmupMs: 100,
  durationMs: 1000,
  timeoutMs: 2000,
  expectBytes: 0,
  ...over,
});

/** A single-server queue that stalls once for `stallMs` after `stallAfterMs`. */
function stallingServer(stallAfterMs: number, stallMs: number): Requester {
  const t0 = performance.now();
  let busyUntil = 0;
  let stalled = false;
  return {
    send() {
      const now = performance.now();
      let start = Math.max(now, busyUntil);
      if (!stalled && now - t0 > stallAfterMs) {
        stalled = true;
        start += stallMs;
      }
      busyUntil = start + 0.1;
      return new Promise((r) => setTimeout(() => r(undefined), busyUntil - now));
    },
    async close() {},
  };
}

test('open loop sends the scheduled count and charges a stall to every request due during it', async () => {
  let measuring = 0;
  const r = await runOpenLoop(spec({}), stallingServer(500, 300), () => measuring++);
  assert.equal(measuring, 1);
  assert.equal(r.sent, 500);
  assert.equal(r.ok, 500);
  assert.equal(r.errors, 0);
  // ~150 of 500 requests were due during the 300 ms stall: measured from intended send time,
  // well over 1 % of them waited >= 100 ms (a closed loop would report only one slow request).
  assert.ok(r.latency.p99 >= 100, `p99 ${r.latency.p99}`);
  // HDR keeps 3 significant digits: allow for bucket resolution.
  assert.ok(r.latency.max >= 290, `max ${r.latency.max}`);
  assert.ok(r.sendLag !== undefined);
});

test('open loop counts errors and requests that never answer', async () => {
  let n = 0;
  const req: Requester = {
    send: () => (n++ % 2 === 0 ? Promise.resolve('status 500') : new Promise(() => undefined)),
    async close() {},
  };
  const r = await runOpenLoop(spec({ rate: 100, warmupMs: 0, durationMs: 200, timeoutMs: 100 }), req, () => undefined);
  assert.equal(r.sent, 20);
  assert.equal(r.ok, 0);
  assert.equal(r.errors, 20);
  assert.ok(r.errorKinds.some((k) => k.startsWith('status 500')));
  assert.ok(r.errorKinds.some((k) => k.startsWith('no response within 100 ms')));
});

test('closed loop keeps `connections` requests in flight and counts only the measured window', async () => {
  let inFlight = 0;
  let peak = 0;
  const req: Requester = {
    send: () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      return new Promise((r) => setTimeout(() => { inFlight--; r(undefined); }, 2));
    },
    async close() {},
  };
  const r = await runClosedLoop(spec({ mode: 'saturation', connections: 8, warmupMs: 50, durationMs: 300 }), req, () => undefined);
  assert.equal(peak, 8);
  assert.equal(r.errors, 0);
  assert.ok(r.ok > 0 && r.ok === r.sent);
  assert.equal(r.windowMs, 300);
});
