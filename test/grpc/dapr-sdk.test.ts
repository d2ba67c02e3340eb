/**
 * The official JS SDK (DaprClient, gRPC mode) against the gRPC API server with the core Dapr
 * methods: GetMetadata, SetMetadata and InvokeService, the latter reaching a real HTTP app that
 * echoes what it received. Also the error shape of a non-2xx answer (Connect client, ErrorInfo).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CommunicationProtocolEnum, DaprClient, HttpMethod, LogLevel } from '@dapr/dapr';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { Dapr } from '@dapr/dapr/proto/dapr/proto/runtime/v1/dapr_pb';
import { HTTPExtension_Verb } from '@dapr/dapr/proto/dapr/proto/common/v1/common_pb';
import type { InvocationService, UnaryInvokeResponse } from '../../api/invoke/contract';
import { createDaprCoreService } from '../../api/grpc/dapr-service-core';
import type { MetadataView } from '../../api/grpc/metadata-view';
import type { GrpcApiServer } from '../../proxy/grpc/grpc-api-server';
import { startApi } from './helpers';

const APP_404_BODY = 'no order with that id exists here, and this sentence is deliberately longer than sixty-three characters';

/** An HTTP app echoing method, path, query, content type and body as JSON; /missing is a 404. */
function startHttpApp(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url?.startsWith('/missing')) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end(APP_404_BODY);
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      res.writeHead(200, { 'content-type': 'application/json', 'x-app': 'echo' });
      res.end(JSON.stringify({ verb: req.method, url: req.url, contentType: req.headers['content-type'] ?? '', body }));
    });
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

/** Buffered invocation over plain HTTP to the app (what the real InvocationService does for self). */
function httpInvocation(appPort: number): InvocationService {
  return {
    resolveTarget: async (id) => ({ kind: 'self', appId: id, namespace: 'default' }),
    async invokeUnary(req): Promise<UnaryInvokeResponse> {
      const url = `http://127.0.0.1:${appPort}/${req.method}${req.query ? `?${req.query}` : ''}`;
      const headers: Record<string, string> = { ...req.headers };
      if (req.contentType) headers['content-type'] = req.contentType;
      const res = await fetch(url, { method: req.verb, headers, body: ['GET', 'HEAD'].includes(req.verb) ? undefined : new Uint8Array(req.body) });
      const body = Buffer.from(await res.arrayBuffer());
      const contentType = res.headers.get('content-type') ?? undefined;
      const out: Record<string, string> = {};
      res.headers.forEach((v, k) => { out[k] = v; });
      return { status: res.status, headers: out, body, ...(contentType ? { contentType } : {}) };
    },
  };
}

/** google.rpc.ErrorInfo fields from its wire bytes. */
function decodeErrorInfo(bytes: Uint8Array): { reason: string; domain: string; metadata: Record<string, string> } {
  const r = new BinaryReader(bytes);
  const out = { reason: '', domain: '', metadata: {} as Record<string, string> };
  while (r.pos < r.len) {
    const [field] = r.tag();
    if (field === 1) out.reason = r.string();
    else if (field === 2) out.domain = r.string();
    else {
      const entry = new BinaryReader(r.bytes());
      let k = '';
      let v = '';
      while (entry.pos < entry.len) {
        const [f] = entry.tag();
        if (f === 1) k = entry.string(); else v = entry.string();
      }
      out.metadata[k] = v;
    }
  }
  return out;
}

