/**
 * Obtaining one workload certificate: a fresh P-256 key and CSR, signed either by Sentry over
 * gRPC or by the local CA kept in <dataDir>/ca (no control plane on one machine). Both paths go
 * through a CSR so the local CA exercises the same checks as Sentry.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import { CertificateAuthority, type AuthorityOptions } from '../ca/authority';
import { loadOrCreateCaBundle } from '../ca/ca-files';
import { CertsError } from '../errors';
import { requestCertificateFromSentry } from '../sentry/client';
import { formatSpiffeId, peerIdentityFromCertificate, type SpiffeIdentity } from '../spiffe';
import { createCsr, generateP256KeyPair, splitPemCertificates } from '../x509/pki';
import type { Logger } from '../../observability/logger';

export interface WorkloadCertificate {
  spiffeId: string;
  /** The leaf certificate alone. */
  certPem: string;
  /** PKCS#8 PEM of the leaf's P-256 key. */
  keyPem: string;
  /** The intermediates (issuer chain) without the leaf. */
  chainPem: string;
  /** Leaf followed by the intermediates: what a TLS endpoint presents (tls `cert`). */
  fullChainPem: string;
  /** Roots trusted for peers (tls `ca`), active and retiring. */
  trustAnchorsPem: string;
  notBefore: Date;
  notAfter: Date;
}

export type Obtained = Omit<WorkloadCertificate, 'trustAnchorsPem'>;

export interface SentrySource {
  kind: 'sentry';
  address: string;
  tokenFile?: string;
  trustAnchorsPem: () => string;
  controlPlaneTrustDomain: string;
  controlPlaneNamespace?: string;
}
export interface LocalCaSource extends AuthorityOptions {
  kind: 'local';
  caDir: string;
}

function readToken(file: string | undefined): string {
  if (!file) return '';
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new CertsError('ERR_CERTS_TOKEN_FILE', `cannot read sentry token file ${file}: ${(e as Error).message}`);
  }
}

/** Throws CertsError: it runs at start-up and at rotation, never on a request path. */
export async function obtainWorkloadCertificate(id: SpiffeIdentity, source: SentrySource | LocalCaSource, log: Logger): Promise<Obtained> {
  const key = generateP256KeyPair();
  const spiffeId = formatSpiffeId(id);
  const csrPem = await createCsr(key, spiffeId);
  let fullChainPem: string;
  if (source.kind === 'local') {
    const { bundle, created } = await loadOrCreateCaBundle(source.caDir, { trustDomain: id.trustDomain });
    if (created) log.info('generated local CA', { dir: source.caDir });
    const ca = new CertificateAuthority(() => bundle, source);
    const res = await ca.issueFromCsr(csrPem, id);
    if (!res.ok) throw new CertsError('ERR_CERTS_CSR_INVALID', res.reason);
    fullChainPem = res.cert.certChainPem;
  } else {
    const res = await requestCertificateFromSentry({
      address: source.address,
      trustAnchorsPem: source.trustAnchorsPem(),
      sentryTrustDomain: source.controlPlaneTrustDomain,
      ...(source.controlPlaneNamespace !== undefined ? { sentryNamespace: source.controlPlaneNamespace } : {}),
      appId: id.appId,
      namespace: id.namespace,
      trustDomain: id.trustDomain,
      token: readToken(source.tokenFile),
      csrPem,
    });
    if (!res.ok) throw new CertsError('ERR_CERTS_SENTRY_REQUEST', `sentry at ${source.address} refused or failed (${res.code}): ${res.reason}`);
    fullChainPem = res.certChainPem;
  }
  const [leafPem, ...chain] = splitPemCertificates(fullChainPem);
  if (!leafPem) throw new CertsError('ERR_CERTS_SENTRY_REQUEST', 'no certificate in the response');
  const leaf = new X509Certificate(leafPem);
  if (!leaf.checkPrivateKey(createPrivateKey(key.privateKeyPem)))
    throw new CertsError('ERR_CERTS_SENTRY_REQUEST', 'the issued certificate is not for the key we sent');
  const got = peerIdentityFromCertificate(leaf);
  if (!got.ok || got.identity.spiffeId !== spiffeId)
    throw new CertsError('ERR_CERTS_SENTRY_REQUEST', `the issued certificate is not for ${spiffeId}`);
  return {
    spiffeId,
    certPem: leafPem,
    keyPem: key.privateKeyPem,
    chainPem: chain.join(''),
    fullChainPem: leafPem + chain.join(''),
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
  };
}
