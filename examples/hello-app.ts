/**
 * The demo app `npm start` runs behind an Outrigger sidecar. It is a plain HTTP server; everything
 * Dapr-ish goes through the sidecar on DAPR_HTTP_PORT (set by `outrigger run`).
 *   GET  /hello          -> a greeting
 *   POST /orders         -> saves the JSON body in the `statestore` under its "id"
 *   GET  /orders/{id}    -> reads it back from the state store
 */
import http from 'node:http';

const appPort = Number(process.env.APP_PORT ?? 3000);
const appId = process.env.APP_ID ?? 'demo';
const daprHttp = `http://127.0.0.1:${process.env.DAPR_HTTP_PORT ?? 3500}`;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c: Buffer) => { data += c.toString('utf8'); });
    req.on('end', () => resolve(data));
  });
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
  res.end(text);
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://app');
  if (req.method === 'GET' && url.pathname === '/hello') return reply(res, 200, `hello from ${appId}\n`);
  if (req.method === 'POST' && url.pathname === '/orders') {
    let order: { id?: unknown };
    try {
      order = JSON.parse(await readBody(req)) as { id?: unknown };
    } catch {
      return reply(res, 400, { error: 'body must be JSON' });
    }
    if (typeof order.id !== 'string' && typeof order.id !== 'number') return reply(res, 400, { error: 'order needs an "id"' });
    const saved = await fetch(`${daprHttp}/v1.0/state/statestore`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ key: `order-${order.id}`, value: order }]),
    });
    if (!saved.ok) return reply(res, 502, { error: 'state store refused the order', detail: await saved.text() });
    return reply(res, 201, { saved: order });
  }
  const m = /^\/orders\/([^/]+)$/.exec(url.pathname);
  if (req.method === 'GET' && m) {
    const got = await fetch(`${daprHttp}/v1.0/state/statestore/order-${m[1]}`);
    if (got.status === 204) return reply(res, 404, { error: 'no such order' });
    return reply(res, got.status, await got.json());
  }
  reply(res, 404, { error: 'not found' });
});

server.listen(appPort, '127.0.0.1', () => {
  const sidecar = process.env.DAPR_HTTP_PORT ?? '3500';
  console.log(`demo app "${appId}" listening on 127.0.0.1:${appPort}; try, through the sidecar:
  curl http://127.0.0.1:${sidecar}/v1.0/invoke/${appId}/method/hello
  curl -X POST http://127.0.0.1:${sidecar}/v1.0/invoke/${appId}/method/orders -H 'content-type: application/json' -d '{"id":"1","item":"kayak"}'
  curl http://127.0.0.1:${sidecar}/v1.0/invoke/${appId}/method/orders/1
  curl http://127.0.0.1:${sidecar}/v1.0/state/statestore/order-1
  curl http://127.0.0.1:${sidecar}/v1.0/metadata
Press Ctrl+C to stop.`);
});

const stop = (): void => { server.close(() => process.exit(0)); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
