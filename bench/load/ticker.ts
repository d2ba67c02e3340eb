/**
 * Sub-millisecond send clock for the open loop. Node timers have 1 ms granularity, which would
 * add up to ~1 ms of generator lateness to every latency measured from intended send times. A
 * worker thread sleeps precisely (Atomics.wait takes fractional milliseconds) until each due
 * time and wakes the main thread with a message; the main thread then sends everything due.
 */
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const cell = new Int32Array(new SharedArrayBuffer(4));
// The schedule starts once this thread is up, so thread start-up does not make the first sends late.
const start = process.hrtime.bigint() + 1000000n;
parentPort.postMessage(start.toString());
const interval = BigInt(workerData.interval);
const count = workerData.count;
let i = 0;
while (i < count) {
  const due = start + BigInt(i) * interval;
  let now = process.hrtime.bigint();
  // Bounded: each wait ends at the due time at the latest.
  while (now < due) {
    Atomics.wait(cell, 0, 0, Number(due - now) / 1e6);
    now = process.hrtime.bigint();
  }
  // Skip every index already due (the main thread sends all of them on this wake-up).
  const behind = Number((now - start) / interval) + 1;
  i = Math.max(i + 1, Math.min(count, behind));
  parentPort.postMessage(i);
}
`;

/**
 * Picks the schedule's start (reported through `onStart` before any tick), then calls `onTick`
 * soon after each due time `start + k * interval` (k < count), at most once per wake-up.
 * Resolves after the last one.
 */
export function runTicker(interval: bigint, count: number, onStart: (start: bigint) => void, onTick: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { interval: interval.toString(), count },
    });
    worker.on('message', (msg: number | string) => {
      if (typeof msg === 'string') {
        onStart(BigInt(msg));
        return;
      }
      const sentUpTo = msg;
      onTick();
      if (sentUpTo >= count) {
        void worker.terminate();
        resolve();
      }
    });
    worker.once('error', reject);
  });
}
