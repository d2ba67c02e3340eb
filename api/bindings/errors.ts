/** The Dapr errors of the output bindings API. */
import { daprError, GrpcCode, type DaprError } from '../../errors/dapr-error';

export const BindingErrors = {
  invoke: (name: string, why: string): DaprError => daprError(500, 'ERR_INVOKE_OUTPUT_BINDING', `error invoking output binding ${name}: ${why}`, GrpcCode.INTERNAL),
  malformed: (why: string): DaprError => daprError(400, 'ERR_MALFORMED_REQUEST', why, GrpcCode.INVALID_ARGUMENT),
};
