/** A real HTTP server serving a list of API routes through the production router (no sidecar). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiRouter, type ApiRouteDef } from '../../api/router';
import { newExchange } from '../../proxy/http-listener';
import { sendLocalReply } from '../../proxy/local-reply';
import { Errors } from '../../errors/codes';

export interface RouteServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function serveRoutes(routes: readonly ApiRouteDef[]): Promise<RouteServer> {
  const router = new ApiRouter();
  router.addAll(routes);
  const server: Server = createServer((req, res) => {
    const ex = newExchange('dapr-http', req, res);
    const lookup = router.lookup(ex.method, ex.path);
    if (!lookup.found) return sendLocalReply(ex, lookup.methodNotAllowed ? Errors.methodNotAllowed(ex.method, ex.path) : Errors.notFoundRoute(ex.method, ex.path));
    ex.route = lookup.match;
    void lookup.match.handler(ex);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
