import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startApp, startTestSidecar, uniqueAppId, resourcesWith } from '../../helpers/sidecar';
import { waitFor } from './helpers';
import { componentYaml, resiliencyYaml, RETRY_ONCE, subscriptionYaml } from '../../helpers/resource-yaml';

test('pub/sub deliveries retry under the Resiliency policy of the component (inbound), then dead-letter', async () => {
  const attempts: string[] = [];
  const dead: string[] = [];
  const app = await startApp((req, res, body) => {
    if (req.url === '/orders') {
      attempts.push(body.toString());
      res.writeHead(500).end();
      return;
    }
    if (req.url === '/dlq') {
      dead.push(body.toString());
      res.writeHead(200).end();
      return;
    }
    res.writeHead(404).end();
  });
  const id = uniqueAppId('psres');
  const dir = resourcesWith({
    'pubsub.yaml': componentYaml('orderbus', 'pubsub.in-memory'),
    'subs.yaml': `${subscriptionYaml('orders-sub', { pubsubname: 'orderbus', topic: 'orders', routes: { default: '/orders' }, deadLetterTopic: 'dlq' })}---
${subscriptionYaml('dlq-sub', { pubsubname: 'orderbus', topic: 'dlq', routes: { default: '/dlq' } })}`,
    'resiliency.yaml': resiliencyYaml('pubsub-retries', {
      policies: { retries: { once: RETRY_ONCE } },
      targets: { components: { orderbus: { inbound: { retry: 'once' } } } },
    }),
  });
  const sc = await startTestSidecar({ appId: id, appPort: app.port, resourcesPaths: [dir] });
  try {
    const res = await request(`http://127.0.0.1:${sc.httpPort}/v1.0/publish/orderbus/orders`, { method: 'POST', body: '{"n":1}', headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, 204);
    await res.body.dump();
    await waitFor(() => dead.length === 1, 10_000, 'dead-lettered event');
    // One attempt plus exactly one retry (the default would be three retries).
    assert.equal(attempts.length, 2);
    assert.deepEqual(JSON.parse(dead[0]!).data, { n: 1 });
  } finally {
    await sc.stop('done');
    await app.close();
  }
});
