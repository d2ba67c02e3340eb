/**
 * A test double of the Consul agent HTTP API (no Consul server is packaged on this machine), as
 * far as name resolution uses it, following Consul's documented behaviour:
 *   GET  /v1/agent/self                      agent info (Config.Datacenter, Config.NodeName, Member)
 *   GET  /v1/agent/services, /v1/agent/checks  local services / checks keyed by id
 *   PUT  /v1/agent/service/register           JSON AgentServiceRegistration (Name required; ID
 *                                             defaults to Name; Check or Checks)
 *   PUT  /v1/agent/service/deregister/:id     404 for an unknown id
 *   PUT  /v1/agent/check/{pass,warn,fail}/:id TTL check updates
 *   GET  /v1/catalog/services, /v1/catalog/service/:name
 *   GET  /v1/health/service/:name            [{Node, Service, Checks}] with ?passing (every check,
 *                                             including the node's serfHealth, passing), ?tag, ?dc
 * Reads carry X-Consul-Index (never 0, strictly increasing with writes that touch the name) and
 * block with ?index=N[&wait=D]: the response is held while the index is <= N, until it changes or
 * the wait (default 5m, at most 10m) elapses, then the current state is returned.
 * ACLs: with `aclToken` set, every request needs it in X-Consul-Token, "Authorization: Bearer" or
 * ?token=; none -> 403 "Permission denied", another -> 403 "ACL not found".
 * Unsupported query features (?filter, other datacenters) answer an error rather than be ignored.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DoubleState, goDurationMs, type CheckState, type CheckStatus } from './state';
import { agentCheck, agentService, catalogEntry, healthEntry, parseRegistration } from './views';

export interface ConsulDoubleOptions {
  readonly aclToken?: string;
  readonly datacenter?: string;
  readonly nodeName?: string;
  readonly nodeAddress?: string;
  /** Run HTTP checks (default true). */
  readonly runChecks?: boolean;
}

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
}

export class ConsulDouble {
  readonly state: DoubleState;
  readonly requests: LoggedRequest[] = [];
  private server: Server | undefined;
  private port = 0;

  constructor(private readonly opts: ConsulDoubleOptions = {}) {
    this.state = new DoubleState(opts.nodeName ?? 'double-node', opts.nodeAddress ?? '127.0.0.1', opts.datacenter ?? 'dc1', opts.runChecks ?? true);
  }

  static async start(opts: ConsulDoubleOptions = {}): Promise<ConsulDouble> {
    const d = new ConsulDouble(opts);
    await d.listen();
    return d;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get url(): string {
    return `http://${this.address}`;
  }

  /** Sets a check's status as if it had run (bumps the index when it changes). */
  setCheckStatus(checkId: string, status: CheckStatus): void {
    if (!this.state.setStatus(checkId, status, 'set by test')) throw new Error(`no check ${checkId}`);
  }

  async close(): Promise<void> {
    this.state.close();
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res).catch((err: unknown) => send(res, 500, String(err))));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://double');
    const query = Object.fromEntries(url.searchParams);
    const method = req.method ?? 'GET';
    const path = url.pathname;
    this.requests.push({ method, path, query });
    const body = await readBody(req);

    if (this.opts.aclToken !== undefined) {
      const auth = req.headers.authorization;
      const token = (req.headers['x-consul-token'] as string | undefined) ?? (auth?.startsWith('Bearer ') ? auth.slice(7) : undefined) ?? query.token;
      if (!token) return send(res, 403, 'Permission denied: anonymous token lacks permission');
      if (token !== this.opts.aclToken) return send(res, 403, 'ACL not found');
    }
    if (query.dc !== undefined && query.dc !== this.state.datacenter) return send(res, 500, `No path to datacenter`);
    if (query.filter !== undefined) return send(res, 400, 'filter expressions are not supported by the Consul test double');

