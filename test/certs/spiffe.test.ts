/** SPIFFE ID parsing and peer verification with real certificates. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { CertificateAuthority } from '../../certs/ca/authority';
import { loadOrCreateCaBundle, type CaBundle } from '../../certs/ca/ca-files';
import { formatSpiffeId, parseSpiffeId, peerIdentityFromCertificate, verifyPeer } from '../../certs/spiffe';
import { generateP256KeyPair, signLeaf } from '../../certs/x509/pki';
import { tempDir } from './helpers';

describe('spiffe ids', () => {
  test('parse and format round-trip', () => {
    const id = parseSpiffeId('spiffe://td/ns/ns1/app1');
    assert.deepEqual(id, { trustDomain: 'td', namespace: 'ns1', appId: 'app1' });
    assert.equal(formatSpiffeId(id!), 'spiffe://td/ns/ns1/app1');
  });
  test('rejects other shapes', () => {
    for (const bad of [
      'spiffe://td/ns/ns1',
      'spiffe://td/ns/ns1/app1/extra',
      'spiffe://td/xx/ns1/app1',
      'https://td/ns/ns1/app1',
      'spiffe:///ns/ns1/app1',
      'spiffe://TD/ns/ns1/app1',
      'spiffe://td/ns//app1',
      'spiffe://td/ns/ns1/..',
      'spiffe://td/ns/ns1/app 1',
    ])
      assert.equal(parseSpiffeId(bad), undefined, bad);
  });
});

describe('verifyPeer', () => {
  const tmp = tempDir('spiffe');
  let bundle: CaBundle;
  let cert: X509Certificate;

  before(async () => {
    bundle = (await loadOrCreateCaBundle(tmp.dir, { trustDomain: 'cluster.local' })).bundle;
    const ca = new CertificateAuthority(() => bundle);
    const issued = await ca.issueForKey(generateP256KeyPair().publicKey, { trustDomain: 'cluster.local', namespace: 'default', appId: 'orders' });
    cert = new X509Certificate(issued.leafPem);
  });

  test('accepts the expected app and reports its identity', () => {
    const v = verifyPeer({ appId: 'orders', namespace: 'default', trustDomain: 'cluster.local' }, cert);
    assert.ok(v.ok);
    assert.equal(v.identity.spiffeId, 'spiffe://cluster.local/ns/default/orders');
    assert.ok(verifyPeer({ appId: 'orders' }, cert.raw).ok, 'namespace/trust domain optional; DER input');
  });

  test('distinguishes wrong trust domain, namespace and app id', () => {
    const r = (e: Parameters<typeof verifyPeer>[0]) => {
      const v = verifyPeer(e, cert);
      return v.ok ? 'ok' : v.reason;
    };
    assert.equal(r({ appId: 'orders', trustDomain: 'example.org' }), 'wrong-trust-domain');
    assert.equal(r({ appId: 'orders', namespace: 'prod' }), 'wrong-namespace');
    assert.equal(r({ appId: 'payments', namespace: 'default' }), 'wrong-app-id');
  });

  test('refuses an expired certificate', async () => {
    const pem = await signLeaf({
      issuerCertPem: bundle.issuerCertPem,
      issuerKey: bundle.issuerKey,
      publicKey: generateP256KeyPair().publicKey,
      spiffeId: 'spiffe://cluster.local/ns/default/orders',
      notBefore: new Date(Date.now() - 2 * 3600_000),
      notAfter: new Date(Date.now() - 3600_000),
    });
    const v = verifyPeer({ appId: 'orders' }, pem);
    assert.equal(v.ok ? 'ok' : v.reason, 'expired');
  });

  test('no certificate, no SPIFFE ID', () => {
    const none = verifyPeer({ appId: 'orders' }, {});
    assert.equal(none.ok ? 'ok' : none.reason, 'no-certificate');
    const id = peerIdentityFromCertificate(bundle.issuerCert);
    assert.equal(id.ok ? 'ok' : id.reason, 'no-spiffe-id');
    tmp.cleanup();
  });
});
