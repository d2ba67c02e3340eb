/** Shared pieces of the pub/sub runtime tests: an in-memory pubsub, an HTTP API listener, waits. */
import { EventEmitter } from 'node:events';
import { InMemoryPubSub } from '../../../components/pubsub/in-memory/in-memory-pubsub';
import type { PubSub } from '../../../components/pubsub/contract';
import type { ResolvedComponent } from '../../../components/contract';
import { ApiRouter, type ApiRouteDef } from '../../../api/router';
import { createDaprHttpDispatch, routeTerminal } from '../../../api/dapr-http-api';
import { FilterChain } from '../../../proxy/filter-chain';
import { createHttpListener, type HttpListener } from '../../../proxy/http-listener';
import { testLogger } from '../../helpers/sidecar';

export function pubsubComponents(specs: Record<string, Record<string, string>>): { map: Map<string, PubSub>; componentOf: (n: string) => ResolvedComponent | undefined; instances: Map<string, InMemoryPubSub> } {
  const instances = new Map<string, InMemoryPubSub>();
  for (const name of Object.keys(specs)) instances.set(name, new InMemoryPubSub());
  return {
    map: instances as Map<string, PubSub>,
    instances,
    componentOf: (n) => (specs[n] ? { name: n, type: 'pubsub.in-memory', version: 'v1', metadata: specs[n]!, source: 'test' } : undefined),
  };
}

/** Serves the given API routes on an OS-picked port. */
export async function serveRoutes(routes: readonly ApiRouteDef[]): Promise<{ port: number; close(): Promise<void> }> {
  const router = new ApiRouter();
  router.addAll(routes);
  const log = testLogger();
  const chain = new FilterChain([], routeTerminal, log);
  const dispatch = createDaprHttpDispatch({ router: () => router, chain: () => chain, invokeHandler: () => undefined, invokeAllowed: () => false });
  const listener: HttpListener = createHttpListener({ name: 'dapr-http', host: '127.0.0.1', port: 0, maxHeaderSize: 16384, logger: log, onExchange: dispatch });
  const port = await listener.listen();
  return { port, close: () => listener.close(100) };
}

/** Polls until check() is true (fails after timeoutMs). */
export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A controllable app-health source. */
export class FakeHealth extends EventEmitter {
  private healthy: boolean;
  constructor(initial: boolean) {
    super();
    this.healthy = initial;
  }
  isHealthy(): boolean {
    return this.healthy;
  }
  set(h: boolean): void {
    if (h === this.healthy) return;
    this.healthy = h;
    this.emit('change', h);
  }
}

/** Records every message of a topic on a pubsub (e.g. a dead-letter topic). */
export async function collect(ps: PubSub, topic: string): Promise<{ messages: Array<{ data: Buffer; metadata: Readonly<Record<string, string>> }>; stop(): Promise<void> }> {
  const messages: Array<{ data: Buffer; metadata: Readonly<Record<string, string>> }> = [];
  const stop = await ps.subscribe({ topic, metadata: {}, consumerGroup: 'collector', maxInFlight: 1 }, async (m) => { messages.push({ data: m.data, metadata: m.metadata }); });
  return { messages, stop };
}
