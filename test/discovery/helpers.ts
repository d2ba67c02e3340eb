/** Shared helpers for discovery tests. */
import { randomBytes } from 'node:crypto';
import type { SelfRegistration } from '../../discovery/contract';

/** A distinct app id per test so parallel test files never see each other's instances. */
export function uniqueAppId(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export function registration(appId: string, internalPort: number, namespace = 'default'): SelfRegistration {
  return { appId, namespace, host: '127.0.0.1', internalPort, httpPort: internalPort + 1, grpcPort: internalPort + 2 };
}

/** Polls until check() returns a value other than undefined; fails with `what` after limitMs. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, limitMs = 10_000): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
