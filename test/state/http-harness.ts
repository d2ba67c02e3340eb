/**
 * A small real HTTP server serving only the state routes through ApiRouter, for API tests.
 */
import { serveRoutes } from '../helpers/route-server';
import { stateRoutes } from '../../api/state/http-routes';
import type { StateApiDeps, StateStoreRegistry } from '../../api/state/state-api';
import type { ResolvedComponent } from '../../components/contract';
import type { StateStore } from '../../components/state/contract';
import { createLogger } from '../../observability/logger';

import type { RouteServer } from '../helpers/route-server';

export type Harness = RouteServer;

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
  return serveRoutes(stateRoutes({ appId: 'myapp', namespace: 'prod', logger: createLogger({ level: 'error', json: false }), maxBodySize: 64 * 1024, stores, ...opts }));
}
