/**
 * Sidecars are separate processes: each child here runs the compiled mdns resolver with no
 * configuration, as two sidecars on one machine would.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { mdnsResolverFactory } from '../../discovery/mdns';
import type { Endpoint } from '../../discovery/contract';
import { silentLogger } from '../../observability/logger';
import { eventually, registration, uniqueAppId } from './helpers';

const MDNS_MODULE = join(__dirname, '..', '..', 'discovery', 'mdns', 'index.js');
const LOGGER_MODULE = join(__dirname, '..', '..', 'observability', 'logger.js');

// Child: init as <appId>:<port>, report "ready", resolve <peer> until found and report it,
// then close (goodbye) when stdin ends.
const CHILD = `
const { mdnsResolverFactory } = require(${JSON.stringify(MDNS_MODULE)});
const { silentLogger } = require(${JSON.stringify(LOGGER_MODULE)});
const { appId, port, peer, configuration } = JSON.parse(process.argv[1]);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
(async () => {
  const r = mdnsResolverFactory.create(configuration || {}, silentLogger);
  await r.init({ appId, namespace: 'default', host: '127.0.0.1', internalPort: port, httpPort: 1, grpcPort: 2 });
  out({ event: 'ready' });
  process.stdin.on('end', () => r.close().then(() => process.exit(0)));
  process.stdin.resume();
  while (peer) {
    const res = await r.resolve({ appId: peer, namespace: 'default' });
    if (res.ok) { out({ event: 'found', endpoints: res.endpoints }); break; }
  }
})().catch((e) => { out({ event: 'error', message: String(e && e.message) }); process.exit(1); });
`;

interface Child {
  readonly proc: ChildProcess;
  next(event: string): Promise<Record<string, unknown>>;
}

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function startChild(args: { appId: string; port: number; peer?: string; configuration?: Record<string, unknown> }): Child {
  const proc = spawn(process.execPath, ['-e', CHILD, JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(proc);
  const lines: Array<Record<string, unknown>> = [];
  const waiting: Array<() => void> = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    lines.push(JSON.parse(line) as Record<string, unknown>);
    for (const w of waiting.splice(0)) w();
  });
  return {
    proc,
    next: (event) =>
      eventually(`child ${args.appId} to report ${event}`, async () => {
        const err = lines.find((l) => l.event === 'error');
        if (err) throw new Error(`child ${args.appId} failed: ${String(err.message)}`);
        return lines.find((l) => l.event === event);
      }, 15_000),
  };
}

const ports = (eps: readonly Endpoint[]): number[] => eps.map((e) => e.port).sort((a, b) => a - b);

describe('mdns resolver (separate processes)', () => {
  const parent = mdnsResolverFactory.create({}, silentLogger);
  after(() => parent.close());

  it('two sidecar processes find each other; a closed one is dropped by goodbye', async () => {
    await parent.init(registration(uniqueAppId('proc-parent'), 42000));
    const idA = uniqueAppId('proc-a');
    const idB = uniqueAppId('proc-b');
    const a = startChild({ appId: idA, port: 42001, peer: idB });
    const b = startChild({ appId: idB, port: 42002, peer: idA });

    const foundByA = (await a.next('found')).endpoints as Endpoint[];
    const foundByB = (await b.next('found')).endpoints as Endpoint[];
    assert.deepEqual(foundByA, [{ host: '127.0.0.1', port: 42002, appId: idB, namespace: 'default' }]);
    assert.deepEqual(foundByB, [{ host: '127.0.0.1', port: 42001, appId: idA, namespace: 'default' }]);

    const seenByParent = await parent.resolve({ appId: idB, namespace: 'default' });
    assert.ok(seenByParent.ok, JSON.stringify(seenByParent));
    assert.deepEqual(ports(seenByParent.endpoints), [42002]);

    b.proc.stdin!.end();
    await once(b.proc, 'exit');
    await eventually('parent to drop the process that said goodbye', async () => {
      const r = await parent.resolve({ appId: idB, namespace: 'default' });
      return !r.ok && r.code === 'NOT_FOUND' ? true : undefined;
    });
    a.proc.stdin!.end();
    await once(a.proc, 'exit');
  });

  it('two processes with the same app id are both returned; a killed one expires with its TTL', async () => {
    const id = uniqueAppId('proc-same');
    const one = startChild({ appId: id, port: 42011 });
    const two = startChild({ appId: id, port: 42012, configuration: { ttl: 1 } });
    await one.next('ready');
    await two.next('ready');
    const both = await eventually('both processes of one app id', async () => {
      const r = await parent.resolve({ appId: id, namespace: 'default' });
      return r.ok && r.endpoints.length === 2 ? r.endpoints : undefined;
    });
    assert.deepEqual(ports(both), [42011, 42012]);

    // SIGKILL: no goodbye is sent, so only the 1 s TTL can remove the instance.
    two.proc.kill('SIGKILL');
    await once(two.proc, 'exit');
    const left = await eventually('the killed process to expire', async () => {
      const r = await parent.resolve({ appId: id, namespace: 'default' });
      return r.ok && r.endpoints.length === 1 ? r.endpoints : undefined;
    });
    assert.deepEqual(ports(left), [42011]);
    one.proc.stdin!.end();
    await once(one.proc, 'exit');
  });
});
