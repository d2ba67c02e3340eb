/** An app that consumes a request body as a stream and answers its length and byte sum. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export async function startByteSink(): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    let bytes = 0;
    let sum = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      for (let i = 0; i < c.length; i++) sum = (sum + c[i]!) >>> 0;
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ bytes, sum }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
