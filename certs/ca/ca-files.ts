/**
 * CA credentials on disk, in Dapr's layout: <dir>/ca.crt (trust anchors, the root(s)),
 * <dir>/issuer.crt (issuer certificate, optionally followed by intermediates up to a root) and
 * <dir>/issuer.key (PEM, PKCS#8 or SEC1). Used by `outrigger sentry --issuer-credentials` and by
 * the sidecar's local CA (<dataDir>/ca), so one can later point a Sentry at a sidecar's CA dir.
 *
 * Creation is race-safe for a dir that does not exist yet (several sidecars sharing a dataDir
 * start at once): the files are written into a temporary sibling dir that is renamed into place;
 * the loser of the rename loads the winner's files.
 */
import { X509Certificate, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CertsError } from '../errors';
import { createRootAndIssuer, splitPemCertificates } from '../x509/pki';

export const CA_FILES = { trustAnchors: 'ca.crt', issuerCert: 'issuer.crt', issuerKey: 'issuer.key' } as const;

export interface CaBundle {
  /** PEM of the roots (ca.crt): what peers and workloads trust. */
  trustAnchorsPem: string;
  /** PEM of the issuer followed by any intermediates (issuer.crt), the chain sent with leaves. */
  issuerChainPem: string;
  issuerCertPem: string;
  issuerKey: KeyObject;
  issuerCert: X509Certificate;
}

export interface CreateCaOptions {
  trustDomain: string;
  /** Validity of a generated root and issuer; default 1 year. */
  validityMs?: number;
}

const YEAR_MS = 365 * 24 * 3600_000;

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Parses and checks a CA bundle from PEM texts; throws CertsError with the reason. */
export function parseCaBundle(trustAnchorsPem: string, issuerChainPem: string, issuerKeyPem: string, now = new Date()): CaBundle {
  const roots = splitPemCertificates(trustAnchorsPem).map((p) => parseCert(p, CA_FILES.trustAnchors));
  if (roots.length === 0) throw new CertsError('ERR_CERTS_BAD_PEM', `${CA_FILES.trustAnchors} holds no certificate`);
  const chainPems = splitPemCertificates(issuerChainPem);
  const chain = chainPems.map((p) => parseCert(p, CA_FILES.issuerCert));
  const issuerCert = chain[0];
  if (!issuerCert) throw new CertsError('ERR_CERTS_BAD_PEM', `${CA_FILES.issuerCert} holds no certificate`);
  let issuerKey: KeyObject;
  try {
    issuerKey = createPrivateKey(issuerKeyPem);
  } catch (e) {
    throw new CertsError('ERR_CERTS_BAD_PEM', `${CA_FILES.issuerKey}: ${(e as Error).message}`);
  }
  if (!issuerCert.ca) throw new CertsError('ERR_CERTS_CA_INVALID', 'the issuer certificate is not a CA');
  if (!issuerCert.checkPrivateKey(issuerKey)) throw new CertsError('ERR_CERTS_CA_INVALID', 'issuer.key does not match issuer.crt');
  if (now.getTime() > new Date(issuerCert.validTo).getTime())
    throw new CertsError('ERR_CERTS_CA_INVALID', `the issuer certificate expired at ${issuerCert.validTo}`);
  for (let i = 0; i + 1 < chain.length; i++) {
    const child = chain[i] as X509Certificate;
    const parent = chain[i + 1] as X509Certificate;
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey))
      throw new CertsError('ERR_CERTS_CA_INVALID', `issuer.crt: certificate ${i} is not signed by certificate ${i + 1}`);
  }
  const top = chain[chain.length - 1] as X509Certificate;
  const anchored = roots.some((r) => r.fingerprint256 === top.fingerprint256 || (top.checkIssued(r) && top.verify(r.publicKey)));
  if (!anchored) throw new CertsError('ERR_CERTS_CA_INVALID', 'issuer.crt does not chain to a certificate in ca.crt');
  return {
    trustAnchorsPem: roots.map((r) => r.toString()).join(''),
    issuerChainPem: chain.map((c) => c.toString()).join(''),
    issuerCertPem: issuerCert.toString(),
    issuerKey,
    issuerCert,
  };
}

function parseCert(pem: string, file: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (e) {
    throw new CertsError('ERR_CERTS_BAD_PEM', `${file}: ${(e as Error).message}`);
  }
}

/** Loads the bundle in dir; undefined when none of the three files exists. */
export function loadCaBundle(dir: string): CaBundle | undefined {
  const texts = [CA_FILES.trustAnchors, CA_FILES.issuerCert, CA_FILES.issuerKey].map((f) => readIfExists(path.join(dir, f)));
  const present = texts.filter((t) => t !== undefined).length;
  if (present === 0) return undefined;
  if (present < 3)
    throw new CertsError('ERR_CERTS_CA_INCOMPLETE', `${dir} must hold all of ca.crt, issuer.crt and issuer.key (found ${present} of 3)`);
  const [anchors, issuer, key] = texts as [string, string, string];
  return parseCaBundle(anchors, issuer, key);
}

export interface LoadedCa {
  bundle: CaBundle;
  /** True when this call generated and persisted the credentials. */
  created: boolean;
}

/** Loads the CA credentials from dir, generating and persisting a self-signed set if absent. */
export async function loadOrCreateCaBundle(dir: string, opts: CreateCaOptions): Promise<LoadedCa> {
  const existing = loadCaBundle(dir);
  if (existing) return { bundle: existing, created: false };
  const m = await createRootAndIssuer({ trustDomain: opts.trustDomain, validityMs: opts.validityMs ?? YEAR_MS });
  const files: [string, string, number][] = [
    [CA_FILES.issuerKey, m.issuerKeyPem, 0o600],
    [CA_FILES.issuerCert, m.issuerCertPem, 0o644],
    [CA_FILES.trustAnchors, m.rootCertPem, 0o644],
  ];
  if (fs.existsSync(dir)) {
    // Existing (e.g. mounted) dir: exclusive creates; losing to a concurrent writer means
    // waiting for its files to be complete and loading them.
    try {
      for (const [name, text, mode] of files) fs.writeFileSync(path.join(dir, name), text, { flag: 'wx', mode });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      return { bundle: await waitForCompleteBundle(dir), created: false };
    }
  } else {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    fs.mkdirSync(tmp, { mode: 0o700 });
    for (const [name, text, mode] of files) fs.writeFileSync(path.join(tmp, name), text, { mode });
    try {
      fs.renameSync(tmp, dir);
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw e;
      const winner = loadCaBundle(dir);
      if (winner) return { bundle: winner, created: false };
      throw e;
    }
  }
  return { bundle: parseCaBundle(m.rootCertPem, m.issuerCertPem, m.issuerKeyPem), created: true };
}

async function waitForCompleteBundle(dir: string, timeoutMs = 5_000): Promise<CaBundle> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const b = loadCaBundle(dir);
      if (b) return b;
    } catch (e) {
      const incomplete = e instanceof CertsError && (e.code === 'ERR_CERTS_CA_INCOMPLETE' || e.code === 'ERR_CERTS_BAD_PEM');
      if (!incomplete || Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline) throw new CertsError('ERR_CERTS_CA_INCOMPLETE', `${dir}: CA files did not appear`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
