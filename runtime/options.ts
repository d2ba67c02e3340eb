/**
 * Everything `outrigger sidecar` (daprd) is configured with, after flags and environment variables
 * are parsed (cli/sidecar-flags.ts). Ports set to 0 are picked by the OS and logged.
 */
export type AppProtocol = 'http' | 'https' | 'grpc' | 'grpcs' | 'h2c';

export interface SidecarOptions {
  appId: string;
  /** Undefined: no app channel. */
  appPort?: number;
  appProtocol: AppProtocol;
  appChannelAddress: string;
  /** -1 = unlimited. */
  appMaxConcurrency: number;
  daprHttpPort: number;
  daprGrpcPort: number;
  /** Sidecar-to-sidecar listener. Undefined: a stable port derived from the app id (47300-49347). */
  daprInternalGrpcPort?: number;
  /** Optional extra healthz/metadata-only port (daprd --dapr-public-port). */
  daprPublicPort?: number;
  metricsPort: number;
  enableMetrics: boolean;
  /** Folders of resource YAML; empty = embedded defaults from dataDir. */
  resourcesPaths: string[];
  /** Path of a Configuration YAML file. */
  config?: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  logAsJson: boolean;
  enableApiLogging: boolean;
  /** Maximum request body in bytes (default 4 MiB). */
  maxBodySize: number;
  /** Maximum size of request headers in bytes (default 16 KiB). */
  readBufferSize: number;
  /** Addresses the API listeners bind to (default 127.0.0.1 ... as daprd: all given addresses). */
  listenAddresses: string[];
  enableAppHealthCheck: boolean;
  appHealthCheckPath: string;
  /** Seconds. */
  appHealthProbeInterval: number;
  /** Milliseconds. */
  appHealthProbeTimeout: number;
  appHealthThreshold: number;
  /** Seconds. */
  gracefulShutdownSeconds: number;
  mode: 'standalone' | 'kubernetes';
  namespace: string;
  /** Address advertised to other sidecars (DAPR_HOST_IP / HOST_ADDRESS), default 127.0.0.1. */
  hostAddress: string;
  /** Data directory for embedded components and local CA (default ~/.outrigger). */
  dataDir: string;
  enableMtls: boolean;
  sentryAddress?: string;
  trustAnchorsFile?: string;
  /** DAPR_TRUST_ANCHORS: the trust anchors PEM itself. */
  trustAnchors?: string;
  /** DAPR_SENTRY_TOKEN_FILE: the token proving this sidecar's identity to Sentry. */
  sentryTokenFile?: string;
  controlPlaneTrustDomain: string;
  controlPlaneNamespace: string;
  allowedOrigins: string;
  unixDomainSocket?: string;
  placementHostAddress?: string;
  schedulerHostAddress?: string;
  /** Transparent mode (after `outrigger iptables`): the port captured outbound traffic is redirected to. */
  outboundCapturePort?: number;
  /** Transparent mode: the port captured inbound traffic is redirected to. */
  inboundCapturePort?: number;
  /** DAPR_API_TOKEN: required on API calls when set. */
  apiToken?: string;
  /** APP_API_TOKEN: sent to the app on every call. */
  appApiToken?: string;
}

/** daprd's "stable random" internal port: derived from the app id, in 47300-49347. */
export function stableInternalPort(appId: string): number {
  let h = 2166136261;
  for (let i = 0; i < appId.length; i++) {
    h ^= appId.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return 47300 + (h % 2048);
}
