/**
 * The handshake scenario's pieces: two callee sidecars (one --enable-mtls on the run's shared
 * --data-dir, one plain), a client certificate issued by the same local CA (<dataDir>/ca), and
 * one new connection to a sidecar's internal port, timed: connect (TCP, or full TLS handshake with
 * the client certificate, no session resumption) and the first byte of the answer to one small
 * HTTP/1.1 request (in TLS 1.3 the server checks the client certificate after the client's
 * handshake is done, so only the first answer proves it was accepted).
 */
import net from 'node:net';
import tls from 'node:tls';
import { join } from 'node:path';
import { CertificateAuthority } from '../../certs/ca/authority';
import { loadCaBundle } from '../../certs/ca/ca-files';
import { peerIdentityFromCertificate } from '../../certs/spiffe';
import { generateP256KeyPair } from '../../certs/x509/pki';
import { emptyResources } from './outrigger-config';
import { sidecarDataDir, startSidecar } from './sidecar';
import type { Launched } from '../proc/processes';
import type { TargetContext } from './types';

export interface HandshakeSidecars {
  readonly mtls: { proc: Launched; internalPort: number };
  readonly plain: { proc: Launched; internalPort: number };
  /** Client TLS options: certificate from the sidecars' local CA, SPIFFE check of the server. */
  readonly clientTls: tls.ConnectionOptions;
  readonly clientSpiffeId: string;
}

export async function startHandshakeSidecars(ctx: TargetContext): Promise<{ ok: true; s: HandshakeSidecars } | { ok: false; reason: string }> {
  const resourcesPath = await emptyResources(join(ctx.tmpDir, 'handshake'));
  const m = await startSidecar(ctx, 'handshake-mtls', { appId: 'bench-handshake-callee', resourcesPath, mtls: true });
  if (!m.ok) return m;
  const p = await startSidecar(ctx, 'handshake-plain', { appId: 'bench-handshake-plain', resourcesPath, mtls: false });
  if (!p.ok) {
    await m.proc.stop();
    return p;
  }
  try {
    const caDir = join(sidecarDataDir(ctx), 'ca');
    const bundle = loadCaBundle(caDir);
    if (!bundle) throw new Error(`no local CA in ${caDir} after the mTLS sidecar started`);
    const key = generateP256KeyPair();
    const cert = await new CertificateAuthority(() => bundle).issueForKey(key.publicKey, { trustDomain: 'public', namespace: 'default', appId: 'bench-handshake-client' });
    const clientTls: tls.ConnectionOptions = {
      // Built once, as a connection pool would: each connection then costs the handshake, not PEM parsing.
      secureContext: tls.createSecureContext({ key: key.privateKeyPem, cert: cert.certChainPem, ca: cert.trustAnchorsPem, minVersion: 'TLSv1.2' }),
      ALPNProtocols: ['http/1.1'],
      rejectUnauthorized: true,
      // As the sidecar's own client: the SPIFFE ID replaces the host name.
      checkServerIdentity: (_host, c) => {
        const v = peerIdentityFromCertificate(c);
        return v.ok ? undefined : new Error(`server identity rejected: ${v.detail}`);
      },
    };
    return { ok: true, s: { mtls: { proc: m.proc, internalPort: m.ports.internal }, plain: { proc: p.proc, internalPort: p.ports.internal }, clientTls, clientSpiffeId: cert.spiffeId } };
  } catch (e) {
    await Promise.all([m.proc.stop(), p.proc.stop()]);
    return { ok: false, reason: `client certificate: ${(e as Error).message}` };
  }
}

export type ConnectOutcome =
  | { readonly ok: true; readonly connectNs: bigint; readonly firstByteNs: bigint; readonly protocol?: string; readonly cipher?: string }
  | { readonly ok: false; readonly error: string };

const REQUEST = 'GET /v1.0/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';

/** One new connection, bounded by timeoutMs; the socket is destroyed before this resolves. */
export function connectOnce(port: number, clientTls: tls.ConnectionOptions | undefined, timeoutMs: number): Promise<ConnectOutcome> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    let connectNs: bigint | undefined;
    const sock: net.Socket = clientTls ? tls.connect({ host: '127.0.0.1', port, ...clientTls }) : net.connect({ host: '127.0.0.1', port });
    let done = false;
    const finish = (o: ConnectOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => finish({ ok: false, error: `no answer in ${timeoutMs} ms` }), timeoutMs);
    sock.setNoDelay(true);
    sock.once(clientTls ? 'secureConnect' : 'connect', () => {
      connectNs = process.hrtime.bigint() - t0;
      sock.write(REQUEST);
    });
    sock.once('data', () => {
      const firstByteNs = process.hrtime.bigint() - t0;
      if (connectNs === undefined) return finish({ ok: false, error: 'data before connect' });
      const t = sock instanceof tls.TLSSocket ? sock : undefined;
      finish({ ok: true, connectNs, firstByteNs, ...(t ? { protocol: t.getProtocol() ?? undefined, cipher: t.getCipher()?.name } : {}) });
    });
    sock.once('error', (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.code ?? e.message }));
    sock.once('close', () => finish({ ok: false, error: 'closed before any answer' }));
  });
}
