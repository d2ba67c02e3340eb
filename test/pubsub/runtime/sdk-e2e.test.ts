/**
 * Pub/sub end to end through the official SDK (@dapr/dapr): DaprClient publishes, DaprServer
 * subscribes (HTTP and gRPC app protocols) against a full sidecar (startSidecar) with a
 * pubsub.in-memory component. The app starts after its sidecar, as in real deployments.
 * Needs the pub/sub runtime wired into runtime/sidecar.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CommunicationProtocolEnum, DaprClient, DaprPubSubStatusEnum, DaprServer, LogLevel } from '@dapr/dapr';
import { freePort, resourcesWith, startTestSidecar, uniqueAppId } from '../../helpers/sidecar';
import { waitFor } from './helpers';
import { sdkPort, SDK_PROTOCOLS } from '../../helpers/dapr-sdk';
import { request } from 'undici';

const component = `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: pubsub
spec:
  type: pubsub.in-memory
  version: v1
`;

for (const { protocol, name } of SDK_PROTOCOLS) {
  describe(`pub/sub through @dapr/dapr (${name} app)`, () => {
    it('publish, subscribe, RETRY and bulk publish', async () => {
      const appPort = await freePort();
      const sidecar = await startTestSidecar({
        appId: uniqueAppId('pubsub-e2e'), appPort, appProtocol: protocol === CommunicationProtocolEnum.HTTP ? 'http' : 'grpc',
        resourcesPaths: [resourcesWith({ 'pubsub.yaml': component })],
      });
      const daprPort = sdkPort(sidecar, protocol);
      const server = new DaprServer({
        serverHost: '127.0.0.1', serverPort: String(appPort), communicationProtocol: protocol,
        clientOptions: { daprHost: '127.0.0.1', daprPort, communicationProtocol: protocol, logger: { level: LogLevel.Error } },
        logger: { level: LogLevel.Error },
      });
      const client = new DaprClient({ daprHost: '127.0.0.1', daprPort, communicationProtocol: protocol, logger: { level: LogLevel.Error } });
      const got: unknown[] = [];
      let retried = 0;
      try {
        await server.pubsub.subscribe('pubsub', 'orders', async (data: unknown) => { got.push(data); });
        await server.pubsub.subscribe('pubsub', 'flaky', async (data: unknown) => {
          if (retried++ === 0) return DaprPubSubStatusEnum.RETRY;
          got.push({ flaky: data });
          return DaprPubSubStatusEnum.SUCCESS;
        });
        await server.start();
        // The sidecar reads the app's subscriptions once the app port answers. (Read over HTTP: the
        // SDK's gRPC metadata.get() drops the subscriptions field.)
        let published = false;
        for (let i = 0; i < 100 && !published; i++) {
          const md = (await (await request(`http://127.0.0.1:${sidecar.httpPort}/v1.0/metadata`)).body.json()) as { subscriptions?: unknown[] };
          if ((md.subscriptions ?? []).length >= 2) published = true;
          else await new Promise((r) => setTimeout(r, 100));
        }
        assert.ok(published, 'subscriptions discovered');
        const res = await client.pubsub.publish('pubsub', 'orders', { id: 1 });
        assert.equal(res.error, undefined);
        await client.pubsub.publish('pubsub', 'flaky', { id: 2 });
        const bulk = await client.pubsub.publishBulk('pubsub', 'orders', [{ id: 3 }, { id: 4 }]);
        assert.equal(bulk.failedMessages.length, 0);
        await waitFor(() => got.length === 4, 15000, 'four events');
        assert.deepEqual(got.filter((g) => !(g as { flaky?: unknown }).flaky).map((g) => (g as { id: number }).id).sort(), [1, 3, 4]);
        assert.deepEqual(got.find((g) => (g as { flaky?: unknown }).flaky), { flaky: { id: 2 } });
        assert.ok(retried >= 2);
      } finally {
        // The sidecar first: the SDK's gRPC server waits for the sidecar's connection to close.
        await sidecar.stop('test done');
        await server.stop().catch(() => undefined);
      }
    });
  });
}
