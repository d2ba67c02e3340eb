/** `outrigger sidecar` end to end: it serves the Dapr API and SIGTERM stops it with exit code 0. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';

const MAIN = resolve(__dirname, '../../cli/main.js');
const dataDir = mkdtempSync(join(tmpdir(), 'outrigger-sidecar-e2e-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('sidecar logs its OS-picked HTTP port, answers on it, and exits 0 on SIGTERM', async () => {
  const child = spawn(
    process.execPath,
    [MAIN, 'sidecar', '-app-id', 's1', '-dapr-http-port', '0', '-dapr-grpc-port', '0', '-metrics-port=0', '-dapr-internal-grpc-port', '0', '-log-as-json'],
    { env: { PATH: process.env.PATH ?? '', HOME: dataDir, OUTRIGGER_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  const port = await new Promise<number>((resolvePort, reject) => {
    const onData = (d: string): void => {
      output += d;
      const m = /dapr HTTP API listening on [^"]*:(\d+)/.exec(output);
      if (m) resolvePort(Number(m[1]));
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    void exited.then((c) => reject(new Error(`sidecar exited (${c}) before listening:\n${output}`)));
  });
  assert.ok(port > 0);
  const res = await fetch(`http://127.0.0.1:${port}/v1.0/metadata`);
  const body = (await res.json()) as { id?: string };
  assert.equal(res.status, 200);
  assert.equal(body.id, 's1');
  child.kill('SIGTERM');
  assert.equal(await exited, 0, output);
});
