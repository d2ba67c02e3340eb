/**
 * daprd's defaults for the settings that test sidecars keep as daprd has them (the CLI test holds
 * the flag parser to these; test/helpers/sidecar.ts starts sidecars with them).
 */
import type { SidecarOptions } from '../../runtime/options';

export function daprdDefaults() {
  return {
    appProtocol: 'http',
    appChannelAddress: '127.0.0.1',
    appMaxConcurrency: -1,
    resourcesPaths: [],
    logAsJson: false,
    enableApiLogging: false,
    maxBodySize: 4 * 1024 * 1024,
    readBufferSize: 16 * 1024,
    listenAddresses: ['127.0.0.1'],
    enableAppHealthCheck: false,
    appHealthCheckPath: '/healthz',
    appHealthProbeInterval: 5,
    appHealthProbeTimeout: 500,
    appHealthThreshold: 3,
    mode: 'standalone',
    namespace: 'default',
    hostAddress: '127.0.0.1',
    enableMtls: false,
    controlPlaneTrustDomain: 'localhost',
    controlPlaneNamespace: 'default',
    allowedOrigins: '*',
  } satisfies Partial<SidecarOptions>;
}
