/**
 * JSON shapes of the Consul test double (field names as in Consul's HTTP API) and the parsing of
 * PUT /v1/agent/service/register bodies.
 */
import { goDurationMs, type CheckState, type CheckStatus, type DoubleState, type ServiceState } from './state';

type Json = Record<string, unknown>;

function rec(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

function parseCheck(raw: unknown, i: number, count: number, svc: { id: string; name: string }): CheckState | string {
  const c = rec(raw);
  if (!c) return 'Invalid check: not an object';
  const interval = c.Interval === undefined ? undefined : goDurationMs(c.Interval);
  if (c.Interval !== undefined && interval === undefined) return `Invalid check: Interval ${JSON.stringify(c.Interval)} is not a duration`;
  const probe = ['HTTP', 'TCP', 'GRPC', 'H2PING', 'UDP', 'Args', 'Script'].some((k) => c[k] !== undefined);
  if (!((probe && interval !== undefined) || c.TTL !== undefined || c.AliasNode !== undefined || c.AliasService !== undefined)) {
    return 'Invalid check: TTL must be > 0 for TTL checks; or HTTP/TCP/... with Interval';
  }
  const status = (c.Status ?? 'critical') as CheckStatus;
  if (!['passing', 'warning', 'critical'].includes(status)) return `Invalid check: Status ${JSON.stringify(c.Status)}`;
  const checkId = typeof c.CheckID === 'string' && c.CheckID ? c.CheckID : count > 1 ? `service:${svc.id}:${i + 1}` : `service:${svc.id}`;
  const timeout = goDurationMs(c.Timeout) ?? 10_000;
  return {
    checkId,
    name: typeof c.Name === 'string' && c.Name ? c.Name : `Service '${svc.name}' check`,
    serviceId: svc.id,
    serviceName: svc.name,
    ...(typeof c.HTTP === 'string' ? { http: c.HTTP } : {}),
    ...(interval !== undefined ? { intervalMs: interval } : {}),
    ...(typeof c.TTL === 'string' ? { ttl: c.TTL } : {}),
    timeoutMs: interval !== undefined ? Math.min(timeout, interval) : timeout,
    status,
    output: '',
  };
}

export function parseRegistration(body: string): Omit<ServiceState, 'createIndex' | 'modifyIndex'> | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body || 'null');
  } catch {
    return 'Request decode failed: invalid JSON';
  }
  const r = rec(parsed);
  if (!r) return 'Request decode failed: body must be an object';
  if (typeof r.Name !== 'string' || r.Name === '') return 'Missing service name';
  const id = typeof r.ID === 'string' && r.ID ? r.ID : r.Name;
  if (r.Port !== undefined && (typeof r.Port !== 'number' || !Number.isInteger(r.Port) || r.Port < 0 || r.Port > 65535)) return 'Request decode failed: Port must be a number';
  if (r.Tags !== undefined && (!Array.isArray(r.Tags) || r.Tags.some((t) => typeof t !== 'string'))) return 'Request decode failed: Tags must be strings';
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(r.Meta) ?? {})) {
    if (typeof v !== 'string') return `Invalid Service Meta: value of "${k}" is not a string`;
    meta[k] = v;
  }
  const rawChecks = Array.isArray(r.Checks) ? r.Checks : r.Check !== undefined ? [r.Check] : [];
  const checks: CheckState[] = [];
  for (const [i, c] of rawChecks.entries()) {
    const check = parseCheck(c, i, rawChecks.length, { id, name: r.Name });
    if (typeof check === 'string') return check;
    checks.push(check);
  }
  return { id, name: r.Name, tags: (r.Tags as string[] | undefined) ?? [], address: typeof r.Address === 'string' ? r.Address : '', port: (r.Port as number | undefined) ?? 0, meta, checks };
}

export function agentService(v: ServiceState, datacenter: string): Json {
  return { ID: v.id, Service: v.name, Tags: v.tags, Meta: v.meta, Port: v.port, Address: v.address, Datacenter: datacenter, Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false };
}

export function agentCheck(c: CheckState, node: string, tags: string[]): Json {
  return {
    Node: node, CheckID: c.checkId, Name: c.name, Status: c.status, Notes: '', Output: c.output, ServiceID: c.serviceId, ServiceName: c.serviceName, ServiceTags: tags,
    Type: c.http ? 'http' : c.ttl ? 'ttl' : '', Definition: {},
  };
}

function node(s: DoubleState): Json {
  return { ID: 'double-0000', Node: s.nodeName, Address: s.nodeAddress, Datacenter: s.datacenter, TaggedAddresses: { lan: s.nodeAddress, wan: s.nodeAddress }, Meta: {}, CreateIndex: 1, ModifyIndex: 1 };
}

export function catalogEntry(v: ServiceState, s: DoubleState): Json {
  return {
    ID: 'double-0000', Node: s.nodeName, Address: s.nodeAddress, Datacenter: s.datacenter, ServiceID: v.id, ServiceName: v.name, ServiceTags: v.tags,
    ServiceAddress: v.address, ServicePort: v.port, ServiceMeta: v.meta, CreateIndex: v.createIndex, ModifyIndex: v.modifyIndex,
  };
}

export function healthEntry(v: ServiceState, s: DoubleState): Json {
  const serf = { Node: s.nodeName, CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing', Notes: '', Output: 'Agent alive and reachable', ServiceID: '', ServiceName: '', ServiceTags: [] };
  return {
    Node: node(s),
    Service: { ...agentService(v, s.datacenter), CreateIndex: v.createIndex, ModifyIndex: v.modifyIndex },
    Checks: [serf, ...v.checks.map((c) => agentCheck(c, s.nodeName, v.tags))],
  };
}
