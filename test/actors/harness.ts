/**
 * Actor tests' harness: a real sidecar (fixed ports, so it can be restarted in place) whose
 * resources hold an actor state store, and the official SDK's actor runtime (DaprServer with
 * registered AbstractActor classes) as the app. The SDK's actor runtime is a process-wide
 * singleton; each environment resets it.
 */
import { CommunicationProtocolEnum, DaprClient, DaprServer, LogLevel } from '@dapr/dapr';
import ActorRuntime from '@dapr/dapr/actors/runtime/ActorRuntime';
import type { ActorRuntimeOptions } from '@dapr/dapr/types/actors/ActorRuntimeOptions';
import type { SidecarHandle } from '../../runtime/sidecar';
import type { SidecarOptions } from '../../runtime/options';
import { freePort, resourcesWith, startTestSidecar, tempDir, uniqueAppId } from '../helpers/sidecar';
import path from 'node:path';
import { componentYaml } from '../helpers/resource-yaml';
import { eventually } from '../helpers/eventually';

export { eventually };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ActorClass = any;

/** A state store Component document (same text as the other tests' components). */
export const stateComponent = (name: string, type: string, md: Record<string, string>): string => componentYaml(name, type, md);

export function sqliteActorStore(dir = tempDir('outrigger-actors-')): string {
  return stateComponent('actorstore', 'state.sqlite', { connectionString: path.join(dir, 'actors.db'), actorStateStore: 'true' });
}

export interface ActorEnv {
  readonly appId: string;
  readonly httpPort: number;
  readonly appPort: number;
  sidecar: SidecarHandle;
  readonly server: DaprServer;
  readonly client: DaprClient;
  /** Stops the sidecar and starts a new one on the same ports and resources (the app keeps running). */
  restartSidecar(): Promise<void>;
  close(): Promise<void>;
}

export async function startActorEnv(o: {
  actors: ActorClass[];
  files: Record<string, string>;
  actorOptions?: ActorRuntimeOptions;
  sidecar?: Partial<SidecarOptions>;
}): Promise<ActorEnv> {
  const appId = uniqueAppId('actors');
  const [httpPort, appPort] = await Promise.all([freePort(), freePort()]);
  const resources = resourcesWith(o.files);
  const dataDir = tempDir('outrigger-actors-data-');
  const start = (): Promise<SidecarHandle> => startTestSidecar({ appId, daprHttpPort: httpPort, appPort, resourcesPaths: [resources], dataDir, ...o.sidecar });
  let sidecar = await start();
  ActorRuntime.resetForTesting();
  const clientOptions = { daprHost: '127.0.0.1', daprPort: String(httpPort), communicationProtocol: CommunicationProtocolEnum.HTTP, logger: { level: LogLevel.Error }, ...(o.actorOptions ? { actor: o.actorOptions } : {}) };
  const server = new DaprServer({ serverHost: '127.0.0.1', serverPort: String(appPort), communicationProtocol: CommunicationProtocolEnum.HTTP, clientOptions, logger: { level: LogLevel.Error } });
  await server.actor.init();
  for (const a of o.actors) await server.actor.registerActor(a);
  await server.start();
  const client = new DaprClient(clientOptions);
  const env: ActorEnv = {
    appId, httpPort, appPort, sidecar, server, client,
    restartSidecar: async () => {
      await env.sidecar.stop('restart');
      sidecar = await start();
      env.sidecar = sidecar;
    },
    close: async () => {
      await env.sidecar.stop('test done');
      await server.stop().catch(() => undefined);
    },
  };
  return env;
}

export async function api(port: number, p: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; text: string; headers: Headers; json: () => Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${p}`, {
    method: init.method ?? 'GET',
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers, json: () => JSON.parse(text) as Record<string, unknown> };
}

