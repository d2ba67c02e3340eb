/** Shared helpers for discovery tests. */
import { randomBytes } from 'node:crypto';
import type { SelfRegistration } from '../../discovery/contract';
import { eventually as pollUntil } from '../helpers/eventually';

/** A distinct app id per test so parallel test files never see each other's instances. */
export function uniqueAppId(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export function registration(appId: string, internalPort: number, namespace = 'default'): SelfRegistration {
  return { appId, namespace, host: '127.0.0.1', internalPort, httpPort: internalPort + 1, grpcPort: internalPort + 2 };
}

/** Polls until check() returns a value other than undefined; fails with `what` after limitMs. */
export function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, limitMs = 10_000): Promise<T> {
  return pollUntil(check, what, limitMs);
}
