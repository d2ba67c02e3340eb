/**
 * The pub/sub building block's runtime, one object for the sidecar to wire: publishing heads (HTTP
 * routes, gRPC handlers incl. streaming subscriptions), the subscription manager, app subscription
 * discovery, the transactional outbox, and the metadata API's subscription list.
 */
import type { ApiRouteDef } from '../../api/router';
import type { DaprServicePart } from '../../proxy/grpc/dapr-services';
import type { Logger } from '../../observability/logger';
import type { MetadataSnapshot } from '../../api/runtime-routes';
import type { PubSub } from '../../components/pubsub/contract';
import type { StateStore } from '../../components/state/contract';
import type { ResolvedComponent } from '../../components/contract';
import type { SubscriptionResource } from '../../config/schemas/subscription';
import type { AppChannel } from '../app-channel/contract';
import type { AppProtocol } from '../options';
import { isDaprError } from '../../errors/dapr-error';
import { PubsubApi, type PubsubRegistry } from '../../api/pubsub/pubsub-api';
import { pubsubRoutes } from '../../api/pubsub/http-routes';
import { TransactionalOutbox } from '../../api/pubsub/outbox';
import { HttpPostman } from './http-postman';
import type { GrpcAppCallbacks } from './grpc-postman';
import type { HealthSource } from './flow-control';
import { SubscriptionManager } from './manager';
import { fromDeclarative, fromGrpcSubscriptions, fromHttpSubscribe } from './subscription-spec';
import { DEFAULT_RETRY_POLICY, type RetryPolicyProvider } from './retry-policy';
import { newInstanceId } from './subscriber';

export interface PubsubRuntimeDeps {
  readonly appId: string;
  readonly namespace: string;
  readonly logger: Logger;
  readonly maxBodySize: number;
  /** Live pub/sub instances by component name (e.g. () => components.instancesOf<PubSub>('pubsub')). */
  readonly pubsubs: () => ReadonlyMap<string, PubSub>;
  /** The resolved component by name (e.g. components.resolvedOf). */
  readonly componentOf: (name: string) => ResolvedComponent | undefined;
  /** True when the component's metadata used `{namespace}` (topics namespace-prefixed). Optional. */
  readonly namespaceScoped?: (name: string) => boolean;
  readonly appChannel: AppChannel | undefined;
  readonly appProtocol: AppProtocol;
  /** The gRPC app channel (GrpcAppChannel) when --app-protocol is grpc/grpcs. */
  readonly grpcApp?: GrpcAppCallbacks;
  /** App health (runtime/app-health.ts); deliveries pause while unhealthy. */
  readonly appHealth?: HealthSource;
  /** Declarative Subscription resources currently loaded. */
  readonly declarative: () => readonly SubscriptionResource[];
  /** Retry policy per subscription (Resiliency hook); default constant 1 s x 3. */
  readonly retryPolicy?: RetryPolicyProvider;
  /** State stores, for the outbox relays (e.g. () => components.instancesOf<StateStore>('state')). */
  readonly stateStores?: () => ReadonlyMap<string, StateStore>;
}

export interface PubsubRuntime {
  readonly api: PubsubApi;
  readonly outbox: TransactionalOutbox;
  routes(): ApiRouteDef[];
  /** The gRPC handlers (loaded on the call: they import Connect and the protobuf stubs). */
  grpcServices(): DaprServicePart[];
  /** Raw entries of the HTTP app's GET /dapr/subscribe (may be called any time, again on change). */
  setProgrammaticSubscriptions(raw: readonly unknown[]): Promise<void>;
  /** Reads the app's subscriptions itself: GET /dapr/subscribe (HTTP) or ListTopicSubscriptions (gRPC). */
  discoverAppSubscriptions(): Promise<void>;
  /** Declarative Subscription resources changed (re-reads deps.declarative()). */
  onDeclarativeChange(): Promise<void>;
  /** Components were added, removed or reloaded: restarts affected subscriptions and relays. */
  onComponentsChange(): Promise<void>;
  subscriptions(): MetadataSnapshot['subscriptions'];
  start(): Promise<void>;
  stop(graceMs: number): Promise<void>;
}

