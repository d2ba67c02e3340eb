/**
 * Sentry's SignCertificate logic, independent of the wire: authenticate the token, authorize the
 * requested identity, sign the CSR. Expected refusals are values with a gRPC-like status.
 */
import type { CertificateAuthority, IssuedCertificate } from '../ca/authority';
import { formatSpiffeId, parseSpiffeId, type SpiffeIdentity } from '../spiffe';
import type { TokenPolicy } from './token-policy';
import type { Logger } from '../../observability/logger';

export interface SignRequest {
  id: string;
  namespace: string;
  trustDomain: string;
  token: string;
  csr: Uint8Array | string;
}

export type SignStatus = 'invalid-argument' | 'unauthenticated' | 'permission-denied';
export type SignResult = { ok: true; cert: IssuedCertificate } | { ok: false; status: SignStatus; reason: string };

export interface SignServiceOptions {
  ca: CertificateAuthority;
  /** Sentry's trust domain; requests with an empty trust_domain get this one. */
  trustDomain: string;
  /** Token policy; when absent, `insecure` must be true and any identity is signed. */
  policy?: TokenPolicy;
  /** Dapr's INSECURE validator: sign any identity without a token. Opt-in only. */
  insecure?: boolean;
  logger: Logger;
}

export function createSignService(o: SignServiceOptions): (req: SignRequest) => Promise<SignResult> {
  return async (req) => {
    const identity: SpiffeIdentity = {
      trustDomain: req.trustDomain || o.trustDomain,
      namespace: req.namespace || 'default',
      appId: req.id,
    };
    if (!req.id) return refuse(o.logger, 'invalid-argument', 'id (app id) is required', identity);
    if (!parseSpiffeId(formatSpiffeId(identity)))
      return refuse(o.logger, 'invalid-argument', `cannot form a SPIFFE ID from ${JSON.stringify(identity)}`, identity);
    if (o.policy) {
      const auth = o.policy.authorize(req.token, identity);
      if (!auth.ok) return refuse(o.logger, auth.status, auth.reason, identity);
    } else if (!o.insecure) {
      return refuse(o.logger, 'unauthenticated', 'no token policy configured', identity);
    }
    const issued = await o.ca.issueFromCsr(req.csr, identity);
    if (!issued.ok) return refuse(o.logger, 'invalid-argument', issued.reason, identity);
    o.logger.info('signed workload certificate', { spiffe_id: issued.cert.spiffeId, not_after: issued.cert.notAfter.toISOString() });
    return issued;
  };
}

function refuse(log: Logger, status: SignStatus, reason: string, id: SpiffeIdentity): SignResult {
  log.warn('refused certificate request', { status, reason, app_id: id.appId, namespace: id.namespace, trust_domain: id.trustDomain });
  return { ok: false, status, reason };
}
