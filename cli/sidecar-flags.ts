/**
 * daprd's flags and environment variables, parsed into SidecarOptions. The table below is the
 * single source for parsing, validation, defaults and `outrigger sidecar --help`; names and
 * defaults follow daprd (shared/dapr-api.md section 11) so existing scripts work unchanged.
 */
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { stableInternalPort, type SidecarOptions } from '../runtime/options';
import { formatSettingsHelp, parseSettings, settingsFor, type Setting } from './flags';
import {
  boolType,
  byteQuantityType,
  choiceType,
  intType,
  legacySizeType,
  listType,
  pathType,
  portType,
  stringType,
} from './value-types';

/**
 * SidecarOptions plus the daprd environment settings options.ts has no field for yet
 * (proposed for runtime/options.ts; see the CLI report).
 */
export interface ParsedSidecarOptions extends SidecarOptions {
  /** DAPR_TRUST_ANCHORS: PEM trust bundle for mTLS with Sentry and peers. */
  trustAnchors?: string;
  /** DAPR_SENTRY_TOKEN_FILE: file whose content is sent as the Sentry token. */
  sentryTokenFile?: string;
  /** daprd's pprof flags: accepted so scripts and the dapr CLI keep working; profiling is not served. */
  enableProfiling: boolean;
  profilePort: number;
}

const MiB = 1024 * 1024;
const KiB = 1024;
const MAX = Number.MAX_SAFE_INTEGER;
const s = settingsFor<ParsedSidecarOptions>();

