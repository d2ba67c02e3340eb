import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeGoals } from '../report/goals';
import { mtlsMarkdown, mtlsSteadyState, summariseHandshake } from '../report/mtls-cost';
import { stateMarkdown, stateRows } from '../report/state-report';
import type { TargetSummary } from '../report/summary';
import type { ConnectBatch, StateResult, StateSample } from '../report/types';
import { openSqliteBaseline, storeDirectRequester } from '../load/store-direct';
import { loadSummary as load, redisReady, targetSummaryFor } from './fixtures';
import { connectOnce } from '../targets/handshake';
import Redis from 'ioredis';
import { createServer } from 'node:http';
import { createRequester } from '../load/requester';

const target = targetSummaryFor(2);

test('mTLS steady state: added latency over direct, ratio mTLS / plain, CPU ratio', () => {
  const t = new Map<string, TargetSummary>([
    ['direct', target('direct', load(0.2, 0.3, 0.5, 0))],
    ['outrigger-2sidecar', target('outrigger-2sidecar', load(0.7, 1.0, 1.5, 200), load(1, 1, 1, 0, 4000))],
    ['outrigger-2sidecar-mtls', target('outrigger-2sidecar-mtls', load(0.8, 1.35, 2.5, 300), load(1, 1, 1, 0, 3000))],
  ]);
  const s = mtlsSteadyState(t);
  assert.equal(s.why, undefined);
  const p50 = s.rows.find((r) => r.pct === 'p50');
  assert.ok(p50 && Math.abs(p50.plainAdded - 0.5) < 1e-9 && Math.abs(p50.mtlsAdded - 0.6) < 1e-9 && Math.abs(p50.ratio - 1.2) < 1e-9);
  assert.ok(Math.abs((s.rows.find((r) => r.pct === 'p99')?.ratio ?? 0) - 2) < 1e-9);
  assert.equal(s.mcpu.ratio, 1.5);
  assert.equal(s.saturation?.ratio, 0.75);
  const md = mtlsMarkdown(t, undefined, '2026-01-01').join('\n');
  assert.match(md, /2026-01-01/);
  assert.match(md, /\| SUT mCPU \(both sidecars\) \| 200 \| 300 \| \+100 \| 1\.50x \|/);
  assert.match(md, /Handshake[^\n]*\n\nn\/a: not run/);
  // G1/G2 now compare the mTLS path, without the "without mTLS" caveat.
  const g = computeGoals(t, new Map(), false).find((x) => x.id === 'G1-p50');
  assert.match(g?.detail ?? '', /node-minimal-2hop-mtls not run/);
});

test('mTLS steady state names the missing target', () => {
  const t = new Map<string, TargetSummary>([
    ['direct', target('direct', load(0.2, 0.3, 0.5, 0))],
    ['outrigger-2sidecar', target('outrigger-2sidecar', load(0.7, 1.0, 1.5, 200))],
    ['outrigger-2sidecar-mtls', target('outrigger-2sidecar-mtls', undefined, undefined, 'sidecar did not start')],
  ]);
  assert.match(mtlsSteadyState(t).why ?? '', /outrigger-2sidecar-mtls unavailable: sidecar did not start/);
});

test('handshake summary: medians over batches and ratios mTLS / plain', () => {
  const b = (ms: number, perSecond: number, cpu: number): ConnectBatch => ({
    count: 10, errors: 0, errorKinds: [], connectMs: { mean: ms / 2, p50: ms / 2, p99: ms }, firstByteMs: { mean: ms, p50: ms, p99: ms * 2 }, perSecond, serverCpuMsPerConn: cpu,
  });
  const h = summariseHandshake({ notes: [], tcp: [b(0.5, 2000, 0.1), b(0.4, 2500, 0.1), b(0.6, 1600, 0.1)], tls: [b(2, 500, 1), b(2.5, 400, 1.2), b(1.5, 660, 0.8)] });
  assert.ok(h);
  assert.equal(h.tcp.connections, 30);
  assert.equal(h.tcp.firstByteMs, 0.5);
  assert.equal(h.tls.firstByteMs, 2);
  assert.equal(h.msRatio, 4);
  assert.equal(h.perSecondRatio, 0.25);
  assert.equal(h.serverCpuRatio, 10);
  assert.equal(summariseHandshake({ notes: [], tcp: [], tls: [], unavailable: 'x' }), undefined);
});

const sample = (rps: number, p50: number, p99: number): StateSample => ({ rps, p50, p99, errors: 0, sent: 100, errorKinds: [], sidecarMcpu: 500, generatorMcpu: 300 });

