/**
 * `outrigger run` end to end with the real sidecar: the app sees the Dapr environment (with the
 * OS-picked ports the sidecar really listens on) and outrigger exits with the app's exit code.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';

const MAIN = resolve(__dirname, '../../cli/main.js');
const dataDir = mkdtempSync(join(tmpdir(), 'outrigger-run-e2e-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** Prints the Dapr variables as one JSON line, checks the HTTP API answers on DAPR_HTTP_PORT, exits 3. */
const APP = `
const keys = ['APP_ID','APP_PORT','APP_PROTOCOL','DAPR_HTTP_PORT','DAPR_GRPC_PORT','DAPR_METRICS_PORT','DAPR_HTTP_ENDPOINT','DAPR_GRPC_ENDPOINT','DAPR_API_TOKEN'];
const env = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
fetch(process.env.DAPR_HTTP_ENDPOINT + '/v1.0/healthz/outbound').then(
  (r) => { env.outboundStatus = r.status; },
  (e) => { env.outboundStatus = String(e); },
).finally(() => { console.log('APPENV ' + JSON.stringify(env)); process.exit(3); });
`;

test('run starts the app with the Dapr environment and exits with its code', async () => {
  const child = spawn(
    process.execPath,
    [MAIN, 'run', '--app-id', 't1', '--dapr-http-port', '0', '--dapr-grpc-port', '0', '--metrics-port', '0', '--dapr-internal-grpc-port', '0', '--', process.execPath, '-e', APP],
    { env: { PATH: process.env.PATH ?? '', HOME: dataDir, OUTRIGGER_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  const line = stdout.split('\n').find((l) => l.startsWith('APPENV '));
  assert.ok(line, `app output missing; stdout:\n${stdout}\nstderr:\n${stderr}`);
  const env = JSON.parse(line.slice('APPENV '.length)) as Record<string, string | number | undefined>;
  assert.equal(code, 3, stderr);
  assert.equal(env.APP_ID, 't1');
  assert.equal(env.APP_PORT, undefined);
  assert.equal(env.APP_PROTOCOL, 'http');
  assert.equal(env.DAPR_API_TOKEN, undefined);
  for (const k of ['DAPR_HTTP_PORT', 'DAPR_GRPC_PORT', 'DAPR_METRICS_PORT']) {
    const port = Number(env[k]);
    assert.ok(Number.isInteger(port) && port > 0 && port < 65536, `${k}=${env[k]} is a real port, not 0`);
  }
  assert.equal(env.DAPR_HTTP_ENDPOINT, `http://127.0.0.1:${env.DAPR_HTTP_PORT}`);
  assert.equal(env.DAPR_GRPC_ENDPOINT, `http://127.0.0.1:${env.DAPR_GRPC_PORT}`);
  assert.equal(env.outboundStatus, 204, 'the sidecar API answered the app on DAPR_HTTP_PORT');
});