export const sidecarSettings: readonly Setting<ParsedSidecarOptions>[] = [
  s.one('appId', { flag: 'app-id', type: stringType, description: 'the id of the application, used for service discovery (required by `sidecar`)' }),
  s.one('appPort', { flag: 'app-port', type: portType, description: 'port the application listens on; not set or 0 = no app channel' }),
  s.one('appProtocol', { flag: 'app-protocol', type: choiceType(['http', 'https', 'grpc', 'grpcs', 'h2c'] as const), default: 'http', description: 'protocol the sidecar speaks to the application' }),
  s.one('appChannelAddress', { flag: 'app-channel-address', type: stringType, default: '127.0.0.1', description: 'network address the application listens on' }),
  s.one('appMaxConcurrency', { flag: 'app-max-concurrency', type: intType(-1, MAX), default: -1, description: 'maximum concurrent calls to the application; -1 = unlimited' }),
  s.one('daprHttpPort', { flag: 'dapr-http-port', type: portType, default: 3500, description: 'HTTP port of the Dapr API (0 = OS-picked)' }),
  s.one('daprGrpcPort', { flag: 'dapr-grpc-port', type: portType, default: 50001, description: 'gRPC port of the Dapr API (0 = OS-picked)' }),
  s.one('daprInternalGrpcPort', { flag: 'dapr-internal-grpc-port', type: portType, defaultText: 'a stable port 47300-49347 derived from --app-id', description: 'port for sidecar-to-sidecar calls (0 = OS-picked)' }),
  s.one('daprPublicPort', { flag: 'dapr-public-port', type: portType, description: 'optional public port serving only healthz and metadata' }),
  s.one('outboundCapturePort', { flag: 'outbound-capture-port', type: portType, description: 'transparent mode: serve outbound traffic redirected by `outrigger iptables` (e.g. 15001)' }),
  s.one('inboundCapturePort', { flag: 'inbound-capture-port', type: portType, description: 'transparent mode: serve inbound traffic redirected by `outrigger iptables` (e.g. 15006)' }),
  s.one('metricsPort', { flag: 'metrics-port', type: portType, default: 9090, description: 'port of the Prometheus metrics endpoint (0 = OS-picked)' }),
  s.one('enableMetrics', { flag: 'enable-metrics', type: boolType, default: true, description: 'serve Prometheus metrics' }),
  s.many('resourcesPaths', { flag: 'resources-path', type: pathType('<dir>'), defaultText: 'embedded defaults in --data-dir', description: 'folder of resource YAML (components, subscriptions, resiliency ...)' }),
  s.many('resourcesPaths', { flag: 'components-path', type: pathType('<dir>'), deprecatedFor: 'resources-path', description: 'folder of resource YAML' }),
  s.one('config', { flag: 'config', type: pathType('<file>'), description: 'path of a Configuration YAML file' }),
  s.one('logLevel', { flag: 'log-level', type: choiceType(['debug', 'info', 'warn', 'error'] as const, { fatal: 'error' }), default: 'info', description: 'minimum log level (daprd\'s "fatal" is read as error)' }),
  s.one('logAsJson', { flag: 'log-as-json', type: boolType, default: false, description: 'write logs as one JSON object per line' }),
  s.one('enableApiLogging', { flag: 'enable-api-logging', type: boolType, default: false, description: 'log every API call' }),
  s.one('maxBodySize', { flag: 'max-body-size', type: byteQuantityType, default: 4 * MiB, description: 'maximum request body size' }),
  s.one('maxBodySize', { flag: 'dapr-http-max-request-size', type: legacySizeType(MiB, 'MB'), deprecatedFor: 'max-body-size', description: 'maximum request body in MB' }),
  s.one('readBufferSize', { flag: 'read-buffer-size', type: byteQuantityType, default: 16 * KiB, description: 'maximum size of request headers' }),
  s.one('readBufferSize', { flag: 'dapr-http-read-buffer-size', type: legacySizeType(KiB, 'KB'), deprecatedFor: 'read-buffer-size', description: 'maximum request headers in KB' }),
  s.one('listenAddresses', { flag: 'dapr-listen-addresses', type: listType('<addr,...>'), default: ['127.0.0.1'], description: 'addresses the Dapr API listens on' }),
  s.one('enableAppHealthCheck', { flag: 'enable-app-health-check', type: boolType, default: false, description: 'probe the application\'s health' }),
  s.one('appHealthCheckPath', { flag: 'app-health-check-path', type: stringType, default: '/healthz', description: 'HTTP path of the application\'s health check' }),
  s.one('appHealthProbeInterval', { flag: 'app-health-probe-interval', type: intType(1, MAX, '<seconds>'), default: 5, description: 'seconds between health probes' }),
  s.one('appHealthProbeTimeout', { flag: 'app-health-probe-timeout', type: intType(1, MAX, '<ms>'), default: 500, description: 'milliseconds before a health probe fails' }),
  s.one('appHealthThreshold', { flag: 'app-health-threshold', type: intType(1, MAX), default: 3, description: 'consecutive failed probes before the app is unhealthy' }),
  s.one('gracefulShutdownSeconds', { flag: 'dapr-graceful-shutdown-seconds', type: intType(0, MAX, '<seconds>'), default: 5, description: 'seconds to drain work on shutdown' }),
  s.one('mode', { flag: 'mode', type: choiceType(['standalone', 'kubernetes'] as const), default: 'standalone', description: 'runtime mode' }),
  s.one('enableMtls', { flag: 'enable-mtls', type: boolType, default: false, description: 'mTLS between sidecars, with certificates from Sentry' }),
  s.one('sentryAddress', { flag: 'sentry-address', type: stringType, description: 'host:port of the Sentry certificate authority' }),
  s.one('trustAnchorsFile', { flag: 'trust-anchors-file', type: pathType('<file>'), description: 'PEM file of trust anchors (alternative to DAPR_TRUST_ANCHORS)' }),
  s.one('controlPlaneTrustDomain', { flag: 'control-plane-trust-domain', env: ['DAPR_CONTROLPLANE_TRUST_DOMAIN'], type: stringType, default: 'localhost', description: 'trust domain of the control plane' }),
  s.one('controlPlaneNamespace', { flag: 'control-plane-namespace', type: stringType, default: 'default', description: 'namespace of the control plane' }),
  s.one('allowedOrigins', { flag: 'allowed-origins', type: stringType, default: '*', description: 'CORS allowed origins (comma-separated)' }),
  s.one('unixDomainSocket', { flag: 'unix-domain-socket', type: pathType('<dir>'), description: 'folder for the API\'s Unix domain sockets (replaces TCP ports)' }),
  s.one('placementHostAddress', { flag: 'placement-host-address', type: stringType, description: 'host:port[,host:port...] of the placement service (actors)' }),
  s.one('schedulerHostAddress', { flag: 'scheduler-host-address', type: stringType, description: 'host:port[,host:port...] of the scheduler service (jobs, reminders)' }),
  s.one('enableProfiling', { flag: 'enable-profiling', type: boolType, default: false, description: 'accepted for daprd compatibility; profiling is not served (a warning is logged)' }),
  s.one('profilePort', { flag: 'profile-port', type: portType, default: 7777, description: 'accepted for daprd compatibility; unused' }),
  s.one('dataDir', { flag: 'data-dir', env: ['OUTRIGGER_DATA_DIR'], type: pathType('<dir>'), default: join(homedir(), '.outrigger'), defaultText: '~/.outrigger', description: 'data folder for embedded components and the local CA' }),
  s.one('apiToken', { env: ['DAPR_API_TOKEN'], type: stringType, description: 'token every API call must carry (dapr-api-token)' }),
  s.one('appApiToken', { env: ['APP_API_TOKEN'], type: stringType, description: 'token sent to the application on every call' }),
  s.one('namespace', { env: ['NAMESPACE'], type: stringType, default: 'default', description: 'namespace of this application' }),
  s.one('hostAddress', { env: ['DAPR_HOST_IP', 'HOST_ADDRESS'], type: stringType, default: '127.0.0.1', description: 'address advertised to other sidecars' }),
  s.one('trustAnchors', { env: ['DAPR_TRUST_ANCHORS'], type: stringType, description: 'PEM trust anchors for mTLS' }),
  s.one('sentryTokenFile', { env: ['DAPR_SENTRY_TOKEN_FILE'], type: pathType('<file>'), description: 'file whose content is sent as the Sentry token' }),
];

