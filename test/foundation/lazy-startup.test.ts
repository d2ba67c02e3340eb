/**
 * Start-up loads only what answering healthz needs; the rest loads on first use. These tests pin
 * the observable side: a spawned sidecar has not loaded the gRPC stack, undici, prom-client's
 * index, zod or yaml when it is healthy, and its very first gRPC call (made the moment the port
 * answers) is served in full; the stand-ins for lazily loaded modules equal the real thing.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as otel from '@opentelemetry/api';
import { SpanKind, SpanStatusCode } from '../../filters/tracing/tracer';
import { commands } from '../../cli/main';
import { startTestSidecar, uniqueAppId } from '../helpers/sidecar';

const MAIN = path.resolve(__dirname, '../../cli/main.js');

/** Writes require.cache keys to a file on SIGUSR2 (a preload: the sidecar itself is unchanged). */
function modulesProbe(dir: string): string {
  const file = path.join(dir, 'probe.js');
  writeFileSync(file, `process.on('SIGUSR2', () => { require('fs').writeFileSync(${JSON.stringify(path.join(dir, 'modules.json'))}, JSON.stringify(Object.keys(require.cache))); process.stdout.write('PROBED\\n'); });\n`);
  return file;
}

async function healthz(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v1.0/healthz', timeout: 1000 }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', () => resolve(0));
    req.on('timeout', () => { req.destroy(); resolve(0); });
  });
}

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<http.Server>((r) => { const s = http.createServer(); s.listen(0, '127.0.0.1', () => r(s)); })));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

test('a healthy sidecar with an HTTP app has not loaded the gRPC stack, undici, prom-client\'s index, zod or yaml', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'outrigger-lazy-'));
  const resources = mkdtempSync(path.join(tmpdir(), 'outrigger-lazy-res-'));
  const app = http.createServer((req, res) => {
    if (req.url === '/dapr/config') return res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    if (req.url === '/dapr/subscribe') return res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    res.writeHead(404).end();
  });
  const seen: string[] = [];
  app.on('request', (req) => seen.push(req.url ?? ''));
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const appPort = (app.address() as { port: number }).port;
  const [httpPort, grpcPort, internalPort, metricsPort] = await freePorts(4);
  const child = spawn(process.execPath, ['-r', modulesProbe(dir), MAIN, 'sidecar', '--app-id', uniqueAppId('lazy'), '--app-port', String(appPort),
    '--dapr-http-port', String(httpPort), '--dapr-grpc-port', String(grpcPort), '--dapr-internal-grpc-port', String(internalPort),
    '--metrics-port', String(metricsPort), '--resources-path', resources, '--data-dir', dir, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  try {
    await until('healthz 204', async () => (await healthz(httpPort!)) === 204);
    // The start-up reads of the app's configuration happened (over node:http, see one-off-call.ts).
    await until('GET /dapr/config and /dapr/subscribe', async () => seen.includes('/dapr/config') && seen.includes('/dapr/subscribe'));
    child.kill('SIGUSR2');
    await until('the module list', async () => out.includes('PROBED'));
    const modules = JSON.parse((await import('node:fs')).readFileSync(path.join(dir, 'modules.json'), 'utf8')) as string[];
    const loaded = (pkg: string): boolean => modules.some((m) => m.includes(`${path.sep}node_modules${path.sep}${pkg}${path.sep}`));
    for (const pkg of ['@connectrpc/connect', '@bufbuild/protobuf', '@dapr/dapr', 'undici', 'zod', 'yaml', '@opentelemetry/api']) {
      assert.equal(loaded(pkg), false, `${pkg} is loaded at start-up`);
    }
    assert.equal(modules.some((m) => m.endsWith(path.join('prom-client', 'index.js'))), false, 'prom-client index loaded at start-up');
    assert.equal(modules.some((m) => m.endsWith(path.join('proxy', 'grpc', 'connect-handler.js'))), false, 'Connect handler loaded at start-up');
  } finally {
    await stop(child);
    await new Promise((r) => app.close(r));
  }
});

