/**
 * The subscribing app of the pub/sub scenario. Usage: node pubsub-app.js <port> <subscriptions.json>
 * GET /dapr/subscribe answers the file's subscriptions; a POST to any other path is a delivery,
 * answered 200 {"status":"SUCCESS"}. Control (runner only):
 *   POST /__bench/hold             reset the counters; deliveries are held unanswered from now on
 *   POST /__bench/release?expect=N answer the held ones; the drain is done when N were answered
 *   POST /__bench/reset            reset the counters, answer at once (no hold)
 *   GET  /__bench/status           counters, drain times and publish->app latencies (ms) as JSON
 * A delivery whose CloudEvent data has a number `t` (ms since the epoch, sub-ms) adds now - t to
 * the latencies. Clocks: performance.timeOrigin + performance.now(), as the runner's.
 */
import { createServer, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';

const port = Number(process.argv[2]);
const subscriptions = readFileSync(process.argv[3] ?? '', 'utf8');
const SUCCESS = '{"status":"SUCCESS"}';
const MAX_LATENCIES = 200_000;
const wallMs = (): number => performance.timeOrigin + performance.now();

let held: ServerResponse[] = [];
let holding = false;
let received = 0;
let answered = 0;
let duplicates = 0;
let expect = 0;
let releaseAt = 0;
let doneAt = 0;
let ids = new Set<string>();
let latencies: number[] = [];

function reset(hold: boolean): void {
  held = [];
  holding = hold;
  received = answered = duplicates = expect = releaseAt = doneAt = 0;
  ids = new Set();
  latencies = [];
}

function answer(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': SUCCESS.length });
  res.end(SUCCESS);
  answered++;
  if (expect > 0 && doneAt === 0 && answered >= expect) doneAt = wallMs();
}

function onDelivery(body: Buffer, res: ServerResponse): void {
  const at = wallMs();
  received++;
  try {
    const ce = JSON.parse(body.toString('utf8')) as { id?: string; data?: { t?: unknown } };
    if (typeof ce.id === 'string') {
      if (ids.has(ce.id)) duplicates++;
      else ids.add(ce.id);
    }
    const t = ce.data?.t;
    if (typeof t === 'number' && t > 0 && latencies.length < MAX_LATENCIES) latencies.push(at - t);
  } catch {
    /* counted all the same */
  }
  if (holding) held.push(res);
  else answer(res);
}

function control(path: string, query: URLSearchParams, res: ServerResponse): void {
  if (path === '/__bench/hold') reset(true);
  else if (path === '/__bench/reset') reset(false);
  else if (path === '/__bench/release') {
    expect = Number(query.get('expect') ?? 0);
    holding = false;
    releaseAt = wallMs();
    for (const r of held.splice(0)) answer(r);
  } else if (path === '/__bench/status') {
    const status = { received, answered, duplicates, held: held.length, releaseAt, doneAt, latencies };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(status));
    return;
  } else {
    res.statusCode = 404;
    res.end();
    return;
  }
  res.statusCode = 204;
  res.end();
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname.startsWith('/__bench/')) {
    req.resume();
    req.on('end', () => control(url.pathname, url.searchParams, res));
    return;
  }
  if (req.method === 'GET' && url.pathname === '/dapr/subscribe') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(subscriptions);
    return;
  }
  if (req.method !== 'POST') {
    req.resume();
    res.statusCode = 404;
    res.end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => onDelivery(Buffer.concat(chunks), res));
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
