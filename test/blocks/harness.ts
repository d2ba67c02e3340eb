/**
 * Test helpers for the secrets/configuration/bindings/lock heads: a real HTTP server serving given
 * routes through ApiRouter, driver instances built from metadata, service guards and polling.
 */
import type { ComponentDriver, ComponentInstance } from '../../components/contract';
import { createLogger, type Logger } from '../../observability/logger';
import { eventually as pollUntil } from '../helpers/eventually';

export const quietLogger: Logger = createLogger({ level: 'error', json: false });

export { serveRoutes, type RouteServer } from '../helpers/route-server';

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
export function eventually<T>(check: () => T | undefined | Promise<T | undefined>, ms = 10_000, what = 'condition'): Promise<T> {
  return pollUntil(check, what, ms);
}

export function uid(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

export async function fetchJson(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const r = await fetch(url, init);
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) };
}
