/**
 * The secrets, configuration, bindings and lock building blocks, wired as one unit for the sidecar:
 * their drivers, HTTP routes, gRPC handler parts, the secretKeyRef resolver and the input-binding
 * delivery that starts once the app answers.
 */
import type { ComponentDriver } from '../../components/contract';
import type { ApiRouteDef } from '../../api/router';
import type { DaprServicePart } from '../../proxy/grpc/dapr-services';
import type { Logger } from '../../observability/logger';
import type { ComponentHost } from '../component-host';
import type { AppChannel } from '../app-channel/contract';
import type { AppProtocol } from '../options';
import type { ConfigurationResource } from '../../config/schemas/configuration';
import type { SecretStore } from '../../components/secretstores/contract';
import type { ConfigurationStore } from '../../components/configuration/contract';
import type { LockStore } from '../../components/lock/contract';
import { secretStoreDrivers } from '../../components/secretstores/drivers';
import { configurationDrivers } from '../../components/configuration/drivers';
import { bindingDrivers } from '../../components/bindings/drivers';
import { lockDrivers } from '../../components/lock/drivers';
import { SecretsApi } from '../../api/secrets/secrets-api';
import { secretAccess } from '../../api/secrets/scopes';
import { secretsRoutes } from '../../api/secrets/http-routes';
import { ConfigurationApi } from '../../api/configuration/configuration-api';
import { configurationRoutes } from '../../api/configuration/http-routes';
import { BindingsApi } from '../../api/bindings/bindings-api';
import { bindingsRoutes } from '../../api/bindings/http-routes';
import { LockApi } from '../../api/lock/lock-api';
import { lockRoutes } from '../../api/lock/http-routes';
import { createSecretResolver, type ResolveSecret } from '../secrets/resolver';
import { InputBindings, type AppHealthLike, type InputBindingsDeps } from '../bindings/input-bindings';
import type { GrpcBindingApp } from '../bindings/app-delivery';

/** A value, or a getter for values the sidecar creates later (app channel, app health). */
type Late<T> = T | (() => T | undefined);
const late = <T extends object>(v: Late<T> | undefined): (() => T | undefined) => (typeof v === 'function' ? (v as () => T | undefined) : () => v);

export interface BlocksRuntimeDeps {
  readonly appId: string;
  readonly namespace: string;
  readonly logger: Logger;
  readonly maxBodySize: number;
  readonly components: ComponentHost;
  /** The loaded Configuration (spec.secrets.scopes). */
  readonly configuration?: ConfigurationResource;
  readonly appChannel?: Late<AppChannel>;
  readonly appProtocol: AppProtocol;
  /** AppCallback client for gRPC apps; defaults to appChannel when it offers the binding methods. */
  readonly grpcApp?: Late<GrpcBindingApp>;
  readonly appHealth?: Late<AppHealthLike>;
  /** Saves state a gRPC app returns from OnBindingEvent; resolves an error message or undefined. */
  readonly saveState?: InputBindingsDeps['saveState'];
}

export interface BlocksRuntime {
  readonly routes: ApiRouteDef[];
  /** Built when first read (the gRPC API reads it with its first call): the handlers load the protobuf stubs. */
  readonly grpcServices: DaprServicePart[];
  readonly drivers: ComponentDriver[];
  /** For resolveComponentMetadata: reads secretKeyRef values through the loaded secret stores. */
  readonly secretResolver: ResolveSecret;
  /** Starts input bindings; call once the app port answers. */
  start(): Promise<void>;
  /** After Component resources changed: starts new input bindings, stops removed ones, restarts reloaded ones. */
  reconcile(): Promise<void>;
  /** Stops input bindings and configuration subscriptions. */
  stop(): Promise<void>;
}

export const blockDrivers: ComponentDriver[] = [...secretStoreDrivers, ...configurationDrivers, ...bindingDrivers, ...lockDrivers];

function isGrpcBindingApp(v: unknown): v is GrpcBindingApp {
  return typeof v === 'object' && v !== null && typeof (v as GrpcBindingApp).listInputBindings === 'function' && typeof (v as GrpcBindingApp).onBindingEvent === 'function';
}

export function createBlocksRuntime(deps: BlocksRuntimeDeps): BlocksRuntime {
  const host = deps.components;
  const metadataOf = (name: string): Readonly<Record<string, string>> | undefined => host.resolvedOf(name)?.metadata;
  const appChannel = late(deps.appChannel);
  const grpcApp = (): GrpcBindingApp | undefined => {
    if (deps.appProtocol !== 'grpc' && deps.appProtocol !== 'grpcs') return undefined;
    const explicit = late(deps.grpcApp)();
    if (explicit) return explicit;
    const ch = appChannel();
    return isGrpcBindingApp(ch) ? ch : undefined;
  };

  const secrets = new SecretsApi({
    logger: deps.logger.child('secrets'),
    stores: () => host.instancesOf<SecretStore>('secretstores'),
    access: secretAccess(deps.configuration?.spec?.secrets?.scopes),
  });
  const configuration = new ConfigurationApi({ logger: deps.logger.child('configuration'), stores: () => host.instancesOf<ConfigurationStore>('configuration') });
  const bindings = new BindingsApi({ bindings: () => host.instancesOf('bindings'), metadataOf });
  const lock = new LockApi({ appId: deps.appId, stores: () => host.instancesOf<LockStore>('lock'), metadataOf });

  let input: InputBindings | undefined;
  let grpcServices: DaprServicePart[] | undefined;
  const buildGrpcServices = (): DaprServicePart[] => {
    const { secretsGrpcHandlers } = require('../../api/secrets/grpc-handlers') as typeof import('../../api/secrets/grpc-handlers');
    const { configurationGrpcHandlers } = require('../../api/configuration/grpc-handlers') as typeof import('../../api/configuration/grpc-handlers');
    const { bindingsGrpcHandlers } = require('../../api/bindings/grpc-handlers') as typeof import('../../api/bindings/grpc-handlers');
    const { lockGrpcHandlers } = require('../../api/lock/grpc-handlers') as typeof import('../../api/lock/grpc-handlers');
    return [secretsGrpcHandlers(secrets), configurationGrpcHandlers(configuration), bindingsGrpcHandlers(bindings), lockGrpcHandlers(lock)];
  };

  return {
    routes: [
      ...secretsRoutes(secrets),
      ...configurationRoutes({ api: configuration, appChannel, logger: deps.logger.child('configuration') }),
      ...bindingsRoutes(bindings, deps.maxBodySize),
      ...lockRoutes(lock, deps.maxBodySize),
    ],
    get grpcServices() {
      return (grpcServices ??= buildGrpcServices());
    },
    drivers: blockDrivers,
    secretResolver: createSecretResolver((name) => host.instancesOf<SecretStore>('secretstores').get(name)),
    async start() {
      if (input) return;
      const health = late(deps.appHealth)();
      input = new InputBindings({
        logger: deps.logger.child('bindings'),
        bindings: () => host.instancesOf('bindings'),
        metadataOf,
        appChannel,
        grpcApp,
        ...(health ? { appHealth: health } : {}),
        invokeOutput: async (name, data) => {
          const r = await bindings.invoke(name, 'create', data, {});
          return r.ok ? undefined : r.error.message;
        },
        ...(deps.saveState ? { saveState: deps.saveState } : {}),
      });
      await input.start();
    },
    async reconcile() {
      await input?.reconcile();
    },
    async stop() {
      await input?.stop();
      await configuration.closeAll();
    },
  };
}
