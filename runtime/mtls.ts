/**
 * Sidecar-to-sidecar mTLS: the sidecar's workload identity (from Sentry, or a local CA in the data
 * directory when no Sentry address is given), the TLS options of the internal listener and of the
 * upstream pools, and who a verified caller is. Rotations and trust-anchor changes are applied to
 * new handshakes without dropping open connections.
 */
import type { TLSSocket, ConnectionOptions } from 'node:tls';
import { createWorkloadIdentity, type WorkloadIdentity } from '../certs/workload/identity';
import type { Logger } from '../observability/logger';
import type { PeerIdentity } from '../proxy/contracts';
import type { SidecarOptions } from './options';
import type { ExpectedUpstreamPeer } from '../proxy/upstream/pools';

export interface Mtls {
  readonly identity: WorkloadIdentity;
  readonly trustDomain: string;
  /** The verified identity of the client on an mTLS socket, or undefined. */
  peerOf(socket: unknown): PeerIdentity | undefined;
  clientOptions(peer: ExpectedUpstreamPeer | undefined): ConnectionOptions;
  /** Called after each rotation or anchors change. */
  onChange(cb: () => void): void;
  stop(): Promise<void>;
}

/** Local-CA certificate lifetimes from the Configuration's spec.mtls (milliseconds). */
export interface LocalCertLifetimes {
  readonly workloadCertTtlMs?: number;
  readonly allowedClockSkewMs?: number;
}

export async function startMtls(opts: SidecarOptions, trustDomain: string, ttl: LocalCertLifetimes, logger: Logger): Promise<Mtls> {
  const identity = createWorkloadIdentity({
    appId: opts.appId,
    namespace: opts.namespace,
    trustDomain,
    dataDir: opts.dataDir,
    logger,
    ...(opts.sentryAddress ? { sentryAddress: opts.sentryAddress } : {}),
    ...(opts.trustAnchorsFile ? { trustAnchorsFile: opts.trustAnchorsFile } : {}),
    ...(opts.trustAnchors ? { trustAnchorsPem: opts.trustAnchors } : {}),
    ...(opts.sentryTokenFile ? { tokenFile: opts.sentryTokenFile } : {}),
    ...(ttl.workloadCertTtlMs !== undefined ? { workloadCertTtlMs: ttl.workloadCertTtlMs } : {}),
    ...(ttl.allowedClockSkewMs !== undefined ? { allowedClockSkewMs: ttl.allowedClockSkewMs } : {}),
    ...(opts.sentryAddress ? { controlPlaneTrustDomain: opts.controlPlaneTrustDomain, controlPlaneNamespace: opts.controlPlaneNamespace } : {}),
  });
  try {
    await identity.start();
  } catch (err) {
    await identity.stop().catch(() => undefined);
    throw err;
  }
  logger.info(`mTLS enabled: identity ${identity.spiffeId}`, { source: opts.sentryAddress ? `sentry ${opts.sentryAddress}` : 'local CA in the data directory' });
  identity.on('renewal-failed', (err) => logger.warn('workload certificate renewal failed; retrying', { error: err.message }));
  // A connection's peer never changes: parse its certificate once, not on every request.
  const peers = new WeakMap<object, PeerIdentity | null>();
  return {
    identity,
    trustDomain,
    peerOf(socket) {
      const s = socket as TLSSocket | undefined;
      if (!s || typeof s.getPeerCertificate !== 'function' || !s.authorized) return undefined;
      const cached = peers.get(s);
      if (cached !== undefined) return cached ?? undefined;
      const r = identity.peerIdentity(s);
      const peer: PeerIdentity | null = r.ok ? { appId: r.identity.appId, namespace: r.identity.namespace, trustDomain: r.identity.trustDomain, verified: true } : null;
      peers.set(s, peer);
      return peer ?? undefined;
    },
    // A callee must prove the app id and namespace that were resolved, in this sidecar's trust domain.
    clientOptions: (peer) => identity.clientTlsOptions(peer ? { appId: peer.appId, trustDomain, ...(peer.namespace ? { namespace: peer.namespace } : {}) } : undefined),
    onChange(cb) {
      identity.on('rotated', () => cb());
      identity.on('anchors-changed', () => cb());
    },
    stop: async () => { await identity.stop(); },
  };
}
