/**
 * gRPC head of the actors API (dapr.proto.runtime.v1.Dapr): InvokeActor, GetActorState,
 * ExecuteActorStateTransaction, Register/UnregisterActorTimer, Register/UnregisterActorReminder.
 * (The bundled protobuf stubs of @dapr/dapr have no GetActorReminder.) Loaded on the first gRPC
 * call, never at start-up.
 */
import type { ServiceImpl } from '@connectrpc/connect';
import type { Dapr } from '@dapr/dapr/proto/dapr/proto/runtime/v1/dapr_pb';
import { daprError, GrpcCode, isDaprError, type DaprError } from '../../errors/dapr-error';
import { connectErrorFromDaprError } from '../../proxy/grpc/connect-error';
import type { ActorRuntime } from '../../runtime/actors/actor-runtime';
import type { ActorStateOp } from '../../runtime/actors/actor-store';
import { ActorErrors } from '../../runtime/actors/errors';

function check<T>(v: T | DaprError): T {
  if (isDaprError(v)) throw connectErrorFromDaprError(v);
  return v;
}

/** gRPC carries timer/reminder data as bytes; JSON stays JSON, anything else travels as a string. */
function dataValue(b: Uint8Array): unknown {
  if (b.length === 0) return undefined;
  const s = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  try { return JSON.parse(s); } catch { return s; }
}

const opt = (k: string, v: string): Record<string, string> => (v ? { [k]: v } : {});

export function actorGrpcHandlers(runtime: ActorRuntime): Partial<ServiceImpl<typeof Dapr>> {
  return {
    async invokeActor(req) {
      const res = check(await runtime.invoke({
        type: req.actorType, id: req.actorId, method: req.method, headers: { ...req.metadata, 'dapr-api-call': 'true' },
        body: Buffer.from(req.data.buffer, req.data.byteOffset, req.data.byteLength),
        // gRPC callers send JSON (the SDKs serialise arguments so); daprd hands it to the app as such.
        contentType: req.metadata['content-type'] ?? 'application/json',
      }));
      if (res.status < 200 || res.status >= 300) {
        // An actor error (X-Daprerrorresponseheader): the app's status and body become the gRPC error.
        throw connectErrorFromDaprError(daprError(res.status, 'ERR_ACTOR_INVOKE_METHOD', res.body.toString('utf8') || `actor answered ${res.status}`, GrpcCode.UNKNOWN));
      }
      return { data: res.body };
    },
    async getActorState(req) {
      const item = check(await runtime.getState(req.actorType, req.actorId, req.key));
      return item ? { data: item.data, metadata: { ...(item.metadata ?? {}) } } : {};
    },
    async executeActorStateTransaction(req) {
      const ops: ActorStateOp[] = [];
      for (const o of req.operations) {
        const op = o.operationType.toLowerCase();
        if (op !== 'upsert' && op !== 'delete') check(ActorErrors.malformed(`operation type ${o.operationType} not supported`));
        const md = Object.keys(o.metadata).length ? { metadata: { ...o.metadata } } : {};
        ops.push(op === 'upsert'
          ? { operation: 'upsert', key: o.key, value: Buffer.from(o.value?.value ?? new Uint8Array()), ...md }
          : { operation: 'delete', key: o.key, ...md });
      }
      check(await runtime.stateTransaction(req.actorType, req.actorId, ops));
      return {};
    },
    async registerActorTimer(req) {
      check(await runtime.createTimer({ type: req.actorType, id: req.actorId, name: req.name, ...opt('dueTime', req.dueTime), ...opt('period', req.period), ...opt('ttl', req.ttl), ...opt('callback', req.callback), data: dataValue(req.data) }));
      return {};
    },
    async unregisterActorTimer(req) {
      check(await runtime.deleteTimer(req.actorType, req.actorId, req.name));
      return {};
    },
    async registerActorReminder(req) {
      check(await runtime.createReminder({ type: req.actorType, id: req.actorId, name: req.name, ...opt('dueTime', req.dueTime), ...opt('period', req.period), ...opt('ttl', req.ttl), data: dataValue(req.data) }));
      return {};
    },
    async unregisterActorReminder(req) {
      check(await runtime.deleteReminder(req.actorType, req.actorId, req.name));
      return {};
    },
  };
}
