/**
 * `outrigger run`'s supervision with a stand-in sidecar (the real one is covered by
 * run-command.test.ts): the app's environment, exit code, signal forwarding, sidecar stop.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runAppWithSidecar } from '../../cli/app-process';
import { parseSidecarArgs, type ParsedSidecarOptions } from '../../cli/sidecar-flags';
import { silentLogger } from '../../observability/logger';
import type { SidecarHandle } from '../../runtime/sidecar';

const dir = mkdtempSync(join(tmpdir(), 'outrigger-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function options(argv: string[], env: NodeJS.ProcessEnv = {}): ParsedSidecarOptions {
  const p = parseSidecarArgs(argv, env, { command: 'run' });
  if (p.kind !== 'ok') assert.fail(JSON.stringify(p));
  return p.options;
}

/** A stand-in sidecar recording how it was stopped; `closeItself` mimics POST /v1.0/shutdown. */
function fakeSidecar() {
  const stops: string[] = [];
  let close: () => void = () => undefined;
  const closed = new Promise<void>((r) => (close = r));
  const handle: SidecarHandle = {
    httpPort: 41001, grpcPort: 41002, internalPort: 41003, metricsPort: 41004,
    ready: Promise.resolve(),
    stop: async (reason: string) => { stops.push(reason); close(); },
    closed,
  };
  return { handle, stops, closeItself: () => close(), start: async () => handle };
}

const ENV_DUMP = `require('fs').writeFileSync(process.argv[1], JSON.stringify(process.env)); process.exit(3)`;

test('the app gets the Dapr environment, its exit code is returned, and the sidecar is stopped', async () => {
  const out = join(dir, 'env.json');
  const fake = fakeSidecar();
  const opts = options(['--app-id', 'orders', '--app-port', '3000', '--app-protocol', 'grpc'], { DAPR_API_TOKEN: 'secret' });
  const code = await runAppWithSidecar(opts, { command: process.execPath, args: ['-e', ENV_DUMP, out] }, silentLogger, fake.start, { KEEP: 'me', APP_PORT: 'stale' });
  assert.equal(code, 3);
  const env = JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>;
  assert.equal(env.KEEP, 'me');
  assert.equal(env.APP_ID, 'orders');
  assert.equal(env.APP_PORT, '3000');
  assert.equal(env.APP_PROTOCOL, 'grpc');
  assert.equal(env.DAPR_HTTP_PORT, '41001');
  assert.equal(env.DAPR_GRPC_PORT, '41002');
  assert.equal(env.DAPR_METRICS_PORT, '41004');
  assert.equal(env.DAPR_HTTP_ENDPOINT, 'http://127.0.0.1:41001');
  assert.equal(env.DAPR_GRPC_ENDPOINT, 'http://127.0.0.1:41002');
  assert.equal(env.DAPR_API_TOKEN, 'secret');
  assert.deepEqual(fake.stops, ['app exited']);
});

test('without --app-port the app sees no APP_PORT; wildcard and IPv6 listen addresses become dialable endpoints', async () => {
  const out = join(dir, 'env2.json');
  const fake = fakeSidecar();
  const opts = options(['--app-id', 'a', '--dapr-listen-addresses', '::1,127.0.0.1']);
  assert.equal(await runAppWithSidecar(opts, { command: process.execPath, args: ['-e', ENV_DUMP, out] }, silentLogger, fake.start, { APP_PORT: 'stale' }), 3);
  const env = JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>;
  assert.equal(env.APP_PORT, undefined);
  assert.equal(env.DAPR_API_TOKEN, undefined);
  assert.equal(env.DAPR_HTTP_ENDPOINT, 'http://[::1]:41001');
});

test('SIGTERM to outrigger is forwarded to the app', async () => {
  const marker = join(dir, 'listening');
  const app = `process.on('SIGTERM', () => process.exit(42)); require('fs').writeFileSync(${JSON.stringify(marker)}, ''); setInterval(() => {}, 1000)`;
  const fake = fakeSidecar();
  const running = runAppWithSidecar(options(['--app-id', 'sig']), { command: process.execPath, args: ['-e', app] }, silentLogger, fake.start, {});
  while (!existsSync(marker)) await sleep(20);
  process.kill(process.pid, 'SIGTERM');
  assert.equal(await running, 42);
  assert.deepEqual(fake.stops, ['app exited']);
  assert.equal(process.listenerCount('SIGTERM'), 0, 'signal handlers are removed afterwards');
});

test('an app killed by a signal yields 128 + the signal number', async () => {
  const fake = fakeSidecar();
  const code = await runAppWithSidecar(options(['--app-id', 'k']), { command: process.execPath, args: ['-e', "process.kill(process.pid, 'SIGKILL')"] }, silentLogger, fake.start, {});
  assert.equal(code, 137);
});

test('when the sidecar stops by itself the app is asked to stop', async () => {
  const marker = join(dir, 'up');
  const app = `process.on('SIGTERM', () => process.exit(7)); require('fs').writeFileSync(${JSON.stringify(marker)}, ''); setInterval(() => {}, 1000)`;
  const fake = fakeSidecar();
  const running = runAppWithSidecar(options(['--app-id', 's']), { command: process.execPath, args: ['-e', app] }, silentLogger, fake.start, {});
  while (!existsSync(marker)) await sleep(20);
  fake.closeItself();
  assert.equal(await running, 7);
});

test('a command that cannot be started yields 127 and stops the sidecar; a sidecar that fails to start yields 1', async () => {
  const fake = fakeSidecar();
  assert.equal(await runAppWithSidecar(options(['--app-id', 'n']), { command: join(dir, 'no-such-program'), args: [] }, silentLogger, fake.start, {}), 127);
  assert.deepEqual(fake.stops, ['app exited']);
  const failing = async (): Promise<SidecarHandle> => { throw new Error('port in use'); };
  assert.equal(await runAppWithSidecar(options(['--app-id', 'n']), { command: process.execPath, args: ['-e', ''] }, silentLogger, failing, {}), 1);
});
