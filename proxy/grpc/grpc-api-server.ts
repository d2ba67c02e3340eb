/**
 * The Dapr gRPC API listener (daprd's :50001): an h2c node:http2 server. Per stream: the filter
 * chain runs first (API token, ACLs, ...); then a path of a service we serve goes to Connect
 * (dapr.proto.runtime.v1.Dapr and any extra routes), any other call carrying `dapr-app-id` goes
 * to the gRPC proxy, and the rest answers UNIMPLEMENTED as grpc-go does for an unknown service.
 * The maximum message size (--max-body-size) is enforced on every request message either way.
 * See docs/adr/0002-grpc-server.md.
 *
 * The Connect stack and the Dapr protobuf stubs are loaded when the first call arrives (when the
 * services are given as a function), not at start-up: a sidecar used only over HTTP never pays
 * for them. The load is synchronous, so the first call is served like any other.
 */
import * as http2 from 'node:http2';
import type { ConnectionOptions } from 'node:tls';
import type { ConnectRouter } from '@connectrpc/connect';
import type { InvocationService } from '../../api/invoke/contract';
import type { Endpoint } from '../../discovery/contract';
import { Errors } from '../../errors/codes';
import { daprError, GrpcCode } from '../../errors/dapr-error';
import type { Logger } from '../../observability/logger';
import { Stop, type Exchange, type FilterStatus, type HttpFilter } from '../contracts';
import { replyGrpcError } from './grpc-reply';
import type { ConnectDispatch } from './connect-handler';
import type { DaprServicePart } from './dapr-services';
import { grpcTargetAppId, proxyGrpc, type GrpcAppTarget, type GrpcProxyDeps } from './grpc-proxy';
import { UpstreamSessions } from './upstream-sessions';

export interface GrpcApiDeps {
  readonly logger: Logger;
  readonly appId: string;
  readonly namespace: string;
  /** --max-body-size in bytes: the largest gRPC request message accepted. */
  readonly maxBodySize: number;
  /** Run in order before dispatch; a filter returning Stop has replied already. */
  readonly filters: readonly HttpFilter[];
  readonly invocation: InvocationService;
  /**
   * Dapr service handler partials contributed by building blocks (merged; overlaps are an error).
   * A function is called once, with the first call, so the handlers' modules load only then.
   */
  readonly services: readonly DaprServicePart[] | (() => readonly DaprServicePart[]);
  /** The local app's gRPC server (--app-protocol grpc), the target of self-proxied calls. */
  readonly appChannelGrpc?: GrpcAppTarget;
  /** More Connect services on the same port (e.g. durabletask's TaskHubSidecarService). */
  readonly extraRoutes?: (router: ConnectRouter) => void;
  /** TLS toward peer sidecars (mTLS); undefined = h2c. */
  readonly peerTls?: (endpoint: Endpoint) => ConnectionOptions | undefined;
  /** APP_API_TOKEN, sent as dapr-api-token to the local app on proxied calls. */
  readonly appApiToken?: string;
}

export interface GrpcApiServer {
  readonly server: http2.Http2Server;
  /**
   * Stops accepting, signals streaming handlers to finish (Connect shutdownSignal), sends GOAWAY
   * to clients and closes upstream sessions; connections still open after graceMs are destroyed.
   * Resolves when the server has closed.
   */
  close(graceMs?: number): Promise<void>;
}

/** grpc-go's reply for a service nobody serves. */
export function unknownService(service: string): ReturnType<typeof daprError> {
  return daprError(501, 'ERR_NOT_IMPLEMENTED', `unknown service ${service}`, GrpcCode.UNIMPLEMENTED);
}

function unknownMethod(service: string, method: string): ReturnType<typeof daprError> {
  return daprError(501, 'ERR_NOT_IMPLEMENTED', `unknown method ${method} for service ${service}`, GrpcCode.UNIMPLEMENTED);
}

/** "/pkg.Service/Method" -> ["pkg.Service", "Method"]. */
function splitPath(path: string): [string, string] {
  const slash = path.indexOf('/', 1);
  return slash < 0 ? [path.slice(1), ''] : [path.slice(1, slash), path.slice(slash + 1)];
}

