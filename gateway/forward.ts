/**
 * The gateway's terminal step for one matched route: redirect, direct response, or forward to a
 * (weighted) cluster with the route's rewrite, timeout and retry policy. With a retry policy the
 * request body is buffered (up to MAX_RETRY_BODY; larger bodies are sent once, streamed); without
 * one it streams. Upstream failures are local replies (502/503/504; gRPC statuses on gRPC
 * exchanges), never exceptions. h2c clusters are reached through h2-forward.ts.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Exchange } from '../proxy/contracts';
import { forwardableHeaders } from '../proxy/headers';
import { sendLocalReply } from '../proxy/local-reply';
import { daprError, GrpcCode } from '../errors/dapr-error';
import type { UpstreamSessions } from '../proxy/grpc/upstream-sessions';
import type { Logger } from '../observability/logger';
import type { Cluster } from './clusters';
import type { CompiledRoute } from './route-table';
import type { GatewayStats } from './stats';
import { forwardH2, grpcNeedsH2c } from './h2-forward';

/** What forwarding needs from the config version and the gateway. */
export interface ForwardContext {
  readonly clusters: ReadonlyMap<string, Cluster>;
  readonly sessions: UpstreamSessions;
  readonly stats: GatewayStats;
  readonly logger: Logger;
}

/** Per-exchange facts for the request metric. */
export interface ForwardNote { cluster: string }

export const MAX_RETRY_BODY = 1024 * 1024;
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection', 'proxy-authenticate']);

const noCluster = (why: string) => daprError(503, 'ERR_GATEWAY_NO_HEALTHY_UPSTREAM', `no healthy upstream: ${why}`, GrpcCode.UNAVAILABLE);
const upstreamError = (why: string) => daprError(502, 'ERR_GATEWAY_UPSTREAM', `upstream connect error or disconnect/reset before headers: ${why}`, GrpcCode.UNAVAILABLE);
const timedOut = daprError(504, 'ERR_GATEWAY_TIMEOUT', 'upstream request timeout', GrpcCode.DEADLINE_EXCEEDED);

function chooseCluster(route: CompiledRoute): string {
  const a = route.config.route!;
  if (a.cluster) return a.cluster;
  const list = a.weighted_clusters!.clusters;
  const total = list.reduce((s, w) => s + w.weight, 0);
  let n = Math.random() * total;
  for (const w of list) {
    if (n < w.weight) return w.name;
    n -= w.weight;
  }
  return list[list.length - 1]!.name;
}

