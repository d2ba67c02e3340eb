/**
 * Turns GET /v1/health/service/<appId>?passing=true entries into endpoints of the target sidecars'
 * internal port. An entry counts only when
 *   - its service name is the app id asked for (the endpoint's appId always matches the request),
 *   - every check on it is "passing" (again, even though the query asked Consul for that),
 *   - meta[daprPortMetaKey] holds a valid port (that is the internal port; Service.Port is the app's),
 *   - it is not a stale registration of another app at this sidecar's own address.
 * Host: Service.Address, else the node's Address.
 */
import type { Endpoint } from '../contract';

export interface EntryFilter {
  readonly appId: string;
  readonly daprPortMetaKey: string;
  /** "host|port" of this sidecar's internal listener and its app id, once registered. */
  readonly self?: { readonly key: string; readonly appId: string };
}

export interface Conversion {
  readonly endpoints: Endpoint[];
  /** Entries dropped and why, for logs and the "found but unusable" message. */
  readonly skipped: string[];
}

function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function endpointsFromEntries(entries: unknown, f: EntryFilter): Conversion {
  const endpoints: Endpoint[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  if (!Array.isArray(entries)) return { endpoints, skipped: ['response is not a list'] };
  for (const raw of entries) {
    const entry = rec(raw);
    const service = rec(entry.Service);
    const node = rec(entry.Node);
    const id = str(service.ID) || '?';
    if (str(service.Service) !== f.appId) {
      skipped.push(`${id}: service name "${str(service.Service)}" is not "${f.appId}"`);
      continue;
    }
    const checks = Array.isArray(entry.Checks) ? entry.Checks.map(rec) : [];
    const failing = checks.find((c) => str(c.Status) !== 'passing');
    if (failing) {
      skipped.push(`${id}: check "${str(failing.Name) || str(failing.CheckID)}" is ${str(failing.Status) || 'unknown'}`);
      continue;
    }
    const portText = rec(service.Meta)[f.daprPortMetaKey];
    const port = typeof portText === 'string' && /^\d+$/.test(portText) ? Number(portText) : typeof portText === 'number' ? portText : NaN;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      skipped.push(`${id}: meta ${f.daprPortMetaKey} is ${portText === undefined ? 'missing' : JSON.stringify(portText)}`);
      continue;
    }
    const host = str(service.Address) || str(node.Address);
    if (!host) {
      skipped.push(`${id}: no service or node address`);
      continue;
    }
    const key = `${host}|${port}`;
    if (f.self && f.self.key === key && f.self.appId !== f.appId) {
      skipped.push(`${id}: ${host}:${port} is this sidecar's own address (app id "${f.self.appId}"): stale registration`);
      continue;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    endpoints.push({ host, port, appId: f.appId });
  }
  return { endpoints, skipped };
}

export function endpointsKey(endpoints: readonly Endpoint[]): string {
  return endpoints.map((e) => `${e.host}|${e.port}`).sort().join(',');
}
