/**
 * A throw-away CA plus one server and one client certificate (ECDSA P-256, like Dapr's Sentry)
 * generated with openssl into the run's temp dir. SANs: localhost, 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertSet {
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args, { timeout: 20_000 });
}

export async function generateCerts(dir: string): Promise<CertSet> {
  const f = (n: string): string => join(dir, n);
  const ext = f('leaf.ext');
  await writeFile(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n');
  const key = (out: string): Promise<void> => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', out]);
  await Promise.all([key(f('ca.key')), key(f('server.key')), key(f('client.key'))]);
  await openssl(['req', '-x509', '-new', '-key', f('ca.key'), '-subj', '/CN=outrigger-bench-ca', '-days', '2',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', f('ca.crt')]);
  for (const who of ['server', 'client']) {
    await openssl(['req', '-new', '-key', f(`${who}.key`), '-subj', `/CN=localhost`, '-out', f(`${who}.csr`)]);
    await openssl(['x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial',
      '-days', '2', '-extfile', ext, '-out', f(`${who}.crt`)]);
  }
  return { ca: f('ca.crt'), serverCert: f('server.crt'), serverKey: f('server.key'), clientCert: f('client.crt'), clientKey: f('client.key') };
}