describe('DaprClient (gRPC) against the gRPC API server', () => {
  let httpApp: http.Server;
  let api: GrpcApiServer;
  let port: number;
  let client: DaprClient;
  let shutdowns = 0;
  const extended: Record<string, string> = { daprRuntimeVersion: 'edge' };

  before(async () => {
    httpApp = await startHttpApp();
    const invocation = httpInvocation((httpApp.address() as AddressInfo).port);
    const view = (): MetadataView => ({
      id: 'caller',
      runtimeVersion: 'edge',
      actors: [{ type: 'Counter', count: 2 }],
      components: [{ name: 'statestore', type: 'state.in-memory', version: 'v1', capabilities: ['ETAG', 'TRANSACTIONAL'] }],
      extended: { ...extended },
    });
    ({ api, port } = await startApi({
      invocation,
      services: [createDaprCoreService({
        invocation,
        getMetadata: view,
        setMetadata: (k, v) => { extended[k] = v; },
        shutdown: () => { shutdowns++; },
      })],
    }));
    client = new DaprClient({
      daprHost: '127.0.0.1',
      daprPort: String(port),
      communicationProtocol: CommunicationProtocolEnum.GRPC,
      logger: { level: LogLevel.Error },
    });
    await client.start();
  });
  after(async () => {
    await client.stop();
    await api.close();
    await new Promise<void>((r) => httpApp.close(() => r()));
  });

  it('metadata.get() returns the sidecar metadata', async () => {
    const m = await client.metadata.get();
    assert.equal(m.id, 'caller');
    assert.deepEqual(m.actors, [{ type: 'Counter', count: 2 }]);
    assert.deepEqual(m.components, [{ name: 'statestore', type: 'state.in-memory', version: 'v1', capabilities: ['ETAG', 'TRANSACTIONAL'] }]);
    assert.equal(m.extended.daprRuntimeVersion, 'edge');
  });

  it('metadata.set() stores extended metadata that get() then shows', async () => {
    assert.equal(await client.metadata.set('team', 'outrigger'), true);
    const m = await client.metadata.get();
    assert.equal(m.extended.team, 'outrigger');
  });

  it('invoker.invoke() reaches the HTTP app with verb, path, content type and body', async () => {
    const r = await client.invoker.invoke('caller', 'orders/17', HttpMethod.POST, { hello: 'world' }) as Record<string, string>;
    assert.equal(r.verb, 'POST');
    assert.equal(r.url, '/orders/17');
    assert.equal(r.contentType, 'application/json');
    assert.deepEqual(JSON.parse(r.body), { hello: 'world' });
  });

  it('InvokeService maps a non-2xx app answer to a gRPC error with Dapr ErrorInfo', async () => {
    const dapr = createClient(Dapr, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
    const err = await dapr.invokeService({
      id: 'caller',
      message: { method: 'missing/1', data: { typeUrl: '', value: new Uint8Array(0) }, contentType: '', httpExtension: { verb: HTTPExtension_Verb.GET, querystring: 'a=b' } },
    }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.NotFound);
    assert.equal(err.rawMessage, 'Not Found');
    const info = err.details.find((d) => 'type' in d && d.type === 'google.rpc.ErrorInfo');
    assert.ok(info && 'value' in info && info.value instanceof Uint8Array);
    const decoded = decodeErrorInfo(info.value);
    assert.equal(decoded.reason, 'Not Found');
    assert.equal(decoded.domain, 'dapr.io');
    assert.equal(decoded.metadata['http.code'], '404');
    assert.equal(decoded.metadata['http.error_message'], APP_404_BODY.slice(0, 63));
    assert.equal(decoded.metadata['http.error_message'].length, 63);
  });

  it('InvokeService passes the query string and relays app response headers as metadata', async () => {
    const dapr = createClient(Dapr, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
    let appHeader: string | null = null;
    const res = await dapr.invokeService({
      id: 'caller',
      message: { method: 'search', contentType: 'text/plain', data: { typeUrl: '', value: Buffer.from('q') }, httpExtension: { verb: HTTPExtension_Verb.PUT, querystring: 'x=1&y=2' } },
    }, { onHeader: (h) => { appHeader = h.get('x-app'); } });
    const echoed = JSON.parse(Buffer.from(res.data?.value ?? new Uint8Array()).toString('utf8')) as Record<string, string>;
    assert.equal(echoed.verb, 'PUT');
    assert.equal(echoed.url, '/search?x=1&y=2');
    assert.equal(echoed.body, 'q');
    assert.equal(res.contentType, 'application/json');
    assert.equal(appHeader, 'echo');
  });

  it('Shutdown answers and then calls the shutdown hook', async () => {
    const dapr = createClient(Dapr, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
    await dapr.shutdown({});
    await new Promise((r) => setImmediate(r));
    assert.equal(shutdowns, 1);
  });
});
