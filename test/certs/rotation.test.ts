/**
 * Certificate rotation at half-life and trust-anchor replacement with an overlap, observed through
 * a real TLS server that swaps its secure context on the identity's events.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { silentLogger } from '../../observability/logger';
import { loadOrCreateCaBundle } from '../../certs/ca/ca-files';
import { createWorkloadIdentity, type WorkloadCertificate } from '../../certs/workload/identity';
import { renewalDelayMs, retryDelayMs } from '../../certs/rotation';
import { nextEvent, startEchoServer, tempDir, tlsRoundTrip } from './helpers';

const common = { namespace: 'default', trustDomain: 'cluster.local', logger: silentLogger };

describe('rotation', () => {
  const tmp = tempDir('rotation');
  after(() => tmp.cleanup());

  test('renewal is due at half of the remaining lifetime (as daprd), retries within 1-30 s', () => {
    assert.equal(renewalDelayMs(1_000, 11_000), 5_000);
    assert.equal(renewalDelayMs(0, 86_400_000), 43_200_000);
    assert.ok(renewalDelayMs(5_000, 4_000) > 0, 'an already expired certificate is renewed soon, not in a hot loop');
    assert.equal(retryDelayMs(0, 86_400_000), 30_000);
    assert.equal(retryDelayMs(0, 2_000), 1_000);
  });

  test('a short-lived certificate is renewed before expiry, emitting rotated', async () => {
    const wi = createWorkloadIdentity({ ...common, appId: 'orders', dataDir: tmp.dir, workloadCertTtlMs: 4_000, allowedClockSkewMs: 0 });
    await wi.start();
    const echo = await startEchoServer(wi.serverTlsOptions());
    const client = createWorkloadIdentity({ ...common, appId: 'checkout', dataDir: tmp.dir });
    await client.start();
    try {
      const first = wi.current();
      const rotated = nextEvent<WorkloadCertificate>(wi, 'rotated');
      const next = await rotated;
      assert.notEqual(new X509Certificate(next.certPem).serialNumber, new X509Certificate(first.certPem).serialNumber);
      assert.notEqual(next.keyPem, first.keyPem, 'a fresh key per certificate');
      assert.ok(next.notAfter.getTime() > first.notAfter.getTime());
      assert.deepEqual(wi.current(), next);

      echo.server.setSecureContext(wi.secureContextOptions());
      const out = await tlsRoundTrip(echo.port, client.clientTlsOptions({ appId: 'orders' }));
      assert.ok(out.ok, !out.ok ? out.error : '');
      assert.equal(out.serverCert.serialNumber, new X509Certificate(next.certPem).serialNumber);
    } finally {
      await echo.close();
      await wi.stop();
      await client.stop();
    }
  });

  test('a replaced anchors file is picked up; old and new roots are trusted during the overlap', async () => {
    const dirA = path.join(tmp.dir, 'a');
    const dirB = path.join(tmp.dir, 'b');
    const caA = (await loadOrCreateCaBundle(path.join(dirA, 'ca'), { trustDomain: 'cluster.local' })).bundle.trustAnchorsPem;
    const caB = (await loadOrCreateCaBundle(path.join(dirB, 'ca'), { trustDomain: 'cluster.local' })).bundle.trustAnchorsPem;
    const anchorsFile = path.join(tmp.dir, 'anchors.pem');
    fs.writeFileSync(anchorsFile, caA);
    const replaceAnchors = (pem: string): void => {
      fs.writeFileSync(`${anchorsFile}.new`, pem);
      fs.renameSync(`${anchorsFile}.new`, anchorsFile);
    };

    const server = createWorkloadIdentity({ ...common, appId: 'orders', dataDir: dirA, trustAnchorsFile: anchorsFile, anchorsGraceMs: 3_000, anchorsPollIntervalMs: 50 });
    const clientA = createWorkloadIdentity({ ...common, appId: 'checkout', dataDir: dirA });
    const clientB = createWorkloadIdentity({ ...common, appId: 'checkout', dataDir: dirB, trustAnchorsPem: caA + caB });
    await Promise.all([server.start(), clientA.start(), clientB.start()]);
    const echo = await startEchoServer(server.serverTlsOptions());
    server.on('anchors-changed', () => echo.server.setSecureContext(server.secureContextOptions()));
    const accepted = async (c: typeof clientA): Promise<boolean> => (await tlsRoundTrip(echo.port, c.clientTlsOptions({ appId: 'orders' }))).ok;
    try {
      assert.equal(await accepted(clientA), true);
      assert.equal(await accepted(clientB), false, 'root B not trusted yet');

      const overlap = nextEvent<string>(server, 'anchors-changed');
      replaceAnchors(caB);
      const overlapPem = await overlap;
      assert.ok(overlapPem.includes(caA.trim()) && overlapPem.includes(caB.trim()), 'union of old and new');
      assert.equal(await accepted(clientB), true, 'new root trusted without a restart');
      assert.equal(await accepted(clientA), true, 'old root still trusted during the overlap');

      const retired = nextEvent<string>(server, 'anchors-changed');
      const finalPem = await retired;
      assert.equal(finalPem.trim(), caB.trim(), 'the old root is dropped after the grace period');
      assert.equal(await accepted(clientA), false);
      assert.equal(await accepted(clientB), true);
    } finally {
      await echo.close();
      await Promise.all([server.stop(), clientA.stop(), clientB.stop()]);
    }
  });
});
