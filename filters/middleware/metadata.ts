/** Small readers for middleware Component metadata (all values arrive as strings). */
import type { ConfigIssue } from '../../proxy/contracts';

export type Metadata = Readonly<Record<string, string>>;

export function asMetadata(raw: unknown): Metadata | ConfigIssue[] {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return [{ path: 'spec.metadata', message: 'expected metadata' }];
  return raw as Metadata;
}

/** Case-insensitive lookup, as Dapr's metadata decoding is. */
export function field(md: Metadata, name: string): string | undefined {
  if (md[name] !== undefined) return md[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(md)) if (k.toLowerCase() === lower) return md[k];
  return undefined;
}
