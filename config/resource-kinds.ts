/** The resource kinds Outrigger understands and their schemas; other kinds are ignored. */
import { componentSchema, type ComponentResource } from './schemas/component';
import { configurationSchema, type ConfigurationResource } from './schemas/configuration';
import { httpEndpointSchema, type HttpEndpointResource } from './schemas/http-endpoint';
import { resiliencySchema, type ResiliencyResource } from './schemas/resiliency';
import { subscriptionSchema, type SubscriptionResource } from './schemas/subscription';
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

export const schemaByKind = {
  Component: componentSchema,
  Configuration: configurationSchema,
  Resiliency: resiliencySchema,
  Subscription: subscriptionSchema,
  HTTPEndpoint: httpEndpointSchema,
} as const;

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
