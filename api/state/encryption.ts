/**
 * Encryption at rest (component metadata primaryEncryptionKey / secondaryEncryptionKey, hex AES
 * keys of 16, 24 or 32 bytes, already resolved from the secret store). AES-GCM, random 12-byte
 * nonce, stored as base64(nonce ‖ ciphertext ‖ tag) + "||" + keyName, Dapr's layout. New writes use
 * the primary key; reads pick the key by name and fall back to trying the other one, so values
 * written under the old key stay readable after rotation (old primary moved to secondary).
 *
 * Key names: <field>Name metadata when the resolver provides it (the secretKeyRef key, as daprd
 * names keys), else a fingerprint of the key (first 16 hex chars of its SHA-256).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

interface Key {
  readonly name: string;
  readonly bytes: Buffer;
}

export interface StateCipher {
  encrypt(plain: Buffer): Buffer;
  /** The plaintext, or an Error (wrong key, tampered value). */
  decrypt(stored: Buffer): Buffer | Error;
}

const SEP = '||';

function loadKey(metadata: Readonly<Record<string, string>>, field: string): Key | undefined | Error {
  const hex = metadata[field]?.trim();
  if (!hex) return undefined;
  if (!/^[0-9a-fA-F]+$/.test(hex) || ![32, 48, 64].includes(hex.length)) return new Error(`${field} must be a hex-encoded AES key of 128, 192 or 256 bits`);
  const bytes = Buffer.from(hex, 'hex');
  const name = metadata[`${field}Name`]?.trim() || createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  return { name, bytes };
}

/** undefined when the component has no encryption keys; an Error for an unusable key. */
export function stateCipher(metadata: Readonly<Record<string, string>>): StateCipher | undefined | Error {
  const primary = loadKey(metadata, 'primaryEncryptionKey');
  const secondary = loadKey(metadata, 'secondaryEncryptionKey');
  if (primary instanceof Error) return primary;
  if (secondary instanceof Error) return secondary;
  if (!primary) return secondary ? new Error('secondaryEncryptionKey requires primaryEncryptionKey') : undefined;
  const keys = secondary ? [primary, secondary] : [primary];
  const algo = (k: Key): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' => (k.bytes.length === 16 ? 'aes-128-gcm' : k.bytes.length === 24 ? 'aes-192-gcm' : 'aes-256-gcm');

  const tryKey = (k: Key, raw: Buffer): Buffer | undefined => {
    if (raw.length < 12 + 16) return undefined;
    try {
      const d = createDecipheriv(algo(k), k.bytes, raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(raw.length - 16));
      return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]);
    } catch {
      return undefined;
    }
  };

  return {
    encrypt(plain) {
      const nonce = randomBytes(12);
      const c = createCipheriv(algo(primary), primary.bytes, nonce);
      const body = Buffer.concat([nonce, c.update(plain), c.final(), c.getAuthTag()]);
      return Buffer.from(body.toString('base64') + SEP + primary.name, 'utf8');
    },
    decrypt(stored) {
      const text = stored.toString('utf8');
      const at = text.lastIndexOf(SEP);
      if (at < 0) return new Error('value is not encrypted (missing key name)');
      const name = text.slice(at + SEP.length);
      const raw = Buffer.from(text.slice(0, at), 'base64');
      const ordered = [...keys.filter((k) => k.name === name), ...keys.filter((k) => k.name !== name)];
      for (const k of ordered) {
        const plain = tryKey(k, raw);
        if (plain) return plain;
      }
      return new Error(`failed to decrypt value: no configured key (named ${name}) can open it`);
    },
  };
}
