/** A grpc-js client of dapr.proto.runtime.v1.Dapr, loaded from the .proto files the @dapr/dapr package ships. */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const protoRoot = path.join(path.dirname(require.resolve('@dapr/dapr/package.json')), 'proto');
const definition = protoLoader.loadSync('dapr/proto/runtime/v1/dapr.proto', { includeDirs: [protoRoot], keepCase: false, longs: String, defaults: true });
const loaded = grpc.loadPackageDefinition(definition) as unknown as { dapr: { proto: { runtime: { v1: { Dapr: grpc.ServiceClientConstructor } } } } };

export type DaprGrpcClient = grpc.Client & Record<string, (req: unknown, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res?: unknown) => void) => void>;

export function daprGrpcClient(port: number): DaprGrpcClient {
  return new loaded.dapr.proto.runtime.v1.Dapr(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as DaprGrpcClient;
}

export function callDapr<T>(client: DaprGrpcClient, method: string, req: unknown, headers: Record<string, string> = {}): Promise<T> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) md.set(k, v);
  return new Promise((resolve, reject) => client[method]!(req, md, (err, res) => (err ? reject(err) : resolve(res as T))));
}
