/**
 * Dapr-format YAML for the Outrigger targets, written into the run's temp dir:
 * - an empty resources folder (no components: the "empty chain"),
 * - the full chain: Configuration with access control, tracing at 10 % sampling (Zipkin to the
 *   bench app's span sink) and metrics; Resiliency with timeout, retry and circuit breaker on the app,
 * - name resolution for the two-sidecar paths (default static: the callee's loopback address
 *   written down; sqlite/mdns selectable with --name-resolution),
 * - five components for the start-up measurement.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { componentYaml } from '../../test/helpers/resource-yaml';

export async function emptyResources(dir: string): Promise<string> {
  const p = join(dir, 'resources-empty');
  await mkdir(p, { recursive: true });
  return p;
}

/** Where the callee sidecar listens, for resolvers that need it written down (static). */
export interface CalleeAddress {
  readonly appId: string;
  readonly internalPort: number;
}

function nameResolutionYaml(component: string, dbFile: string, callee: CalleeAddress): string {
  if (component === 'static') {
    return `  nameResolution:
    component: static
    configuration:
      apps:
        ${callee.appId}: ["127.0.0.1:${callee.internalPort}"]
`;
  }
  if (component === 'sqlite') {
    return `  nameResolution:
    component: sqlite
    version: v1
    configuration:
      connectionString: "${dbFile}"
      updateInterval: 1s
`;
  }
  return `  nameResolution:
    component: ${component}
    version: v1
`;
}

/** Configuration for the plain two-sidecar path: only name resolution. */
export async function twoSidecarConfig(dir: string, nameResolution: string, callee: CalleeAddress): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'config-2sidecar.yaml');
  await writeFile(file, `apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: bench-two-sidecars
spec:
${nameResolutionYaml(nameResolution, join(dir, 'nameresolution.db'), callee)}`);
  return file;
}

export interface FullChainFiles {
  readonly config: string;
  readonly resourcesPath: string;
  /** The features armed, for the report. */
  readonly features: readonly string[];
}

export async function fullChain(dir: string, appId: string, zipkinPort: number): Promise<FullChainFiles> {
  const resourcesPath = join(dir, 'resources-full');
  await mkdir(resourcesPath, { recursive: true });
  const config = join(dir, 'config-full.yaml');
  await writeFile(config, `apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: bench-full-chain
spec:
  tracing:
    samplingRate: "0.1"
    zipkin:
      endpointAddress: "http://127.0.0.1:${zipkinPort}/api/v2/spans"
  metrics:
    enabled: true
  accessControl:
    defaultAction: deny
    trustDomain: public
    policies:
      - appId: ${appId}
        defaultAction: deny
        trustDomain: public
        namespace: default
        operations:
          - name: /hello
            httpVerb: ["GET"]
            action: allow
          - name: /**
            httpVerb: ["*"]
            action: allow
`);
  await writeFile(join(resourcesPath, 'resiliency.yaml'), `apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: bench-resiliency
spec:
  policies:
    timeouts:
      general: 5s
    retries:
      benchRetry:
        policy: constant
        duration: 50ms
        maxRetries: 3
    circuitBreakers:
      benchBreaker:
        maxRequests: 1
        interval: 10s
        timeout: 30s
        trip: consecutiveFailures > 5
  targets:
    apps:
      ${appId}:
        timeout: general
        retry: benchRetry
        circuitBreaker: benchBreaker
`);
  return {
    config,
    resourcesPath,
    features: ['accessControl (deny by default, allow GET /hello)', 'Resiliency: timeout 5s, retry constant 50ms x3, circuit breaker', 'tracing samplingRate 0.1 -> Zipkin sink', 'metrics enabled'],
  };
}

/** The five components of the start-up scenario: embedded kinds that need no server. */
export const FIVE_COMPONENTS = ['statestore: state.in-memory', 'cache: state.in-memory', 'sqlitestore: state.sqlite', 'pubsub: pubsub.in-memory', 'events: pubsub.in-memory'];

export async function fiveComponents(dir: string): Promise<string> {
  const p = join(dir, 'resources-five');
  await mkdir(p, { recursive: true });
  await writeFile(join(p, 'statestore.yaml'), componentYaml('statestore', 'state.in-memory'));
  await writeFile(join(p, 'cache.yaml'), componentYaml('cache', 'state.in-memory'));
  await writeFile(join(p, 'sqlitestore.yaml'), componentYaml('sqlitestore', 'state.sqlite', { connectionString: join(dir, 'state.db') }));
  await writeFile(join(p, 'pubsub.yaml'), componentYaml('pubsub', 'pubsub.in-memory'));
  await writeFile(join(p, 'events.yaml'), componentYaml('events', 'pubsub.in-memory'));
  return p;
}
