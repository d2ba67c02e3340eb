/**
 * The service registration a sidecar sends to its Consul agent (PUT /v1/agent/service/register),
 * as Dapr builds it:
 *   Name = app id, ID = "<appId>-<host>-<daprHttpPort>", Address = host, Port = the APP port,
 *   Meta = configured meta + { [daprPortMetaKey]: internal port }, Tags = configured tags,
 *   Checks = configured checks, or one HTTP check every 15s on
 *   http://<host>:<daprHttpPort>/v1.0/healthz?appid=<appId>.
 * The default check is also what keeps stale registrations out of lookups: a sidecar answers that
 * healthz with an error when ?appid= is not its own app id, so a registration whose address now
 * belongs to another app fails its check and stops being "passing".
 * advancedRegistration replaces all of this. In every string value ${APP_ID}, ${NAMESPACE},
 * ${HOST_ADDRESS}, ${DAPR_HTTP_PORT}, ${DAPR_GRPC_PORT}, ${DAPR_PORT} (internal) and ${APP_PORT} are
 * replaced by this sidecar's values (unknown ${...} are left alone).
 */
import type { SelfRegistration } from '../contract';
import type { ConsulOptions, Json } from './options';

export const DEFAULT_CHECK_INTERVAL = '15s';

/** Keys as the consul client expects them (it lower-cases keys; nested checks are normalised too). */
export interface ServiceRegistration extends Json {
  readonly name: string;
  readonly id: string;
}

export function registrationVariables(self: SelfRegistration): Record<string, string> {
  return {
    APP_ID: self.appId,
    NAMESPACE: self.namespace,
    HOST_ADDRESS: self.host,
    DAPR_HTTP_PORT: String(self.httpPort),
    DAPR_GRPC_PORT: String(self.grpcPort),
    DAPR_PORT: String(self.internalPort),
    APP_PORT: self.appPort !== undefined ? String(self.appPort) : '',
  };
}

/** Deep copy with ${NAME} replaced in every string. */
export function substitute<T>(value: T, vars: Readonly<Record<string, string>>): T {
  if (typeof value === 'string') return value.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (all, name: string) => vars[name] ?? all) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => substitute(v, vars)) as T;
  if (typeof value === 'object' && value !== null) {
    const out: Json = {};
    for (const [k, v] of Object.entries(value as Json)) out[k] = substitute(v, vars);
    return out as T;
  }
  return value;
}

export function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export function serviceId(self: SelfRegistration): string {
  return `${self.appId}-${self.host}-${self.httpPort}`;
}

export function defaultCheck(self: SelfRegistration): Json {
  return {
    name: 'Dapr Health Status',
    checkID: `daprHealth:${self.appId}`,
    interval: DEFAULT_CHECK_INTERVAL,
    http: `http://${hostForUrl(self.host)}:${self.httpPort}/v1.0/healthz?appid=${encodeURIComponent(self.appId)}`,
  };
}

/** The registration for `self`, or a message naming the field that makes it impossible. */
export function buildRegistration(opts: ConsulOptions, self: SelfRegistration): ServiceRegistration | string {
  const vars = registrationVariables(self);
  if (opts.advancedRegistration) {
    const adv = substitute(opts.advancedRegistration, vars);
    const name = Object.entries(adv).find(([k]) => k.toLowerCase() === 'name')?.[1];
    if (typeof name !== 'string' || name === '') return 'nameResolution.configuration.advancedRegistration.name: is required';
    const id = Object.entries(adv).find(([k]) => k.toLowerCase() === 'id')?.[1];
    const rest = Object.fromEntries(Object.entries(adv).filter(([k]) => !['name', 'id'].includes(k.toLowerCase())));
    return { ...rest, name, id: typeof id === 'string' && id !== '' ? id : name };
  }
  const meta = { ...substitute(opts.meta, vars), [opts.daprPortMetaKey]: String(self.internalPort) };
  const checks = opts.checks ? substitute(opts.checks, vars) : [defaultCheck(self)];
  return {
    name: self.appId,
    id: serviceId(self),
    address: self.host,
    ...(self.appPort !== undefined ? { port: self.appPort } : {}),
    tags: substitute([...opts.tags], vars),
    meta,
    checks,
  };
}
