/**
 * After the API is up, the sidecar waits for the app's port to accept connections (polling every
 * ~100 ms, forever, as daprd does) and then reads the app's configuration: GET /dapr/config and
 * GET /dapr/subscribe for HTTP apps. The results are handed to the runtime.
 */
import type { AppChannel } from './app-channel/contract';
import type { Logger } from '../observability/logger';
import { isDaprError } from '../errors/dapr-error';
import { parseActorHostConfig, type ActorHostConfig } from './actors/host-config';

export interface AppConfigResult {
  /** Parsed /dapr/config, or undefined when the app has none. */
  readonly config?: Record<string, unknown>;
  /** Parsed /dapr/subscribe entries (programmatic subscriptions). */
  readonly subscriptions: unknown[];
  /** The actor types the app hosts and their settings (from /dapr/config), if any. */
  readonly actors?: ActorHostConfig;
}

export async function waitForAppPort(channel: AppChannel, shouldStop: () => boolean, log: Logger): Promise<boolean> {
  let attempts = 0;
  while (!shouldStop()) {
    if (await channel.probe()) return true;
    attempts++;
    if (attempts === 50) log.info('waiting for the app to listen on its port');
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function getJson(channel: AppChannel, path: string, appId: string): Promise<unknown> {
  const req = { path, verb: 'GET', query: '', headers: { 'dapr-app-id': appId }, body: Buffer.alloc(0) };
  const res = await (channel.startupCall ? channel.startupCall(req) : channel.call(req));
  if (isDaprError(res) || res.status !== 200) return undefined;
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export async function readHttpAppConfig(channel: AppChannel, appId: string): Promise<AppConfigResult> {
  const [config, subs] = await Promise.all([getJson(channel, '/dapr/config', appId), getJson(channel, '/dapr/subscribe', appId)]);
  const cfg = config && typeof config === 'object' && !Array.isArray(config) ? config as Record<string, unknown> : undefined;
  const actors = parseActorHostConfig(cfg);
  return { ...(cfg ? { config: cfg } : {}), subscriptions: Array.isArray(subs) ? subs : [], ...(actors ? { actors } : {}) };
}
