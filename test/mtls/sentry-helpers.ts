/** A real Sentry in-process for sidecar tests: its CA in a temp dir, a token policy, token files. */
import tls from 'node:tls';
import path from 'node:path';
import { randomBytes, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { loadCaBundle } from '../../certs/ca/ca-files';
import { startSentryServer, type SentryServer } from '../../certs/sentry/server';
import { TokenPolicy } from '../../certs/sentry/token-policy';
import { silentLogger } from '../../observability/logger';
import { tempDir } from '../helpers/sidecar';
import type { TestCert } from './mtls-helpers';

export interface TestSentry {
  readonly server: SentryServer;
  readonly address: string;
  /** Sentry's own SPIFFE trust domain and namespace (what sidecars pass as control plane). */
  readonly trustDomain: string;
  readonly namespace: string;
  /** Holds `ca/` (ca.crt, issuer.crt, issuer.key): issueFromLocalCa(dir, ...) signs with Sentry's CA. */
  readonly dir: string;
  /** File with Sentry's trust anchors PEM (for trustAnchorsFile). */
  readonly trustAnchorsFile: string;
  readonly issuerCert: X509Certificate;
  close(): Promise<void>;
}

/** A secret of the policy's minimum length and more. */
export function newSecret(): string {
  return randomBytes(24).toString('hex');
}

/** A token file holding just `secret`, as DAPR_SENTRY_TOKEN_FILE does. */
export function writeTokenFile(secret: string): string {
  const file = path.join(tempDir('outrigger-token-'), 'token');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return file;
}

/**
 * Starts Sentry on 127.0.0.1 port 0. `tokens` maps each secret to the identity patterns it may
 * obtain (ns/app in Sentry's trust domain, or td/ns/app).
 */
export async function startTestSentry(tokens: Record<string, string[]>, own = { trustDomain: 'localhost', namespace: 'dapr-system' }): Promise<TestSentry> {
  const dir = tempDir('outrigger-sentry-');
  const credentialsDir = path.join(dir, 'ca');
  const policyFile = path.join(dir, 'tokens.yaml');
  writeFileSync(policyFile, JSON.stringify({ tokens: Object.entries(tokens).map(([token, identities]) => ({ token, identities })) }));
  const server = await startSentryServer({
    credentialsDir,
    trustDomain: own.trustDomain,
    namespace: own.namespace,
    policy: new TokenPolicy(policyFile, own.trustDomain, silentLogger),
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger,
  });
  const trustAnchorsFile = path.join(dir, 'trust-anchors.pem');
  writeFileSync(trustAnchorsFile, server.trustAnchorsPem);
  const bundle = loadCaBundle(credentialsDir);
  if (!bundle) throw new Error(`sentry left no CA in ${credentialsDir}`);
  return {
    server,
    address: `127.0.0.1:${server.port}`,
    trustDomain: own.trustDomain,
    namespace: own.namespace,
    dir,
    trustAnchorsFile,
    issuerCert: bundle.issuerCert,
    close: () => server.close(),
  };
}

/** Completes an mTLS handshake with `port` and returns the certificate chain the server presented. */
export function presentedChain(port: number, client: TestCert, anchorsPem: string): Promise<tls.DetailedPeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: '127.0.0.1', port, ca: anchorsPem, key: client.keyPem, cert: client.certChainPem, checkServerIdentity: () => undefined, ALPNProtocols: ['http/1.1'] },
      () => {
        const chain = socket.getPeerCertificate(true);
        socket.destroy();
        resolve(chain);
      },
    );
    socket.once('error', reject);
    socket.setTimeout(5000, () => {
      socket.destroy();
      reject(new Error('TLS handshake timed out'));
    });
  });
}