test('the first gRPC call, made as soon as the gRPC port accepts, is answered by the lazily loaded Dapr service', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'outrigger-lazy-'));
  const resources = mkdtempSync(path.join(tmpdir(), 'outrigger-lazy-res-'));
  const [httpPort, grpcPort, internalPort, metricsPort] = await freePorts(4);
  const appId = uniqueAppId('lazy-grpc');
  const child = spawn(process.execPath, [MAIN, 'sidecar', '--app-id', appId,
    '--dapr-http-port', String(httpPort), '--dapr-grpc-port', String(grpcPort), '--dapr-internal-grpc-port', String(internalPort),
    '--metrics-port', String(metricsPort), '--resources-path', resources, '--data-dir', dir, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const client = new grpc.Client(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
  try {
    // Several calls race the load: each must get the real answer, none UNIMPLEMENTED or INTERNAL.
    const call = (): Promise<Buffer> => new Promise((resolve, reject) => {
      client.makeUnaryRequest('/dapr.proto.runtime.v1.Dapr/GetMetadata', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), new grpc.Metadata({ waitForReady: true }), { deadline: Date.now() + 20_000 }, (err, value) => (err ? reject(err) : resolve(value!)));
    });
    const replies = await Promise.all([call(), call(), call()]);
    for (const r of replies) assert.ok(r.includes(Buffer.from(appId)), 'GetMetadata names the app');
  } finally {
    client.close();
    await stop(child);
  }
});

test('an in-process sidecar serves the state gRPC API on its first call (handlers wired on demand)', async () => {
  const sidecar = await startTestSidecar({ appId: uniqueAppId('lazy-state') });
  const client = new grpc.Client(`127.0.0.1:${sidecar.grpcPort}`, grpc.credentials.createInsecure());
  try {
    // GetState on a store that does not exist: the state block's handler answers (not UNIMPLEMENTED).
    const err = await new Promise<grpc.ServiceError | null>((resolve) => {
      // dapr.proto.runtime.v1.GetStateRequest { store_name (1): "nope", key (2): "k" }
      const body = Buffer.from([0x0a, 4, ...Buffer.from('nope'), 0x12, 1, ...Buffer.from('k')]);
      client.makeUnaryRequest('/dapr.proto.runtime.v1.Dapr/GetState', (b: Buffer) => b, (b: Buffer) => b, body, new grpc.Metadata(), (e) => resolve(e));
    });
    assert.ok(err, 'an error for an unknown store');
    assert.notEqual(err.code, grpc.status.UNIMPLEMENTED);
    assert.match(err.details, /state store nope is not found|not (found|configured)/i);
  } finally {
    client.close();
    await sidecar.stop('test done');
  }
});

test('the tracing module\'s SpanKind and SpanStatusCode equal OpenTelemetry\'s', () => {
  for (const k of ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const) assert.equal(SpanKind[k], otel.SpanKind[k], k);
  for (const k of ['UNSET', 'OK', 'ERROR'] as const) assert.equal(SpanStatusCode[k], otel.SpanStatusCode[k], k);
});

test('every command\'s summary in the command table equals its module\'s own', () => {
  const modules: Record<string, () => { summary: string }> = {
    run: () => (require('../../cli/run-command') as typeof import('../../cli/run-command')).runCommand,
    sentry: () => (require('../../cli/sentry-command') as typeof import('../../cli/sentry-command')).sentryCommand,
    gateway: () => (require('../../cli/gateway-command') as typeof import('../../cli/gateway-command')).gatewayCommand,
    iptables: () => (require('../../cli/iptables-command') as typeof import('../../cli/iptables-command')).iptablesCommand,
  };
  for (const c of commands) {
    const own = modules[c.name];
    if (own) assert.equal(c.summary, own().summary, c.name);
  }
  assert.deepEqual(Object.keys(modules).filter((n) => !commands.some((c) => c.name === n)), []);
});
