/**
 * Dapr's key prefixing (component metadata keyPrefix, separator "||"):
 * appid (default) → "<appId>||key"; name → "<store>||key"; namespace → "<ns>.<appId>||key";
 * none → bare key; anything else X → "X||key". Keys (and custom prefixes) may not contain "||".
 */
export const SEPARATOR = '||';

export interface KeyPrefixer {
  /** The prefix including the separator, '' for none. */
  readonly prefix: string;
  /** Prefixed key, or an error message when the key is illegal. */
  modify(key: string): { ok: true; key: string } | { ok: false; message: string };
  /** The caller's key from a stored one (everything after the first "||"). */
  original(stored: string): string;
}

export function keyPrefixer(strategy: string | undefined, storeName: string, appId: string, namespace: string): KeyPrefixer {
  const s = (strategy ?? 'appid').trim();
  let base: string;
  switch (s.toLowerCase()) {
    case '':
    case 'appid': base = appId; break;
    case 'name': base = storeName; break;
    case 'namespace': base = appId ? (namespace ? `${namespace}.${appId}` : appId) : ''; break;
    case 'none': base = ''; break;
    default: base = s;
  }
  const prefix = base ? base + SEPARATOR : '';
  const badPrefix = base.includes(SEPARATOR);
  return {
    prefix,
    modify(key) {
      if (badPrefix) return { ok: false, message: `input key/keyPrefix '${base}' can't contain '${SEPARATOR}'` };
      if (key.includes(SEPARATOR)) return { ok: false, message: `input key/keyPrefix '${key}' can't contain '${SEPARATOR}'` };
      return { ok: true, key: prefix + key };
    },
    original(stored) {
      const i = stored.indexOf(SEPARATOR);
      return i < 0 ? stored : stored.slice(i + SEPARATOR.length);
    },
  };
}
