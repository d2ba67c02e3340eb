/**
 * Public API of the certs room: SPIFFE identities, workload identity (mTLS material with
 * rotation), the local/Sentry CA and the `outrigger sentry` command.
 */
export { formatSpiffeId, parseSpiffeId, peerIdentityFromCertificate, verifyPeer } from './spiffe';
export type { CertificateInput, ExpectedPeer, PeerIdentity, PeerIdentityResult, PeerRejectReason, PeerVerification, SpiffeIdentity } from './spiffe';
export { createWorkloadIdentity, WorkloadIdentity } from './workload/identity';
export type { WorkloadCertificate, WorkloadIdentityEvents, WorkloadIdentityOptions } from './workload/identity';
export { runSentryCommand, SENTRY_USAGE } from './sentry/command';
export { startSentryServer } from './sentry/server';
export type { SentryServer, SentryServerOptions } from './sentry/server';
export { CertsError } from './errors';
export type { CertsErrorCode } from './errors';
