/**
 * The resource kinds Outrigger understands and their schemas; other kinds are ignored.
 * A kind's schema (and zod) is loaded when a document of that kind is first read: start-up with
 * no resources, or only components, does not pay for the others.
 */
import type { ComponentResource } from './schemas/component';
import type { ConfigurationResource } from './schemas/configuration';
import type { HttpEndpointResource } from './schemas/http-endpoint';
import type { ResiliencyResource } from './schemas/resiliency';
import type { SubscriptionResource } from './schemas/subscription';
import type { Loaded } from './schemas/common';

export type ResourceKind = 'Component' | 'Configuration' | 'Resiliency' | 'Subscription' | 'HTTPEndpoint';
export const RESOURCE_KINDS: readonly ResourceKind[] = ['Component', 'Configuration', 'Resiliency', 'Subscription', 'HTTPEndpoint'];

export type AnyResource = ComponentResource | ConfigurationResource | ResiliencyResource | SubscriptionResource | HttpEndpointResource;
export type LoadedResource = Loaded<AnyResource>;

/** Resource type for a kind name. */
export interface ResourceByKind {
  Component: ComponentResource;
  Configuration: ConfigurationResource;
  Resiliency: ResiliencyResource;
  Subscription: SubscriptionResource;
  HTTPEndpoint: HttpEndpointResource;
}

const schemaLoaders = {
  Component: () => (require('./schemas/component') as typeof import('./schemas/component')).componentSchema,
  Configuration: () => (require('./schemas/configuration') as typeof import('./schemas/configuration')).configurationSchema,
  Resiliency: () => (require('./schemas/resiliency') as typeof import('./schemas/resiliency')).resiliencySchema,
  Subscription: () => (require('./schemas/subscription') as typeof import('./schemas/subscription')).subscriptionSchema,
  HTTPEndpoint: () => (require('./schemas/http-endpoint') as typeof import('./schemas/http-endpoint')).httpEndpointSchema,
} as const;

/** The zod schema of a kind (its module is loaded on first use). */
export function schemaOf<K extends ResourceKind>(kind: K): ReturnType<(typeof schemaLoaders)[K]> {
  return schemaLoaders[kind]() as ReturnType<(typeof schemaLoaders)[K]>;
}

export function isResourceKind(kind: unknown): kind is ResourceKind {
  return typeof kind === 'string' && (RESOURCE_KINDS as readonly string[]).includes(kind);
}

/** Everything loaded from a set of resource paths. Arrays keep file order. */
export interface LoadedResources {
  components: Loaded<ComponentResource>[];
  configurations: Loaded<ConfigurationResource>[];
  resiliencies: Loaded<ResiliencyResource>[];
  subscriptions: Loaded<SubscriptionResource>[];
  httpEndpoints: Loaded<HttpEndpointResource>[];
  issues: import('./issues').ResourceIssue[];
}

export function emptyResources(): LoadedResources {
  return { components: [], configurations: [], resiliencies: [], subscriptions: [], httpEndpoints: [], issues: [] };
}

/** Appends a resource to the array of its kind. */
export function addResource(into: LoadedResources, r: LoadedResource): void {
  switch (r.kind) {
    case 'Component': into.components.push(r); break;
    case 'Configuration': into.configurations.push(r); break;
    case 'Resiliency': into.resiliencies.push(r); break;
    case 'Subscription': into.subscriptions.push(r); break;
    case 'HTTPEndpoint': into.httpEndpoints.push(r); break;
  }
}

/** The resources of one kind, as a list of the common type. */
export function resourcesOfKind(from: LoadedResources, kind: ResourceKind): LoadedResource[] {
  switch (kind) {
    case 'Component': return from.components;
    case 'Configuration': return from.configurations;
    case 'Resiliency': return from.resiliencies;
    case 'Subscription': return from.subscriptions;
    case 'HTTPEndpoint': return from.httpEndpoints;
  }
}