    const s = this.state;
    let m: RegExpExecArray | null;
    if (path === '/v1/agent/self' && method === 'GET') {
      return json(res, { Config: { Datacenter: s.datacenter, NodeName: s.nodeName, NodeID: 'double-0000', Version: '1.20.0-double' }, Member: { Name: s.nodeName, Addr: s.nodeAddress, Port: 8301, Status: 1 } });
    }
    if (path === '/v1/agent/services' && method === 'GET') {
      return json(res, Object.fromEntries([...s.services.values()].map((v) => [v.id, agentService(v, s.datacenter)])));
    }
    if (path === '/v1/agent/checks' && method === 'GET') {
      const checks: CheckState[] = [...s.services.values()].flatMap((v) => v.checks);
      return json(res, Object.fromEntries(checks.map((c) => [c.checkId, agentCheck(c, s.nodeName, s.services.get(c.serviceId)?.tags ?? [])])));
    }
    if (path === '/v1/agent/service/register') {
      if (method !== 'PUT') return send(res, 405, 'method not allowed');
      const reg = parseRegistration(body);
      if (typeof reg === 'string') return send(res, 400, reg);
      s.register(reg);
      return send(res, 200, '');
    }
    if ((m = /^\/v1\/agent\/service\/deregister\/(.+)$/.exec(path))) {
      if (method !== 'PUT') return send(res, 405, 'method not allowed');
      const id = decodeURIComponent(m[1] as string);
      if (!s.deregister(id)) return send(res, 404, `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);
      return send(res, 200, '');
    }
    if ((m = /^\/v1\/agent\/check\/(pass|warn|fail)\/(.+)$/.exec(path))) {
      if (method !== 'PUT') return send(res, 405, 'method not allowed');
      const status: CheckStatus = m[1] === 'pass' ? 'passing' : m[1] === 'warn' ? 'warning' : 'critical';
      const id = decodeURIComponent(m[2] as string);
      const found = s.findCheck(id);
      if (!found || !found.check.ttl) return send(res, 404, `Unknown check ID "${id}"`);
      s.setStatus(id, status, query.note ?? '');
      return send(res, 200, '');
    }
    if (path === '/v1/catalog/services' && method === 'GET') {
      const out: Record<string, string[]> = {};
      for (const v of s.services.values()) out[v.name] = [...new Set([...(out[v.name] ?? []), ...v.tags])];
      return json(res, out, s.index);
    }
    if ((m = /^\/v1\/catalog\/service\/(.+)$/.exec(path)) && method === 'GET') {
      const name = decodeURIComponent(m[1] as string);
      await this.block(name, query, req);
      const list = [...s.services.values()].filter((v) => v.name === name && (query.tag === undefined || v.tags.includes(query.tag)));
      return json(res, list.map((v) => catalogEntry(v, s)), s.indexOf(name));
    }
    if ((m = /^\/v1\/health\/service\/(.+)$/.exec(path)) && method === 'GET') {
      const name = decodeURIComponent(m[1] as string);
      await this.block(name, query, req);
      const passingOnly = query.passing !== undefined && query.passing !== 'false' && query.passing !== '0';
      const list = [...s.services.values()]
        .filter((v) => v.name === name && (query.tag === undefined || v.tags.includes(query.tag)))
        .filter((v) => !passingOnly || v.checks.every((c) => c.status === 'passing'));
      return json(res, list.map((v) => healthEntry(v, s)), s.indexOf(name));
    }
    return send(res, 404, `no such endpoint ${method} ${path} in the Consul test double`);
  }

  /** Blocking-query semantics: hold while the name's index is <= ?index, up to ?wait. */
  private block(name: string, query: Record<string, string>, req: IncomingMessage): Promise<void> {
    if (query.index === undefined) return Promise.resolve();
    const min = Number(query.index);
    if (!Number.isFinite(min) || min <= 0 || this.state.indexOf(name) > min) return Promise.resolve();
    const waitMs = Math.min(goDurationMs(query.wait) ?? 300_000, 600_000);
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        cancel();
        req.socket.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      const cancel = this.state.onChange(name, () => {
        if (this.state.indexOf(name) > min) done();
      });
      req.socket.on('close', done);
    });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
}

function json(res: ServerResponse, value: unknown, index?: number): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (index !== undefined) Object.assign(headers, { 'x-consul-index': String(index), 'x-consul-knownleader': 'true', 'x-consul-lastcontact': '0' });
  res.writeHead(200, headers).end(JSON.stringify(value));
}