test('state rows: ratios sidecar / direct; an unavailable store is reported, not dropped', () => {
  const r: StateResult = {
    notes: [], unavailableStores: { redis: 'Redis not reachable on 127.0.0.1:6379: ECONNREFUSED' }, concurrency: 16, durationMs: 300, valueBytes: 1024,
    cases: [
      { store: 'sqlite', op: 'save', path: 'sidecar', samples: [sample(1000, 10, 20)] },
      { store: 'sqlite', op: 'save', path: 'direct', samples: [sample(4000, 2, 5)] },
      { store: 'sqlite', op: 'get', path: 'sidecar', samples: [sample(2000, 5, 10)] },
      { store: 'sqlite', op: 'get', path: 'direct', samples: [sample(8000, 1, 2)] },
      { store: 'redis', op: 'save', path: 'sidecar', samples: [], unavailable: 'Redis not reachable on 127.0.0.1:6379: ECONNREFUSED' },
      { store: 'redis', op: 'save', path: 'direct', samples: [], unavailable: 'Redis not reachable on 127.0.0.1:6379: ECONNREFUSED' },
    ],
  };
  const rows = stateRows(r);
  const save = rows.find((x) => x.store === 'sqlite' && x.op === 'save');
  assert.equal(save?.rpsRatio, 0.25);
  assert.equal(save?.p50Ratio, 5);
  assert.equal(save?.p99Ratio, 4);
  const md = stateMarkdown(r, 'DATE').join('\n');
  assert.match(md, /DATE/);
  assert.match(md, /\*\*redis: unavailable\*\*: Redis not reachable/);
  assert.match(md, /\| redis \| save \| unavailable \|/);
  assert.match(md, /\| sqlite \| get \| 2000 \| 8000 \| 0\.25x \|/);
});

test('direct sqlite baseline: save then get returns the value, in the driver\'s table shape', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
  try {
    const file = join(dir, 'direct.db');
    openSqliteBaseline(file, 'state').db.close();
    const value = `{"v":"${'x'.repeat(100)}"}`;
    const spec = { protocol: 'store-direct' as const, store: 'sqlite' as const, file, table: 'state', value, keyPrefix: 't-', keyCount: 3 };
    const save = storeDirectRequester({ ...spec, op: 'save' }, 1000, 0);
    for (let i = 0; i < 3; i++) assert.equal(await save.send(), undefined);
    await save.close();
    const get = storeDirectRequester({ ...spec, op: 'get' }, 1000, Buffer.byteLength(value));
    assert.equal(await get.send(), undefined);
    await get.close();
    const wrong = storeDirectRequester({ ...spec, op: 'get' }, 1000, 5);
    assert.match((await wrong.send()) ?? '', /expected 5/);
    await wrong.close();
    const b = openSqliteBaseline(file, 'state');
    const row = b.db.prepare('SELECT value, is_binary, etag FROM state WHERE key = ?').get('t-0') as { value: string; is_binary: number; etag: string };
    b.db.close();
    assert.equal(row.value, value);
    assert.equal(row.is_binary, 0);
    assert.match(row.etag, /^[0-9a-f-]{36}$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('direct redis baseline: the driver\'s scripts save and read back (Redis on 127.0.0.1:6379)', async (t) => {
  if (!(await redisReady(t))) return;
  const prefix = `bench-test-${process.pid}-${Date.now()}||k-`;
  const spec = { protocol: 'store-direct' as const, store: 'redis' as const, port: 6379, value: '{"a":1}', keyPrefix: prefix, keyCount: 1 };
  const save = storeDirectRequester({ ...spec, op: 'save' }, 2000, 0);
  assert.equal(await save.send(), undefined);
  await save.close();
  const get = storeDirectRequester({ ...spec, op: 'get' }, 2000, 7);
  assert.equal(await get.send(), undefined);
  await get.close();
  const missing = storeDirectRequester({ ...spec, keyPrefix: `${prefix}missing-`, op: 'get' }, 2000, 7);
  assert.equal(await missing.send(), 'key not found');
  await missing.close();
  const c = new Redis({ host: '127.0.0.1', port: 6379 });
  assert.equal(await c.hget(`${prefix}0`, 'version'), '1');
  await c.del(`${prefix}0`);
  c.disconnect();
});

test('connectOnce: times connect and first answer; a silent close is an error', async () => {
  const server = net.createServer((s) => {
    s.once('data', (d) => (d.toString().includes('healthz') ? s.end('HTTP/1.1 204 No Content\r\n\r\n') : s.destroy()));
  });
  const silent = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const ok = await connectOnce((server.address() as net.AddressInfo).port, undefined, 2000);
    assert.ok(ok.ok && ok.connectNs > 0n && ok.firstByteNs >= ok.connectNs);
    const bad = await connectOnce((silent.address() as net.AddressInfo).port, undefined, 2000);
    assert.equal(bad.ok, false);
  } finally {
    await new Promise((r) => server.close(r));
    await new Promise((r) => silent.close(r));
  }
});

test('HTTP requester: POST body and path keys rotate over keyCount; expectStatus decides success', async () => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${body}`);
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const post = createRequester({ protocol: 'http', port, path: '/s/{key}', method: 'POST', body: '[{"key":"{key}"}]', headers: {}, expectStatus: 204, keyCount: 2, keyPrefix: 'k' }, 1, 2000, 0);
  const get200 = createRequester({ protocol: 'http', port, path: '/s', headers: {} }, 1, 2000, 0);
  try {
    for (let i = 0; i < 3; i++) assert.equal(await post.send(), undefined);
    assert.deepEqual(seen, ['POST /s/k1 [{"key":"k1"}]', 'POST /s/k0 [{"key":"k0"}]', 'POST /s/k1 [{"key":"k1"}]']);
    assert.equal(await get200.send(), 'status 204');
  } finally {
    await post.close();
    await get200.close();
    await new Promise((r) => server.close(r));
  }
});
