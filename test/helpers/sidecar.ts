/** Starting real sidecars and real apps in tests. */
import http from 'node:http';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { startSidecar, type SidecarHandle } from '../../runtime/sidecar';
import type { SidecarOptions } from '../../runtime/options';
import { createLogger, type Logger } from '../../observability/logger';
import { daprdDefaults } from './daprd-defaults';

export function tempDir(prefix = 'outrigger-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function uniqueAppId(base: string): string {
  return `${base}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

export function testLogger(): Logger {
  return createLogger({ level: process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'error', json: false });
}

export function sidecarOptions(overrides: Partial<SidecarOptions> & { appId: string }): SidecarOptions {
  const dataDir = overrides.dataDir ?? tempDir('outrigger-data-');
  return {
    ...daprdDefaults(),
    daprHttpPort: 0,
    daprGrpcPort: 0,
    daprInternalGrpcPort: 0,
    metricsPort: 0,
    enableMetrics: false,
    logLevel: 'error',
    gracefulShutdownSeconds: 2,
    dataDir,
    ...overrides,
  };
}

/** A sidecar with an empty resources folder (no components) unless given one. */
export async function startTestSidecar(overrides: Partial<SidecarOptions> & { appId: string }): Promise<SidecarHandle> {
  const resourcesPaths = overrides.resourcesPaths ?? [emptyResources()];
  return startSidecar(sidecarOptions({ ...overrides, resourcesPaths }), testLogger());
}

export function emptyResources(): string {
  const dir = tempDir('outrigger-res-');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function resourcesWith(files: Record<string, string>): string {
  const dir = emptyResources();
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

export interface TestApp {
  readonly port: number;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Starts a real HTTP app; the handler decides replies; every request is recorded. */
export async function startApp(handler: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void): Promise<TestApp> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** An app that echoes method, path, headers and body as JSON. */
export function startEchoApp(): Promise<TestApp> {
  return startApp((req, res, body) => {
    const payload = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: body.toString('utf8') });
    res.writeHead(200, { 'content-type': 'application/json', 'x-echo': 'yes' });
    res.end(payload);
  });
}

export { freePort } from './free-port';

/** A Configuration file using the static resolver for the given app ids. */
export function staticResolutionConfig(apps: Record<string, string[]>, extraSpec = ''): string {
  const dir = tempDir('outrigger-cfg-');
  const file = path.join(dir, 'config.yaml');
  const lines = Object.entries(apps).map(([id, addrs]) => `        ${id}: [${addrs.map((a) => JSON.stringify(a)).join(', ')}]`).join('\n');
  writeFileSync(file, `apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: test-config
spec:
  nameResolution:
    component: static
    configuration:
      apps:
${lines}
${extraSpec}`);
  return file;
}

/** A raw HTTP/1.1 request with the path sent exactly as given (no URL normalisation by the client). */
export function rawRequest(port: number, opts: { method?: string; path: string; headers?: http.OutgoingHttpHeaders; body?: string }): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
