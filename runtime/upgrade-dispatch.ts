/**
 * WebSocket (HTTP/1.1 Upgrade) through invocation: on the API listener the invoke route decides
 * the target; on the internal listener the upgrade goes to the local app.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Pool } from 'undici';
import { splitTarget, normalisePath } from '../proxy/path';
import { relayUpgrade, rejectUpgrade, upgradeRequestHeaders } from '../proxy/upgrade';
import type { UpstreamPools } from '../proxy/upstream/pools';
import { Errors } from '../errors/codes';
import { isDaprError } from '../errors/dapr-error';
import { InternalHeaders } from '../api/invoke/contract';
import type { DefaultInvocationService } from '../api/invoke/invocation-service';
import { parseInvokeHeaders, parseInvokePath } from '../api/invoke/invoke-route';
import { timingSafeEqual } from 'node:crypto';

export interface UpgradeDeps {
  readonly appId: string;
  readonly namespace: string;
  readonly invocation: DefaultInvocationService;
  readonly pools: UpstreamPools;
  readonly appChannelOrigin: string | undefined;
  readonly apiToken: string | undefined;
  readonly appApiToken: string | undefined;
}

const DROP = new Set(['dapr-app-id', 'dapr-api-token', InternalHeaders.callerAppId, InternalHeaders.callerNamespace, InternalHeaders.calleeAppId, InternalHeaders.calleeNamespace]);

function tokenOk(expected: string | undefined, got: string | string[] | undefined): boolean {
  if (!expected) return true;
  const g = Buffer.from(Array.isArray(got) ? got[0] ?? '' : got ?? '');
  const e = Buffer.from(expected);
  return g.length === e.length && timingSafeEqual(g, e);
}

export function createUpgradeHandler(deps: UpgradeDeps): { api: (req: http.IncomingMessage, s: Duplex, head: Buffer) => void; internal: (req: http.IncomingMessage, s: Duplex, head: Buffer) => void } {
  let appPool: Pool | undefined;
  // undici is loaded with the first upgrade to the app, not at start-up.
  const app = (): Pool | undefined => (deps.appChannelOrigin ? (appPool ??= new (require('undici') as typeof import('undici')).Pool(deps.appChannelOrigin)) : undefined);

  const api = async (req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    if (!tokenOk(deps.apiToken, req.headers['dapr-api-token'])) return rejectUpgrade(socket, Errors.invalidApiToken());
    const { path, query } = splitTarget(req.url ?? '/');
    const inv = parseInvokePath(path) ?? parseInvokeHeaders(path, req.headers);
    if (!inv) return rejectUpgrade(socket, Errors.notFoundRoute(req.method ?? 'GET', path));
    if (isDaprError(inv)) return rejectUpgrade(socket, inv);
    const target = await deps.invocation.resolveTarget(inv.appId);
    if (isDaprError(target)) return rejectUpgrade(socket, target);
    const q = query ? `?${query}` : '';
    const headers = upgradeRequestHeaders(req, DROP);
    const onError = (e: Error) => Errors.invokeFailed(inv.appId, e.message);
    if (target.kind === 'self') {
      const pool = app();
      if (!pool) return rejectUpgrade(socket, Errors.noAppChannel());
      headers['dapr-caller-app-id'] = deps.appId;
      if (deps.appApiToken) headers['dapr-api-token'] = deps.appApiToken;
      return relayUpgrade(req, socket, head, { dispatcher: pool, path: `/${inv.method}${q}`, headers }, onError);
    }
    if (target.kind === 'remote') {
      headers[InternalHeaders.callerAppId] = deps.appId;
      headers[InternalHeaders.callerNamespace] = deps.namespace;
      headers[InternalHeaders.calleeAppId] = target.appId;
      headers[InternalHeaders.calleeNamespace] = target.namespace;
      return relayUpgrade(req, socket, head, { dispatcher: deps.invocation.dispatcherFor(target), path: `/${inv.method}${q}`, headers }, onError);
    }
    const url = new URL(target.baseUrl);
    return relayUpgrade(req, socket, head, { dispatcher: deps.pools.get(url.origin), path: `${url.pathname.replace(/\/+$/, '')}/${inv.method}${q}`, headers }, onError);
  };

  const internal = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const pool = app();
    if (!pool) return rejectUpgrade(socket, Errors.noAppChannel());
    if (req.headers[InternalHeaders.calleeAppId] !== deps.appId) return rejectUpgrade(socket, Errors.invokeFailed(String(req.headers[InternalHeaders.calleeAppId]), 'callee mismatch'));
    const { path, query } = splitTarget(req.url ?? '/');
    const norm = normalisePath(path);
    if (!norm.ok) return rejectUpgrade(socket, Errors.badPath(norm.reason));
    const headers = upgradeRequestHeaders(req, DROP);
    headers['dapr-caller-app-id'] = String(req.headers[InternalHeaders.callerAppId] ?? '');
    headers['dapr-callee-app-id'] = deps.appId;
    if (deps.appApiToken) headers['dapr-api-token'] = deps.appApiToken;
    void relayUpgrade(req, socket, head, { dispatcher: pool, path: norm.path + (query ? `?${query}` : ''), headers }, (e) => Errors.invokeFailed(deps.appId, e.message));
  };

  return { api: (r, s, h) => void api(r, s, h), internal };
}
