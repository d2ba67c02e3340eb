/**
 * The Dapr errors of the pub/sub API: codes, HTTP statuses, gRPC codes and rich ErrorInfo details
 * (reason DAPR_PUBSUB_*, with appID / pubsubName / topic metadata) as daprd sends them.
 */
import { daprError, errorInfo, GrpcCode, type DaprError, type ErrorDetail } from '../../errors/dapr-error';

function details(reason: string, appId: string, pubsub?: string, topic?: string): ErrorDetail[] {
  const md: Record<string, string> = {};
  if (appId) md.appID = appId;
  if (pubsub) md.pubsubName = pubsub;
  if (topic) md.topic = topic;
  const out: ErrorDetail[] = [errorInfo(reason, md)];
  if (pubsub) out.push({ '@type': 'type.googleapis.com/google.rpc.ResourceInfo', resource_type: 'pubsub', resource_name: pubsub, owner: '', description: '' });
  return out;
}

export const PubsubErrors = {
  notConfigured: (appId: string, pubsub: string): DaprError =>
    daprError(400, 'ERR_PUBSUB_NOT_CONFIGURED', 'pubsub is not configured', GrpcCode.FAILED_PRECONDITION, details('DAPR_PUBSUB_NOT_CONFIGURED', appId, pubsub)),
  nameEmpty: (appId: string): DaprError =>
    daprError(404, 'ERR_PUBSUB_EMPTY', 'pubsub name is empty', GrpcCode.INVALID_ARGUMENT, details('DAPR_PUBSUB_NAME_EMPTY', appId)),
  notFound: (appId: string, pubsub: string): DaprError =>
    daprError(404, 'ERR_PUBSUB_NOT_FOUND', `pubsub ${pubsub} is not found`, GrpcCode.INVALID_ARGUMENT, details('DAPR_PUBSUB_NOT_FOUND', appId, pubsub)),
  topicEmpty: (appId: string, pubsub: string): DaprError =>
    daprError(404, 'ERR_TOPIC_NAME_EMPTY', `topic is empty in pubsub ${pubsub}`, GrpcCode.INVALID_ARGUMENT, details('DAPR_PUBSUB_TOPIC_NAME_EMPTY', appId, pubsub)),
  forbidden: (appId: string, pubsub: string, topic: string): DaprError =>
    daprError(403, 'ERR_PUBSUB_FORBIDDEN', `topic ${topic} is not allowed for app id ${appId}`, GrpcCode.PERMISSION_DENIED, details('DAPR_PUBSUB_FORBIDDEN', appId, pubsub, topic)),
  requestMetadata: (appId: string, pubsub: string, why: string): DaprError =>
    daprError(400, 'ERR_PUBSUB_REQUEST_METADATA', `failed deserializing metadata: ${why}`, GrpcCode.INVALID_ARGUMENT, details('DAPR_PUBSUB_METADATA_DESERIALIZATION', appId, pubsub)),
  cloudEventsSer: (appId: string, pubsub: string, topic: string, why: string): DaprError =>
    daprError(500, 'ERR_PUBSUB_CLOUD_EVENTS_SER', `error when marshalling cloud event envelope for topic ${topic} pubsub ${pubsub}: ${why}`, GrpcCode.INTERNAL, details('DAPR_PUBSUB_CLOUD_EVENTS_SER', appId, pubsub, topic)),
  eventsSer: (appId: string, pubsub: string, topic: string, why: string): DaprError =>
    daprError(400, 'ERR_PUBSUB_EVENTS_SER', `error when marshaling events to bytes for topic ${topic} pubsub ${pubsub}: ${why}`, GrpcCode.INVALID_ARGUMENT, details('DAPR_PUBSUB_EVENTS_SER', appId, pubsub, topic)),
  publishFailed: (appId: string, pubsub: string, topic: string, why: string): DaprError =>
    daprError(500, 'ERR_PUBSUB_PUBLISH_MESSAGE', `error when publish to topic ${topic} in pubsub ${pubsub}: ${why}`, GrpcCode.INTERNAL, details('DAPR_PUBSUB_PUBLISH_MESSAGE', appId, pubsub, topic)),
  /** The component reported that the topic (or entity) does not exist. */
  componentNotFound: (appId: string, pubsub: string, topic: string, why: string): DaprError =>
    daprError(400, 'ERR_PUBSUB_NOT_FOUND', `pubsub ${pubsub} topic ${topic} is not found: ${why}`, GrpcCode.INVALID_ARGUMENT, details('DAPR_PUBSUB_TEST_NOT_FOUND', appId, pubsub, topic)),
  outbox: (appId: string, why: string): DaprError =>
    daprError(500, 'ERR_PUBLISH_OUTBOX', `error while publishing outbox message: ${why}`, GrpcCode.INTERNAL, details('DAPR_PUBSUB_OUTBOX', appId)),
};
