/**
 * The load-generator child process (pinned next to the app). Driven over IPC by driver.ts:
 * one LoadSpec at a time; answers 'measuring' when the measured window opens, then 'result'.
 */
import { createRequester } from './requester';
import { runOpenLoop } from './open-loop';
import { runClosedLoop } from './closed-loop';
import type { FromWorker, ToWorker } from './types';

function send(msg: FromWorker): void {
  process.send?.(msg);
}

async function handle(msg: ToWorker): Promise<void> {
  if (msg.type === 'exit') {
    process.exit(0);
  }
  const spec = msg.spec;
  const req = createRequester(spec.target, spec.connections, spec.timeoutMs, spec.expectBytes);
  try {
    const onMeasuring = (): void => send({ type: 'measuring' });
    const result = spec.mode === 'rate' ? await runOpenLoop(spec, req, onMeasuring) : await runClosedLoop(spec, req, onMeasuring);
    send({ type: 'result', result });
  } catch (e) {
    send({ type: 'failed', message: (e as Error).stack ?? String(e) });
  } finally {
    await req.close().catch(() => undefined);
  }
}

if (!process.send) {
  process.stderr.write('bench load worker: must be started with an IPC channel\n');
  process.exit(2);
}
process.on('message', (m: ToWorker) => void handle(m));
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
