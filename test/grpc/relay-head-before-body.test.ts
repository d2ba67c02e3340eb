/**
 * The relay answers each call once, with the upstream's own head, even when the upstream's
 * HEADERS and DATA are parsed in one go while JavaScript is on the stack.
 *
 * Node emits a client stream's 'response' on process.nextTick but its 'data' as soon as the DATA
 * frame is parsed; when both frames are handled under one callback scope (a session fed from
 * JavaScript, or TLS reads consumed after a write, as between two mTLS sidecars under load), 'data'
 * comes first. A relay that wrote that chunk to the caller made Node answer with a bare
 * :status 200 on its own; the relayed head could then not be sent and the stream was reset. Here
 * the upstream session runs over a JavaScript Duplex, which makes the ordering deterministic.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import net from 'node:net';
import { Duplex } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { relayGrpc, upstreamRequestHeaders } from '../../proxy/grpc/grpc-relay';
import { echoClient, listen, md, silentLogger, startEchoApp, unary, type EchoApp } from './helpers';

/** A JavaScript-only Duplex over a TCP connection: node:http2 then parses from JS callbacks. */
function jsDuplexTo(port: number): Duplex {
  const socket = net.connect(port, '127.0.0.1');
  const duplex = new Duplex({
    read() { socket.resume(); },
    write(chunk: Buffer, _enc, cb) { socket.write(chunk, cb); },
    final(cb) { socket.end(); cb(); },
    destroy(err, cb) { socket.destroy(); cb(err); },
  });
  socket.on('data', (c: Buffer) => { if (!duplex.push(c)) socket.pause(); });
  socket.on('end', () => duplex.push(null));
  socket.on('error', (e) => duplex.destroy(e));
  return duplex;
}

describe('gRPC relay: response head before body', () => {
  let app: EchoApp;
  let upstream: http2.ClientHttp2Session;
  let relay: http2.Http2Server;
  let client: grpc.Client;

  before(async () => {
    app = await startEchoApp();
    upstream = http2.connect(`http://127.0.0.1:${app.port}`, { createConnection: () => jsDuplexTo(app.port) });
    upstream.on('error', () => undefined);
    relay = http2.createServer((req, res) => {
      relayGrpc({
        res,
        session: upstream,
        headers: upstreamRequestHeaders(req.headers, { path: req.url, authority: 'echo' }),
        targetAppId: 'echo',
        logger: silentLogger,
      });
    });
    client = echoClient(await listen(relay));
  });
  after(async () => {
    client.close();
    upstream.close();
    await new Promise<void>((r) => relay.close(() => r()));
    await app.close();
  });

  it('relays every answer with its headers, message and trailers, never a reset', async () => {
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => unary(client, 'unary', { text: `t${i}` }, md({}))));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [`${(r.reason as grpc.ServiceError).code} ${(r.reason as grpc.ServiceError).details}`] : []));
    assert.deepEqual(failed, []);
    assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? r.value.text : '')), Array.from({ length: 40 }, (_, i) => `t${i}`));
  });

  it('a failing app status still crosses as the app sent it', async () => {
    await assert.rejects(unary(client, 'unary', { text: 'no', failCode: grpc.status.ABORTED }, md({})),
      (e: grpc.ServiceError) => e.code === grpc.status.ABORTED && e.details === 'app says no to no');
  });
});
