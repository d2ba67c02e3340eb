/**
 * A local OTLP/gRPC collector double: a real @grpc/grpc-js server serving
 * opentelemetry.proto.collector.trace.v1.TraceService/Export. Requests are decoded with the
 * protobufjs code generated from the official OTLP .proto files that ships inside the
 * @opentelemetry/otlp-transformer dependency (no .proto file is written or copied here); every
 * call's metadata is kept so tests can check the configured headers arrived.
 *
 * Also a handshake sniffer: a plain TCP server that records the first bytes each client sends, to
 * tell a TLS ClientHello from a cleartext HTTP/2 preface without needing a trusted certificate.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { parseOtlp, type OtlpBody, type ReceivedSpan } from './span-receivers';

interface ProtoType {
  decode(buf: Uint8Array): unknown;
  encode(msg: object): { finish(): Uint8Array };
  toObject(msg: unknown, opts: { longs: StringConstructor; bytes: StringConstructor; defaults: boolean }): unknown;
}
interface OtlpGenerated {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: ProtoType; ExportTraceServiceResponse: ProtoType } } } } };
}
const otlpTrace = (): OtlpGenerated['opentelemetry']['proto']['collector']['trace']['v1'] =>
  (require('@opentelemetry/otlp-transformer/build/src/generated/root') as OtlpGenerated).opentelemetry.proto.collector.trace.v1;

export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

export interface ExportCall {
  /** Text metadata of the call (grpc-js lower-cases keys). */
  readonly metadata: Record<string, string>;
  readonly spans: ReceivedSpan[];
}

export interface OtlpGrpcReceiver {
  readonly port: number;
  readonly spans: ReceivedSpan[];
  readonly calls: ExportCall[];
  close(): Promise<void>;
}

/** Decodes an ExportTraceServiceRequest (protobuf bytes) into the spans it carries. */
export function decodeExportRequest(bytes: Uint8Array): ReceivedSpan[] {
  const { ExportTraceServiceRequest } = otlpTrace();
  const message = ExportTraceServiceRequest.decode(bytes);
  // bytes as base64 (span-receivers' hexId reads that), 64-bit ints as strings.
  const body = ExportTraceServiceRequest.toObject(message, { longs: String, bytes: String, defaults: false }) as OtlpBody;
  return parseOtlp(body);
}

const passThrough = (b: Buffer): Buffer => b;

/** With `tls`, the collector serves TLS with that key and certificate chain (PEM). */
export async function startOtlpGrpcReceiver(opts: { tls?: { keyPem: string; certChainPem: string } } = {}): Promise<OtlpGrpcReceiver> {
  const spans: ReceivedSpan[] = [];
  const calls: ExportCall[] = [];
  const okResponse = Buffer.from(otlpTrace().ExportTraceServiceResponse.encode({}).finish());
  const server = new grpc.Server();
  const service: grpc.ServiceDefinition = {
    Export: { path: TRACE_EXPORT_PATH, requestStream: false, responseStream: false, requestSerialize: passThrough, requestDeserialize: passThrough, responseSerialize: passThrough, responseDeserialize: passThrough },
  };
  server.addService(service, {
    Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      let received: ReceivedSpan[];
      try {
        received = decodeExportRequest(call.request);
      } catch (err) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: `undecodable ExportTraceServiceRequest: ${String(err)}` });
        return;
      }
      const metadata: Record<string, string> = {};
      for (const [k, v] of Object.entries(call.metadata.getMap())) metadata[k] = typeof v === 'string' ? v : v.toString('base64');
      calls.push({ metadata, spans: received });
      spans.push(...received);
      callback(null, okResponse);
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    const credentials = opts.tls
      ? grpc.ServerCredentials.createSsl(null, [{ private_key: Buffer.from(opts.tls.keyPem), cert_chain: Buffer.from(opts.tls.certChainPem) }], false)
      : grpc.ServerCredentials.createInsecure();
    server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p)));
  });
  return { port, spans, calls, close: async () => { server.forceShutdown(); } };
}

export interface HandshakeSniffer {
  readonly port: number;
  /** The first chunk each connection sent, in arrival order. */
  readonly firstBytes: Buffer[];
  close(): Promise<void>;
}

export const HTTP2_PREFACE = 'PRI * HTTP/2.0\r\n\r\n';

/** True when `b` opens a TLS handshake record carrying a ClientHello. */
export function isTlsClientHello(b: Buffer): boolean {
  return b.length > 5 && b[0] === 0x16 && b[1] === 0x03 && b[5] === 0x01;
}

export async function startHandshakeSniffer(): Promise<HandshakeSniffer> {
  const firstBytes: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (chunk: Buffer) => {
      firstBytes.push(chunk);
      socket.destroy();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    firstBytes,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}
