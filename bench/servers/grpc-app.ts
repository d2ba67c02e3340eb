/**
 * gRPC app: unary /bench.Echo/Echo answers every call with 1 KB of bytes (raw bytes, no proto).
 * Usage: node grpc-app.js <port>
 */
import * as grpc from '@grpc/grpc-js';

const BODY = Buffer.alloc(1024, 'x');
const raw = (b: Buffer): Buffer => b;
const service: grpc.ServiceDefinition = {
  Echo: {
    path: '/bench.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: raw,
    requestDeserialize: raw,
    responseSerialize: raw,
    responseDeserialize: raw,
  },
};

const server = new grpc.Server();
server.addService(service, {
  Echo: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, BODY),
});
server.bindAsync(`127.0.0.1:${Number(process.argv[2])}`, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) {
    process.stderr.write(`grpc-app: ${err.message}\n`);
    process.exit(1);
  }
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
