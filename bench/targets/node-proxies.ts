/**
 * Node reverse proxies (bench/servers/node-proxy.ts) one hop, and two hops with mTLS between
 * them (HTTP/1.1 keep-alive TLS; hop B requires the client certificate).
 */
import { join } from 'node:path';
import { freePort } from '../proc/net';
import { startSut } from './start-process';
import type { ProxyConfig } from '../servers/node-proxy';
import type { StartOutcome, TargetContext, TargetDef } from './types';

type Mode = ProxyConfig['mode'];
const LABEL: Record<Mode, string> = {
  minimal: 'minimal node:http + undici Pool proxy',
  fastify: '@fastify/http-proxy',
  'http-proxy': 'http-proxy (node-http-proxy)',
};
const NAME: Record<Mode, string> = { minimal: 'node-minimal', fastify: 'fastify-proxy', 'http-proxy': 'http-proxy' };

const script = (): string => join(__dirname, '..', 'servers', 'node-proxy.js');

function startProxy(ctx: TargetContext, name: string, cfg: ProxyConfig) {
  return startSut(ctx, name, process.execPath, [script(), JSON.stringify(cfg)], cfg.listenPort);
}

function oneHop(mode: Mode): TargetDef {
  return {
    name: NAME[mode],
    title: `${LABEL[mode]}, one hop`,
    protocol: 'http',
    hops: 1,
    security: 'plain HTTP',
    async start(ctx): Promise<StartOutcome> {
      const port = await freePort();
      const r = await startProxy(ctx, NAME[mode], { mode, listenPort: port, upstreamPort: ctx.appPort, connections: ctx.connections });
      if (!r.ok) return { ok: false, unavailable: r.reason };
      return { ok: true, running: { load: { protocol: 'http', port, path: '/hello', headers: {} }, sut: [r.proc], notes: [] } };
    },
  };
}

function twoHopsMtls(mode: Mode): TargetDef {
  return {
    name: `${NAME[mode]}-2hop-mtls`,
    title: `two ${LABEL[mode]} hops, mTLS between them`,
    protocol: 'http',
    hops: 2,
    security: 'mTLS (P-256) between hops, HTTP/1.1 keep-alive',
    async start(ctx): Promise<StartOutcome> {
      const c = await ctx.certs();
      const [portA, portB] = [await freePort(), await freePort()];
      const b = await startProxy(ctx, `${NAME[mode]}-hop-b`, {
        mode,
        listenPort: portB,
        upstreamPort: ctx.appPort,
        connections: ctx.connections,
        listenTls: { ca: c.ca, cert: c.serverCert, key: c.serverKey },
      });
      if (!b.ok) return { ok: false, unavailable: b.reason };
      const a = await startProxy(ctx, `${NAME[mode]}-hop-a`, {
        mode,
        listenPort: portA,
        upstreamPort: portB,
        connections: ctx.connections,
        upstreamTls: { ca: c.ca, cert: c.clientCert, key: c.clientKey },
      });
      if (!a.ok) {
        await b.proc.stop();
        return { ok: false, unavailable: a.reason };
      }
      return { ok: true, running: { load: { protocol: 'http', port: portA, path: '/hello', headers: {} }, sut: [a.proc, b.proc], notes: [] } };
    },
  };
}

export const nodeProxyTargets: readonly TargetDef[] = (['minimal', 'fastify', 'http-proxy'] as const).flatMap((m) => [oneHop(m), twoHopsMtls(m)]);
