/**
 * The Dapr errors of the actors API (codes and HTTP statuses as daprd answers them). The core
 * returns these as values; the HTTP and gRPC heads render them.
 */
import { daprError, GrpcCode, type DaprError } from '../../errors/dapr-error';

export const ActorErrors = {
  runtimeNotFound: (): DaprError =>
    daprError(500, 'ERR_ACTOR_RUNTIME_NOT_FOUND', `the state store is not configured to use the actor runtime. Have you set the - name: actorStateStore value: "true" in your state store component file?`, GrpcCode.INTERNAL),
  runtimeInitializing: (): DaprError =>
    daprError(500, 'ERR_ACTOR_RUNTIME_NOT_FOUND', 'actor runtime is not ready: the app has not registered its actor types yet', GrpcCode.INTERNAL),
  runtimeClosed: (): DaprError => daprError(503, 'ERR_ACTOR_RUNTIME_CLOSED', 'actor runtime is closed', GrpcCode.UNAVAILABLE),
  noAppChannel: (): DaprError => daprError(400, 'ERR_ACTOR_NO_APP_CHANNEL', 'app channel is not initialized', GrpcCode.INTERNAL),
  noPlacement: (): DaprError => daprError(400, 'ERR_ACTOR_NO_PLACEMENT', 'placement is not configured', GrpcCode.INTERNAL),
  noAddress: (type: string, id: string): DaprError =>
    daprError(404, 'ERR_ACTOR_NO_ADDRESS', `did not find address for actor ${type}/${id}: no host registered actor type ${type}`, GrpcCode.NOT_FOUND),
  typeReserved: (type: string): DaprError => daprError(403, 'ERR_ACTOR_TYPE_RESERVED', `actor type ${type} is reserved for Dapr's internal use`, GrpcCode.PERMISSION_DENIED),
  badRequest: (msg: string): DaprError => daprError(400, 'ERR_BAD_REQUEST', msg, GrpcCode.INVALID_ARGUMENT),
  malformed: (msg: string): DaprError => daprError(400, 'ERR_MALFORMED_REQUEST', msg, GrpcCode.INVALID_ARGUMENT),
  instanceMissing: (): DaprError => daprError(400, 'ERR_ACTOR_INSTANCE_MISSING', 'actor instance is missing', GrpcCode.INVALID_ARGUMENT),
  invokeMethod: (detail: string): DaprError => daprError(500, 'ERR_ACTOR_INVOKE_METHOD', `error invoke actor method: ${detail}`, GrpcCode.INTERNAL),
  stackDepth: (max: number): DaprError => daprError(500, 'ERR_ACTOR_STACK_DEPTH', `maximum stack depth exceeded: the reentrant call chain is deeper than ${max}`, GrpcCode.INTERNAL),
  stateGet: (detail: string): DaprError => daprError(500, 'ERR_ACTOR_STATE_GET', `error getting actor state: ${detail}`, GrpcCode.INTERNAL),
  stateTransaction: (detail: string): DaprError => daprError(500, 'ERR_ACTOR_STATE_TRANSACTION_SAVE', `error saving actor transaction state: ${detail}`, GrpcCode.INTERNAL),
  reminderCreate: (detail: string, status = 500): DaprError => daprError(status, 'ERR_ACTOR_REMINDER_CREATE', `error creating actor reminder: ${detail}`),
  reminderGet: (detail: string): DaprError => daprError(500, 'ERR_ACTOR_REMINDER_GET', `error getting actor reminder: ${detail}`, GrpcCode.INTERNAL),
  reminderDelete: (detail: string): DaprError => daprError(500, 'ERR_ACTOR_REMINDER_DELETE', `error deleting actor reminder: ${detail}`, GrpcCode.INTERNAL),
  reminderNotFound: (name: string): DaprError => daprError(404, 'ERR_ACTOR_REMINDER_NOT_FOUND', `reminder ${name} not found`, GrpcCode.NOT_FOUND),
  reminderExists: (name: string): DaprError => daprError(409, 'ERR_ACTOR_REMINDER_ALREADY_EXISTS', `reminder ${name} already exists`, GrpcCode.ALREADY_EXISTS),
  reminderNonHosted: (type: string): DaprError => daprError(403, 'ERR_ACTOR_REMINDER_NON_HOSTED', `operations on reminders are only possible for actor types hosted by this app; ${type} is not`, GrpcCode.PERMISSION_DENIED),
  timerCreate: (detail: string, status = 500): DaprError => daprError(status, 'ERR_ACTOR_TIMER_CREATE', `error creating actor timer: ${detail}`),
  timerDelete: (detail: string): DaprError => daprError(500, 'ERR_ACTOR_TIMER_DELETE', `error deleting actor timer: ${detail}`, GrpcCode.INTERNAL),
};
