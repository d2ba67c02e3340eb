/** Issuing test certificates from a sidecar's local CA, and a fake TLS "sidecar" that records requests. */
import tls from 'node:tls';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadCaBundle } from '../../certs/ca/ca-files';
import { CertificateAuthority } from '../../certs/ca/authority';
import { generateP256KeyPair, createRootAndIssuer } from '../../certs/x509/pki';
import { parseCaBundle } from '../../certs/ca/ca-files';

export interface TestCert {
  readonly keyPem: string;
  readonly certChainPem: string;
  readonly trustAnchorsPem: string;
}

/** A certificate signed by the local CA of `dataDir`, for any identity and lifetime. */
export async function issueFromLocalCa(dataDir: string, id: { trustDomain: string; namespace: string; appId: string }, ttlMs = 3600_000, skewMs = 60_000): Promise<TestCert> {
  const bundle = loadCaBundle(path.join(dataDir, 'ca'));
  if (!bundle) throw new Error(`no local CA in ${dataDir}`);
  const ca = new CertificateAuthority(() => bundle, { workloadCertTtlMs: ttlMs, allowedClockSkewMs: skewMs });
  const key = generateP256KeyPair();
  const issued = await ca.issueForKey(key.publicKey, id);
  return { keyPem: key.privateKeyPem, certChainPem: issued.certChainPem, trustAnchorsPem: issued.trustAnchorsPem };
}

/** A certificate from a freshly made, unrelated CA. */
export async function issueFromStrangerCa(id: { trustDomain: string; namespace: string; appId: string }): Promise<TestCert> {
  const material = await createRootAndIssuer({ trustDomain: id.trustDomain, validityMs: 3600_000 });
  const bundle = parseCaBundle(material.rootCertPem, material.issuerCertPem, material.issuerKeyPem);
  const ca = new CertificateAuthority(() => bundle);
  const key = generateP256KeyPair();
  const issued = await ca.issueForKey(key.publicKey, id);
  return { keyPem: key.privateKeyPem, certChainPem: issued.certChainPem, trustAnchorsPem: issued.trustAnchorsPem };
}

/** A TLS server posing as a sidecar with the given certificate; counts requests that got through. */
export async function startImpostor(cert: TestCert): Promise<{ port: number; requests: number; close(): Promise<void> }> {
  const state = { requests: 0 };
  const server = tls.createServer({ key: cert.keyPem, cert: cert.certChainPem, ca: cert.trustAnchorsPem, requestCert: true, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, (socket) => {
    socket.once('data', () => {
      state.requests++;
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 8\r\nconnection: close\r\n\r\nimpostor');
    });
    socket.on('error', () => undefined);
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    get requests() { return state.requests; },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Sends one HTTP/1.1 request over TLS with a client certificate; resolves the status line or the error. */
export function tlsRequest(port: number, cert: TestCert | undefined, ca: string, head: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, ...(cert ? { key: cert.keyPem, cert: cert.certChainPem } : {}), checkServerIdentity: () => undefined, ALPNProtocols: ['http/1.1'] }, () => {
      socket.write(head);
    });
    let data = '';
    socket.on('data', (c: Buffer) => { data += c.toString('utf8'); });
    socket.on('end', () => resolve(data.split('\r\n')[0] ?? ''));
    socket.on('close', () => resolve(data ? data.split('\r\n')[0] ?? '' : 'closed'));
    socket.on('error', (e) => resolve(`error: ${e.message}`));
    socket.setTimeout(5000, () => { socket.destroy(); resolve('timeout'); });
  });
}