export function createPubsubRuntime(deps: PubsubRuntimeDeps): PubsubRuntime {
  const log = deps.logger.child('pubsub');
  const registry: PubsubRegistry = {
    get: (name) => deps.pubsubs().get(name),
    get size() { return deps.pubsubs().size; },
    metadataOf: (name) => deps.componentOf(name)?.metadata ?? {},
    ...(deps.namespaceScoped ? { namespaceScoped: deps.namespaceScoped } : {}),
  };
  const api = new PubsubApi({ appId: deps.appId, namespace: deps.namespace, logger: log, maxBodySize: deps.maxBodySize, pubsubs: registry });
  const grpcApp = deps.appProtocol === 'grpc' || deps.appProtocol === 'grpcs';
  const postman = grpcApp
    ? (deps.grpcApp ? new (require('./grpc-postman') as typeof import('./grpc-postman')).GrpcPostman(deps.grpcApp) : undefined)
    : deps.appChannel ? new HttpPostman(deps.appChannel) : undefined;
  const instanceId = newInstanceId();
  const manager = new SubscriptionManager({
    appId: deps.appId, namespace: deps.namespace, logger: log, api, postman, instanceId,
    ...(deps.appHealth ? { health: deps.appHealth } : {}), ...(deps.retryPolicy ? { retryPolicy: deps.retryPolicy } : {}),
  });
  const outbox = new TransactionalOutbox({
    appId: deps.appId, namespace: deps.namespace, logger: log.child('outbox'), api,
    stateStores: deps.stateStores ?? (() => new Map()), stateMetadataOf: (n) => deps.componentOf(n)?.metadata,
  });
  let started = false;

  const readHttpSubscribe = async (): Promise<unknown[] | undefined> => {
    const ch = deps.appChannel;
    if (!ch) return undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await ch.call({ path: '/dapr/subscribe', verb: 'GET', query: '', headers: { 'dapr-app-id': deps.appId }, body: Buffer.alloc(0) });
      if (!isDaprError(res)) {
        if (res.status === 404) return [];
        if (res.status === 200) {
          try {
            const v = JSON.parse(res.body.toString('utf8')) as unknown;
            return Array.isArray(v) ? v : [];
          } catch {
            return [];
          }
        }
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    return undefined;
  };

  return {
    api,
    outbox,
    routes: () => pubsubRoutes(api),
    grpcServices: () => {
      const { publishGrpcHandlers } = require('../../api/pubsub/grpc-handlers') as typeof import('../../api/pubsub/grpc-handlers');
      const { streamingHandler } = require('./streaming') as typeof import('./streaming');
      return [
        publishGrpcHandlers(api),
        {
          subscribeTopicEventsAlpha1: streamingHandler({
            appId: deps.appId, namespace: deps.namespace, logger: log.child('streaming'), api, instanceId,
            retryPolicy: DEFAULT_RETRY_POLICY, register: (spec) => manager.addStreaming(spec),
          }),
        },
      ];
    },
    setProgrammaticSubscriptions: (raw) => manager.setProgrammatic(fromHttpSubscribe(raw)),
    async discoverAppSubscriptions() {
      if (grpcApp) {
        const r = await deps.grpcApp?.listTopicSubscriptions();
        if (!r) return;
        if (!r.ok) {
          if (r.code !== 12) log.warn(`ListTopicSubscriptions failed: ${r.message}`);
          return manager.setProgrammatic([]);
        }
        return manager.setProgrammatic(fromGrpcSubscriptions(r.value));
      }
      const raw = await readHttpSubscribe();
      if (raw === undefined) return log.warn('could not read the app\'s subscriptions from /dapr/subscribe');
      return manager.setProgrammatic(fromHttpSubscribe(raw));
    },
    onDeclarativeChange: () => manager.setDeclarative(fromDeclarative(deps.declarative(), deps.appId)),
    async onComponentsChange() {
      await manager.reconcile();
      if (started) await outbox.start().catch((e: unknown) => log.error('outbox relays failed to start', { error: (e as Error).message }));
    },
    subscriptions: () => manager.list(),
    async start() {
      started = true;
      await manager.setDeclarative(fromDeclarative(deps.declarative(), deps.appId));
      await manager.start();
      await outbox.start().catch((e: unknown) => log.error('outbox relays failed to start', { error: (e as Error).message }));
    },
    async stop(graceMs) {
      await Promise.all([manager.stop(graceMs), outbox.stop()]);
    },
  };
}

export { DEFAULT_RETRY_POLICY, type RetryPolicy, type RetryPolicyProvider } from './retry-policy';
export type { GrpcAppCallbacks } from './grpc-postman';
