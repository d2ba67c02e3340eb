/**
 * The gateway's admin listener (Envoy's admin interface, read-only):
 *   GET /ready             200 "LIVE" while serving, 503 "DRAINING" once shutdown began
 *   GET /stats/prometheus  Prometheus text (also at /metrics)
 *   GET /config_dump       the active config version as JSON, secrets redacted
 * Bind it to loopback (the default address): it has no authentication.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ConnectionDrain } from '../proxy/graceful-close';
import type { GatewayConfig } from './schema';

export interface AdminState {
  readonly registry: Registry;
  readonly draining: () => boolean;
  readonly dump: () => { version: number; file: string; loadedAt: string; config: GatewayConfig };
}

export interface AdminListener {
  readonly key: string;
  readonly port: number;
  close(): Promise<void>;
}

const REDACTED = '[redacted]';
/** Keys whose values are secrets wherever they appear (filter metadata, cluster settings). */
const SECRET_KEY = /(token|secret|password|passwd|credential|apikey|api_key|private|clientkey|client_key)/i;

/** A deep copy with secret-looking values replaced. Key and cert file names are paths, kept. */
export function redact(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => redact(v));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redact(v, k);
    return out;
  }
  if (typeof value === 'string' && SECRET_KEY.test(key) && !key.endsWith('_file')) return REDACTED;
  return value;
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

export function adminKey(a: NonNullable<GatewayConfig['spec']['admin']>): string {
  return `${a.address}|${a.port}`;
}

export function startAdmin(cfg: NonNullable<GatewayConfig['spec']['admin']>, state: AdminState): Promise<AdminListener> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
    switch (path) {
      case '/ready':
        return state.draining() ? send(res, 503, 'text/plain', 'DRAINING\n') : send(res, 200, 'text/plain', 'LIVE\n');
      case '/stats/prometheus':
      case '/metrics':
        void state.registry.metrics().then(
          (text) => send(res, 200, state.registry.contentType, text),
          (err: unknown) => send(res, 500, 'text/plain', `${(err as Error).message}\n`),
        );
        return;
      case '/config_dump': {
        const d = state.dump();
        return send(res, 200, 'application/json', JSON.stringify({ ...d, config: redact(d.config) }, null, 2));
      }
      default:
        return send(res, 404, 'text/plain', 'not found: /ready, /stats/prometheus, /metrics, /config_dump\n');
    }
  });
  const drain = new ConnectionDrain();
  server.on('connection', (s) => drain.trackSocket(s));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port, cfg.address, () => {
      server.off('error', reject);
      resolve({ key: adminKey(cfg), port: (server.address() as AddressInfo).port, close: () => drain.close(server, server, 1000) });
    });
  });
}
