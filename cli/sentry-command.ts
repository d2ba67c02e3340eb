/** `outrigger sentry`: the Sentry-compatible certificate authority (certs/sentry). */
import type { Command } from './command';
import { SENTRY_USAGE } from '../certs/sentry/usage';

export const sentryCommand: Command = {
  name: 'sentry',
  summary: 'run the Sentry-compatible certificate authority (signs workload certificates)',
  help: () => SENTRY_USAGE,
  run: async (argv) => {
    // Loaded on use so `outrigger --help` stays fast.
    const { runSentryCommand } = await import('../certs/sentry/command.js');
    return runSentryCommand([...argv]);
  },
};
