/**
 * The set of root certificates a workload trusts, from a watched file or a fixed PEM.
 *
 * Overlap rule (root rotation without a restart): a new file content defines the new set; an
 * anchor the new content no longer lists is kept as *retiring* and still trusted until the
 * earlier of (a) its own expiry and (b) `graceMs` after the change (default 24 h, one default
 * workload-certificate lifetime: by then every peer certificate issued under the old root has
 * been renewed). Re-listing a retiring anchor makes it active again; graceMs 0 drops at once.
 * A content with no parseable certificate (a half-written or emptied file) is ignored: trust
 * is never dropped by accident. Emits 'changed' (trustAnchorsPem) whenever the effective set
 * changes, including when a retiring anchor ages out.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { CertsError } from '../errors';
import { TimerSlot } from '../rotation';
import { splitPemCertificates } from '../x509/pki';
import type { Logger } from '../../observability/logger';

export interface TrustAnchorsOptions {
  /** Watched PEM file (e.g. --trust-anchors-file, or <dataDir>/ca/ca.crt for the local CA). */
  file?: string;
  /** Fixed PEM (e.g. DAPR_TRUST_ANCHORS); used when no file is given. */
  pem?: string;
  graceMs?: number;
  /** How often the file is polled for changes; default 1000 ms. */
  pollIntervalMs?: number;
  logger: Logger;
}

interface Anchor {
  cert: X509Certificate;
  pem: string;
}

export const DEFAULT_ANCHORS_GRACE_MS = 24 * 3600_000;

function parseAnchors(pem: string): Map<string, Anchor> {
  const out = new Map<string, Anchor>();
  for (const p of splitPemCertificates(pem)) {
    try {
      const cert = new X509Certificate(p);
      out.set(cert.fingerprint256, { cert, pem: cert.toString() });
    } catch {
      // one bad block does not void the others; an all-bad content is rejected by the caller
    }
  }
  return out;
}

export class TrustAnchorStore extends EventEmitter {
  private active = new Map<string, Anchor>();
  private retiring = new Map<string, Anchor & { until: number }>();
  private lastDigest = '';
  private readonly expiry = new TimerSlot();
  private watching = false;
  private readonly graceMs: number;

  constructor(private readonly o: TrustAnchorsOptions) {
    super();
    this.graceMs = o.graceMs ?? DEFAULT_ANCHORS_GRACE_MS;
  }

  /** Loads the anchors (throws CertsError when there are none) and starts watching the file. */
  start(): void {
    const text = this.o.file ? this.readFile() : this.o.pem;
    if (!text || !this.apply(text, false))
      throw new CertsError('ERR_CERTS_NO_TRUST_ANCHORS', `no trust anchor certificate in ${this.o.file ?? 'the given PEM'}`);
    if (this.o.file && !this.watching) {
      this.watching = true;
      fs.watchFile(this.o.file, { interval: this.o.pollIntervalMs ?? 1000, persistent: false }, this.onFileChange);
    }
  }

  stop(): void {
    if (this.o.file && this.watching) fs.unwatchFile(this.o.file, this.onFileChange);
    this.watching = false;
    this.expiry.clear();
  }

  /** PEM of every trusted anchor (active and retiring), for tls `ca`. */
  pem(): string {
    return [...this.active.values(), ...this.retiring.values()].map((a) => a.pem).join('');
  }

  certificates(): X509Certificate[] {
    return [...this.active.values(), ...this.retiring.values()].map((a) => a.cert);
  }

  private readFile(): string | undefined {
    try {
      return fs.readFileSync(this.o.file as string, 'utf8');
    } catch (e) {
      this.o.logger.warn('cannot read trust anchors file', { file: this.o.file, error: e });
      return undefined;
    }
  }

  private readonly onFileChange = (curr: fs.Stats, prev: fs.Stats): void => {
    if (curr.mtimeMs === prev.mtimeMs && curr.ino === prev.ino && curr.size === prev.size) return;
    const text = this.readFile();
    if (text === undefined) return;
    if (!this.apply(text, true)) this.o.logger.error('trust anchors file holds no certificate; keeping the current anchors', { file: this.o.file });
  };

  /** Applies a new content; false when it holds no certificate (and nothing changed). */
  private apply(text: string, notify: boolean): boolean {
    const digest = createHash('sha256').update(text).digest('hex');
    if (digest === this.lastDigest) return true;
    const next = parseAnchors(text);
    if (next.size === 0) return false;
    this.lastDigest = digest;
    const before = this.fingerprints();
    const now = Date.now();
    for (const [fp, a] of this.active) {
      if (next.has(fp)) continue;
      const until = Math.min(now + this.graceMs, new Date(a.cert.validTo).getTime());
      if (until > now) this.retiring.set(fp, { ...a, until });
    }
    for (const fp of next.keys()) this.retiring.delete(fp);
    this.active = next;
    this.pruneAndArm(now);
    if (notify && this.fingerprints() !== before) this.changed();
    return true;
  }

  private fingerprints(): string {
    return [...this.active.keys(), ...this.retiring.keys()].sort().join(',');
  }

  private changed(): void {
    this.o.logger.info('trust anchors changed', { active: this.active.size, retiring: this.retiring.size });
    this.emit('changed', this.pem());
  }

  private pruneAndArm(now: number): boolean {
    let pruned = false;
    for (const [fp, a] of this.retiring)
      if (a.until <= now) {
        this.retiring.delete(fp);
        pruned = true;
      }
    const next = Math.min(...[...this.retiring.values()].map((a) => a.until));
    if (Number.isFinite(next))
      this.expiry.arm(next - now, () => {
        if (this.pruneAndArm(Date.now())) this.changed();
      });
    else this.expiry.clear();
    return pruned;
  }
}
