/**
 * Operational API: health, metadata and shutdown (shared/dapr-api.md section 8).
 */
import type { ApiRouteDef } from './router';
import type { Exchange } from '../proxy/contracts';
import { sendLocalReply } from '../proxy/local-reply';
import { Errors } from '../errors/codes';
import { readBody, sendJson, sendNoContent } from './http-util';
import { isDaprError } from '../errors/dapr-error';

/** What the operational API reads from the runtime. */
export interface RuntimeView {
  readonly appId: string;
  /** Readiness: undefined when ready, else the names of what is still pending or failed. */
  notReady(): string[] | undefined;
  /** Outbound readiness: components and API up (app not required). */
  outboundReady(): boolean;
  metadata(): MetadataSnapshot;
  setExtended(key: string, value: string): void;
  shutdown(reason: string): void;
  readonly maxBodySize: number;
}

export interface MetadataSnapshot {
  id: string;
  runtimeVersion: string;
  enabledFeatures: string[];
  actors: Array<{ type: string; count: number }>;
  actorRuntime?: { runtimeStatus: 'INITIALIZING' | 'DISABLED' | 'RUNNING'; activeActors: Array<{ type: string; count: number }>; hostReady: boolean; placement: string };
  components: Array<{ name: string; type: string; version: string; capabilities: string[] }>;
  extended: Record<string, string>;
  subscriptions: Array<{ pubsubname: string; topic: string; metadata?: Record<string, string>; rules?: Array<{ match: string; path: string }>; deadLetterTopic?: string; type: string }>;
  httpEndpoints: Array<{ name: string }>;
  appConnectionProperties?: {
    port?: number; protocol: string; channelAddress: string; maxConcurrency?: number;
    health?: { healthCheckPath?: string; healthProbeInterval?: string; healthProbeTimeout?: string; healthThreshold?: number };
  };
  /** Outrigger extension: components that failed to initialise, with why. */
  failedComponents?: Array<{ name: string; type: string; error: string }>;
}

/** Drops empty arrays/objects, as daprd's JSON omits empty fields. */
function compact(snapshot: MetadataSnapshot): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(snapshot)) {
    if (v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out;
}

export function runtimeRoutes(view: RuntimeView): ApiRouteDef[] {
  const healthz = (ex: Exchange): void => {
    const appid = new URLSearchParams(ex.query).get('appid');
    if (appid !== null && appid !== view.appId) return sendLocalReply(ex, Errors.healthAppIdMismatch());
    const pending = view.notReady();
    if (pending) return sendLocalReply(ex, Errors.healthNotReady(pending));
    sendNoContent(ex.res);
  };
  return [
    { methods: ['GET'], path: '/v1.0/healthz', api: 'healthz', version: 'v1', handler: healthz },
    {
      methods: ['GET'], path: '/v1.0/healthz/outbound', api: 'healthz', version: 'v1',
      handler: (ex) => (view.outboundReady() ? sendNoContent(ex.res) : sendLocalReply(ex, Errors.outboundNotReady())),
    },
    { methods: ['GET'], path: '/v1.0/metadata', api: 'metadata', version: 'v1', handler: (ex) => sendJson(ex.res, 200, compact(view.metadata())) },
    {
      methods: ['PUT'], path: '/v1.0/metadata/:key', api: 'metadata', version: 'v1',
      handler: async (ex) => {
        const key = ex.route!.params.key;
        if (!key) return sendLocalReply(ex, Errors.metadataSet('metadata key is required'));
        const body = await readBody(ex, view.maxBodySize);
        if (isDaprError(body)) return sendLocalReply(ex, body);
        view.setExtended(key, body.toString('utf8'));
        sendNoContent(ex.res);
      },
    },
    {
      methods: ['POST'], path: '/v1.0/shutdown', api: 'shutdown', version: 'v1',
      handler: (ex) => {
        sendNoContent(ex.res);
        ex.res.once('finish', () => view.shutdown('shutdown requested through the API'));
      },
    },
  ];
}
