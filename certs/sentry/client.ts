/**
 * The sidecar side of Sentry: one SignCertificate call over gRPC (Connect, HTTP/2, TLS). Sentry's
 * certificate is checked against the trust anchors and must be the SVID of dapr-sentry in the
 * expected trust domain (hostnames are not checked: SPIFFE identities replace them).
 */
import { create } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import type { PeerCertificate } from 'node:tls';
import { verifyPeer, type ExpectedPeer } from '../spiffe';
import { CA, SignCertificateRequest_TokenValidator, SignCertificateRequestSchema } from './proto';
import { SENTRY_APP_ID } from './server';

export interface SentryRequest {
  /** host:port of Sentry. */
  address: string;
  trustAnchorsPem: string;
  /** Sentry's identity: app id dapr-sentry in this trust domain (and namespace when given). */
  sentryTrustDomain: string;
  sentryNamespace?: string;
  appId: string;
  namespace: string;
  trustDomain: string;
  /** Secret from DAPR_SENTRY_TOKEN_FILE; '' when none. */
  token: string;
  csrPem: string;
  timeoutMs?: number;
}

export type SentryResponse =
  | { ok: true; certChainPem: string; trustAnchorsPem: string; notAfter: Date }
  | { ok: false; /** gRPC code name (PermissionDenied, Unavailable ...) or invalid-response. */ code: string; reason: string };

export async function requestCertificateFromSentry(r: SentryRequest): Promise<SentryResponse> {
  const expected: ExpectedPeer = { appId: SENTRY_APP_ID, trustDomain: r.sentryTrustDomain };
  if (r.sentryNamespace !== undefined) expected.namespace = r.sentryNamespace;
  const baseUrl = `https://${r.address}`;
  const sessionManager = new Http2SessionManager(baseUrl, undefined, {
    ca: r.trustAnchorsPem,
    minVersion: 'TLSv1.2',
    checkServerIdentity: (_host: string, cert: PeerCertificate) => {
      const v = verifyPeer(expected, cert);
      return v.ok ? undefined : new Error(`sentry identity rejected (${v.reason}): ${v.detail}`);
    },
  });
  const client = createClient(CA, createGrpcTransport({ baseUrl, sessionManager }));
  try {
    const res = await client.signCertificate(
      create(SignCertificateRequestSchema, {
        id: r.appId,
        namespace: r.namespace,
        trustDomain: r.trustDomain,
        token: r.token,
        certificateSigningRequest: Buffer.from(r.csrPem),
        tokenValidator: SignCertificateRequest_TokenValidator.INSECURE,
      }),
      { timeoutMs: r.timeoutMs ?? 10_000 },
    );
    const certChainPem = Buffer.from(res.workloadCertificate).toString('utf8');
    const trustAnchorsPem = res.trustChainCertificates.map((c) => Buffer.from(c).toString('utf8')).join('');
    if (!certChainPem.includes('-----BEGIN CERTIFICATE-----') || !res.validUntil)
      return { ok: false, code: 'invalid-response', reason: 'sentry returned no certificate' };
    return { ok: true, certChainPem, trustAnchorsPem, notAfter: timestampDate(res.validUntil) };
  } catch (e) {
    const ce = ConnectError.from(e);
    return { ok: false, code: Code[ce.code], reason: ce.rawMessage };
  } finally {
    sessionManager.abort();
  }
}
