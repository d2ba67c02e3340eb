/**
 * A small real HTTP server serving only the state routes through ApiRouter, for API tests.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiRouter } from '../../api/router';
import { stateRoutes } from '../../api/state/http-routes';
import type { StateApiDeps, StateStoreRegistry } from '../../api/state/state-api';
import type { ResolvedComponent } from '../../components/contract';
import type { StateStore } from '../../components/state/contract';
import type { Exchange } from '../../proxy/contracts';
import { sendLocalReply } from '../../proxy/local-reply';
import { Errors } from '../../errors/codes';
import { createLogger } from '../../observability/logger';

export interface Harness {
  readonly url: string;
  close(): Promise<void>;
}

export function registry(entries: Record<string, { store: StateStore; metadata?: Record<string, string> }>): StateStoreRegistry & { configs: Map<string, ResolvedComponent> } {
  const configs = new Map<string, ResolvedComponent>();
  for (const [name, e] of Object.entries(entries)) configs.set(name, { name, type: 'state.test', version: 'v1', metadata: e.metadata ?? {}, source: 'test' });
  return {
    configs,
    get: (n) => entries[n]?.store,
    has: (n) => n in entries,
    get size() { return Object.keys(entries).length; },
    configOf: (n) => configs.get(n),
  };
}

export async function startHarness(stores: StateStoreRegistry, opts: Partial<StateApiDeps> = {}): Promise<Harness> {
  const router = new ApiRouter();
  router.addAll(stateRoutes({ appId: 'myapp', namespace: 'prod', logger: createLogger({ level: 'error', json: false }), maxBodySize: 64 * 1024, stores, ...opts }));
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const lookup = router.lookup(req.method ?? 'GET', path);
    const ex: Exchange = { listener: 'dapr-http', protocol: 'http', req, res, method: req.method ?? 'GET', path, query: q < 0 ? '' : url.slice(q + 1), headers: req.headers, startTime: process.hrtime.bigint() };
    if (!lookup.found) {
      sendLocalReply(ex, lookup.methodNotAllowed ? Errors.methodNotAllowed(ex.method, path) : Errors.notFoundRoute(ex.method, path));
      return;
    }
    ex.route = lookup.match;
    void lookup.match.handler(ex);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
