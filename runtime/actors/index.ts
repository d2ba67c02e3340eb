/**
 * The actors building block as one unit for the sidecar: the protocol-neutral runtime, its HTTP
 * routes, its gRPC handlers (built on first read: they load the protobuf stubs) and the metadata
 * view. `configure()` takes the app's /dapr/config once the app listens; `stop()` drains.
 */
import type { ApiRouteDef } from '../../api/router';
import type { DaprServicePart } from '../../proxy/grpc/dapr-services';
import type { StateStore } from '../../components/state/contract';
import type { ComponentHost } from '../component-host';
import { actorRoutes } from '../../api/actors/http-routes';
import { ActorRuntime, type ActorRuntimeDeps } from './actor-runtime';
import type { ActorHostConfig } from './host-config';

export { parseActorHostConfig } from './host-config';

export interface ActorsBlock {
  readonly runtime: ActorRuntime;
  readonly routes: ApiRouteDef[];
  readonly grpcServices: DaprServicePart[];
  configure(config: ActorHostConfig | undefined): Promise<void>;
  stop(graceMs: number): Promise<void>;
  snapshot(): ReturnType<ActorRuntime['snapshot']>;
}

export interface ActorsBlockDeps extends Omit<ActorRuntimeDeps, 'stores'> {
  readonly components: ComponentHost;
  readonly maxBodySize: number;
}

export function createActorsBlock(d: ActorsBlockDeps): ActorsBlock {
  const runtime = new ActorRuntime({
    ...d,
    stores: {
      *stores() {
        for (const [name, store] of d.components.instancesOf<StateStore>('state')) {
          yield { name, store, metadata: d.components.resolvedOf(name)?.metadata ?? {} };
        }
      },
    },
  });
  let grpc: DaprServicePart[] | undefined;
  return {
    runtime,
    routes: actorRoutes(runtime, d.maxBodySize),
    get grpcServices() {
      const { actorGrpcHandlers } = require('../../api/actors/grpc-handlers') as typeof import('../../api/actors/grpc-handlers');
      return (grpc ??= [actorGrpcHandlers(runtime)]);
    },
    configure: (c) => runtime.configure(c),
    stop: (g) => runtime.stop(g),
    snapshot: () => runtime.snapshot(),
  };
}
