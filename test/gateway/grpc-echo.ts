/** A real grpc-js Echo server (test/grpc/fixtures/echo.proto) that records the metadata it saw. */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO = path.resolve(__dirname, '../../../test/grpc/fixtures/echo.proto');
const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO, { keepCase: false, longs: Number, defaults: true })) as unknown as {
  outrigger: { test: { echo: { Echo: grpc.ServiceClientConstructor } } };
};
export const EchoClient = loaded.outrigger.test.echo.Echo;

export interface EchoRequest { text?: string; repeat?: number; failCode?: number }
export interface EchoReply { text: string; index: number }
export type Client = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

export interface EchoServer {
  readonly port: number;
  /** Metadata of the latest call. */
  readonly seen: grpc.Metadata[];
  close(): Promise<void>;
}

export async function startEcho(): Promise<EchoServer> {
  const seen: grpc.Metadata[] = [];
  const server = new grpc.Server();
  server.addService(EchoClient.service, {
    unary(call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, cb: grpc.sendUnaryData<EchoReply>) {
      seen.push(call.metadata);
      const r = call.request;
      if (r.failCode) {
        const trailer = new grpc.Metadata();
        trailer.set('x-why', 'because');
        return cb({ code: r.failCode, details: `app says no to ${r.text}`, metadata: trailer });
      }
      if (r.text === 'slow') { const t = setTimeout(() => cb(null, { text: 'late', index: 0 }), 3000); call.on('cancelled', () => clearTimeout(t)); return; }
      call.sendMetadata(new grpc.Metadata());
      cb(null, { text: r.text ?? '', index: 0 });
    },
    serverStream(call: grpc.ServerWritableStream<EchoRequest, EchoReply>) {
      seen.push(call.metadata);
      const r = call.request;
      for (let i = 0; i < (r.repeat ?? 0); i++) call.write({ text: `${r.text}-${i}`, index: i });
      if (r.failCode) call.emit('error', { code: r.failCode, details: 'failed after stream' });
      else call.end();
    },
    clientStream(call: grpc.ServerReadableStream<EchoRequest, EchoReply>, cb: grpc.sendUnaryData<EchoReply>) {
      seen.push(call.metadata);
      const texts: string[] = [];
      call.on('data', (r: EchoRequest) => texts.push(r.text ?? ''));
      call.on('end', () => cb(null, { text: texts.join(','), index: texts.length }));
    },
    bidi(call: grpc.ServerDuplexStream<EchoRequest, EchoReply>) {
      seen.push(call.metadata);
      let i = 0;
      call.on('data', (r: EchoRequest) => call.write({ text: (r.text ?? '').toUpperCase(), index: i++ }));
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return { port, seen, close: () => new Promise<void>((r) => server.tryShutdown(() => r())) };
}

export function md(entries: Record<string, string>): grpc.Metadata {
  const m = new grpc.Metadata();
  for (const [k, v] of Object.entries(entries)) m.set(k, v);
  return m;
}

export function unary(client: grpc.Client, req: EchoRequest, meta = new grpc.Metadata()): Promise<{ reply: EchoReply; trailers: grpc.Metadata | undefined }> {
  return new Promise((resolve, reject) => {
    let trailers: grpc.Metadata | undefined;
    const call = (client as Client).unary(req, meta, (err: grpc.ServiceError | null, v?: EchoReply) => (err ? reject(err) : resolve({ reply: v as EchoReply, trailers }))) as grpc.ClientUnaryCall;
    call.on('status', (s: grpc.StatusObject) => { trailers = s.metadata; });
  });
}

export function serverStream(client: grpc.Client, req: EchoRequest, meta = new grpc.Metadata()): Promise<{ replies: EchoReply[]; status: grpc.StatusObject }> {
  return new Promise((resolve) => {
    const replies: EchoReply[] = [];
    const call = (client as Client).serverStream(req, meta) as grpc.ClientReadableStream<EchoReply>;
    call.on('data', (r: EchoReply) => replies.push(r));
    call.on('error', () => undefined);
    call.on('status', (status: grpc.StatusObject) => resolve({ replies, status }));
  });
}
