import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import path from 'node:path';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { request } from 'undici';
import { startApp, uniqueAppId, tempDir, type TestApp } from '../helpers/sidecar';
import { startPair, type Pair } from '../helpers/sidecar-pair';
import { createRootAndIssuer } from '../../certs/x509/pki';

const mtlsSpec = (ttl: string) => `  mtls:\n    enabled: true\n    workloadCertTTL: ${ttl}\n    allowedClockSkew: 0s\n`;

/** Caller a and callee b (serving `app`) with mTLS, certificates of `ttl`, one CA in `dataDir`. */
function startMtlsPair(prefix: string, app: TestApp, dataDir: string, ttl: string): Promise<Pair> {
  const opts = { dataDir, enableMtls: true };
  return startPair({ idA: uniqueAppId(`${prefix}-a`), idB: uniqueAppId(`${prefix}-b`), appB: app, specA: mtlsSpec(ttl), specB: mtlsSpec(ttl), optsA: opts, optsB: opts });
}

/** The certificate a sidecar's internal listener presents right now (fingerprint and issuer). */
function servedCert(port: number, dataDir: string): Promise<{ fingerprint: string; issuer: string }> {
  const ca = readFileSync(path.join(dataDir, 'ca', 'ca.crt'), 'utf8');
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, checkServerIdentity: () => undefined, rejectUnauthorized: false }, () => {
      const c = s.getPeerCertificate(true);
      resolve({ fingerprint: c.fingerprint256, issuer: c.issuerCertificate?.fingerprint256 ?? '' });
      s.destroy();
    });
    s.on('error', reject);
  });
}

async function steadyStream(url: string, durationMs: number): Promise<{ ok: number; failed: string[] }> {
  const failed: string[] = [];
  let ok = 0;
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    const batch = await Promise.all(Array.from({ length: 4 }, async () => {
      try {
        const res = await request(url);
        const text = await res.body.text();
        return res.statusCode === 200 ? undefined : `${res.statusCode} ${text}`;
      } catch (err) {
        return (err as Error).message;
      }
    }));
    for (const r of batch) if (r === undefined) ok++; else failed.push(r);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { ok, failed };
}

test('with a 5-second certificate TTL, a steady stream of invocations across several rotations loses none', async () => {
  const app = await startApp((_req, res) => { res.writeHead(200); res.end('ok'); });
  const dataDir = tempDir('outrigger-rot-');
  const pair = await startMtlsPair('rot', app, dataDir, '5s');
  const { a, b, idB } = pair;
  try {
    const first = await servedCert(b.internalPort, dataDir);
    const { ok, failed } = await steadyStream(`http://127.0.0.1:${a.httpPort}/v1.0/invoke/${idB}/method/tick`, 12_000);
    const last = await servedCert(b.internalPort, dataDir);
    assert.deepEqual(failed, []);
    assert.ok(ok > 50, `only ${ok} calls made`);
    assert.notEqual(last.fingerprint, first.fingerprint, 'the served certificate rotated');
  } finally {
    await pair.close();
    await app.close();
  }
});

test('a new trust anchors file is picked up without a restart; old and new anchors are trusted during the overlap', async () => {
  const app = await startApp((_req, res) => { res.writeHead(200); res.end('ok'); });
  const dataDir = tempDir('outrigger-anchors-');
  const pair = await startMtlsPair('anc', app, dataDir, '4s');
  const { a, b, idB } = pair;
  try {
    const before = await servedCert(b.internalPort, dataDir);
    // Rotate the CA: the anchors file now holds old + new roots; new certificates come from the new issuer.
    const caDir = path.join(dataDir, 'ca');
    const oldRoot = readFileSync(path.join(caDir, 'ca.crt'), 'utf8');
    const next = await createRootAndIssuer({ trustDomain: 'public', validityMs: 24 * 3600_000 });
    const swap = (name: string, text: string): void => { writeFileSync(path.join(caDir, `${name}.tmp`), text); renameSync(path.join(caDir, `${name}.tmp`), path.join(caDir, name)); };
    swap('issuer.key', next.issuerKeyPem);
    swap('issuer.crt', next.issuerCertPem);
    swap('ca.crt', oldRoot + next.rootCertPem);
    const { ok, failed } = await steadyStream(`http://127.0.0.1:${a.httpPort}/v1.0/invoke/${idB}/method/tick`, 9_000);
    const after = await servedCert(b.internalPort, dataDir);
    assert.deepEqual(failed, []);
    assert.ok(ok > 50);
    assert.notEqual(after.issuer, before.issuer, 'the callee now presents a certificate from the new issuer');
  } finally {
    await pair.close();
    await app.close();
  }
});
