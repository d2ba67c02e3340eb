import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startApp, startTestSidecar, uniqueAppId } from '../helpers/sidecar';

test('two sidecars on one machine find each other over mDNS with no configuration, round-robin across instances', async () => {
  const reply = (name: string) => startApp((_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(name); });
  const [appA, appB1, appB2] = await Promise.all([reply('a'), reply('b1'), reply('b2')]);
  const idA = uniqueAppId('mdns-a');
  const idB = uniqueAppId('mdns-b');
  const sideA = await startTestSidecar({ appId: idA, appPort: appA.port });
  const sideB1 = await startTestSidecar({ appId: idB, appPort: appB1.port });
  const sideB2 = await startTestSidecar({ appId: idB, appPort: appB2.port });
  try {
    const call = async (from: number, to: string): Promise<string> => {
      const res = await request(`http://127.0.0.1:${from}/v1.0/invoke/${to}/method/who`);
      const text = await res.body.text();
      assert.equal(res.statusCode, 200, text);
      return text;
    };
    assert.equal(await call(sideB1.httpPort, idA), 'a');
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) seen.add(await call(sideA.httpPort, idB));
    assert.deepEqual([...seen].sort(), ['b1', 'b2']);
    // An instance that leaves is dropped: only b1 answers afterwards.
    await sideB2.stop('leaving');
    const after = new Set<string>();
    for (let i = 0; i < 6; i++) after.add(await call(sideA.httpPort, idB));
    assert.deepEqual([...after], ['b1']);
  } finally {
    await Promise.all([sideA.stop('done'), sideB1.stop('done'), sideB2.stop('done')]);
    await Promise.all([appA.close(), appB1.close(), appB2.close()]);
  }
});
