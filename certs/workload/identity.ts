/**
 * A sidecar's workload identity: its X.509-SVID spiffe://<td>/ns/<ns>/<appId>, kept fresh, and
 * the trust anchors, kept current, packaged as Node TLS options for sidecar-to-sidecar mTLS.
 *
 * Events (see WorkloadIdentityEvents):
 *  - 'rotated' (cert): a new certificate replaced the old one (at 50 % of its lifetime). Servers
 *    call server.setSecureContext(identity.secureContextOptions()); clients build new options.
 *  - 'anchors-changed' (trustAnchorsPem): the trusted roots changed; same reaction as 'rotated'.
 *  - 'renewal-failed' (error): a renewal failed; it is retried (1-30 s) while the old one is valid.
 */
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import type { ConnectionOptions, SecureContextOptions, TLSSocket, TlsOptions } from 'node:tls';
import { CertsError } from '../errors';
import { renewalDelayMs, retryDelayMs, TimerSlot } from '../rotation';
import { formatSpiffeId, peerIdentityFromCertificate, verifyPeer, type ExpectedPeer, type PeerIdentityResult, type SpiffeIdentity } from '../spiffe';
import { obtainWorkloadCertificate, type LocalCaSource, type Obtained, type SentrySource, type WorkloadCertificate } from './obtain';
import { TrustAnchorStore } from './trust-anchors';
import type { Logger } from '../../observability/logger';

export type { WorkloadCertificate } from './obtain';

export interface WorkloadIdentityOptions {
  appId: string;
  namespace: string;
  trustDomain: string;
  /** host:port of Sentry; without it a local CA in <dataDir>/ca signs (created on first use). */
  sentryAddress?: string;
  /** Watched PEM file of trust anchors. Local CA default: <dataDir>/ca/ca.crt. */
  trustAnchorsFile?: string;
  /** Trust anchors PEM (DAPR_TRUST_ANCHORS) when there is no file. */
  trustAnchorsPem?: string;
  /** File holding the Sentry token secret (DAPR_SENTRY_TOKEN_FILE); re-read at each renewal. */
  tokenFile?: string;
  dataDir: string;
  logger: Logger;
  /** Sentry's SPIFFE trust domain (--control-plane-trust-domain); default: trustDomain. */
  controlPlaneTrustDomain?: string;
  /** Sentry's namespace (--control-plane-namespace); when set, Sentry's ID must be in it. */
  controlPlaneNamespace?: string;
  /** Local CA only: certificate lifetime (default 24 h) and NotBefore backdating (15 m). */
  workloadCertTtlMs?: number;
  allowedClockSkewMs?: number;
  /** How long an anchor dropped from the file stays trusted (default 24 h); see trust-anchors.ts. */
  anchorsGraceMs?: number;
  anchorsPollIntervalMs?: number;
}

export interface WorkloadIdentityEvents {
  rotated: [cert: WorkloadCertificate];
  'anchors-changed': [trustAnchorsPem: string];
  'renewal-failed': [error: Error];
}

export class WorkloadIdentity extends EventEmitter<WorkloadIdentityEvents> {
  readonly spiffeId: string;
  private readonly id: SpiffeIdentity;
  private readonly anchors: TrustAnchorStore;
  private readonly source: SentrySource | LocalCaSource;
  private readonly timer = new TimerSlot();
  private cert: Obtained | undefined;
  private stopped = false;

  constructor(private readonly o: WorkloadIdentityOptions) {
    super();
    this.id = { trustDomain: o.trustDomain, namespace: o.namespace, appId: o.appId };
    this.spiffeId = formatSpiffeId(this.id);
    const caDir = path.join(o.dataDir, 'ca');
    const anchorsFile = o.trustAnchorsFile ?? (o.sentryAddress || o.trustAnchorsPem ? undefined : path.join(caDir, 'ca.crt'));
    this.anchors = new TrustAnchorStore({
      ...(anchorsFile ? { file: anchorsFile } : {}),
      ...(o.trustAnchorsPem ? { pem: o.trustAnchorsPem } : {}),
      ...(o.anchorsGraceMs !== undefined ? { graceMs: o.anchorsGraceMs } : {}),
      ...(o.anchorsPollIntervalMs !== undefined ? { pollIntervalMs: o.anchorsPollIntervalMs } : {}),
      logger: o.logger,
    });
    this.anchors.on('changed', (pem: string) => this.emit('anchors-changed', pem));
    this.source = o.sentryAddress
      ? {
          kind: 'sentry',
          address: o.sentryAddress,
          ...(o.tokenFile ? { tokenFile: o.tokenFile } : {}),
          trustAnchorsPem: () => this.anchors.pem(),
          controlPlaneTrustDomain: o.controlPlaneTrustDomain ?? o.trustDomain,
          ...(o.controlPlaneNamespace !== undefined ? { controlPlaneNamespace: o.controlPlaneNamespace } : {}),
        }
      : { kind: 'local', caDir, workloadCertTtlMs: o.workloadCertTtlMs, allowedClockSkewMs: o.allowedClockSkewMs };
  }

