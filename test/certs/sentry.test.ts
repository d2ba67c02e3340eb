/**
 * Sentry: CA persistence, SignCertificate over real gRPC (grpc-js client from @dapr/dapr's own
 * stubs, and our Connect client), token policy enforcement.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { silentLogger } from '../../observability/logger';
import { startSentryServer, type SentryServer } from '../../certs/sentry/server';
import { TokenPolicy } from '../../certs/sentry/token-policy';
import { SignCertificateRequestSchema, SignCertificateResponseSchema } from '../../certs/sentry/proto';
import { createCsr, generateP256KeyPair, splitPemCertificates } from '../../certs/x509/pki';
import { peerIdentityFromCertificate } from '../../certs/spiffe';
import { createWorkloadIdentity } from '../../certs/workload/identity';
import { tempDir } from './helpers';

// @dapr/dapr's google-protobuf + grpc-js stubs for sentry.proto: an independent implementation.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const daprPb = require('@dapr/dapr/proto/dapr/proto/sentry/v1/sentry_pb.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const daprGrpc = require('@dapr/dapr/proto/dapr/proto/sentry/v1/sentry_grpc_pb.js');

const ORDERS_TOKEN = 'orders-secret-0123456789';
const OTHER_TOKEN = 'wildcard-secret-0123456789';
const TTL_MS = 2 * 3600_000;
const SKEW_MS = 10 * 60_000;

interface DaprResponse {
  getWorkloadCertificate_asU8(): Uint8Array;
  getTrustChainCertificatesList_asU8(): Uint8Array[];
  getValidUntil(): { toDate(): Date } | undefined;
}

function callWithDaprStubs(port: number, anchorsPem: string, req: { id: string; namespace: string; token: string; csr: string; trustDomain?: string }): Promise<{ res?: DaprResponse; err?: grpc.ServiceError }> {
  // The server cert has no IP SAN; grpc-js checks the hostname, so override it to the DNS SAN.
  const client = new daprGrpc.CAClient(`127.0.0.1:${port}`, grpc.credentials.createSsl(Buffer.from(anchorsPem)), {
    'grpc.ssl_target_name_override': 'localhost',
  });
  const msg = new daprPb.SignCertificateRequest();
  msg.setId(req.id);
  msg.setNamespace(req.namespace);
  msg.setToken(req.token);
  msg.setTrustDomain(req.trustDomain ?? '');
  msg.setCertificateSigningRequest(Buffer.from(req.csr));
  msg.setTokenValidator(1);
  return new Promise((resolve) => {
    client.signCertificate(msg, (err: grpc.ServiceError | null, res: DaprResponse) => {
      client.close();
      resolve(err ? { err } : { res });
    });
  });
}

describe('sentry', () => {
  const tmp = tempDir('sentry');
  const credentialsDir = path.join(tmp.dir, 'creds');
  const tokenFile = path.join(tmp.dir, 'tokens.yaml');
  let sentry: SentryServer;
  let firstAnchors: string;

  before(async () => {
    fs.writeFileSync(
      tokenFile,
      `tokens:\n  - token: ${ORDERS_TOKEN}\n    identities: ["default/orders"]\n  - token: ${OTHER_TOKEN}\n    identities: ["staging/*"]\n`,
    );
    const policy = new TokenPolicy(tokenFile, 'cluster.local', silentLogger);
    const first = await startSentryServer({ credentialsDir, trustDomain: 'cluster.local', policy, port: 0, host: '127.0.0.1', logger: silentLogger });
    assert.equal(first.caCreated, true);
    firstAnchors = first.trustAnchorsPem;
    await first.close();
    sentry = await startSentryServer({
      credentialsDir,
      trustDomain: 'cluster.local',
      policy,
      port: 0,
      host: '127.0.0.1',
      workloadCertTtlMs: TTL_MS,
      allowedClockSkewMs: SKEW_MS,
      logger: silentLogger,
    });
  });
  after(async () => {
    await sentry?.close();
    tmp.cleanup();
  });

  test('generates and persists the CA on first start and reloads it on the second', () => {
    for (const f of ['ca.crt', 'issuer.crt', 'issuer.key']) assert.ok(fs.existsSync(path.join(credentialsDir, f)), f);
    assert.equal(sentry.caCreated, false);
    assert.equal(sentry.trustAnchorsPem, firstAnchors);
    assert.equal(fs.readFileSync(path.join(credentialsDir, 'ca.crt'), 'utf8'), firstAnchors);
    assert.equal(fs.statSync(path.join(credentialsDir, 'issuer.key')).mode & 0o077, 0);
  });

  test('serves its own SVID spiffe://<td>/ns/default/dapr-sentry', () => {
    const id = peerIdentityFromCertificate(new X509Certificate(sentry.serverCertificate().leafPem));
    assert.ok(id.ok);
    assert.equal(id.identity.spiffeId, 'spiffe://cluster.local/ns/default/dapr-sentry');
  });

  test('signs a CSR over gRPC: SPIFFE URI SAN, P-256, TTL, backdated NotBefore', async () => {
    const key = generateP256KeyPair();
    const csr = await createCsr(key, 'spiffe://evil/ns/x/y'); // CSR SANs are ignored
    const before = Date.now();
    const { res, err } = await callWithDaprStubs(sentry.port, sentry.trustAnchorsPem, { id: 'orders', namespace: 'default', token: ORDERS_TOKEN, csr });
    assert.equal(err, undefined, err?.message);
    const chain = splitPemCertificates(Buffer.from(res!.getWorkloadCertificate_asU8()).toString());
    assert.equal(chain.length, 2, 'leaf + issuer');
    const leaf = new X509Certificate(chain[0]!);
    assert.equal(leaf.subjectAltName, 'URI:spiffe://cluster.local/ns/default/orders');
    assert.equal(leaf.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.ok(leaf.checkPrivateKey(key.privateKey));
    const notBefore = new Date(leaf.validFrom).getTime();
    const notAfter = new Date(leaf.validTo).getTime();
    assert.ok(Math.abs(notAfter - (before + TTL_MS)) < 60_000, 'NotAfter = now + TTL');
    assert.ok(Math.abs(notBefore - (before - SKEW_MS)) < 60_000, 'NotBefore backdated by the clock skew');
    assert.equal(res!.getValidUntil()!.toDate().getTime(), notAfter);
    const anchors = Buffer.from(res!.getTrustChainCertificatesList_asU8()[0]!).toString();
    assert.equal(anchors, sentry.trustAnchorsPem);
    const issuer = new X509Certificate(chain[1]!);
    assert.ok(leaf.verify(issuer.publicKey));
    assert.ok(issuer.verify(new X509Certificate(anchors).publicKey));
  });

  test('refuses an unknown token with UNAUTHENTICATED', async () => {
    const csr = await createCsr(generateP256KeyPair(), 'spiffe://cluster.local/ns/default/orders');
    const { err } = await callWithDaprStubs(sentry.port, sentry.trustAnchorsPem, { id: 'orders', namespace: 'default', token: 'not-a-known-token-at-all', csr });
    assert.equal(err?.code, grpc.status.UNAUTHENTICATED);
  });

  test('refuses an identity the token does not allow with PERMISSION_DENIED', async () => {
    const csr = await createCsr(generateP256KeyPair(), 'spiffe://cluster.local/ns/default/payments');
    for (const req of [
      { id: 'payments', namespace: 'default', token: ORDERS_TOKEN },
      { id: 'orders', namespace: 'prod', token: ORDERS_TOKEN },
      { id: 'orders', namespace: 'default', token: ORDERS_TOKEN, trustDomain: 'other.domain' },
      { id: 'orders', namespace: 'default', token: OTHER_TOKEN },
    ]) {
      const { err } = await callWithDaprStubs(sentry.port, sentry.trustAnchorsPem, { ...req, csr });
      assert.equal(err?.code, grpc.status.PERMISSION_DENIED, JSON.stringify(req));
    }
    const ok = await callWithDaprStubs(sentry.port, sentry.trustAnchorsPem, { id: 'anything', namespace: 'staging', token: OTHER_TOKEN, csr });
    assert.equal(ok.err, undefined, 'the wildcard token may obtain staging/*');
  });

  test('refuses a CSR whose signature does not verify', async () => {
    const csr = await createCsr(generateP256KeyPair(), 'spiffe://cluster.local/ns/default/orders');
    const b64 = csr.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    const der = Buffer.from(b64, 'base64');
    der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0xff; // flip a byte of the signature
    const bad = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    const { err } = await callWithDaprStubs(sentry.port, sentry.trustAnchorsPem, { id: 'orders', namespace: 'default', token: ORDERS_TOKEN, csr: bad });
    assert.equal(err?.code, grpc.status.INVALID_ARGUMENT);
  });

  test('a workload identity obtains its certificate from sentry (Connect client, token file)', async () => {
    const sidecarToken = path.join(tmp.dir, 'orders.token');
    fs.writeFileSync(sidecarToken, `${ORDERS_TOKEN}\n`);
    const anchorsFile = path.join(tmp.dir, 'anchors.pem');
    fs.writeFileSync(anchorsFile, sentry.trustAnchorsPem);
    /** An identity in namespace default of cluster.local, asking this sentry with the token above. */
    const identity = (appId: string, dataDir: string, controlPlaneTrustDomain?: string) => createWorkloadIdentity({
      appId,
      namespace: 'default',
      trustDomain: 'cluster.local',
      ...(controlPlaneTrustDomain ? { controlPlaneTrustDomain } : {}),
      sentryAddress: `127.0.0.1:${sentry.port}`,
      trustAnchorsFile: anchorsFile,
      tokenFile: sidecarToken,
      dataDir: path.join(tmp.dir, dataDir),
      logger: silentLogger,
    });
    const wi = identity('orders', 'sidecar');
    await wi.start();
    const cur = wi.current();
    await wi.stop();
    assert.equal(cur.spiffeId, 'spiffe://cluster.local/ns/default/orders');
    assert.equal(new X509Certificate(cur.certPem).subjectAltName, `URI:${cur.spiffeId}`);
    assert.equal(cur.trustAnchorsPem, sentry.trustAnchorsPem);

    const denied = identity('payments', 'sidecar2');
    await assert.rejects(denied.start(), (e: Error & { code?: string }) => e.code === 'ERR_CERTS_SENTRY_REQUEST' && /PermissionDenied/.test(e.message));
    await denied.stop();

    // Sentry must be dapr-sentry in the control-plane trust domain we expect.
    const impostorCheck = identity('orders', 'sidecar3', 'other.domain');
    await assert.rejects(impostorCheck.start(), (e: Error & { code?: string }) => e.code === 'ERR_CERTS_SENTRY_REQUEST' && /wrong-trust-domain/.test(e.message));
    await impostorCheck.stop();
  });

  test('our descriptor is wire-compatible with the sentry.proto stubs of @dapr/dapr', () => {
    const ours = create(SignCertificateRequestSchema, {
      id: 'a', token: 't', trustDomain: 'td', namespace: 'ns', certificateSigningRequest: new Uint8Array([1, 2, 3]), tokenValidator: 2, jwtAudiences: ['x', 'y'],
    });
    const theirs = daprPb.SignCertificateRequest.deserializeBinary(toBinary(SignCertificateRequestSchema, ours)).toObject();
    assert.deepEqual(
      { ...theirs, certificateSigningRequest: Buffer.from(theirs.certificateSigningRequest, 'base64') },
      { id: 'a', token: 't', trustDomain: 'td', namespace: 'ns', certificateSigningRequest: Buffer.from([1, 2, 3]), tokenValidator: 2, jwtAudiencesList: ['x', 'y'] },
    );
    const r = new daprPb.SignCertificateResponse();
    r.setWorkloadCertificate(Buffer.from('leaf'));
    r.setTrustChainCertificatesList([Buffer.from('root')]);
    const back = fromBinary(SignCertificateResponseSchema, r.serializeBinary());
    assert.equal(Buffer.from(back.workloadCertificate).toString(), 'leaf');
    assert.equal(Buffer.from(back.trustChainCertificates[0]!).toString(), 'root');
  });
});
