/**
 * The state API end to end through the official client (@dapr/dapr) over HTTP and gRPC, against a
 * running sidecar whose resources hold a state.sqlite component; plus durability of the embedded
 * store across a SIGKILL of a sidecar process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { DaprClient } from '@dapr/dapr';
import type { SidecarHandle } from '../../runtime/sidecar';
import { freePort, resourcesWith, startTestSidecar, tempDir, uniqueAppId } from '../helpers/sidecar';
import { sdkClient, SDK_PROTOCOLS } from '../helpers/dapr-sdk';
import { componentYaml } from '../helpers/resource-yaml';

const sqliteComponent = (name: string, file: string): string => componentYaml(name, 'state.sqlite', { connectionString: file });

describe('state through @dapr/dapr', () => {
  let sidecar: SidecarHandle;
  before(async () => {
    const data = tempDir('outrigger-state-e2e-');
    sidecar = await startTestSidecar({ appId: uniqueAppId('state-e2e'), resourcesPaths: [resourcesWith({ 'state.yaml': sqliteComponent('statestore', path.join(data, 'state.db')) })] });
    await sidecar.ready;
  });
  after(async () => {
    await sidecar.stop('done');
  });

  for (const { protocol, name } of SDK_PROTOCOLS) {
    const client = (): DaprClient => sdkClient(sidecar, protocol);

    it(`${name}: save, get, getBulk, delete`, async () => {
      const c = client();
      try {
        const p = `${name}-`;
        await c.state.save('statestore', [{ key: `${p}a`, value: { n: 1 } }, { key: `${p}b`, value: 'two' }]);
        assert.deepEqual(await c.state.get('statestore', `${p}a`), { n: 1 });
        const bulk = await c.state.getBulk('statestore', [`${p}a`, `${p}b`]);
        const byKey = Object.fromEntries((bulk as { key: string; data: unknown }[]).map((x) => [x.key, x.data]));
        assert.deepEqual(byKey[`${p}a`], { n: 1 });
        assert.equal(byKey[`${p}b`], 'two');
        await c.state.delete('statestore', `${p}a`);
        assert.ok(['', undefined, null].includes(await c.state.get('statestore', `${p}a`) as string | undefined | null));
      } finally {
        await c.stop();
      }
    });

    it(`${name}: transaction upserts and deletes; a stale ETag is refused`, async () => {
      const c = client();
      try {
        const p = `${name}-tx-`;
        await c.state.save('statestore', [{ key: `${p}old`, value: 0 }]);
        await c.state.transaction('statestore', [
          { operation: 'upsert', request: { key: `${p}new`, value: 'fresh' } },
          { operation: 'delete', request: { key: `${p}old` } },
        ]);
        assert.equal(await c.state.get('statestore', `${p}new`), 'fresh');
        assert.ok(['', undefined, null].includes(await c.state.get('statestore', `${p}old`) as string | undefined | null));
        // The HTTP client reports the 409 in its result, the gRPC client rejects with ABORTED.
        const refused = await c.state.save('statestore', [{ key: `${p}new`, value: 'x', etag: '00000000-0000-0000-0000-000000000000' }]).then(
          (r) => r.error !== undefined,
          (e: Error) => /aborted.*etag mismatch/i.test(e.message),
        );
        assert.ok(refused, 'save with a stale ETag is refused');
        assert.equal(await c.state.get('statestore', `${p}new`), 'fresh');
      } finally {
        await c.stop();
      }
    });

    it(`${name}: query with filter and sort`, async () => {
      const c = client();
      try {
        const kind = `${name}-kind`;
        await c.state.save('statestore', [1, 2, 3].map((i) => ({ key: `${name}-q${i}`, value: { kind, i } })));
        const res = await c.state.query('statestore', { filter: { EQ: { kind } }, sort: [{ key: 'i', order: 'DESC' }], page: { limit: 10 } });
        // HTTP gives parsed JSON, gRPC the raw bytes.
        const values = res.results.map((x) => (x.data instanceof Uint8Array ? JSON.parse(Buffer.from(x.data).toString()) : x.data) as { i: number });
        assert.deepEqual(values.map((v) => v.i), [3, 2, 1]);
      } finally {
        await c.stop();
      }
    });
  }
});

describe('state.sqlite durability', () => {
  it('committed writes survive SIGKILL of the sidecar process', async () => {
    const data = tempDir('outrigger-state-kill-');
    const resources = resourcesWith({ 'state.yaml': sqliteComponent('statestore', path.join(data, 'state.db')) });
    const appId = uniqueAppId('kill');
    const start = async (): Promise<{ url: string; kill: () => Promise<void> }> => {
      const port = await freePort();
      const main = path.join(__dirname, '..', '..', 'cli', 'main.js');
      const child = spawn(process.execPath, [main, 'sidecar', '--app-id', appId, '--dapr-http-port', String(port), '--dapr-grpc-port', '0', '--dapr-internal-grpc-port', '0', '--metrics-port', '0', '--resources-path', resources, '--data-dir', data, '--log-level', 'error'], { stdio: 'ignore' });
      const url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          if ((await fetch(`${url}/v1.0/healthz`)).status === 204) break;
        } catch { /* not up yet */ }
        if (Date.now() > deadline || child.exitCode !== null) {
          child.kill('SIGKILL');
          throw new Error('sidecar did not become healthy');
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      return { url, kill: () => new Promise((r) => { child.once('exit', () => r()); child.kill('SIGKILL'); }) };
    };
    const first = await start();
    const save = await fetch(`${first.url}/v1.0/state/statestore`, { method: 'POST', body: JSON.stringify([{ key: 'durable', value: { kept: true } }]) });
    assert.equal(save.status, 204);
    await first.kill();
    const second = await start();
    try {
      const got = await fetch(`${second.url}/v1.0/state/statestore/durable`);
      assert.equal(got.status, 200);
      assert.deepEqual(await got.json(), { kept: true });
    } finally {
      await second.kill();
    }
  });
});
