/** The official JS SDK (@dapr/dapr) pointed at a test sidecar, over HTTP or gRPC. */
import { CommunicationProtocolEnum, DaprClient, LogLevel } from '@dapr/dapr';

/** Both protocols, with the name tests put in their titles. */
export const SDK_PROTOCOLS = [
  { protocol: CommunicationProtocolEnum.HTTP, name: 'HTTP' },
  { protocol: CommunicationProtocolEnum.GRPC, name: 'gRPC' },
] as const;

interface SidecarPorts {
  readonly httpPort: number;
  readonly grpcPort: number;
}

/** The sidecar port the SDK talks to over `protocol` (as the string the SDK wants). */
export function sdkPort(sidecar: SidecarPorts, protocol: CommunicationProtocolEnum): string {
  return String(protocol === CommunicationProtocolEnum.HTTP ? sidecar.httpPort : sidecar.grpcPort);
}

/** A DaprClient of `sidecar` over `protocol` that logs errors only. */
export function sdkClient(sidecar: SidecarPorts, protocol: CommunicationProtocolEnum, daprApiToken?: string): DaprClient {
  return new DaprClient({
    daprHost: '127.0.0.1',
    daprPort: sdkPort(sidecar, protocol),
    communicationProtocol: protocol,
    ...(daprApiToken ? { daprApiToken } : {}),
    logger: { level: LogLevel.Error },
  });
}
