/**
 * Broker restart mid-stream with pubsub.jetstream: a private nats-server (own port, own store
 * directory) is stopped and started again while messages flow; every message published (and
 * confirmed) is delivered. Needs the nats-server binary; under CI=true its absence fails.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PubSub } from '../../../components/pubsub/contract';
import { component, context, createDriver, delay, waitFor } from './targets';

const NATS = '/usr/sbin/nats-server';
const haveNats = spawnSync(NATS, ['--version']).status === 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('pubsub.jetstream: broker restart mid-stream', () => {
  const dir = mkdtempSync(join(tmpdir(), 'outrigger-nats-'));
  let server: ChildProcess | undefined;
  let p: PubSub | undefined;

  const start = async (port: number): Promise<void> => {
    server = spawn(NATS, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
    const net = await import('node:net');
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((r) => {
        const s = net.connect(port, '127.0.0.1', () => { s.end(); r(true); });
        s.on('error', () => r(false));
      });
      if (ok) return;
      await delay(100);
    }
    throw new Error('nats-server did not start');
  };
  const stopServer = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (!s || s.exitCode !== null) return;
    const exited = new Promise((r) => s.once('exit', r));
    s.kill('SIGTERM');
    await exited;
  };

  after(async () => {
    await p?.close();
    await stopServer();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses nothing across a restart', async (ctx) => {
    if (!haveNats) {
      if (process.env.CI === 'true') assert.fail(`${NATS} not found`);
      return ctx.skip('nats-server not installed');
    }
    const port = await freePort();
    await start(port);
    p = createDriver(component('jet-restart', 'pubsub.jetstream', { natsURL: `nats://127.0.0.1:${port}`, ackWait: '2s' }), context(dir));
    await p.init();
    const got = new Set<string>();
    const stop = await p.subscribe({ topic: 'restart.orders', metadata: {}, consumerGroup: 'restart-group', maxInFlight: 2 }, async (m) => void got.add(m.data.toString()));
    const publishWithRetry = async (s: string): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await p!.publish({ topic: 'restart.orders', data: Buffer.from(s), metadata: {} });
        } catch (e) {
          if (attempt > 100) throw e; // a caller (resiliency) retries failed publishes
          await delay(200);
        }
      }
    };
    for (let i = 0; i < 10; i++) await publishWithRetry(`before-${i}`);
    await stopServer();
    await start(port);
    for (let i = 0; i < 10; i++) await publishWithRetry(`after-${i}`);
    const want = [...Array.from({ length: 10 }, (_, i) => `before-${i}`), ...Array.from({ length: 10 }, (_, i) => `after-${i}`)];
    await waitFor(() => want.every((w) => got.has(w)), 'every message after the restart', 60_000);
    assert.deepEqual([...got].sort(), [...want].sort());
    await stop();
  });
});
