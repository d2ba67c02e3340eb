/**
 * The Sentry gRPC server: dapr.proto.sentry.v1.CA/SignCertificate served by Connect on a node:http2
 * TLS server. Its own certificate is an SVID for spiffe://<td>/ns/<namespace>/dapr-sentry issued by
 * the same issuer, renewed at half-life with setSecureContext. Clients do not present certificates
 * (a sidecar asking for its first one has none); they authenticate with the token.
 */
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { CertificateAuthority, type AuthorityOptions, type IssuedCertificate } from '../ca/authority';
import { loadOrCreateCaBundle } from '../ca/ca-files';
import { renewalDelayMs, retryDelayMs, TimerSlot } from '../rotation';
import { generateP256KeyPair } from '../x509/pki';
import { CA, SignCertificateResponseSchema } from './proto';
import { createSignService, type SignStatus } from './sign-service';
import type { TokenPolicy } from './token-policy';
import type { Logger } from '../../observability/logger';

export const SENTRY_APP_ID = 'dapr-sentry';

export interface SentryServerOptions extends AuthorityOptions {
  /** Directory with ca.crt, issuer.crt, issuer.key; generated and persisted there if absent. */
  credentialsDir: string;
  trustDomain: string;
  /** Namespace in Sentry's own SPIFFE ID; default 'default'. */
  namespace?: string;
  policy?: TokenPolicy;
  insecure?: boolean;
  port: number;
  /** Default '0.0.0.0'. */
  host?: string;
  logger: Logger;
}

export interface SentryServer {
  readonly port: number;
  readonly trustAnchorsPem: string;
  /** True when this start generated the CA credentials. */
  readonly caCreated: boolean;
  /** Sentry's current serving certificate (leaf + chain). */
  serverCertificate(): IssuedCertificate;
  close(): Promise<void>;
}

const statusCode: Record<SignStatus, Code> = {
  'invalid-argument': Code.InvalidArgument,
  unauthenticated: Code.Unauthenticated,
  'permission-denied': Code.PermissionDenied,
};

export async function startSentryServer(o: SentryServerOptions): Promise<SentryServer> {
  const log = o.logger;
  const { bundle, created } = await loadOrCreateCaBundle(o.credentialsDir, { trustDomain: o.trustDomain });
  log.info(created ? 'generated and persisted CA credentials' : 'loaded CA credentials', {
    dir: o.credentialsDir,
    issuer_not_after: bundle.issuerCert.validTo,
  });
  const ca = new CertificateAuthority(() => bundle, o);
  const sign = createSignService({ ca, trustDomain: o.trustDomain, policy: o.policy, insecure: o.insecure, logger: log });
  const namespace = o.namespace ?? 'default';

  const issueOwn = async (): Promise<{ cert: IssuedCertificate; keyPem: string }> => {
    const key = generateP256KeyPair();
    const dns = ['localhost', SENTRY_APP_ID, `${SENTRY_APP_ID}.${namespace}.svc`, `${SENTRY_APP_ID}.${namespace}.svc.cluster.local`];
    const cert = await ca.issueForKey(key.publicKey, { trustDomain: o.trustDomain, namespace, appId: SENTRY_APP_ID }, dns);
    return { cert, keyPem: key.privateKeyPem };
  };
  let own = await issueOwn();

  const routes = (router: ConnectRouter): void => {
    router.service(CA, {
      signCertificate: async (req) => {
        const res = await sign({ id: req.id, namespace: req.namespace, trustDomain: req.trustDomain, token: req.token, csr: req.certificateSigningRequest });
        if (!res.ok) throw new ConnectError(res.reason, statusCode[res.status]);
        return create(SignCertificateResponseSchema, {
          workloadCertificate: Buffer.from(res.cert.certChainPem),
          trustChainCertificates: [Buffer.from(res.cert.trustAnchorsPem)],
          validUntil: timestampFromDate(res.cert.notAfter),
        });
      },
    });
  };
  const server = http2.createSecureServer(
    { key: own.keyPem, cert: own.cert.certChainPem, allowHTTP1: false, minVersion: 'TLSv1.2' },
    connectNodeAdapter({ routes, grpc: true, grpcWeb: false, connect: false }),
  );
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s: http2.ServerHttp2Session) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });

  const timer = new TimerSlot();
  const renew = (): void => {
    issueOwn().then(
      (next) => {
        own = next;
        server.setSecureContext({ key: own.keyPem, cert: own.cert.certChainPem });
        log.info('renewed sentry serving certificate', { not_after: own.cert.notAfter.toISOString() });
        timer.arm(renewalDelayMs(Date.now(), own.cert.notAfter.getTime()), renew);
      },
      (e: unknown) => {
        log.error('renewing sentry serving certificate failed', { error: e });
        timer.arm(retryDelayMs(Date.now(), own.cert.notAfter.getTime()), renew);
      },
    );
  };
  timer.arm(renewalDelayMs(Date.now(), own.cert.notAfter.getTime()), renew);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info('sentry listening', { port, trust_domain: o.trustDomain, spiffe_id: own.cert.spiffeId });

  return {
    port,
    trustAnchorsPem: bundle.trustAnchorsPem,
    caCreated: created,
    serverCertificate: () => own.cert,
    close: () =>
      new Promise<void>((resolve) => {
        timer.clear();
        for (const s of sessions) s.close();
        server.close(() => resolve());
        // Sessions that do not finish in time are cut.
        setTimeout(() => sessions.forEach((s) => s.destroy()), 2_000).unref();
      }),
  };
}