export type SidecarParse =
  | { readonly kind: 'ok'; readonly options: ParsedSidecarOptions; readonly rest: string[]; readonly generatedAppId: boolean }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'error'; readonly message: string };

export interface SidecarParseMode {
  /**
   * 'sidecar': only flags, --app-id required.
   * 'run': flags end at `--` or the first non-flag (the app command, returned as `rest`);
   *        a missing --app-id is generated.
   */
  readonly command: 'sidecar' | 'run';
}

export function parseSidecarArgs(argv: readonly string[], env: NodeJS.ProcessEnv, mode: SidecarParseMode): SidecarParse {
  const out = parseSettings(argv, sidecarSettings, env, { stopAtPositional: mode.command === 'run', versionFlag: true });
  if (out.kind !== 'ok') return out;
  const v = out.values;
  let generatedAppId = false;
  if (v.appId === undefined || v.appId === '') {
    if (mode.command === 'sidecar') return { kind: 'error', message: 'flag --app-id is required: expected the id of the application' };
    v.appId = generateAppId();
    generatedAppId = true;
  }
  if (v.appId.includes('.') || /\s/.test(v.appId)) {
    return { kind: 'error', message: `invalid value "${v.appId}" for flag --app-id: expected an id without dots or spaces` };
  }
  if (v.appPort === 0) delete v.appPort;
  if (v.daprInternalGrpcPort === undefined) v.daprInternalGrpcPort = stableInternalPort(v.appId);
  const clash = portClash(v);
  if (clash !== undefined) return { kind: 'error', message: clash };
  // Every setting without a table default is optional in SidecarOptions, and appId was checked
  // above, so the draft is complete here.
  return { kind: 'ok', options: v as ParsedSidecarOptions, rest: out.rest, generatedAppId };
}

/** Two of the sidecar's own listeners on one fixed port can never both bind: say so up front. */
function portClash(v: Partial<ParsedSidecarOptions>): string | undefined {
  const ports: [string, number | undefined][] = [
    ['dapr-http-port', v.daprHttpPort],
    ['dapr-grpc-port', v.daprGrpcPort],
    ['dapr-internal-grpc-port', v.daprInternalGrpcPort],
    ['dapr-public-port', v.daprPublicPort],
    ['metrics-port', v.enableMetrics === false ? undefined : v.metricsPort],
  ];
  const seen = new Map<number, string>();
  for (const [flag, port] of ports) {
    if (port === undefined || port === 0) continue;
    const other = seen.get(port);
    if (other !== undefined) return `flags --${other} and --${flag} both use port ${port}: expected different ports`;
    seen.set(port, flag);
  }
  return undefined;
}

/** Like `dapr run`, an app started without --app-id gets a generated one (logged by the caller). */
export function generateAppId(): string {
  return `app-${randomBytes(4).toString('hex')}`;
}

export function sidecarFlagsHelp(): string {
  return formatSettingsHelp(sidecarSettings, [['--version', 'print the version and exit']]);
}
