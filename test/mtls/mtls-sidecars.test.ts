import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { startApp, startTestSidecar, uniqueAppId, freePort, staticResolutionConfig, tempDir, type TestApp } from '../helpers/sidecar';
import type { SidecarHandle } from '../../runtime/sidecar';
import { issueFromLocalCa, issueFromStrangerCa, startImpostor, tlsRequest } from './mtls-helpers';

let app: TestApp;
let caller: SidecarHandle;
let callee: SidecarHandle;
let idA: string;
let idB: string;
let dataDir: string;
let portB: number;
let config: string;
const impostors: Array<{ close(): Promise<void> }> = [];
let impostorIds: Record<string, number> = {};

before(async () => {
  app = await startApp((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ caller: req.headers['dapr-caller-app-id'], url: req.url }));
  });
  idA = uniqueAppId('mtls-a');
  idB = uniqueAppId('mtls-b');
  dataDir = tempDir('outrigger-mtls-');
  const portA = await freePort();
  portB = await freePort();
  // Impostors: sidecars at addresses the resolver maps to app ids their certificates don't prove.
  const ids = { wrongApp: uniqueAppId('wrong-app'), wrongNs: uniqueAppId('wrong-ns'), wrongTd: uniqueAppId('wrong-td'), expired: uniqueAppId('expired'), stranger: uniqueAppId('stranger') };
  config = staticResolutionConfig({
    [idA]: [`127.0.0.1:${portA}`], [idB]: [`127.0.0.1:${portB}`],
    ...Object.fromEntries(Object.values(ids).map((id) => [id, ['127.0.0.1:1']])),
  });
  caller = await startTestSidecar({ appId: idA, daprInternalGrpcPort: portA, config, dataDir, enableMtls: true });
  callee = await startTestSidecar({ appId: idB, appPort: app.port, daprInternalGrpcPort: portB, config, dataDir, enableMtls: true });
  const certs = {
    wrongApp: await issueFromLocalCa(dataDir, { trustDomain: 'public', namespace: 'default', appId: 'someone-else' }),
    wrongNs: await issueFromLocalCa(dataDir, { trustDomain: 'public', namespace: 'other', appId: ids.wrongNs }),
    wrongTd: await issueFromLocalCa(dataDir, { trustDomain: 'evil.example', namespace: 'default', appId: ids.wrongTd }),
    expired: await issueFromLocalCa(dataDir, { trustDomain: 'public', namespace: 'default', appId: ids.expired }, 1000, 0),
    stranger: await issueFromStrangerCa({ trustDomain: 'public', namespace: 'default', appId: ids.stranger }),
  };
  await new Promise((r) => setTimeout(r, 1500)); // let the 1-second certificate expire
  impostorIds = {};
  for (const [k, id] of Object.entries(ids)) {
    const imp = await startImpostor(certs[k as keyof typeof certs]);
    impostors.push(imp);
    impostorIds[id] = imp.port;
  }
  // Re-point the resolver at the impostors by rewriting the config file (hot reload is not needed:
  // a fresh caller reads it at start).
});
after(async () => {
  await Promise.all([caller.stop('done'), callee.stop('done')]);
  await Promise.all(impostors.map((i) => i.close()));
  await app.close();
});

test('invocation between two sidecars over mTLS carries the verified caller identity', async () => {
  const res = await request(`http://127.0.0.1:${caller.httpPort}/v1.0/invoke/${idB}/method/secure`);
  const body = (await res.body.json()) as { caller: string; url: string };
  assert.equal(res.statusCode, 200);
  assert.equal(body.caller, idA);
  assert.equal(body.url, '/secure');
});

test('a plain-TCP client is refused at the handshake', async () => {
  const reply = await new Promise<string>((resolve) => {
    const s = net.connect(portB, '127.0.0.1', () => s.write(`GET /secure HTTP/1.1\r\nhost: x\r\ndapr-callee-app-id: ${idB}\r\n\r\n`));
    let data = '';
    s.on('data', (c: Buffer) => { data += c.toString('latin1'); });
    s.on('close', () => resolve(data));
    s.on('error', () => resolve(data));
  });
  assert.doesNotMatch(reply, /HTTP\/1\.1 200/);
});

test('a client without a certificate, or with one from another CA, is refused at the handshake', async () => {
  const anchors = readFileSync(path.join(dataDir, 'ca', 'ca.crt'), 'utf8');
  const head = `GET /secure HTTP/1.1\r\nhost: x\r\ndapr-callee-app-id: ${idB}\r\ndapr-callee-namespace: default\r\nconnection: close\r\n\r\n`;
  const none = await tlsRequest(portB, undefined, anchors, head);
  assert.doesNotMatch(none, /^HTTP\/1\.1 200/);
  const stranger = await issueFromStrangerCa({ trustDomain: 'public', namespace: 'default', appId: 'intruder' });
  const out = await tlsRequest(portB, stranger, anchors, head);
  assert.doesNotMatch(out, /^HTTP\/1\.1 200/);
  const good = await issueFromLocalCa(dataDir, { trustDomain: 'public', namespace: 'default', appId: 'friend' });
  const ok = await tlsRequest(portB, good, anchors, head);
  assert.match(ok, /^HTTP\/1\.1 200/);
});

test('an expired client certificate is refused at the handshake', async () => {
  const anchors = readFileSync(path.join(dataDir, 'ca', 'ca.crt'), 'utf8');
  const expired = await issueFromLocalCa(dataDir, { trustDomain: 'public', namespace: 'default', appId: 'late' }, 1000, 0);
  await new Promise((r) => setTimeout(r, 1500));
  const head = `GET /secure HTTP/1.1\r\nhost: x\r\ndapr-callee-app-id: ${idB}\r\nconnection: close\r\n\r\n`;
  const out = await tlsRequest(portB, expired, anchors, head);
  assert.doesNotMatch(out, /^HTTP\/1\.1 200/);
});

test('the caller refuses a peer whose certificate is for another app id, namespace or trust domain, expired, or from another CA', async () => {
  const cfg = staticResolutionConfig(Object.fromEntries(Object.entries(impostorIds).map(([id, port]) => [id, [`127.0.0.1:${port}`]])));
  const probe = await startTestSidecar({ appId: uniqueAppId('mtls-probe'), config: cfg, dataDir, enableMtls: true });
  try {
    for (const id of Object.keys(impostorIds)) {
      const res = await request(`http://127.0.0.1:${probe.httpPort}/v1.0/invoke/${id}/method/x`);
      const body = (await res.body.json()) as { errorCode: string };
      assert.equal(res.statusCode, 500, id);
      assert.equal(body.errorCode, 'ERR_DIRECT_INVOKE', id);
    }
    for (const imp of impostors) assert.equal((imp as unknown as { requests: number }).requests, 0);
  } finally {
    await probe.stop('done');
  }
});