export function createGrpcApiServer(deps: GrpcApiDeps): GrpcApiServer {
  const logger = deps.logger;
  const shutdown = new AbortController();
  const buildConnect = (): ConnectDispatch => {
    const { createConnectDispatch } = require('./connect-handler') as typeof import('./connect-handler');
    const { mergeDaprServices } = require('./dapr-services') as typeof import('./dapr-services');
    const { Dapr } = require('@dapr/dapr/proto/dapr/proto/runtime/v1/dapr_pb') as typeof import('@dapr/dapr/proto/dapr/proto/runtime/v1/dapr_pb');
    const impl = mergeDaprServices(typeof deps.services === 'function' ? deps.services() : deps.services);
    return createConnectDispatch((router) => {
      router.service(Dapr, impl);
      deps.extraRoutes?.(router);
    }, deps.maxBodySize, logger, shutdown.signal);
  };
  // Given as a list, the services are wired at once (an overlap throws here, as before).
  let connect: ConnectDispatch | undefined = typeof deps.services === 'function' ? undefined : buildConnect();
  const sessions = new UpstreamSessions(logger);
  const proxyDeps: GrpcProxyDeps = {
    appId: deps.appId,
    namespace: deps.namespace,
    invocation: deps.invocation,
    appChannelGrpc: deps.appChannelGrpc,
    sessions,
    maxMessageBytes: deps.maxBodySize,
    peerTls: deps.peerTls,
    appApiToken: deps.appApiToken,
    logger,
  };

  const dispatch = (ex: Exchange): void => {
    if (!connect) {
      try {
        connect = buildConnect();
      } catch (err) {
        logger.error('gRPC API services failed to load', { err: err instanceof Error ? err : String(err) });
        return replyGrpcError(ex.res as http2.Http2ServerResponse, Errors.internal('gRPC API services failed to load'));
      }
    }
    const handler = connect.handlers.get(ex.path);
    if (handler) return connect.serve(handler, ex);
    const [service, method] = splitPath(ex.path);
    const res = ex.res as http2.Http2ServerResponse;
    if (connect.services.has(service)) return replyGrpcError(res, unknownMethod(service, method));
    const appId = grpcTargetAppId(ex);
    if (appId !== undefined) {
      proxyGrpc(ex, appId, proxyDeps).catch((err: unknown) => {
        logger.error('gRPC proxy failed', { method: ex.path, err: err instanceof Error ? err : String(err) });
        replyGrpcError(res, Errors.internal('gRPC proxy failed'));
      });
      return;
    }
    replyGrpcError(res, unknownService(service));
  };

  /** Runs filters from index i; stays synchronous until a filter returns a promise. */
  const runFilters = (ex: Exchange, i: number): void => {
    for (; i < deps.filters.length; i++) {
      let status: FilterStatus | Promise<FilterStatus>;
      try {
        status = deps.filters[i].onRequest(ex);
      } catch (err) {
        logger.error('filter threw', { filter: deps.filters[i].name, err: err instanceof Error ? err : String(err) });
        return replyGrpcError(ex.res as http2.Http2ServerResponse, Errors.internal(`filter ${deps.filters[i].name} failed`));
      }
      if (status === Stop) return;
      if (typeof status === 'object') {
        const next = i + 1;
        const filter = deps.filters[i].name;
        status.then(
          (s) => { if (s !== Stop) runFilters(ex, next); },
          (err: unknown) => {
            logger.error('filter failed', { filter, err: err instanceof Error ? err : String(err) });
            replyGrpcError(ex.res as http2.Http2ServerResponse, Errors.internal(`filter ${filter} failed`));
          },
        );
        return;
      }
    }
    dispatch(ex);
  };

  const server = http2.createServer({}, (req, res) => {
    const path = req.url.split('?', 1)[0];
    const ex: Exchange = {
      listener: 'dapr-grpc',
      protocol: 'grpc',
      req,
      res,
      method: req.method,
      path,
      query: '',
      headers: req.headers,
      startTime: process.hrtime.bigint(),
    };
    runFilters(ex, 0);
  });
  server.on('sessionError', (err) => logger.debug('gRPC API session error', { err }));
  const openSessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    openSessions.add(s);
    s.on('close', () => openSessions.delete(s));
  });

  return {
    server,
    close: (graceMs = 5000) => new Promise<void>((resolve) => {
      // Connections still busy when the grace period ends are cut.
      const timer = setTimeout(() => { for (const s of openSessions) s.destroy(); }, graceMs);
      timer.unref();
      shutdown.abort();
      server.close(() => {
        clearTimeout(timer);
        sessions.close();
        resolve();
      });
      // Open client connections would hold server.close() open: ask them to go away (GOAWAY).
      for (const s of openSessions) s.close();
    }),
  };
}
