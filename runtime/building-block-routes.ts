/**
 * The building blocks' protocol heads, collected in one place: HTTP routes for the API router and
 * gRPC handler partials for the Dapr service. Each building block contributes its own.
 */
import type { ApiRouteDef } from '../api/router';
import type { Logger } from '../observability/logger';
import type { ComponentHost } from './component-host';
import type { DaprServicePart } from '../proxy/grpc/dapr-services';
import type { StateStore } from '../components/state/contract';
import { stateRoutes } from '../api/state/http-routes';
import { StateApi } from '../api/state/state-api';
import type { TransactionalOutbox } from '../api/pubsub/outbox';

export interface BuildingBlockDeps {
  readonly appId: string;
  readonly namespace: string;
  readonly logger: Logger;
  readonly maxBodySize: number;
  readonly components: ComponentHost;
  /** The pub/sub runtime's transactional outbox (state transactions consult it). */
  readonly outbox?: () => TransactionalOutbox | undefined;
}

function stateApi(d: BuildingBlockDeps): StateApi {
  const stores = {
    get: (name: string) => d.components.instancesOf<StateStore>('state').get(name),
    has: (name: string) => d.components.instancesOf<StateStore>('state').has(name),
    get size() { return d.components.instancesOf<StateStore>('state').size; },
    configOf: (name: string) => d.components.resolvedOf(name),
  };
  return new StateApi({ appId: d.appId, namespace: d.namespace, logger: d.logger.child('state'), maxBodySize: d.maxBodySize, stores, ...(d.outbox ? { outbox: d.outbox } : {}) });
}

/** The protocol heads of every building block, sharing one core per building block. */
export interface BuildingBlockHeads {
  readonly routes: ApiRouteDef[];
  /** Built when first read (the gRPC API reads it with its first call): the handlers load the protobuf stubs. */
  readonly grpcServices: DaprServicePart[];
}

export function buildingBlockHeads(d: BuildingBlockDeps): BuildingBlockHeads {
  const state = stateApi(d);
  let grpcServices: DaprServicePart[] | undefined;
  return {
    routes: [...stateRoutes(state)],
    get grpcServices() {
      const { stateGrpcHandlers } = require('../api/state/grpc-handlers') as typeof import('../api/state/grpc-handlers');
      return (grpcServices ??= [stateGrpcHandlers(state)]);
    },
  };
}
