/**
 * The app channel for --app-protocol grpc/grpcs: the app serves dapr.proto.runtime.v1.AppCallback.
 * Invocations become AppCallback/OnInvoke (common.v1.InvokeRequest with the body in Any.value and
 * the verb/query in http_extension); a gRPC error from the app becomes the mapped HTTP status with
 * a JSON google.rpc.Status body. Pub/sub, bindings, jobs and health use the thin wrappers below.
 * Connect client (createGrpcTransport, HTTP/2) with one session manager per channel.
 */
import type { ConnectionOptions } from 'node:tls';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type CallOptions, type Client } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { HTTPExtension_Verb } from '@dapr/dapr/proto/dapr/proto/common/v1/common_pb';
import {
  AppCallback, AppCallbackAlpha, AppCallbackHealthCheck,
  type BindingEventRequestSchema, type BindingEventResponse, type JobEventRequestSchema, type JobEventResponse,
  type ListInputBindingsResponse, type ListTopicSubscriptionsResponse, type TopicEventBulkRequestSchema,
  type TopicEventBulkResponse, type TopicEventRequestSchema, type TopicEventResponse,
} from '@dapr/dapr/proto/dapr/proto/runtime/v1/appcallback_pb';
import type { UnaryInvokeResponse } from '../../api/invoke/contract';
import { readBody, sendRaw } from '../../api/http-util';
import { Errors } from '../../errors/codes';
import { httpStatusForGrpcCode, isDaprError, type DaprError } from '../../errors/dapr-error';
import type { Exchange } from '../../proxy/contracts';
import { sendLocalReply } from '../../proxy/local-reply';
import type { AppChannel, AppRequest } from './contract';
import { appRequestHeaders, type AppIdentity } from './app-headers';
import { grpcMetadataToHeaders, headersToGrpcMetadata } from './grpc-app-metadata';
import { tcpProbe } from './http-app-channel';
import { Semaphore } from './semaphore';

export interface GrpcAppChannelOptions extends AppIdentity {
  readonly host: string;
  readonly port: number;
  /** --app-max-concurrency; < 0 = unlimited. */
  readonly maxConcurrency: number;
  /** --max-body-size: bounds request bodies and messages both ways. */
  readonly maxBodySize: number;
  /** grpcs: true = TLS without certificate verification (as daprd), or explicit options. */
  readonly tls?: boolean | ConnectionOptions;
}

/** A call to an AppCallback method: the reply, or the gRPC status the app (or transport) gave. */
export type AppGrpcResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: Code; readonly message: string };

function verbOf(verb: string): HTTPExtension_Verb {
  const v = HTTPExtension_Verb[verb.toUpperCase() as keyof typeof HTTPExtension_Verb];
  return typeof v === 'number' ? v : HTTPExtension_Verb.NONE;
}

/** True when the error came from the app (it carries a gRPC status), not from dialling it. */
function fromApp(err: ConnectError): boolean {
  return err.metadata.has('grpc-status');
}

export class GrpcAppChannel implements AppChannel {
  readonly protocol: 'grpc' | 'grpcs';
  private readonly sessions: Http2SessionManager;
  private readonly app: Client<typeof AppCallback>;
  private readonly alpha: Client<typeof AppCallbackAlpha>;
  private readonly health: Client<typeof AppCallbackHealthCheck>;
  private readonly limit: Semaphore;

  constructor(private readonly opts: GrpcAppChannelOptions) {
    this.protocol = opts.tls ? 'grpcs' : 'grpc';
    const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    const baseUrl = `${opts.tls ? 'https' : 'http'}://${host}:${opts.port}`;
    const tlsOptions = opts.tls === true ? { rejectUnauthorized: false } : opts.tls || undefined;
    this.sessions = new Http2SessionManager(baseUrl, { idleConnectionTimeoutMs: 60_000 }, tlsOptions);
    const transport = createGrpcTransport({
      baseUrl,
      sessionManager: this.sessions,
      readMaxBytes: opts.maxBodySize,
      writeMaxBytes: opts.maxBodySize,
    });
    this.app = createClient(AppCallback, transport);
    this.alpha = createClient(AppCallbackAlpha, transport);
    this.health = createClient(AppCallbackHealthCheck, transport);
    this.limit = new Semaphore(opts.maxConcurrency);
  }

