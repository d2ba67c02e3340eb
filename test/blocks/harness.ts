/**
 * Test helpers for the secrets/configuration/bindings/lock heads: a real HTTP server serving given
 * routes through ApiRouter, driver instances built from metadata, service guards and polling.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiRouter, type ApiRouteDef } from '../../api/router';
import type { ComponentDriver, ComponentInstance } from '../../components/contract';
import type { Exchange } from '../../proxy/contracts';
import { sendLocalReply } from '../../proxy/local-reply';
import { Errors } from '../../errors/codes';
import { createLogger, type Logger } from '../../observability/logger';

export const quietLogger: Logger = createLogger({ level: 'error', json: false });

export interface RouteServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function serveRoutes(routes: readonly ApiRouteDef[]): Promise<RouteServer> {
  const router = new ApiRouter();
  router.addAll(routes);
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const lookup = router.lookup(req.method ?? 'GET', path);
    const ex: Exchange = { listener: 'dapr-http', protocol: 'http', req, res, method: req.method ?? 'GET', path, query: q < 0 ? '' : url.slice(q + 1), headers: req.headers, startTime: process.hrtime.bigint() };
    if (!lookup.found) return sendLocalReply(ex, lookup.methodNotAllowed ? Errors.methodNotAllowed(ex.method, path) : Errors.notFoundRoute(ex.method, path));
    ex.route = lookup.match;
    void lookup.match.handler(ex);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** A driver instance, initialised, from a type name and flat metadata. */
export async function instance<T extends ComponentInstance>(driver: ComponentDriver<T>, name: string, metadata: Record<string, string>, appId = 'blocks-test'): Promise<T> {
  const inst = driver.create({ name, type: driver.types[0]!, version: 'v1', metadata, source: 'test' }, { appId, namespace: 'default', dataDir: '/tmp', logger: quietLogger });
  await inst.init();
  return inst;
}

export function map<T>(entries: Record<string, T>): ReadonlyMap<string, T> {
  return new Map(Object.entries(entries));
}

/** Polls until `check` returns a value other than undefined, or fails after `ms`. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, ms = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function uid(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

export async function fetchJson(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const r = await fetch(url, init);
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) };
}
