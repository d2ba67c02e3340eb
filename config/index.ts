/**
 * Public API of the config room: Dapr resource schemas, loading with scopes/namespace/env
 * substitution, component metadata resolution and hot reload. Nothing here imports rooms above.
 */
export { parseGoDuration, parseQuantity } from './duration';
export { formatIssue, formatPath, type ResourceIssue, type ResourceIssueCode } from './issues';
export { substituteEnv, substituteString } from './env-substitution';
export {
  DAPR_V1ALPHA1,
  DAPR_V2ALPHA1,
  type Loaded,
  type ResourceSource,
  type ObjectMeta,
  type NameValue,
  type SecretKeyRef,
} from './schemas/common';
export { componentSchema, type ComponentResource } from './schemas/component';
export { configurationSchema, type ConfigurationResource, type ConfigurationSpec } from './schemas/configuration';
export {
  resiliencySchema,
  parseStatusCodes,
  BUILT_IN_RETRY_POLICIES,
  type ResiliencyResource,
  type RetryPolicy,
  type CircuitBreakerPolicy,
} from './schemas/resiliency';
export { subscriptionSchema, type SubscriptionResource, type SubscriptionRoutes } from './schemas/subscription';
export { httpEndpointSchema, type HttpEndpointResource } from './schemas/http-endpoint';
export {
  RESOURCE_KINDS,
  isResourceKind,
  resourcesOfKind,
  type ResourceKind,
  type ResourceByKind,
  type AnyResource,
  type LoadedResource,
  type LoadedResources,
} from './resource-kinds';
export type { LoadContext } from './resource-document';
export { loadResourceFiles, loadConfigurationFile, type ConfigurationFileResult } from './loader';
export {
  resolveComponentMetadata,
  applyTemplates,
  type MetadataContext,
  type MetadataResult,
} from './component-metadata';
export { ResourceWatcher, type ResourceWatcherOptions, type ResourceWatcherEvents } from './watcher';
export { diffResources, type ResourceChange, type ResourceWatcherIssue } from './reload';
