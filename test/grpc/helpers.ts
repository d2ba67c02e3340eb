/** Real servers for the gRPC tests: an Echo app (grpc-js), the API server, clients. */
import path from 'node:path';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createLogger, type Logger } from '../../observability/logger';
import { createGrpcApiServer, type GrpcApiDeps, type GrpcApiServer } from '../../proxy/grpc/grpc-api-server';
import type { InvocationService, InvokeTarget } from '../../api/invoke/contract';
import { Errors } from '../../errors/codes';

export const silentLogger: Logger = createLogger({ level: 'error', json: false, sink: () => undefined });

// Compiled tests run from dist/test/grpc; the fixture stays in the source tree.
const PROTO = path.resolve(__dirname, '../../../test/grpc/fixtures/echo.proto');
const pkgDef = protoLoader.loadSync(PROTO, { keepCase: false, longs: Number, defaults: true });
const loaded = grpc.loadPackageDefinition(pkgDef) as unknown as {
  outrigger: { test: { echo: { Echo: grpc.ServiceClientConstructor } } };
};
export const EchoClient = loaded.outrigger.test.echo.Echo;

export interface EchoRequest { text?: string; repeat?: number; failCode?: number; payload?: Buffer }
export interface EchoReply { text: string; index: number; metadataKeys: string[]; caller: string; payloadSize: number }

export interface EchoApp {
  readonly port: number;
  /** Resolves when the app sees a call cancelled by its client. */
  readonly cancelled: Promise<void>;
  close(): Promise<void>;
}

function reply(md: grpc.Metadata, text: string, index: number, payloadSize = 0): EchoReply {
  const caller = md.get('dapr-caller-app-id')[0];
  return { text, index, metadataKeys: Object.keys(md.getMap()).sort(), caller: caller ? String(caller) : '', payloadSize };
}

export async function startEchoApp(): Promise<EchoApp> {
  let onCancel!: () => void;
  const cancelled = new Promise<void>((r) => { onCancel = r; });
  const server = new grpc.Server();
  server.addService(EchoClient.service, {
    unary(call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, cb: grpc.sendUnaryData<EchoReply>) {
      const r = call.request;
      if (r.failCode) return cb({ code: r.failCode, details: `app says no to ${r.text}` });
      cb(null, reply(call.metadata, r.text ?? '', 0, r.payload?.length ?? 0));
    },
    serverStream(call: grpc.ServerWritableStream<EchoRequest, EchoReply>) {
      const r = call.request;
      if ((r.repeat ?? 0) < 0) {
        let i = 0;
        const t = setInterval(() => call.write(reply(call.metadata, r.text ?? '', i++)), 5);
        call.on('cancelled', () => { clearInterval(t); onCancel(); });
        return;
      }
      for (let i = 0; i < (r.repeat ?? 0); i++) call.write(reply(call.metadata, `${r.text}-${i}`, i));
      // grpc-js: emitting 'error' on a server stream sends that status after the written messages.
      if (r.failCode) call.emit('error', { code: r.failCode, details: 'failed after stream' });
      else call.end();
    },
    clientStream(call: grpc.ServerReadableStream<EchoRequest, EchoReply>, cb: grpc.sendUnaryData<EchoReply>) {
      const texts: string[] = [];
      call.on('data', (r: EchoRequest) => texts.push(r.text ?? ''));
      call.on('end', () => cb(null, reply(call.metadata, texts.join(','), texts.length)));
    },
    bidi(call: grpc.ServerDuplexStream<EchoRequest, EchoReply>) {
      let i = 0;
      call.on('data', (r: EchoRequest) => call.write(reply(call.metadata, (r.text ?? '').toUpperCase(), i++)));
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return { port, cancelled, close: () => new Promise<void>((r) => server.tryShutdown(() => r())) };
}

/** An InvocationService whose targets are given by the test; invokeUnary is not used here. */
export function fixedInvocation(resolve: (id: string) => InvokeTarget | ReturnType<typeof Errors.noAppId>): InvocationService {
  return {
    resolveTarget: async (id) => resolve(id),
    invokeUnary: async () => Errors.internal('invokeUnary is not used in this test'),
  };
}

export async function listen(server: http2.Http2Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

export async function startApi(deps: Partial<GrpcApiDeps> & Pick<GrpcApiDeps, 'invocation'>): Promise<{ api: GrpcApiServer; port: number }> {
  const api = createGrpcApiServer({
    logger: silentLogger,
    appId: 'caller',
    namespace: 'default',
    maxBodySize: 4 * 1024 * 1024,
    filters: [],
    services: [],
    ...deps,
  });
  return { api, port: await listen(api.server) };
}

export function echoClient(port: number): grpc.Client & Record<string, (...args: unknown[]) => unknown> {
  return new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, (...args: unknown[]) => unknown>;
}

export function md(entries: Record<string, string>): grpc.Metadata {
  const m = new grpc.Metadata();
  for (const [k, v] of Object.entries(entries)) m.set(k, v);
  return m;
}

/** Promise form of a unary call; rejects with the grpc-js ServiceError. */
export function unary(client: grpc.Client, method: string, req: EchoRequest, meta: grpc.Metadata): Promise<EchoReply> {
  return new Promise((resolve, reject) => {
    (client as unknown as Record<string, (r: EchoRequest, m: grpc.Metadata, cb: (e: grpc.ServiceError | null, v?: EchoReply) => void) => void>)[method](
      req, meta, (err, v) => (err ? reject(err) : resolve(v as EchoReply)),
    );
  });
}

/** Length of EchoRequest{payload: n bytes} on the wire: tag + varint(n) + n. */
export function payloadMessageLength(n: number): number {
  let varint = 1;
  for (let v = n; v >= 0x80; v >>>= 7) varint++;
  return 1 + varint + n;
}
