/**
 * SPIFFE identities as Dapr uses them: spiffe://<trustDomain>/ns/<namespace>/<appId>, carried as
 * the one URI SAN of an X.509-SVID. Used by the caller side of sidecar-to-sidecar mTLS to check
 * that the peer is the app it resolved, and by the server side to learn who called.
 * Expected failures are return values with a reason, never exceptions.
 */
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';

export interface SpiffeIdentity {
  trustDomain: string;
  namespace: string;
  appId: string;
}

export interface PeerIdentity extends SpiffeIdentity {
  spiffeId: string;
  notBefore: Date;
  notAfter: Date;
}

/** Why a peer was not accepted; each case is distinguishable by the caller. */
export type PeerRejectReason =
  | 'no-certificate'
  | 'unparsable-certificate'
  | 'no-spiffe-id'
  | 'invalid-spiffe-id'
  | 'not-yet-valid'
  | 'expired'
  | 'wrong-trust-domain'
  | 'wrong-namespace'
  | 'wrong-app-id';

export type PeerIdentityResult = { ok: true; identity: PeerIdentity } | { ok: false; reason: PeerRejectReason; detail: string };
export type PeerVerification = PeerIdentityResult;

/** A certificate as Node hands it over: tls getPeerCertificate(), X509Certificate, DER or PEM. */
export type CertificateInput = PeerCertificate | X509Certificate | Buffer | string | Record<string, never> | null | undefined;

const TRUST_DOMAIN = /^[a-z0-9._-]+$/; // SPIFFE: lower-case letters, digits, '.', '-', '_'
const SEGMENT = /^[A-Za-z0-9._-]+$/; // SPIFFE path segment characters

function validSegment(s: string): boolean {
  return SEGMENT.test(s) && s !== '.' && s !== '..';
}

/** Parses a Dapr workload SPIFFE ID; anything else (other shapes, bad characters) is undefined. */
export function parseSpiffeId(id: string): SpiffeIdentity | undefined {
  if (!id.startsWith('spiffe://')) return undefined;
  const rest = id.slice('spiffe://'.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const trustDomain = rest.slice(0, slash);
  if (!TRUST_DOMAIN.test(trustDomain) || trustDomain.length > 255) return undefined;
  const segments = rest.slice(slash + 1).split('/');
  if (segments.length !== 3 || segments[0] !== 'ns') return undefined;
  const [, namespace, appId] = segments as [string, string, string];
  if (!validSegment(namespace) || !validSegment(appId)) return undefined;
  return { trustDomain, namespace, appId };
}

export function formatSpiffeId(id: SpiffeIdentity): string {
  return `spiffe://${id.trustDomain}/ns/${id.namespace}/${id.appId}`;
}

/** URI entries of a certificate's subjectAltName (Node quotes entries holding ',' or '"'). */
export function uriSans(cert: X509Certificate): string[] {
  const san = cert.subjectAltName;
  if (!san) return [];
  const out: string[] = [];
  // Entries are "TYPE:value" separated by ", "; a quoted value is JSON-escaped.
  const re = /(?:^|, )([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (let m = re.exec(san); m; m = re.exec(san)) {
    if (m[1] !== 'URI') continue;
    const raw = m[2] ?? '';
    out.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
  }
  return out;
}

function toX509(cert: CertificateInput): X509Certificate | 'none' | 'bad' {
  if (cert === null || cert === undefined) return 'none';
  if (cert instanceof X509Certificate) return cert;
  try {
    if (typeof cert === 'string' || Buffer.isBuffer(cert)) return new X509Certificate(cert);
    const raw = (cert as Partial<PeerCertificate>).raw;
    if (!raw || raw.length === 0) return 'none';
    return new X509Certificate(raw);
  } catch {
    return 'bad';
  }
}

/**
 * The SPIFFE identity of a certificate. Checks the SVID shape (exactly one URI SAN, a Dapr
 * workload ID) but not the validity period or chain: see verifyPeer.
 */
export function peerIdentityFromCertificate(cert: CertificateInput): PeerIdentityResult {
  const x = toX509(cert);
  if (x === 'none') return { ok: false, reason: 'no-certificate', detail: 'the peer presented no certificate' };
  if (x === 'bad') return { ok: false, reason: 'unparsable-certificate', detail: 'the peer certificate cannot be parsed' };
  const uris = uriSans(x);
  const spiffe = uris.filter((u) => u.startsWith('spiffe://'));
  if (spiffe.length === 0) return { ok: false, reason: 'no-spiffe-id', detail: 'the peer certificate has no SPIFFE URI SAN' };
  if (uris.length !== 1) return { ok: false, reason: 'invalid-spiffe-id', detail: `an SVID carries exactly one URI SAN, found ${uris.length}` };
  const spiffeId = spiffe[0] as string;
  const id = parseSpiffeId(spiffeId);
  if (!id) return { ok: false, reason: 'invalid-spiffe-id', detail: `not a workload SPIFFE ID: ${spiffeId}` };
  return { ok: true, identity: { ...id, spiffeId, notBefore: new Date(x.validFrom), notAfter: new Date(x.validTo) } };
}

export interface ExpectedPeer {
  appId: string;
  /** When set, the peer must be in this namespace. */
  namespace?: string;
  /** When set, the peer must be in this trust domain. */
  trustDomain?: string;
}

/**
 * Checks that the peer certificate names the expected app. Meant to run after the TLS handshake
 * has verified the chain against the trust anchors; it checks the SPIFFE ID and (again, with the
 * given clock) the validity period. Order of checks: certificate, validity, trust domain,
 * namespace, app id.
 */
export function verifyPeer(expected: ExpectedPeer, cert: CertificateInput, now: Date = new Date()): PeerVerification {
  const res = peerIdentityFromCertificate(cert);
  if (!res.ok) return res;
  const id = res.identity;
  if (now.getTime() < id.notBefore.getTime())
    return { ok: false, reason: 'not-yet-valid', detail: `the peer certificate is valid from ${id.notBefore.toISOString()}` };
  if (now.getTime() > id.notAfter.getTime())
    return { ok: false, reason: 'expired', detail: `the peer certificate expired at ${id.notAfter.toISOString()}` };
  if (expected.trustDomain !== undefined && id.trustDomain !== expected.trustDomain)
    return { ok: false, reason: 'wrong-trust-domain', detail: `peer ${id.spiffeId} is not in trust domain ${expected.trustDomain}` };
  if (expected.namespace !== undefined && id.namespace !== expected.namespace)
    return { ok: false, reason: 'wrong-namespace', detail: `peer ${id.spiffeId} is not in namespace ${expected.namespace}` };
  if (id.appId !== expected.appId)
    return { ok: false, reason: 'wrong-app-id', detail: `peer ${id.spiffeId} is not app ${expected.appId}` };
  return res;
}
