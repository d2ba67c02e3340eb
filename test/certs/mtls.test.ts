/**
 * Sidecar-to-sidecar mTLS with workload identities from the local CA (no Sentry): handshake,
 * peer identity, and refusals at the handshake.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { silentLogger } from '../../observability/logger';
import { createWorkloadIdentity, type WorkloadIdentity } from '../../certs/workload/identity';
import { peerIdentityFromCertificate } from '../../certs/spiffe';
import { plainRoundTrip, startEchoServer, tempDir, tlsRoundTrip, type EchoServer } from './helpers';

describe('mTLS between workload identities from the local CA', () => {
  const shared = tempDir('mtls');
  const foreign = tempDir('mtls-foreign');
  let server: WorkloadIdentity;
  let client: WorkloadIdentity;
  let stranger: WorkloadIdentity;
  let echo: EchoServer;

  before(async () => {
    const common = { namespace: 'default', trustDomain: 'cluster.local', dataDir: shared.dir, logger: silentLogger };
    server = createWorkloadIdentity({ ...common, appId: 'orders' });
    client = createWorkloadIdentity({ ...common, appId: 'checkout' });
    // Another machine's local CA: same names, different root.
    stranger = createWorkloadIdentity({ ...common, appId: 'checkout', dataDir: foreign.dir });
    await Promise.all([server.start(), client.start(), stranger.start()]);
    echo = await startEchoServer(server.serverTlsOptions());
  });
  after(async () => {
    await echo?.close();
    await Promise.all([server?.stop(), client?.stop(), stranger?.stop()]);
    shared.cleanup();
    foreign.cleanup();
  });

  test('the local CA is created once under <dataDir>/ca and shared by identities on the machine', () => {
    for (const f of ['ca.crt', 'issuer.crt', 'issuer.key']) assert.ok(fs.existsSync(path.join(shared.dir, 'ca', f)), f);
    assert.equal(server.current().trustAnchorsPem, client.current().trustAnchorsPem);
    assert.notEqual(server.current().trustAnchorsPem, stranger.current().trustAnchorsPem);
  });

  test('two identities complete a handshake and each side sees the other SPIFFE ID', async () => {
    const out = await tlsRoundTrip(echo.port, client.clientTlsOptions({ appId: 'orders', namespace: 'default', trustDomain: 'cluster.local' }));
    assert.ok(out.ok, !out.ok ? out.error : '');
    assert.equal(out.greeting, 'hello spiffe://cluster.local/ns/default/checkout');
    const seen = peerIdentityFromCertificate(out.serverCert);
    assert.ok(seen.ok);
    assert.equal(seen.identity.spiffeId, 'spiffe://cluster.local/ns/default/orders');
    const last = echo.peers[echo.peers.length - 1];
    assert.ok(last?.ok);
    assert.equal(last.identity.appId, 'checkout');
  });

  test('the caller refuses a server that is not the app it resolved', async () => {
    const out = await tlsRoundTrip(echo.port, client.clientTlsOptions({ appId: 'payments' }));
    assert.equal(out.ok, false);
    assert.match(!out.ok ? out.error : '', /wrong-app-id/);
    const ns = await tlsRoundTrip(echo.port, client.clientTlsOptions({ appId: 'orders', namespace: 'prod' }));
    assert.match(!ns.ok ? ns.error : '', /wrong-namespace/);
  });

  test('a plain-TCP client is refused at the handshake', async () => {
    const errorsBefore = echo.clientErrors.length;
    const peersBefore = echo.peers.length;
    const reply = await plainRoundTrip(echo.port);
    assert.ok(!reply.includes('hello'), 'no application data for a plain client');
    assert.equal(echo.peers.length, peersBefore);
    assert.ok(echo.clientErrors.length > errorsBefore, 'the server saw a failed handshake');
  });

  test('a client without a certificate is refused', async () => {
    const peersBefore = echo.peers.length;
    const opts = client.clientTlsOptions();
    const out = await tlsRoundTrip(echo.port, { ca: opts.ca, checkServerIdentity: opts.checkServerIdentity });
    assert.equal(out.ok, false);
    assert.equal(echo.peers.length, peersBefore);
  });

  test('a client with a certificate from another CA is refused at the handshake', async () => {
    const peersBefore = echo.peers.length;
    const errorsBefore = echo.clientErrors.length;
    // The stranger trusts our root (so it would accept the server), but we do not trust its own.
    const opts = { ...stranger.clientTlsOptions(), ca: server.current().trustAnchorsPem };
    const out = await tlsRoundTrip(echo.port, opts);
    assert.equal(out.ok, false);
    assert.equal(echo.peers.length, peersBefore);
    assert.ok(echo.clientErrors.length > errorsBefore);
  });

  test('a client refuses a server whose certificate comes from another CA', async () => {
    const other = await startEchoServer(stranger.serverTlsOptions());
    try {
      const out = await tlsRoundTrip(other.port, client.clientTlsOptions({ appId: 'checkout' }));
      assert.equal(out.ok, false);
      assert.equal(other.peers.length, 0);
    } finally {
      await other.close();
    }
  });
});
