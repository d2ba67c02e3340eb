/**
 * The gRPC app channel against a real AppCallback server (Connect on node:http2): OnInvoke
 * mapping both ways, app errors as HTTP status + google.rpc.Status JSON, dial failures as
 * ERR_DIRECT_INVOKE, forward() of an HTTP exchange, the subscription/health wrappers and probe().
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Code, ConnectError } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { HTTPExtension_Verb } from '@dapr/dapr/proto/dapr/proto/common/v1/common_pb';
import { AppCallback, AppCallbackHealthCheck } from '@dapr/dapr/proto/dapr/proto/runtime/v1/appcallback_pb';
import { GrpcAppChannel } from '../../runtime/app-channel/grpc-app-channel';
import { isDaprError } from '../../errors/dapr-error';
import type { Exchange } from '../../proxy/contracts';
import { listen } from './helpers';

function appServer(): http2.Http2Server {
  return http2.createServer(connectNodeAdapter({
    routes(router) {
      router.service(AppCallback, {
        onInvoke(req, ctx) {
          if (req.method === 'missing') throw new ConnectError('nope', Code.NotFound);
          const echo = {
            method: req.method,
            verb: HTTPExtension_Verb[req.httpExtension?.verb ?? 0],
            query: req.httpExtension?.querystring ?? '',
            contentType: req.contentType,
            body: Buffer.from(req.data?.value ?? new Uint8Array()).toString('utf8'),
            token: ctx.requestHeader.get('dapr-api-token'),
            callee: ctx.requestHeader.get('dapr-callee-app-id'),
            prefixedContentType: ctx.requestHeader.get('dapr-content-type'),
            custom: ctx.requestHeader.get('x-custom'),
          };
          ctx.responseHeader.set('x-from-app', 'yes');
          return { contentType: 'application/json', data: { typeUrl: '', value: Buffer.from(JSON.stringify(echo)) } };
        },
        listTopicSubscriptions() {
          return { subscriptions: [{ pubsubName: 'pubsub', topic: 'orders', routes: { default: '/orders' } }] };
        },
        onTopicEvent(req) {
          return { status: req.topic === 'orders' ? 0 : 2 };
        },
      });
      router.service(AppCallbackHealthCheck, { healthCheck: () => ({}) });
    },
  }));
}

describe('GrpcAppChannel', () => {
  let server: http2.Http2Server;
  let channel: GrpcAppChannel;
  let port: number;

  before(async () => {
    server = appServer();
    port = await listen(server);
    channel = new GrpcAppChannel({ appId: 'myapp', namespace: 'default', appApiToken: 'app-token', host: '127.0.0.1', port, maxConcurrency: -1, maxBodySize: 1 << 20 });
  });
  after(async () => {
    await channel.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('maps a buffered request to OnInvoke and the reply back to 200', async () => {
    const r = await channel.call({ path: '/orders/1', verb: 'PUT', query: 'a=1', headers: { 'x-custom': 'c', 'content-type': 'text/plain' }, body: Buffer.from('hi'), contentType: 'text/plain' });
    assert.ok(!isDaprError(r));
    assert.equal(r.status, 200);
    assert.equal(r.contentType, 'application/json');
    assert.equal(r.headers['x-from-app'], 'yes');
    assert.deepEqual(JSON.parse(r.body.toString('utf8')), {
      method: 'orders/1', verb: 'PUT', query: 'a=1', contentType: 'text/plain', body: 'hi',
      token: 'app-token', callee: 'myapp', prefixedContentType: 'text/plain', custom: 'c',
    });
  });

  it('maps an app gRPC error to the HTTP status with a google.rpc.Status JSON body', async () => {
    const r = await channel.call({ path: '/missing', verb: 'GET', query: '', headers: {}, body: Buffer.alloc(0) });
    assert.ok(!isDaprError(r));
    assert.equal(r.status, 404);
    assert.deepEqual(JSON.parse(r.body.toString('utf8')), { code: Code.NotFound, message: 'nope' });
  });

  it('forward() relays an HTTP exchange through OnInvoke', async () => {
    const front = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const ex: Exchange = {
        listener: 'test', protocol: 'http', req, res, method: req.method ?? 'GET', path: url.pathname,
        query: url.search.slice(1), headers: req.headers, startTime: process.hrtime.bigint(),
      };
      void channel.forward(ex);
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', () => r()));
    try {
      const res = await fetch(`http://127.0.0.1:${(front.address() as AddressInfo).port}/items/9?z=3`, { method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/json');
      const echo = await res.json() as Record<string, string>;
      assert.equal(echo.method, 'items/9');
      assert.equal(echo.verb, 'POST');
      assert.equal(echo.query, 'z=3');
      assert.equal(echo.body, 'payload');
    } finally {
      await new Promise<void>((r) => front.close(() => r()));
    }
  });

  it('wraps ListTopicSubscriptions, OnTopicEvent and HealthCheck', async () => {
    const subs = await channel.listTopicSubscriptions();
    assert.ok(subs.ok);
    assert.equal(subs.value.subscriptions[0]?.topic, 'orders');
    const ev = await channel.onTopicEvent({ id: '1', topic: 'orders', pubsubName: 'pubsub', data: Buffer.from('{}') });
    assert.ok(ev.ok);
    assert.equal(ev.value.status, 0);
    assert.equal(await channel.healthCheck(), true);
    const jobs = await channel.onJobEvent({ name: 'j' });
    assert.ok(!jobs.ok);
    assert.equal(jobs.code, Code.Unimplemented);
  });

  it('probe() is true for the live app and a dead port gives ERR_DIRECT_INVOKE', async () => {
    assert.equal(await channel.probe(), true);
    const spare = http2.createServer();
    const deadPort = await listen(spare);
    await new Promise<void>((r) => spare.close(() => r()));
    const dead = new GrpcAppChannel({ appId: 'ghost', namespace: 'default', host: '127.0.0.1', port: deadPort, maxConcurrency: 1, maxBodySize: 1024 });
    try {
      assert.equal(await dead.probe(), false);
      const r = await dead.call({ path: '/x', verb: 'GET', query: '', headers: {}, body: Buffer.alloc(0) });
      assert.ok(isDaprError(r));
      assert.equal(r.errorCode, 'ERR_DIRECT_INVOKE');
      assert.ok(r.message.startsWith('failed to invoke, id: ghost, err: '));
      assert.equal(await dead.healthCheck(), false);
    } finally {
      await dead.close();
    }
  });
});