  /** Loads the trust anchors and obtains the first certificate. Throws CertsError on failure. */
  async start(): Promise<void> {
    this.stopped = false;
    if (this.source.kind === 'sentry' && !this.o.trustAnchorsFile && !this.o.trustAnchorsPem)
      throw new CertsError('ERR_CERTS_NO_TRUST_ANCHORS', 'a sentry address needs trust anchors (file or PEM) to verify Sentry');
    if (this.source.kind === 'local') {
      // The local CA is created by the first issuance; its ca.crt is then the anchors file.
      this.cert = await obtainWorkloadCertificate(this.id, this.source, this.o.logger);
      this.anchors.start();
    } else {
      this.anchors.start();
      this.cert = await obtainWorkloadCertificate(this.id, this.source, this.o.logger);
    }
    this.o.logger.info('workload certificate obtained', { spiffe_id: this.spiffeId, not_after: this.cert.notAfter.toISOString(), source: this.source.kind });
    this.timer.arm(renewalDelayMs(Date.now(), this.cert.notAfter.getTime()), this.renew);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer.clear();
    this.anchors.stop();
  }

  /** The current certificate, key and anchors; throws CertsError before start() succeeded. */
  current(): WorkloadCertificate {
    if (!this.cert) throw new CertsError('ERR_CERTS_NOT_STARTED', 'the workload identity has not been started');
    return { ...this.cert, trustAnchorsPem: this.anchors.pem() };
  }

  /** key/cert/ca for tls.createSecureContext or server.setSecureContext. */
  secureContextOptions(): SecureContextOptions {
    const c = this.current();
    return { key: c.keyPem, cert: c.fullChainPem, ca: c.trustAnchorsPem, minVersion: 'TLSv1.2' };
  }

  /**
   * Options for the mTLS server (sidecar internal listener): clients must present a certificate
   * chaining to the trust anchors. Add ALPNProtocols (['h2']) for an HTTP/2 listener.
   */
  serverTlsOptions(): TlsOptions {
    return { ...this.secureContextOptions(), requestCert: true, rejectUnauthorized: true };
  }

  /**
   * Options for an mTLS client. With `expected`, the server must be that app (verifyPeer);
   * without, any workload SPIFFE ID chaining to the anchors is accepted. Hostnames are not
   * checked: the SPIFFE ID replaces them.
   */
  clientTlsOptions(expected?: ExpectedPeer): ConnectionOptions {
    return {
      ...this.secureContextOptions(),
      rejectUnauthorized: true,
      checkServerIdentity: (_host, cert) => {
        const v = expected ? verifyPeer(expected, cert) : peerIdentityFromCertificate(cert);
        return v.ok ? undefined : Object.assign(new Error(`peer identity rejected (${v.reason}): ${v.detail}`), { code: 'ERR_CERTS_PEER_IDENTITY', reason: v.reason });
      },
    };
  }

  /** The SPIFFE identity of the peer on an mTLS socket (server side: who called). */
  peerIdentity(socket: TLSSocket): PeerIdentityResult {
    return peerIdentityFromCertificate(socket.getPeerCertificate());
  }

  private readonly renew = (): void => {
    if (this.stopped) return;
    obtainWorkloadCertificate(this.id, this.source, this.o.logger).then(
      (next) => {
        if (this.stopped) return;
        this.cert = next;
        this.o.logger.info('workload certificate rotated', { spiffe_id: this.spiffeId, not_after: next.notAfter.toISOString() });
        this.timer.arm(renewalDelayMs(Date.now(), next.notAfter.getTime()), this.renew);
        this.emit('rotated', this.current());
      },
      (e: unknown) => {
        if (this.stopped) return;
        const err = e instanceof Error ? e : new Error(String(e));
        const notAfter = this.cert?.notAfter.getTime() ?? Date.now();
        this.o.logger.error('workload certificate renewal failed; retrying', { error: err });
        this.timer.arm(retryDelayMs(Date.now(), notAfter), this.renew);
        this.emit('renewal-failed', err);
      },
    );
  };
}

export function createWorkloadIdentity(opts: WorkloadIdentityOptions): WorkloadIdentity {
  return new WorkloadIdentity(opts);
}
