import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { DaprServer, CommunicationProtocolEnum, HttpMethod, LogLevel } from '@dapr/dapr';
import { startTestSidecar, uniqueAppId, freePort } from '../helpers/sidecar';

for (const protocol of [CommunicationProtocolEnum.HTTP, CommunicationProtocolEnum.GRPC]) {
  const mode = protocol === CommunicationProtocolEnum.HTTP ? 'HTTP' : 'gRPC';
  test(`@dapr/dapr DaprServer (${mode}) receives HTTP invocations through the sidecar (app channel over ${mode})`, async () => {
    const appPort = await freePort();
    const id = uniqueAppId(`sdk-server-${mode.toLowerCase()}`);
    const sidecar = await startTestSidecar({ appId: id, appPort, appProtocol: protocol === CommunicationProtocolEnum.GRPC ? 'grpc' : 'http' });
    const server = new DaprServer({
      serverHost: '127.0.0.1',
      serverPort: String(appPort),
      communicationProtocol: protocol,
      clientOptions: { daprHost: '127.0.0.1', daprPort: String(protocol === CommunicationProtocolEnum.GRPC ? sidecar.grpcPort : sidecar.httpPort) },
      logger: { level: LogLevel.Error },
    });
    await server.invoker.listen('greet', async (data) => {
      // The SDK hands the raw body over as a string in both modes.
      const parsed = JSON.parse(String(data.body)) as { name: string };
      return { hello: parsed.name, query: data.query };
    }, { method: HttpMethod.POST });
    await server.start();
    try {
      const res = await request(`http://127.0.0.1:${sidecar.httpPort}/v1.0/invoke/${id}/method/greet`, {
        method: 'POST', body: JSON.stringify({ name: 'kayak' }), headers: { 'content-type': 'application/json' },
      });
      const body = (await res.body.json()) as { hello: string };
      assert.equal(res.statusCode, 200);
      assert.equal(body.hello, 'kayak');
    } finally {
      await server.stop();
      await sidecar.stop('done');
    }
  });
}
