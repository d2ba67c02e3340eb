/**
 * Sidecars whose workload identities come from a real Sentry (started in-process, its CA in a
 * temp dir): they invoke each other over mTLS, and a token that does not prove the sidecar's own
 * identity makes its start fail with Sentry's refusal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { request } from 'undici';
import { startApp, startTestSidecar, uniqueAppId, freePort, staticResolutionConfig, tempDir, type TestApp } from '../helpers/sidecar';
import type { SidecarHandle } from '../../runtime/sidecar';
import type { SidecarOptions } from '../../runtime/options';
import { CertsError } from '../../certs/errors';
import { issueFromLocalCa } from './mtls-helpers';
import { newSecret, presentedChain, startTestSentry, writeTokenFile, type TestSentry } from './sentry-helpers';

/** The apps' trust domain: the Configuration has no accessControl.trustDomain, so "public". */
const APP_TD = 'public';

function sentryOptions(sentry: TestSentry, secret: string): Partial<SidecarOptions> {
  return {
    enableMtls: true,
    sentryAddress: sentry.address,
    trustAnchorsFile: sentry.trustAnchorsFile,
    sentryTokenFile: writeTokenFile(secret),
    controlPlaneTrustDomain: sentry.trustDomain,
    controlPlaneNamespace: sentry.namespace,
  };
}

/** Starts a sidecar expected to fail; stops it if it started after all. */
async function startRefused(opts: Partial<SidecarOptions> & { appId: string }): Promise<unknown> {
  let handle: SidecarHandle | undefined;
  try {
    handle = await startTestSidecar(opts);
  } catch (e) {
    return e;
  } finally {
    await handle?.stop('test done');
  }
  assert.fail(`sidecar ${opts.appId} started although Sentry should have refused its certificate`);
}

test('two sidecars get their certificates from Sentry and invoke each other over mTLS', async () => {
  const idA = uniqueAppId('sentry-a');
  const idB = uniqueAppId('sentry-b');
  const secretA = newSecret();
  const secretB = newSecret();
  let sentry: TestSentry | undefined;
  let app: TestApp | undefined;
  let a: SidecarHandle | undefined;
  let b: SidecarHandle | undefined;
  try {
    sentry = await startTestSentry({ [secretA]: [`${APP_TD}/default/${idA}`], [secretB]: [`${APP_TD}/default/${idB}`] });
    app = await startApp((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ caller: req.headers['dapr-caller-app-id'], url: req.url }));
    });
    const portA = await freePort();
    const portB = await freePort();
    const config = staticResolutionConfig({ [idA]: [`127.0.0.1:${portA}`], [idB]: [`127.0.0.1:${portB}`] });
    const dataDirA = tempDir('outrigger-data-');
    const dataDirB = tempDir('outrigger-data-');
    a = await startTestSidecar({ appId: idA, daprInternalGrpcPort: portA, config, dataDir: dataDirA, ...sentryOptions(sentry, secretA) });
    b = await startTestSidecar({ appId: idB, appPort: app.port, daprInternalGrpcPort: portB, config, dataDir: dataDirB, ...sentryOptions(sentry, secretB) });

    const res = await request(`http://127.0.0.1:${a.httpPort}/v1.0/invoke/${idB}/method/secure?x=1`);
    const body = (await res.body.json()) as { caller: string; url: string };
    assert.equal(res.statusCode, 200);
    assert.equal(body.caller, idA);
    assert.equal(body.url, '/secure?x=1');
    // B also calls its app at start (GET /dapr/subscribe ...); count only the invocation.
    assert.deepEqual(app.requests.filter((r) => r.url.startsWith('/secure')).map((r) => r.headers['dapr-caller-app-id']), [idA]);

    // B's internal listener presents a leaf for B signed by Sentry's issuer, not by a local CA.
    const client = await issueFromLocalCa(sentry.dir, { trustDomain: APP_TD, namespace: 'default', appId: uniqueAppId('probe') });
    const chain = await presentedChain(b.internalPort, client, sentry.server.trustAnchorsPem);
    assert.equal(chain.subjectaltname, `URI:spiffe://${APP_TD}/ns/default/${idB}`);
    assert.equal(chain.issuerCertificate.fingerprint256, sentry.issuerCert.fingerprint256);
    assert.ok(new X509Certificate(chain.raw).verify(sentry.issuerCert.publicKey), 'leaf signature verifies with the issuer key');
    for (const dir of [dataDirA, dataDirB]) assert.equal(existsSync(path.join(dir, 'ca')), false, `no local CA created in ${dir}`);
  } finally {
    await Promise.all([a?.stop('test done'), b?.stop('test done')]);
    await app?.close();
    await sentry?.close();
  }
});

test('a sidecar whose token is allowed only another identity does not start', async () => {
  const idA = uniqueAppId('sentry-owner');
  const idC = uniqueAppId('sentry-thief');
  const secretA = newSecret();
  let sentry: TestSentry | undefined;
  try {
    sentry = await startTestSentry({ [secretA]: [`${APP_TD}/default/${idA}`] });
    const err = await startRefused({ appId: idC, ...sentryOptions(sentry, secretA) });
    assert.ok(err instanceof CertsError, `expected a CertsError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_CERTS_SENTRY_REQUEST');
    assert.match(err.message, new RegExp(`sentry at ${sentry.address.replace(/\./g, '\\.')} refused`));
    assert.match(err.message, /\(PermissionDenied\)/);
    assert.ok(err.message.includes(`token does not allow identity ${APP_TD}/default/${idC}`), err.message);
  } finally {
    await sentry?.close();
  }
});

test('a sidecar with a token Sentry does not know does not start', async () => {
  const idC = uniqueAppId('sentry-unknown');
  let sentry: TestSentry | undefined;
  try {
    // The policy would allow the identity, but only for its own secret.
    sentry = await startTestSentry({ [newSecret()]: [`${APP_TD}/default/${idC}`] });
    const err = await startRefused({ appId: idC, ...sentryOptions(sentry, newSecret()) });
    assert.ok(err instanceof CertsError, `expected a CertsError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_CERTS_SENTRY_REQUEST');
    assert.match(err.message, /\(Unauthenticated\): unknown token/);
  } finally {
    await sentry?.close();
  }
});
