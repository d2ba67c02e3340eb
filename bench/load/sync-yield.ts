/**
 * For synchronous clients (better-sqlite3) driven from the generator's async loops: their calls
 * never leave the microtask queue, so the worker's timers and IPC ('measuring', which starts the
 * CPU samplers) would starve. `maybeYield()` gives the event loop a turn every `everyMs`.
 */
export function eventLoopYielder(everyMs = 2): () => Promise<void> {
  const everyNs = BigInt(Math.round(everyMs * 1e6));
  let last = process.hrtime.bigint();
  return async () => {
    const now = process.hrtime.bigint();
    if (now - last <= everyNs) return;
    last = now;
    await new Promise<void>((r) => setImmediate(r));
  };
}