export function redirectLocation(route: CompiledRoute, ex: Exchange): string {
  const r = route.config.redirect!;
  const authority = String(ex.headers.host ?? ex.headers[':authority'] ?? '');
  const [reqHost, reqPort] = authority.startsWith('[') ? [authority.slice(0, authority.indexOf(']') + 1), authority.split(']:')[1]] : authority.split(':');
  const scheme = r.https_redirect ? 'https' : r.scheme_redirect ?? ((ex.req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');
  const host = r.host_redirect ?? reqHost ?? '';
  const port = r.port_redirect ?? (r.https_redirect || r.scheme_redirect || r.host_redirect ? undefined : reqPort);
  let path = ex.path;
  if (r.path_redirect !== undefined) path = r.path_redirect;
  else if (r.prefix_rewrite !== undefined && route.config.match.prefix !== undefined) path = r.prefix_rewrite + ex.path.slice(route.config.match.prefix.length);
  const query = !r.strip_query && ex.query ? `?${ex.query}` : '';
  return `${scheme}://${host}${port ? `:${port}` : ''}${path}${query}`;
}

function isRetriable(on: ReadonlySet<string>, codes: readonly number[], status: number | undefined, err: Error | undefined): boolean {
  if (err) return on.has('connect-failure') || on.has('reset') || on.has('5xx') || on.has('gateway-error');
  if (status === undefined) return false;
  if (on.has('5xx') && status >= 500) return true;
  if (on.has('gateway-error') && (status === 502 || status === 503 || status === 504)) return true;
  return on.has('retriable-status-codes') && codes.includes(status);
}

function readBody(req: Readable, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) { req.pause(); resolve(undefined); return; }
      chunks.push(c);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

export async function forward(route: CompiledRoute, ex: Exchange, ctx: ForwardContext, note: ForwardNote): Promise<void> {
  const cfg = route.config;
  if (cfg.redirect) {
    ex.res.writeHead(cfg.redirect.response_code, { location: redirectLocation(route, ex), 'content-length': 0 });
    ex.res.end();
    return;
  }
  if (cfg.direct_response) {
    const body = cfg.direct_response.body;
    ex.res.writeHead(cfg.direct_response.status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    ex.res.end(body);
    return;
  }
  const action = cfg.route!;
  const name = chooseCluster(route);
  note.cluster = name;
  const cluster = ctx.clusters.get(name);
  if (!cluster) return sendLocalReply(ex, noCluster('cluster not found'));
  if (ex.protocol === 'grpc' && cluster.protocol !== 'h2c') return sendLocalReply(ex, grpcNeedsH2c(cluster.name));
  const headers = forwardableHeaders(ex.headers);
  if (action.host_rewrite) headers.host = action.host_rewrite;
  else if (ex.headers[':authority'] && !headers.host) headers.host = String(ex.headers[':authority']);
  const remote = ex.req.socket?.remoteAddress;
  if (remote) headers['x-forwarded-for'] = ex.headers['x-forwarded-for'] ? `${String(ex.headers['x-forwarded-for'])}, ${remote}` : remote;
  headers['x-forwarded-proto'] = (ex.req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const path = route.rewrite(ex.path) + (ex.query ? `?${ex.query}` : '');

  if (cluster.protocol === 'h2c') {
    const picked = await cluster.pick();
    if (!picked.ok) {
      ctx.stats.upstreamFailure(cluster.name, 'no_healthy_upstream');
      return sendLocalReply(ex, noCluster(picked.message));
    }
    const up = picked.pick;
    return forwardH2(ex, {
      cluster, pick: up, path: up.pathPrefix + path, authority: String(headers.host ?? up.host), headers: { ...headers, ...up.headers },
      timeoutMs: action.timeout, timedOut, upstreamError,
    }, ctx);
  }

  const policy = action.retry_policy;
  const hasBody = ex.method !== 'GET' && ex.method !== 'HEAD' && (ex.headers['content-length'] !== '0' || ex.headers['transfer-encoding'] !== undefined);
  let body: Buffer | Readable | null = hasBody ? (ex.req as Readable) : null;
  let retries = policy?.num_retries ?? 0;
  if (retries > 0 && hasBody) {
    const buffered = await readBody(ex.req as Readable, MAX_RETRY_BODY).catch(() => undefined);
    if (buffered === undefined) return sendLocalReply(ex, daprError(413, 'ERR_GATEWAY_BODY', `request body larger than ${MAX_RETRY_BODY} bytes on a route with retries`, GrpcCode.RESOURCE_EXHAUSTED));
    body = buffered;
  }
  const retryOn = new Set((policy?.retry_on ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  const deadline = action.timeout > 0 ? Date.now() + action.timeout : Infinity;

  for (;;) {
    const picked = await cluster.pick();
    if (!picked.ok) {
      ctx.stats.upstreamFailure(cluster.name, 'no_healthy_upstream');
      return sendLocalReply(ex, noCluster(picked.message));
    }
    const up = picked.pick;
    const started = performance.now();
    const ac = new AbortController();
    const onClientClose = (): void => ac.abort(new Error('client closed'));
    ex.res.once('close', onClientClose);
    const tryMs = Math.min(policy?.per_try_timeout ?? Infinity, deadline - Date.now());
    let timedOutNow = false;
    const timer = Number.isFinite(tryMs) ? setTimeout(() => { timedOutNow = true; ac.abort(new Error('timeout')); }, Math.max(0, tryMs)) : undefined;
    let result: Dispatcher.ResponseData | undefined;
    let error: Error | undefined;
    try {
      result = await up.dispatcher.request({
        path: up.pathPrefix + path, method: ex.method as Dispatcher.HttpMethod,
        headers: { ...headers, ...up.headers }, body, signal: ac.signal,
      });
    } catch (err) {
      error = err as Error;
    }
    const finish = (): void => { clearTimeout(timer); ex.res.off('close', onClientClose); up.release(); };
    if (ex.res.destroyed || ex.res.writableEnded) { finish(); result?.body.destroy(); return; }
    const canRetry = retries > 0 && Date.now() < deadline && !(body !== null && !Buffer.isBuffer(body)) && isRetriable(retryOn, policy?.retriable_status_codes ?? [], result?.statusCode, timedOutNow ? new Error('timeout') : error);
    if (canRetry) {
      retries--;
      ctx.stats.retry(cluster.name);
      finish();
      if (result) await result.body.dump().catch(() => undefined);
      continue;
    }
    if (!result) {
      finish();
      ctx.stats.upstreamFailure(cluster.name, timedOutNow ? 'timeout' : 'connect_failure');
      return sendLocalReply(ex, timedOutNow ? timedOut : upstreamError(error?.message ?? 'unknown'));
    }
    const status = result.statusCode;
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(result.headers)) if (v !== undefined && !HOP.has(k)) out[k] = v;
    ex.res.writeHead(result.statusCode, out);
    pipeline(result.body, ex.res as NodeJS.WritableStream, (err) => {
      finish();
      ctx.stats.upstream(cluster.name, err ? 'reset' : status, performance.now() - started);
      if (err && timedOutNow) ex.res.destroy();
    });
    return;
  }
}
