/** gRPC head of output bindings: InvokeBinding{name, data, metadata, operation} -> {data, metadata}. */
import type { DaprServicePart } from '../../proxy/grpc/dapr-services';
import { connectErrorFromDaprError } from '../../proxy/grpc/connect-error';
import { BindingsApi, type BindingsApiDeps } from './bindings-api';

export function bindingsGrpcHandlers(deps: BindingsApiDeps | BindingsApi): DaprServicePart {
  const api = deps instanceof BindingsApi ? deps : new BindingsApi(deps);
  return {
    async invokeBinding(req) {
      const data = Buffer.from(req.data.buffer, req.data.byteOffset, req.data.byteLength);
      const r = await api.invoke(req.name, req.operation, data, { ...req.metadata });
      if (!r.ok) throw connectErrorFromDaprError(r.error);
      return { data: r.value.data ?? new Uint8Array(0), metadata: { ...(r.value.metadata ?? {}) } };
    },
  };
}
