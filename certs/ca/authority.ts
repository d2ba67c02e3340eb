/**
 * The signing core shared by Sentry and the sidecar's local CA: turns an authenticated identity
 * plus a CSR into an X.509-SVID. The identity comes from the caller (token check), never from the
 * CSR's own subject or SANs.
 */
import type { KeyObject } from 'node:crypto';
import { formatSpiffeId, type SpiffeIdentity } from '../spiffe';
import { checkCsr, signLeaf } from '../x509/pki';
import type { CaBundle } from './ca-files';

export interface AuthorityOptions {
  /** Workload certificate lifetime from now; default 24h (Dapr's --workload-cert-ttl). */
  workloadCertTtlMs?: number;
  /** NotBefore is backdated by this much so peers with a slow clock accept it; default 15m. */
  allowedClockSkewMs?: number;
}

export interface IssuedCertificate {
  spiffeId: string;
  /** The leaf alone. */
  leafPem: string;
  /** Leaf followed by the issuer chain: what a TLS endpoint sends (Sentry's workload_certificate). */
  certChainPem: string;
  /** Issuer chain without the leaf. */
  issuerChainPem: string;
  /** Roots to trust (Sentry's trust_chain_certificates). */
  trustAnchorsPem: string;
  notBefore: Date;
  notAfter: Date;
}

export type IssueResult = { ok: true; cert: IssuedCertificate } | { ok: false; reason: string };

export const DEFAULT_WORKLOAD_CERT_TTL_MS = 24 * 3600_000;
export const DEFAULT_ALLOWED_CLOCK_SKEW_MS = 15 * 60_000;

export class CertificateAuthority {
  private readonly ttlMs: number;
  private readonly skewMs: number;

  /** bundle() is called per issuance, so a caller can swap credentials without a new authority. */
  constructor(
    private readonly bundle: () => CaBundle,
    opts: AuthorityOptions = {},
  ) {
    this.ttlMs = opts.workloadCertTtlMs ?? DEFAULT_WORKLOAD_CERT_TTL_MS;
    this.skewMs = opts.allowedClockSkewMs ?? DEFAULT_ALLOWED_CLOCK_SKEW_MS;
  }

  get trustAnchorsPem(): string {
    return this.bundle().trustAnchorsPem;
  }

  /** Checks the CSR (signature, P-256 key) and signs its key for the given identity. */
  async issueFromCsr(csr: string | Uint8Array, identity: SpiffeIdentity, dnsNames: string[] = []): Promise<IssueResult> {
    const checked = await checkCsr(csr);
    if (!checked.ok) return checked;
    return { ok: true, cert: await this.issueForKey(checked.publicKey, identity, dnsNames) };
  }

  /** Signs a known public key (the CA's own service certificates). */
  async issueForKey(publicKey: KeyObject, identity: SpiffeIdentity, dnsNames: string[] = []): Promise<IssuedCertificate> {
    const b = this.bundle();
    const now = Date.now();
    const issuerNotAfter = new Date(b.issuerCert.validTo).getTime();
    const notBefore = new Date(now - this.skewMs);
    // A leaf never outlives its issuer.
    const notAfter = new Date(Math.min(now + this.ttlMs, issuerNotAfter));
    const spiffeId = formatSpiffeId(identity);
    const leafPem = await signLeaf({ issuerCertPem: b.issuerCertPem, issuerKey: b.issuerKey, publicKey, spiffeId, dnsNames, notBefore, notAfter });
    return {
      spiffeId,
      leafPem,
      certChainPem: leafPem + b.issuerChainPem,
      issuerChainPem: b.issuerChainPem,
      trustAnchorsPem: b.trustAnchorsPem,
      // Second precision, as encoded in the certificate.
      notBefore: new Date(Math.floor(notBefore.getTime() / 1000) * 1000),
      notAfter: new Date(Math.floor(notAfter.getTime() / 1000) * 1000),
    };
  }
}
