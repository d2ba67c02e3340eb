/**
 * Child process for the sqlite pub/sub process tests. argv: <db file> <topic> <group> <hold|ack>.
 * Prints READY once subscribed and `GOT <payload>` per delivery; in `hold` mode handlers never
 * settle (the parent SIGKILLs this process), in `ack` mode they resolve.
 */
import { component, context, createDriver } from './targets';
import { dirname } from 'node:path';

async function main(): Promise<void> {
  const [file, topic, group, mode] = process.argv.slice(2) as [string, string, string, string];
  const p = createDriver(component('child', 'pubsub.sqlite', { connectionString: file, visibilityTimeout: '60s', pollInterval: '50ms' }), context(dirname(file)));
  await p.init();
  await p.subscribe({ topic, metadata: {}, consumerGroup: group, maxInFlight: 1 }, async (m) => {
    process.stdout.write(`GOT ${m.data.toString()}\n`);
    if (mode === 'hold') await new Promise<void>(() => {});
  });
  process.stdout.write('READY\n');
  process.on('SIGTERM', () => void p.close().then(() => process.exit(0)));
}

main().catch((e: unknown) => {
  process.stderr.write(`child failed: ${String(e)}\n`);
  process.exit(1);
});
