/**
 * The minimal Node gRPC proxy a user could write instead of a sidecar: node:http2's raw stream API
 * (no compat layer), one h2c upstream session, request and response DATA piped with backpressure,
 * response headers and trailers relayed. No filters, no routing, no error mapping beyond a reset.
 * Usage: node h2-grpc-proxy.js <listenPort> <upstreamPort>
 */
import * as http2 from 'node:http2';

const [listenPort, upstreamPort] = [Number(process.argv[2]), Number(process.argv[3])];
const { NGHTTP2_CANCEL } = http2.constants;
let session: http2.ClientHttp2Session | undefined;

function upstream(): http2.ClientHttp2Session {
  if (session && !session.closed && !session.destroyed) return session;
  const fresh = http2.connect(`http://127.0.0.1:${upstreamPort}`);
  fresh.on('error', () => undefined); // surfaced per stream
  session = fresh;
  return fresh;
}

function withoutPseudo(h: http2.IncomingHttpHeaders): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (const k in h) if (k.charCodeAt(0) !== 58 && k !== 'host') out[k] = h[k];
  return out;
}

const server = http2.createServer();
server.on('stream', (down, headers) => {
  const req = withoutPseudo(headers);
  req[':method'] = 'POST';
  req[':path'] = headers[':path'];
  const up = upstream().request(req);
  let trailers: http2.OutgoingHttpHeaders = { 'grpc-status': '13' };
  up.on('response', (h) => {
    const out = withoutPseudo(h);
    out[':status'] = 200;
    down.respond(out, { waitForTrailers: true });
  });
  up.on('trailers', (t) => { trailers = withoutPseudo(t); });
  down.on('wantTrailers', () => down.sendTrailers(trailers));
  down.pipe(up);
  up.pipe(down);
  up.on('error', () => { if (!down.destroyed) down.close(NGHTTP2_CANCEL); });
  down.on('error', () => { if (!up.destroyed) up.close(NGHTTP2_CANCEL); });
});
server.listen(listenPort, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
