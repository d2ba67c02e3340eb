/** The bare Node HTTP server that start-up time and idle RSS are compared with. Usage: <port> */
import { createServer } from 'node:http';

const server = createServer((_req, res) => res.end('ok'));
server.listen(Number(process.argv[2]), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
