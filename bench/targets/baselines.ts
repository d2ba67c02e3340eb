/** Direct calls to the apps: the baselines every "added latency" is measured against. */
import type { TargetDef } from './types';

export const directHttp: TargetDef = {
  name: 'direct',
  title: 'direct call to the Node HTTP app (1 KB)',
  protocol: 'http',
  hops: 0,
  security: 'plain HTTP',
  async start(ctx) {
    return { ok: true, running: { load: { protocol: 'http', port: ctx.appPort, path: '/hello', headers: {} }, sut: [], notes: [] } };
  },
};

export const directGrpc: TargetDef = {
  name: 'grpc-direct',
  title: 'direct gRPC call to the grpc-js app (1 KB)',
  protocol: 'grpc',
  hops: 0,
  security: 'h2c',
  async start(ctx) {
    return {
      ok: true,
      running: { load: { protocol: 'grpc', port: ctx.grpcAppPort, method: '/bench.Echo/Echo', metadata: {} }, sut: [], notes: [] },
    };
  },
};
