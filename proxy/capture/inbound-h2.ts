/**
 * Captured inbound HTTP/2 with prior knowledge (a gRPC client outside the mesh calling the app's
 * port). Each stream runs the sidecar's inbound filters — the same list the internal listener runs
 * for gRPC from peer sidecars (telemetry: traceparent taken or created, server span, metrics;
 * access control; the app pipeline) — with no caller identity, so access control applies the
 * Configuration's global defaultAction, as daprd does for a caller without a SPIFFE id. Then:
 * the stream is relayed to the app over HTTP/2 (h2-passthrough.ts): headers, every DATA frame, the
 * trailers, a trailers-only answer and a reset (with its code) cross as they are, so all four gRPC
 * streaming kinds work. Local replies follow the stream's protocol: gRPC streams get gRPC statuses
 * (a denial is PERMISSION_DENIED with Dapr's message), other HTTP/2 streams (whose path is
 * normalised first, as for captured HTTP/1.1) get Dapr JSON errors.
 * Caller claims in the request (dapr-caller-app-id and the other internal headers, dapr-api-token)
 * never reach the app: an outside client cannot pose as a mesh app.
 */
import type http2 from 'node:http2';
import type { Exchange, HttpFilter, TerminalFilter } from '../contracts';
import { FilterChain } from '../filter-chain';
import { normalisePath } from '../path';
import { sendLocalReply } from '../local-reply';
import { Errors } from '../../errors/codes';
import { daprError, GrpcCode } from '../../errors/dapr-error';
import type { Logger } from '../../observability/logger';
import { UpstreamSessions } from '../grpc/upstream-sessions';
import type { Destination } from './original-dst';
import { relayH2Stream } from './h2-passthrough';

export const LISTENER_INBOUND_H2 = 'inbound-capture';

/** Headers only a sidecar may set; an outside caller's values are removed. */
export const CALLER_CLAIMS: ReadonlySet<string> = new Set([
  'dapr-caller-app-id', 'dapr-caller-namespace', 'dapr-callee-app-id', 'dapr-callee-namespace', 'dapr-app-id', 'dapr-api-token',
]);

export interface InboundH2Deps {
  readonly appId: string;
  /** The sidecar's inbound filters (runtime/chains.ts `inboundFilters`), in order. */
  readonly filters: readonly HttpFilter[];
  readonly logger: Logger;
  /** APP_API_TOKEN, sent to the app as dapr-api-token. */
  readonly appApiToken?: string;
  /** With app health checks on: false answers UNAVAILABLE / 500 instead of calling the app. */
  readonly appHealthy?: () => boolean;
}

export interface InboundH2Handler {
  /** Serves one captured stream whose connection was headed for `app` (the app's host and port). */
  handle(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, app: Destination): void;
  /** Closes the HTTP/2 sessions toward the app (in-flight streams finish). */
  close(): void;
}

/** The app could not be reached or reset before answering: UNAVAILABLE (gRPC) / 500 (HTTP). */
const appFailed = (appId: string, why: string) => daprError(500, 'ERR_DIRECT_INVOKE', `failed to invoke, id: ${appId}, err: error invoking app: ${why}`, GrpcCode.UNAVAILABLE);

const isGrpc = (h: http2.IncomingHttpHeaders): boolean => (h['content-type'] ?? '').startsWith('application/grpc');

/** The terminal's name, and its scratch key for where the stream goes (the app's host and port). */
const TERMINAL = 'app-h2-channel';

export function createInboundH2Handler(deps: InboundH2Deps): InboundH2Handler {
  const sessions = new UpstreamSessions(deps.logger);

  const terminal: TerminalFilter = {
    name: TERMINAL,
    handle(ex) {
      const app = ex.scratch?.get(TERMINAL) as Destination;
      if (deps.appHealthy && !deps.appHealthy()) return sendLocalReply(ex, Errors.appUnhealthy(deps.appId));
      const req = ex.req as http2.Http2ServerRequest;
      const res = ex.res as http2.Http2ServerResponse;
      // ex.headers is req.headers, which the relay sends: what the filters set (traceparent) goes along.
      const h = ex.headers;
      if (deps.appApiToken) h['dapr-api-token'] = deps.appApiToken;
      const remote = req.socket?.remoteAddress;
      // The listener is dual-stack: an IPv4 client shows as ::ffff:a.b.c.d.
      if (remote && h['x-forwarded-for'] === undefined) h['x-forwarded-for'] = remote.startsWith('::ffff:') && remote.includes('.') ? remote.slice(7) : remote;
      h[':path'] = ex.query ? `${ex.path}?${ex.query}` : ex.path;
      relayH2Stream(req, res, sessions.get(app), (why) => sendLocalReply(ex, appFailed(deps.appId, why)));
    },
  };
  const chain = new FilterChain(deps.filters, terminal, deps.logger);

  return {
    handle(req, res, app) {
      const grpc = isGrpc(req.headers);
      for (const name of CALLER_CLAIMS) delete req.headers[name];
      const url = req.url;
      const q = url.indexOf('?');
      const ex: Exchange = {
        listener: LISTENER_INBOUND_H2, protocol: grpc ? 'grpc' : 'http', req, res,
        method: req.method, path: q < 0 ? url : url.slice(0, q), query: q < 0 ? '' : url.slice(q + 1), headers: req.headers,
        startTime: process.hrtime.bigint(), targetAppId: deps.appId,
        scratch: new Map([[TERMINAL, app]]),
        // No caller: not a sidecar, so no identity (access control applies its global default).
      };
      if (!grpc) {
        // As for captured HTTP/1.1: every filter and the app see one normalised path. gRPC method
        // paths are taken as they are (as on the internal listener): a server matches them exactly.
        const norm = normalisePath(ex.path);
        if (!norm.ok) return sendLocalReply(ex, Errors.badPath(norm.reason));
        ex.path = norm.path;
      }
      ex.invokeMethod = ex.path.slice(1);
      chain.run(ex);
    },
    close: () => sessions.close(),
  };
}
