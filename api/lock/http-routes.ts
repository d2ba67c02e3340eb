/**
 * HTTP head of the lock API: POST /v1.0-alpha1/lock/:storeName {resourceId, lockOwner,
 * expiryInSeconds} -> {"success":bool}; POST /v1.0-alpha1/unlock/:storeName -> {"status":N}.
 */
import type { ApiRouteDef } from '../router';
import type { Exchange } from '../../proxy/contracts';
import { parseJson, readBody, sendJson } from '../http-util';
import { sendLocalReply } from '../../proxy/local-reply';
import { isDaprError } from '../../errors/dapr-error';
import { LockApi, type LockApiDeps } from './lock-api';
import { LockErrors } from './errors';

interface LockBody {
  resourceId: string;
  lockOwner: string;
  expiryInSeconds: number;
}

export function lockRoutes(deps: LockApiDeps | LockApi, maxBodySize: number): ApiRouteDef[] {
  const api = deps instanceof LockApi ? deps : new LockApi(deps);

  const body = async (ex: Exchange): Promise<LockBody | undefined> => {
    const raw = await readBody(ex, maxBodySize);
    if (isDaprError(raw)) return void sendLocalReply(ex, raw);
    const parsed = parseJson(raw);
    if (!parsed.ok) return void sendLocalReply(ex, parsed.error);
    const v = (parsed.value ?? {}) as Record<string, unknown>;
    if (typeof v !== 'object' || Array.isArray(v)) return void sendLocalReply(ex, LockErrors.malformed('failed deserializing HTTP body: expected a JSON object'));
    const str = (x: unknown): string => (typeof x === 'string' ? x : '');
    return { resourceId: str(v.resourceId), lockOwner: str(v.lockOwner), expiryInSeconds: typeof v.expiryInSeconds === 'number' ? v.expiryInSeconds : Number(v.expiryInSeconds ?? 0) };
  };

  const lock = async (ex: Exchange): Promise<void> => {
    const b = await body(ex);
    if (!b) return;
    const r = await api.tryLock(ex.route?.params.storeName ?? '', b.resourceId, b.lockOwner, b.expiryInSeconds);
    if (!r.ok) return sendLocalReply(ex, r.error);
    sendJson(ex.res, 200, { success: r.value });
  };

  const unlock = async (ex: Exchange): Promise<void> => {
    const b = await body(ex);
    if (!b) return;
    const r = await api.unlock(ex.route?.params.storeName ?? '', b.resourceId, b.lockOwner);
    if (!r.ok) return sendLocalReply(ex, r.error);
    sendJson(ex.res, 200, { status: r.value });
  };

  return [
    { methods: ['POST'], path: '/v1.0-alpha1/lock/:storeName', api: 'lock', version: 'v1alpha1', handler: lock },
    { methods: ['POST'], path: '/v1.0-alpha1/unlock/:storeName', api: 'lock', version: 'v1alpha1', handler: unlock },
  ];
}
