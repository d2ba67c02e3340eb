/**
 * The app under every HTTP target: answers any GET with a fixed 1 KB body. Also a sink for the
 * sidecar's Zipkin spans (POST /api/v2/spans -> 202, count at GET /__bench/spans) and 404 for Dapr's /dapr/* app probes.
 * Usage: node http-app.js <port>
 */
import { createServer } from 'node:http';

const BODY = Buffer.alloc(1024, 'x');
const port = Number(process.argv[2]);
/** Span batches received on the Zipkin sink; GET /__bench/spans returns the count. */
let spanPosts = 0;

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (req.method === 'POST' || req.method === 'PUT') {
    req.resume();
    req.on('end', () => {
      const isSpans = url.startsWith('/api/v2/spans');
      if (isSpans) spanPosts++;
      res.statusCode = isSpans ? 202 : 200;
      res.end();
    });
    return;
  }
  if (url === '/__bench/spans') {
    res.end(String(spanPosts));
    return;
  }
  if (url.startsWith('/dapr/')) {
    res.statusCode = 404;
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BODY.length });
  res.end(BODY);
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
