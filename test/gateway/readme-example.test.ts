/**
 * Keeps the README's gateway example true: the YAML block of "### Transparent sidecar and gateway"
 * must load without issues (its certificate files made with openssl where it names them) and
 * must run: with its ports moved to free ones, the gateway starts, answers /healthz on the
 * api.example.com virtual host, and its admin listener is ready and dumps that config.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { Gateway } from '../../gateway/gateway';
import { parseGatewayText, formatGatewayIssues } from '../../gateway/load';
import { quietLogger } from './helpers';
import { issue, makeCa } from './pki';

const README = path.resolve(__dirname, '../../../README.md');

function example(): string {
  const text = readFileSync(README, 'utf8');
  const section = text.slice(text.indexOf('### Transparent sidecar and gateway'));
  const m = /```yaml\n([\s\S]*?kind: Gateway[\s\S]*?)```/.exec(section);
  assert.ok(m, 'no Gateway YAML block in the README section');
  return m[1]!;
}

test('the README gateway example loads and runs', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'outrigger-gw-readme-'));
  const certs = path.join(dir, 'certs');
  mkdirSync(certs);
  makeCa(certs, 'ca');
  issue(certs, 'ca', 'api', 'api.example.com', 'DNS:api.example.com');
  issue(certs, 'ca', 'shop', 'shop', 'DNS:*.shop.example.com');
  makeCa(certs, 'clients-ca');
  const file = path.join(dir, 'gateway.yaml');
  const yaml = example();
  const loaded = parseGatewayText(yaml, file, {});
  assert.equal(loaded.ok, true, loaded.ok ? '' : formatGatewayIssues(loaded.issues));
  if (!loaded.ok) return;
  assert.deepEqual(loaded.config.spec.listeners.map((l) => l.protocol), ['http', 'h2c', 'https']);

  // Listener and admin ports (6-space "port:" lines and the admin map) become free ports.
  writeFileSync(file, yaml.replace(/^(      port: )\d+$/gm, '$10').replace(/port: 9901/, 'port: 0').replace(/address: 0\.0\.0\.0/g, 'address: 127.0.0.1'));
  const gw = await Gateway.start(file, quietLogger);
  try {
    const health = await request(`http://127.0.0.1:${gw.port('public')}/healthz`, { headers: { host: 'api.example.com' } });
    assert.equal(health.statusCode, 200);
    assert.equal(await health.body.text(), 'ok');
    const guarded = await request(`http://127.0.0.1:${gw.port('public')}/v1/orders`, { headers: { host: 'api.example.com' } });
    assert.equal(guarded.statusCode, 401);
    await guarded.body.dump();
    const ready = await request(`http://127.0.0.1:${gw.adminPort}/ready`);
    assert.equal(await ready.body.text(), 'LIVE\n');
    const dump = await request(`http://127.0.0.1:${gw.adminPort}/config_dump`);
    const cfg = (await dump.body.json()) as { config: { metadata: { name: string } } };
    assert.equal(cfg.config.metadata.name, 'edge');
  } finally {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