  async call(req: AppRequest): Promise<UnaryInvokeResponse | DaprError> {
    const wait = this.limit.acquire();
    if (wait) await wait;
    try {
      const md: Record<string, string | string[]> = { ...req.headers, 'dapr-callee-app-id': this.opts.appId };
      if (this.opts.appApiToken) md['dapr-api-token'] = this.opts.appApiToken;
      const headers: Record<string, string | string[]> = {};
      const res = await this.app.onInvoke({
        method: req.path.replace(/^\/+/, ''),
        data: { typeUrl: '', value: req.body },
        contentType: req.contentType ?? '',
        httpExtension: { verb: verbOf(req.verb), querystring: req.query },
      }, { headers: headersToGrpcMetadata(md), onHeader: (h) => grpcMetadataToHeaders(h, headers) });
      const contentType = res.contentType || undefined;
      if (contentType) headers['content-type'] = contentType;
      return { status: 200, headers, body: Buffer.from(res.data?.value ?? new Uint8Array(0)), ...(contentType ? { contentType } : {}) };
    } catch (e) {
      const err = ConnectError.from(e);
      if (!fromApp(err)) return Errors.invokeFailed(this.opts.appId, `error invoking app: ${err.rawMessage}`);
      const body = Buffer.from(JSON.stringify(err.rawMessage ? { code: err.code, message: err.rawMessage } : { code: err.code }));
      return { status: httpStatusForGrpcCode(err.code), headers: { 'content-type': 'application/json' }, body, contentType: 'application/json' };
    } finally {
      this.limit.release();
    }
  }

  async forward(ex: Exchange): Promise<void> {
    const body = await readBody(ex, this.opts.maxBodySize);
    if (isDaprError(body)) return sendLocalReply(ex, body);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(appRequestHeaders(ex, this.opts))) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const ct = ex.headers['content-type'];
    const res = await this.call({ path: ex.path, verb: ex.method, query: ex.query, headers, body, ...(ct ? { contentType: ct } : {}) });
    if (isDaprError(res)) return sendLocalReply(ex, res);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) out[k] = Array.isArray(v) ? v.join(', ') : v;
    sendRaw(ex.res, res.status, res.body, out);
  }

  probe(): Promise<boolean> {
    return tcpProbe(this.opts.host, this.opts.port);
  }

  async close(): Promise<void> {
    this.sessions.abort();
  }

  /** AppCallback/ListTopicSubscriptions (UNIMPLEMENTED = the app subscribes to nothing). */
  listTopicSubscriptions(): Promise<AppGrpcResult<ListTopicSubscriptionsResponse>> {
    return this.wrap((o) => this.app.listTopicSubscriptions({}, o));
  }

  onTopicEvent(req: MessageInitShape<typeof TopicEventRequestSchema>): Promise<AppGrpcResult<TopicEventResponse>> {
    return this.wrap((o) => this.app.onTopicEvent(req, o));
  }

  /** The JS SDK implements only the Alpha1 bulk method, which is what daprd falls back to. */
  onBulkTopicEvent(req: MessageInitShape<typeof TopicEventBulkRequestSchema>): Promise<AppGrpcResult<TopicEventBulkResponse>> {
    return this.wrap((o) => this.alpha.onBulkTopicEventAlpha1(req, o));
  }

  listInputBindings(): Promise<AppGrpcResult<ListInputBindingsResponse>> {
    return this.wrap((o) => this.app.listInputBindings({}, o));
  }

  onBindingEvent(req: MessageInitShape<typeof BindingEventRequestSchema>): Promise<AppGrpcResult<BindingEventResponse>> {
    return this.wrap((o) => this.app.onBindingEvent(req, o));
  }

  onJobEvent(req: MessageInitShape<typeof JobEventRequestSchema>): Promise<AppGrpcResult<JobEventResponse>> {
    return this.wrap((o) => this.alpha.onJobEventAlpha1(req, o));
  }

  /** AppCallbackHealthCheck/HealthCheck answered OK within timeoutMs. */
  async healthCheck(timeoutMs = 500): Promise<boolean> {
    const r = await this.wrap((o) => this.health.healthCheck({}, { ...o, timeoutMs }));
    return r.ok;
  }

  private async wrap<T>(run: (o: CallOptions) => Promise<T>): Promise<AppGrpcResult<T>> {
    const md: Record<string, string> = { 'dapr-callee-app-id': this.opts.appId };
    if (this.opts.appApiToken) md['dapr-api-token'] = this.opts.appApiToken;
    try {
      return { ok: true, value: await run({ headers: md }) };
    } catch (e) {
      const err = ConnectError.from(e);
      return { ok: false, code: err.code, message: err.rawMessage };
    }
  }
}
