/**
 * The Dapr HTTP API listener's dispatch: resolve the route first (so every filter sees the API,
 * version and, for invocation, the target and normalised method), then run the filter chain,
 * whose terminal filter runs the route's handler. Unknown routes answer with Dapr's error shape
 * after the chain ran (so an unauthenticated caller learns nothing about routes).
 */
import type { Exchange, RouteHandler, RouteMatch, TerminalFilter } from '../proxy/contracts';
import type { FilterChain } from '../proxy/filter-chain';
import { sendLocalReply } from '../proxy/local-reply';
import { Errors } from '../errors/codes';
import { isDaprError, type DaprError } from '../errors/dapr-error';
import type { ApiRouter } from './router';
import { parseInvokeHeaders, parseInvokePath, type InvokeRoute } from './invoke/invoke-route';

const EMPTY_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

function errorRoute(err: DaprError, api = 'unknown'): RouteMatch {
  return { api, version: 'v1', pattern: 'unmatched', params: EMPTY_PARAMS, handler: (ex) => sendLocalReply(ex, err) };
}

function invokeRoute(inv: InvokeRoute, handler: RouteHandler, pattern: string): RouteMatch {
  return { api: 'invoke', version: 'v1', pattern, params: { id: inv.appId }, handler };
}

/** The terminal filter of the API chains: runs the handler the route resolved to. */
export const routeTerminal: TerminalFilter = {
  name: 'router',
  handle: (ex: Exchange) => ex.route!.handler(ex),
};

export interface DaprHttpApiDeps {
  readonly router: () => ApiRouter;
  readonly chain: () => FilterChain;
  readonly invokeHandler: RouteHandler;
  /** False when the invoke API is disabled by the allow/deny lists. */
  readonly invokeAllowed: () => boolean;
}

export function resolveRoute(ex: Exchange, deps: DaprHttpApiDeps): void {
  const inv = parseInvokePath(ex.path);
  if (inv !== undefined) {
    if (!deps.invokeAllowed()) return void (ex.route = errorRoute(Errors.notFoundRoute(ex.method, ex.path)));
    if (isDaprError(inv)) return void (ex.route = errorRoute(inv, 'invoke'));
    ex.targetAppId = inv.appId;
    ex.invokeMethod = inv.method;
    ex.route = invokeRoute(inv, deps.invokeHandler, '/v1.0/invoke/:id/method/*');
    return;
  }
  const found = deps.router().lookup(ex.method, ex.path);
  if (found.found) {
    ex.route = found.match;
    return;
  }
  // Invocation is the router's fallback: dapr-app-id header or Basic-auth form on any other path.
  const viaHeaders = deps.invokeAllowed() ? parseInvokeHeaders(ex.path, ex.headers) : undefined;
  if (viaHeaders !== undefined) {
    if (isDaprError(viaHeaders)) return void (ex.route = errorRoute(viaHeaders, 'invoke'));
    ex.targetAppId = viaHeaders.appId;
    ex.invokeMethod = viaHeaders.method;
    if (viaHeaders.viaHeader === 'authorization') (ex.scratch ??= new Map()).set('invoke.viaBasic', true);
    delete ex.headers['dapr-app-id'];
    ex.route = invokeRoute(viaHeaders, deps.invokeHandler, 'dapr-app-id');
    return;
  }
  ex.route = errorRoute(found.methodNotAllowed ? Errors.methodNotAllowed(ex.method, ex.path) : Errors.notFoundRoute(ex.method, ex.path));
}

export function createDaprHttpDispatch(deps: DaprHttpApiDeps): (ex: Exchange) => void {
  return (ex) => {
    resolveRoute(ex, deps);
    deps.chain().run(ex);
  };
}
