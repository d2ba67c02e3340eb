/**
 * middleware.http.ratelimit: at most `maxRequestsPerSecond` requests per second per client
 * (keyed by the first X-Forwarded-For address, else X-Real-IP, else the socket address, as
 * Dapr's middleware does); beyond it 429 with Dapr's body. A token bucket per client, refilled
 * continuously; buckets live in a bounded LRU. Decides synchronously.
 */
import { LRUCache } from 'lru-cache';
import { Continue, Stop, type Exchange, type FilterFactory, type FilterStatus, type HttpFilter } from '../../proxy/contracts';
import { sendLocalReply } from '../../proxy/local-reply';
import { daprError, GrpcCode } from '../../errors/dapr-error';
import type { MiddlewareDeps } from '../registry';
import { asMetadata, field } from './metadata';

export interface RateLimitConfig {
  readonly maxRequestsPerSecond: number;
}

interface Bucket {
  tokens: number;
  last: number;
}

const tooMany = { ...daprError(429, 'ERR_RATE_LIMITED', 'You have reached maximum request limit.', GrpcCode.RESOURCE_EXHAUSTED), plainText: true };

function clientKey(ex: Exchange): string {
  const xff = ex.headers['x-forwarded-for'];
  const first = Array.isArray(xff) ? xff[0] : xff;
  if (first) {
    const comma = first.indexOf(',');
    return (comma < 0 ? first : first.slice(0, comma)).trim();
  }
  const real = ex.headers['x-real-ip'];
  if (typeof real === 'string' && real) return real;
  return ex.req.socket?.remoteAddress ?? '';
}

export const rateLimitFactory: FilterFactory<RateLimitConfig, MiddlewareDeps> = {
  type: 'middleware.http.ratelimit',
  parse(raw) {
    const md = asMetadata(raw);
    if (Array.isArray(md)) return { ok: false, issues: md };
    const v = field(md, 'maxRequestsPerSecond');
    const n = v === undefined ? NaN : Number(v);
    if (!Number.isFinite(n) || n <= 0) return { ok: false, issues: [{ path: 'spec.metadata.maxRequestsPerSecond', message: 'must be a number greater than 0' }] };
    return { ok: true, config: { maxRequestsPerSecond: n } };
  },
  create(config, deps): HttpFilter {
    const rate = config.maxRequestsPerSecond;
    const burst = Math.max(1, rate);
    const buckets = new LRUCache<string, Bucket>({ max: 100_000 });
    return {
      name: `ratelimit:${deps.name}`,
      onRequest(ex): FilterStatus {
        const key = clientKey(ex);
        const now = performance.now();
        let b = buckets.get(key);
        if (!b) buckets.set(key, (b = { tokens: burst, last: now }));
        else {
          b.tokens = Math.min(burst, b.tokens + ((now - b.last) / 1000) * rate);
          b.last = now;
        }
        if (b.tokens >= 1) {
          b.tokens -= 1;
          return Continue;
        }
        deps.stats.rateLimited(deps.name);
        sendLocalReply(ex, tooMany);
        return Stop;
      },
    };
  },
};
