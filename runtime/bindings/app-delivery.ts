/**
 * How one input-binding event reaches the app, and how the runtime learns which bindings the app
 * wants: HTTP apps answer OPTIONS /<route> (2xx or 405 = subscribed) and take POST /<route> with the
 * raw data (Content-Type application/json, metadata as headers; 2xx = handled, the reply body goes
 * back to the component); gRPC apps list names in ListInputBindings and take OnBindingEvent, whose
 * reply may name output bindings (`to`) and state to save (`states`).
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { BindingEventRequestSchema, BindingEventResponse, ListInputBindingsResponse } from '@dapr/dapr/proto/dapr/proto/runtime/v1/appcallback_pb';
import type { AppChannel } from '../app-channel/contract';
import type { AppGrpcResult } from '../app-channel/grpc-app-channel';
import type { InputBindingEvent } from '../../components/bindings/contract';
import { isDaprError } from '../../errors/dapr-error';

/** The AppCallback methods input bindings need (GrpcAppChannel provides them). */
export interface GrpcBindingApp {
  listInputBindings(): Promise<AppGrpcResult<ListInputBindingsResponse>>;
  onBindingEvent(req: MessageInitShape<typeof BindingEventRequestSchema>): Promise<AppGrpcResult<BindingEventResponse>>;
}

/** What the gRPC app asked for in its reply. */
export interface BindingReplyActions {
  readonly to: readonly string[];
  readonly data: Buffer;
  readonly storeName: string;
  readonly states: ReadonlyArray<{ key: string; value: Buffer; etag?: string; metadata: Record<string, string> }>;
  readonly parallel: boolean;
}

export type DeliveryOutcome =
  | { readonly ok: true; readonly body?: Buffer; readonly actions?: BindingReplyActions }
  | { readonly ok: false; readonly error: string };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function routeOf(name: string, md: Readonly<Record<string, string>> | undefined): string {
  const r = md?.route?.trim();
  if (!r) return `/${name}`;
  return r.startsWith('/') ? r : `/${r}`;
}

export async function httpAppSubscribed(channel: AppChannel, route: string): Promise<boolean | string> {
  const r = await channel.call({ path: route, verb: 'OPTIONS', query: '', headers: {}, body: Buffer.alloc(0) });
  if (isDaprError(r)) return r.message;
  return (r.status >= 200 && r.status < 300) || r.status === 405;
}

export async function deliverHttp(channel: AppChannel, route: string, ev: InputBindingEvent): Promise<DeliveryOutcome> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(ev.metadata)) if (TOKEN.test(k)) headers[k] = v.replace(/[\r\n]/g, ' ');
  headers['content-type'] = 'application/json';
  const r = await channel.call({ path: route, verb: 'POST', query: '', headers, body: ev.data, contentType: 'application/json' });
  if (isDaprError(r)) return { ok: false, error: r.message };
  if (r.status < 200 || r.status > 299) return { ok: false, error: `fails to send binding event to http app channel, status code: ${r.status} body: ${r.body.toString('utf8').slice(0, 200)}` };
  return { ok: true, body: r.body };
}

export async function grpcAppBindings(app: GrpcBindingApp): Promise<string[] | string> {
  const r = await app.listInputBindings();
  if (!r.ok) return r.code === 12 /* UNIMPLEMENTED */ ? [] : r.message;
  return r.value.bindings;
}

export async function deliverGrpc(app: GrpcBindingApp, name: string, ev: InputBindingEvent): Promise<DeliveryOutcome> {
  const r = await app.onBindingEvent({ name, data: ev.data, metadata: { ...ev.metadata } });
  if (!r.ok) return { ok: false, error: `error invoking app: ${r.message}` };
  const v = r.value;
  const data = Buffer.from(v.data);
  const actions: BindingReplyActions = {
    to: v.to,
    data,
    storeName: v.storeName,
    states: v.states.map((s) => ({ key: s.key, value: Buffer.from(s.value), ...(s.etag?.value ? { etag: s.etag.value } : {}), metadata: { ...s.metadata } })),
    parallel: v.concurrency === 1,
  };
  return { ok: true, body: data, actions };
}
