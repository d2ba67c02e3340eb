/**
 * Configuration spec.api.allowed / spec.api.denied, as daprd applies them: rules are split by
 * protocol (a rule without `protocol` is an HTTP rule); per protocol, no allow list = everything
 * allowed, an allow list = only those, and a deny entry beats an allow entry. Versions are
 * accepted in either spelling ("v1.0" or "v1", "v1.0-alpha1" or "v1alpha1"). healthz is always
 * served unless explicitly denied. Decisions are precomputed into sets at build time.
 */
import type { ApiFilter } from '../../api/router';
import type { ConfigurationSpec } from '../../config/schemas/configuration';

type Rule = { readonly name: string; readonly version: string; readonly protocol?: 'http' | 'grpc' | undefined };

/** "v1.0" -> "v1", "v1.0-alpha1" -> "v1alpha1", "v1.0-beta1" -> "v1beta1"; others unchanged. */
export function canonicalApiVersion(v: string): string {
  const m = /^v(\d+)\.0(?:-(alpha|beta)(\d+))?$/.exec(v.trim());
  if (!m) return v.trim();
  return `v${m[1]}${m[2] ? m[2] + m[3] : ''}`;
}

function key(name: string, version: string): string {
  return `${name}/${canonicalApiVersion(version)}`;
}

interface ProtocolLists {
  readonly allowed?: ReadonlySet<string>;
  readonly denied: ReadonlySet<string>;
}

function split(rules: readonly Rule[] | undefined, protocol: 'http' | 'grpc'): Set<string> | undefined {
  if (!rules) return undefined;
  const out = new Set<string>();
  for (const r of rules) if ((r.protocol ?? 'http') === protocol) out.add(key(r.name, r.version));
  return out;
}

function lists(api: ConfigurationSpec['api'], protocol: 'http' | 'grpc'): ProtocolLists {
  const allowed = split(api?.allowed, protocol);
  return { ...(allowed && allowed.size > 0 ? { allowed } : {}), denied: split(api?.denied, protocol) ?? new Set() };
}

/** The ApiFilter for ApiRouter, the invoke fallback and the gRPC API (see grpcApiOf). */
export function createApiFilter(api: ConfigurationSpec['api'] | undefined): ApiFilter {
  if (!api || ((api.allowed?.length ?? 0) === 0 && (api.denied?.length ?? 0) === 0)) return () => true;
  const byProtocol = { http: lists(api, 'http'), grpc: lists(api, 'grpc') };
  const cache = new Map<string, boolean>();
  return (name, version, protocol) => {
    const k = `${protocol}:${name}/${version}`;
    const hit = cache.get(k);
    if (hit !== undefined) return hit;
    const l = byProtocol[protocol];
    const id = key(name, version);
    let ok: boolean;
    if (l.denied.has(id)) ok = false;
    else if (name === 'healthz') ok = true;
    else ok = !l.allowed || l.allowed.has(id);
    cache.set(k, ok);
    return ok;
  };
}
