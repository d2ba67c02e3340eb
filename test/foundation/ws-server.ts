/** A real WebSocket echo server (the `ws` package) for upgrade tests: replies "echo:<path>:<msg>". */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer as WsServer } from 'ws';

export class WebSocketServer {
  private constructor(private readonly server: http.Server, private readonly wss: WsServer, readonly port: number) {}

  static async start(): Promise<WebSocketServer> {
    const server = http.createServer((_req, res) => res.writeHead(426).end());
    const wss = new WsServer({ server });
    wss.on('connection', (socket, req) => {
      socket.on('message', (data) => socket.send(`echo:${req.url}:${String(data)}`));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return new WebSocketServer(server, wss, (server.address() as AddressInfo).port);
  }

  close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    return new Promise((r) => this.wss.close(() => { this.server.closeAllConnections(); this.server.close(() => r()); }));
  }
}
