/**
 * How SQL drivers lay values out the way Dapr's own stores do: JSON values stored as JSON text,
 * anything else stored as the JSON string of its base64 with an is-binary flag. Reads give back
 * the exact bytes for binary values and the stored JSON text otherwise.
 */

export interface EncodedValue {
  /** JSON text to store. */
  readonly text: string;
  readonly isBinary: boolean;
}

export function encodeValue(value: Buffer): EncodedValue {
  const text = value.toString('utf8');
  if (looksLikeJson(text)) {
    try {
      JSON.parse(text);
      // Round-trip check: invalid UTF-8 would not survive the text column.
      if (Buffer.byteLength(text) === value.length) return { text, isBinary: false };
    } catch {
      /* not JSON: binary */
    }
  }
  return { text: JSON.stringify(value.toString('base64')), isBinary: true };
}

export function decodeValue(text: string, isBinary: boolean | number): Buffer {
  if (isBinary) {
    const b64 = JSON.parse(text) as unknown;
    return Buffer.from(typeof b64 === 'string' ? b64 : '', 'base64');
  }
  return Buffer.from(text, 'utf8');
}

function looksLikeJson(text: string): boolean {
  const c = text.trimStart().charCodeAt(0);
  // { [ " digit - t f n
  return c === 123 || c === 91 || c === 34 || (c >= 48 && c <= 57) || c === 45 || c === 116 || c === 102 || c === 110;
}
