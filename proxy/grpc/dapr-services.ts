/**
 * Merges the Dapr service handler partials that building blocks contribute into one
 * ServiceImpl<typeof Dapr>. Methods nobody implements answer UNIMPLEMENTED in grpc-go's wording
 * (`method GetState not implemented`) with Dapr's error shape.
 */
import type { ServiceImpl } from '@connectrpc/connect';
import type { DescMethod } from '@bufbuild/protobuf';
import { Dapr } from '@dapr/dapr/proto/dapr/proto/runtime/v1/dapr_pb';
import { daprError, GrpcCode, type DaprError } from '../../errors/dapr-error';
import { connectErrorFromDaprError } from './connect-error';

export type DaprServiceImpl = ServiceImpl<typeof Dapr>;
export type DaprServicePart = Partial<DaprServiceImpl>;

export function methodNotImplemented(method: string): DaprError {
  return daprError(501, 'ERR_NOT_IMPLEMENTED', `method ${method} not implemented`, GrpcCode.UNIMPLEMENTED);
}

/** A handler of the right streaming kind that always fails with UNIMPLEMENTED. */
function unimplementedHandler(method: DescMethod): unknown {
  const fail = (): never => { throw connectErrorFromDaprError(methodNotImplemented(method.name)); };
  switch (method.methodKind) {
    case 'unary':
    case 'client_streaming':
      return async () => fail();
    case 'server_streaming':
    case 'bidi_streaming':
      // eslint-disable-next-line require-yield
      return async function* () { fail(); };
  }
}

/** Throws at wiring time if two parts implement the same method (a programming error). */
export function mergeDaprServices(parts: readonly DaprServicePart[]): DaprServiceImpl {
  const merged: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [name, handler] of Object.entries(part)) {
      if (handler === undefined) continue;
      if (name in merged) throw new Error(`Dapr gRPC method ${name} is implemented by two building blocks`);
      merged[name] = handler;
    }
  }
  for (const method of Dapr.methods) {
    if (!(method.localName in merged)) merged[method.localName] = unimplementedHandler(method);
  }
  return merged as DaprServiceImpl;
}
