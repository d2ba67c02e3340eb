/** serveUntilStopped with a stand-in sidecar: signals stop it gracefully; failures give exit 1. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { serveUntilStopped } from '../../cli/sidecar-lifecycle';
import { silentLogger } from '../../observability/logger';
import type { SidecarHandle } from '../../runtime/sidecar';

function fakeSidecar(opts: { ready?: Promise<void>; stopFails?: boolean } = {}) {
  const stops: string[] = [];
  let close: () => void = () => undefined;
  const closed = new Promise<void>((r) => (close = r));
  const handle: SidecarHandle = {
    httpPort: 1, grpcPort: 2, internalPort: 3, metricsPort: 4,
    ready: opts.ready ?? Promise.resolve(),
    stop: async (reason: string) => {
      stops.push(reason);
      if (opts.stopFails) throw new Error('listener would not close');
      close();
    },
    closed,
  };
  return { handle, stops, close: () => close() };
}

// A stand-in holds no sockets: keep the event loop alive while a signal is on its way.
let keepAlive: NodeJS.Timeout | undefined;
beforeEach(() => { keepAlive = setInterval(() => undefined, 1000); });
afterEach(() => clearInterval(keepAlive));

test('SIGINT stops the sidecar gracefully and yields 0; handlers are removed afterwards', async () => {
  const fake = fakeSidecar();
  const serving = serveUntilStopped(fake.handle, silentLogger);
  process.kill(process.pid, 'SIGINT');
  assert.equal(await serving, 0);
  assert.deepEqual(fake.stops, ['signal SIGINT']);
  assert.equal(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM'), 0);
});

test('a sidecar that closes by itself (POST /v1.0/shutdown) yields 0 without a stop call', async () => {
  const fake = fakeSidecar();
  const serving = serveUntilStopped(fake.handle, silentLogger);
  fake.close();
  assert.equal(await serving, 0);
  assert.deepEqual(fake.stops, []);
});

test('a failed stop or a failed start-up yields 1', async () => {
  const failingStop = fakeSidecar({ stopFails: true });
  const serving = serveUntilStopped(failingStop.handle, silentLogger);
  process.kill(process.pid, 'SIGTERM');
  assert.equal(await serving, 1);

  const notReady = fakeSidecar({ ready: Promise.reject(new Error('components failed')) });
  assert.equal(await serveUntilStopped(notReady.handle, silentLogger), 1);
  assert.deepEqual(notReady.stops, ['startup failed']);
});
