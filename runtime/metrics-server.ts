/**
 * Prometheus exposition on --metrics-port (prom-client). The runtime gauges live here; filters
 * register their own declared statistics on the same registry.
 */
import http from 'node:http';
import { Registry, Gauge, registerProcessMetrics } from '../observability/prom';
import type { ComponentHost } from './component-host';

export interface MetricsServer {
  readonly port: number;
  readonly registry: Registry;
  close(): Promise<void>;
}

export async function startMetricsServer(opts: { host: string; port: number; appId: string; components: ComponentHost }): Promise<MetricsServer> {
  const registry = new Registry();
  registry.setDefaultLabels({ app_id: opts.appId });
  // Node process metrics are registered with the first scrape: their module (and the GC and
  // event-loop observers it starts) costs start-up time and memory a sidecar nobody scrapes never needs.
  let processMetrics = false;
  new Gauge({
    name: 'dapr_runtime_component_loaded',
    help: 'The number of successfully loaded components',
    registers: [registry],
    collect() {
      this.set(opts.components.statuses().filter((s) => s.instance).length);
    },
  });
  new Gauge({
    name: 'dapr_runtime_component_init_fail_total',
    help: 'The number of components that failed to initialise',
    labelNames: ['type', 'component'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of opts.components.statuses()) if (s.error) this.set({ type: s.type, component: s.name }, 1);
    },
  });
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics' && req.url !== '/') {
      res.writeHead(404).end();
      return;
    }
    if (!processMetrics) {
      processMetrics = true;
      registerProcessMetrics(registry);
    }
    registry.metrics().then(
      (text) => { res.writeHead(200, { 'content-type': registry.contentType }); res.end(text); },
      (err: Error) => { res.writeHead(500).end(err.message); },
    );
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : opts.port);
    });
  });
  return {
    port,
    registry,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
