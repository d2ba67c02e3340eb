/**
 * pubsub.sqlite across processes: a process SIGKILLed after taking a message and before its ack
 * loses nothing (another process gets the message), and processes sharing one file share a
 * consumer group (each message once).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PubSub } from '../../../components/pubsub/contract';
import { component, context, createDriver, waitFor } from './targets';

const dir = mkdtempSync(join(tmpdir(), 'outrigger-pubsub-proc-'));
const file = join(dir, 'shared.db');
const children = new Set<ChildProcess>();
const instances: PubSub[] = [];

function child(topic: string, group: string, mode: 'hold' | 'ack'): { proc: ChildProcess; lines: string[] } {
  const proc = spawn(process.execPath, [join(__dirname, 'sqlite-child.js'), file, topic, group, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  const lines: string[] = [];
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  return { proc, lines };
}

async function local(): Promise<PubSub> {
  const p = createDriver(component('parent', 'pubsub.sqlite', { connectionString: file, visibilityTimeout: '60s', pollInterval: '50ms' }), context(dir));
  await p.init();
  instances.push(p);
  return p;
}

describe('pubsub.sqlite across processes', () => {
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const p of instances) await p.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGKILL after the pull and before the ack: the message is redelivered, not lost', async () => {
    const topic = 'orders', group = 'kill-group';
    const c = child(topic, group, 'hold');
    await waitFor(() => c.lines.includes('READY'), 'the child to subscribe');
    const p = await local();
    await p.publish({ topic, data: Buffer.from('precious'), metadata: {} });
    await waitFor(() => c.lines.includes('GOT precious'), 'the child to take the message');
    const exited = new Promise((r) => c.proc.once('exit', r));
    c.proc.kill('SIGKILL');
    await exited;
    // The lease (60s) has not run out: the message comes back because its holder is gone.
    const got: string[] = [];
    const stop = await p.subscribe({ topic, metadata: {}, consumerGroup: group, maxInFlight: 1 }, async (m) => void got.push(m.data.toString()));
    await waitFor(() => got.length >= 1, 'redelivery to the surviving process');
    assert.deepEqual(got, ['precious']);
    await stop();
  });

  it('two processes on one file share a consumer group: each message once', async () => {
    const topic = 'shared', group = 'share-group';
    const c = child(topic, group, 'ack');
    await waitFor(() => c.lines.includes('READY'), 'the child to subscribe');
    const p = await local();
    const mine: string[] = [];
    const stop = await p.subscribe({ topic, metadata: {}, consumerGroup: group, maxInFlight: 1 }, async (m) => {
      mine.push(m.data.toString());
      await new Promise((r) => setTimeout(r, 20));
    });
    const sent = Array.from({ length: 30 }, (_, i) => `m${i}`);
    for (const s of sent) await p.publish({ topic, data: Buffer.from(s), metadata: {} });
    const theirs = (): string[] => c.lines.filter((l) => l.startsWith('GOT ')).map((l) => l.slice(4));
    await waitFor(() => mine.length + theirs().length >= sent.length, 'all messages');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual([...mine, ...theirs()].sort(), [...sent].sort());
    assert.ok(theirs().length > 0, 'the other process took part');
    await stop();
    const exited = new Promise((r) => c.proc.once('exit', r));
    c.proc.kill('SIGTERM');
    await exited;
  });
});
