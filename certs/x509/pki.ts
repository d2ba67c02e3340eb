/**
 * X.509 building blocks: P-256 keys, CA certificates, CSRs and SPIFFE leaf certificates.
 *
 * Node's crypto makes keys and parses/verifies certificates but cannot *create* them, and
 * node-forge cannot sign with ECDSA; @peculiar/x509 (ASN.1 via @peculiar/asn1-*, signing via
 * WebCrypto) creates them. Keys are Node KeyObjects at the edges, PEM on disk and in TLS options.
 */
import 'reflect-metadata'; // @peculiar/x509 (tsyringe) needs a Reflect metadata polyfill first
import * as x509 from '@peculiar/x509';
import { createPublicKey, generateKeyPairSync, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { CertsError } from '../errors';

// Node's WebCrypto; typed `never` because the lib types it with the DOM `Crypto`, absent from our libs.
x509.cryptoProvider.set(webcrypto as never);
const subtle = webcrypto.subtle;

type SigningAlgorithm = { name: 'ECDSA'; hash: 'SHA-256' | 'SHA-384' } | { name: 'RSASSA-PKCS1-v1_5'; hash: 'SHA-256' };
interface SigningKey {
  key: webcrypto.CryptoKey;
  algorithm: SigningAlgorithm;
}

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** PKCS#8 "PRIVATE KEY" PEM. */
  privateKeyPem: string;
}

/** A fresh ECDSA P-256 key pair (the only key type Outrigger issues). */
export function generateP256KeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** True when the key is an EC key on P-256 (prime256v1). */
export function isP256(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

/**
 * Turns a Node private key into a WebCrypto signing key. Issuer keys loaded from files may be
 * EC P-256/P-384 or RSA (Dapr accepts operator-provided issuers); generated ones are P-256.
 */
async function toSigningKey(privateKey: KeyObject): Promise<SigningKey> {
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  if (privateKey.asymmetricKeyType === 'ec') {
    const curve = privateKey.asymmetricKeyDetails?.namedCurve;
    const namedCurve = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : undefined;
    if (!namedCurve) throw new CertsError('ERR_CERTS_CA_INVALID', `unsupported issuer EC curve ${String(curve)}`);
    const key = await subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve }, false, ['sign']);
    return { key, algorithm: { name: 'ECDSA', hash: namedCurve === 'P-256' ? 'SHA-256' : 'SHA-384' } };
  }
  if (privateKey.asymmetricKeyType === 'rsa') {
    const key = await subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    return { key, algorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } };
  }
  throw new CertsError('ERR_CERTS_CA_INVALID', `unsupported issuer key type ${String(privateKey.asymmetricKeyType)}`);
}

async function toPeculiarPublicKey(publicKey: KeyObject): Promise<x509.PublicKey> {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return new x509.PublicKey(new Uint8Array(spki));
}

/** Positive random 128-bit serial as hex (RFC 5280: at most 20 octets, positive). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

export interface CaMaterial {
  /** Self-signed root(s): the trust anchors. */
  rootCertPem: string;
  /** Intermediate that signs workload certificates. */
  issuerCertPem: string;
  issuerKeyPem: string;
}

/**
 * A self-signed P-256 root and an issuer (intermediate, pathLen 0) signed by it. The root key is
 * discarded, as Dapr's Sentry does in self-signed mode: rotating the issuer means a new root.
 */
