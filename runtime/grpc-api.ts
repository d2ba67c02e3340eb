/**
 * Starts the Dapr gRPC API port (dapr.proto.runtime.v1.Dapr + gRPC proxying) and exposes the
 * handler the internal listener uses for HTTP/2 (gRPC) sidecar-to-sidecar streams.
 */
import http2 from 'node:http2';
import type { Logger } from '../observability/logger';
import type { SidecarOptions } from './options';
import type { Exchange, HttpFilter } from '../proxy/contracts';
import { FilterChain } from '../proxy/filter-chain';
import type { InvocationService } from '../api/invoke/contract';
import type { MetadataSnapshot } from '../api/runtime-routes';
import type { DaprServicePart } from '../proxy/grpc/dapr-services';
import type { Mtls } from './mtls';
import type { Endpoint } from '../discovery/contract';
import { createGrpcApiServer } from '../proxy/grpc/grpc-api-server';
import { handleInternalGrpc, isGrpcRequest } from '../proxy/grpc/internal-grpc';
import { sendGrpcError } from '../proxy/local-reply';
import { Errors } from '../errors/codes';

export interface GrpcApi {
  readonly port: number;
  readonly server: http2.Http2Server;
  internal(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void;
  close(graceMs: number): Promise<void>;
}

export interface GrpcApiStartOptions {
  readonly opts: SidecarOptions;
  readonly host: string;
  readonly logger: Logger;
  readonly filters: readonly HttpFilter[];
  readonly invocation: InvocationService;
  readonly metadata: () => MetadataSnapshot;
  readonly setExtended: (key: string, value: string) => void;
  readonly shutdown: (reason: string) => void;
  /**
   * gRPC handler partials of the building blocks; called once, with the first gRPC API call (the
   * handlers import the protobuf stubs, which start-up does not load).
   */
  readonly services: () => readonly DaprServicePart[];
  /** The inbound (app-side) filters, run on gRPC calls from other sidecars too. */
  readonly inboundFilters: readonly HttpFilter[];
  /** Sidecar-to-sidecar mTLS, when enabled. */
  readonly mtls?: Mtls;
}

export async function startGrpcApi(s: GrpcApiStartOptions): Promise<GrpcApi> {
  const { opts } = s;
  const isGrpcApp = opts.appPort !== undefined && (opts.appProtocol === 'grpc' || opts.appProtocol === 'grpcs');
  const appChannelGrpc = isGrpcApp ? { host: opts.appChannelAddress, port: opts.appPort!, ...(opts.appProtocol === 'grpcs' ? { tls: { rejectUnauthorized: false } } : {}) } : undefined;
  const api = createGrpcApiServer({
    logger: s.logger,
    appId: opts.appId,
    namespace: opts.namespace,
    maxBodySize: opts.maxBodySize,
    filters: s.filters,
    invocation: s.invocation,
    services: () => {
      const { daprCoreServices } = require('../api/grpc/dapr-service-core') as typeof import('../api/grpc/dapr-service-core');
      return [
        daprCoreServices({ invocation: s.invocation, getMetadata: s.metadata, setMetadata: s.setExtended, shutdown: () => s.shutdown('shutdown requested through the gRPC API') }),
        ...s.services(),
      ];
    },
    ...(appChannelGrpc ? { appChannelGrpc } : {}),
    ...(opts.appApiToken ? { appApiToken: opts.appApiToken } : {}),
    ...(s.mtls ? { peerTls: (endpoint: Endpoint) => ({ ...s.mtls!.clientOptions({ appId: endpoint.appId, ...(endpoint.namespace ? { namespace: endpoint.namespace } : {}) }), ALPNProtocols: ['h2'] }) } : {}),
  });
  const port = await new Promise<number>((resolve, reject) => {
    api.server.once('error', reject);
    api.server.listen(opts.daprGrpcPort, s.host, () => {
      api.server.off('error', reject);
      const a = api.server.address();
      resolve(typeof a === 'object' && a ? a.port : opts.daprGrpcPort);
    });
  });
  const internalDeps = {
    appId: opts.appId, namespace: opts.namespace, logger: s.logger, maxMessageBytes: opts.maxBodySize,
    ...(appChannelGrpc ? { appChannelGrpc } : {}), ...(opts.appApiToken ? { appApiToken: opts.appApiToken } : {}),
  };
  const inboundChain = new FilterChain(s.inboundFilters, {
    name: 'app-grpc-channel',
    handle: (ex) => handleInternalGrpc(ex.req as http2.Http2ServerRequest, ex.res as http2.Http2ServerResponse, ex.caller?.verified ? { ...internalDeps, verifiedCallerAppId: ex.caller.appId } : internalDeps),
  }, s.logger);
  return {
    port,
    server: api.server,
    internal(req, res) {
      if (!isGrpcRequest(req)) return sendGrpcError(res, Errors.unimplemented('HTTP/2 without gRPC on the internal listener'));
      // The session's socket object is stable per connection (req.socket is a new proxy per stream),
      // so the peer certificate is parsed once per connection.
      const verified = s.mtls?.peerOf(req.stream.session?.socket ?? req.socket);
      if (s.mtls && !verified) return sendGrpcError(res, Errors.invokeDenied(opts.appId, 'caller has no verifiable identity'));
      // The same inbound chain as HTTP invocation (access control, tracing, metrics): the operation
      // is the gRPC method path.
      const header = (n: string): string | undefined => { const v = req.headers[n]; return Array.isArray(v) ? v[0] : v; };
      const path = req.url;
      const ex: Exchange = {
        listener: 'internal', protocol: 'grpc', req, res, method: 'POST', path, query: '', headers: req.headers,
        startTime: process.hrtime.bigint(), targetAppId: opts.appId, invokeMethod: path.slice(1),
        caller: verified ?? { appId: header('dapr-caller-app-id') ?? '', namespace: header('dapr-caller-namespace') ?? opts.namespace, trustDomain: '', verified: false },
      };
      inboundChain.run(ex);
    },
    close: (graceMs) => api.close(graceMs),
  };
}