export async function createRootAndIssuer(opts: { trustDomain: string; validityMs: number }): Promise<CaMaterial> {
  const now = Date.now();
  const notBefore = new Date(now - 5 * 60_000);
  const notAfter = new Date(now + opts.validityMs);
  const root = generateP256KeyPair();
  const rootSigning = await toSigningKey(root.privateKey);
  const rootPublic = await toPeculiarPublicKey(root.publicKey);
  const rootName = `CN=outrigger-root-ca, O=${escapeDnValue(opts.trustDomain)}`;
  const rootCert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: rootName,
    issuer: rootName,
    notBefore,
    notAfter,
    publicKey: rootPublic,
    signingKey: rootSigning.key as never,
    signingAlgorithm: rootSigning.algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootPublic),
    ],
  });
  const issuer = generateP256KeyPair();
  const issuerPublic = await toPeculiarPublicKey(issuer.publicKey);
  const issuerCert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=outrigger-issuer-ca, O=${escapeDnValue(opts.trustDomain)}`,
    issuer: rootCert.subject,
    notBefore,
    notAfter,
    publicKey: issuerPublic,
    signingKey: rootSigning.key as never,
    signingAlgorithm: rootSigning.algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(issuerPublic),
      await x509.AuthorityKeyIdentifierExtension.create(rootPublic),
    ],
  });
  return { rootCertPem: rootCert.toString('pem') + '\n', issuerCertPem: issuerCert.toString('pem') + '\n', issuerKeyPem: issuer.privateKeyPem };
}

function escapeDnValue(v: string): string {
  return v.replace(/([,+"\\<>;=])/g, '\\$1');
}

/** A PKCS#10 CSR carrying the SPIFFE ID as URI SAN, signed by the P-256 key. */
export async function createCsr(key: KeyPair, spiffeId: string): Promise<string> {
  const der = key.privateKey.export({ type: 'pkcs8', format: 'der' });
  const pub = key.publicKey.export({ type: 'spki', format: 'der' });
  const keys = {
    privateKey: await subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']),
    publicKey: await subtle.importKey('spki', pub, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']),
  };
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    keys: keys as never,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }])],
  });
  return csr.toString('pem') + '\n';
}

export type CsrCheck = { ok: true; publicKey: KeyObject } | { ok: false; reason: string };

/**
 * Parses a PEM (or DER) CSR, checks its self-signature and that its key is ECDSA P-256. The
 * subject and SANs asked for are ignored: the CA decides the identity from the authenticated
 * request, never from the CSR.
 */
export async function checkCsr(csr: string | Uint8Array): Promise<CsrCheck> {
  let req: x509.Pkcs10CertificateRequest;
  try {
    req = new x509.Pkcs10CertificateRequest(typeof csr === 'string' ? csr : looksLikePem(csr) ? Buffer.from(csr).toString('utf8') : new Uint8Array(csr));
  } catch (e) {
    return { ok: false, reason: `cannot parse CSR: ${(e as Error).message}` };
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(req.publicKey.rawData), format: 'der', type: 'spki' });
  } catch (e) {
    return { ok: false, reason: `cannot read CSR public key: ${(e as Error).message}` };
  }
  if (!isP256(publicKey)) return { ok: false, reason: 'CSR key must be ECDSA P-256' };
  if (!(await req.verify().catch(() => false))) return { ok: false, reason: 'CSR signature does not verify' };
  return { ok: true, publicKey };
}

function looksLikePem(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 11)).toString('latin1') === '-----BEGIN ';
}

export interface LeafParams {
  issuerCertPem: string;
  issuerKey: KeyObject;
  publicKey: KeyObject;
  spiffeId: string;
  dnsNames?: string[];
  notBefore: Date;
  notAfter: Date;
}

/**
 * An X.509-SVID: exactly one URI SAN (the SPIFFE ID), not a CA, digitalSignature +
 * keyEncipherment, serverAuth + clientAuth (one certificate serves both sides of mTLS).
 */
export async function signLeaf(p: LeafParams): Promise<string> {
  const issuerCert = new x509.X509Certificate(p.issuerCertPem);
  const signing = await toSigningKey(p.issuerKey);
  const names: { type: 'url' | 'dns'; value: string }[] = [{ type: 'url', value: p.spiffeId }];
  for (const d of p.dnsNames ?? []) names.push({ type: 'dns', value: d });
  const publicKey = await toPeculiarPublicKey(p.publicKey);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: '',
    issuer: issuerCert.subject,
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    publicKey,
    signingKey: signing.key as never,
    signingAlgorithm: signing.algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      // SPIFFE: an SVID with an empty subject must mark the SAN critical.
      new x509.SubjectAlternativeNameExtension(names, true),
      await x509.AuthorityKeyIdentifierExtension.create(issuerCert.publicKey),
    ],
  });
  return cert.toString('pem') + '\n';
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Splits a PEM bundle into its certificates (each ending with a newline). */
export function splitPemCertificates(pem: string): string[] {
  return (pem.match(PEM_CERT) ?? []).map((c) => c + '\n');
}
