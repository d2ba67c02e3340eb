/**
 * The app channel for HTTP and HTTPS apps: relays exchanges to the app over a keep-alive undici
 * pool, bounded by --app-max-concurrency, and makes buffered calls for the runtime's own needs.
 */
import net from 'node:net';
import { Pool } from 'undici';
import type { Exchange } from '../../proxy/contracts';
import { relay } from '../../proxy/upstream/relay';
import { planBody, BodyTooLargeError } from '../../proxy/body-limit';
import { sendLocalReply } from '../../proxy/local-reply';
import { Errors } from '../../errors/codes';
import type { DaprError } from '../../errors/dapr-error';
import type { UnaryInvokeResponse } from '../../api/invoke/contract';
import type { AppChannel, AppRequest } from './contract';
import { Semaphore } from './semaphore';
import { bufferedCall } from '../../proxy/upstream/buffered-call';
import { appRequestHeaders, type AppIdentity } from './app-headers';

export interface HttpAppChannelOptions extends AppIdentity {
  readonly protocol: 'http' | 'https';
  readonly host: string;
  readonly port: number;
  readonly maxConcurrency: number;
  readonly maxBodySize: number;
}

export class HttpAppChannel implements AppChannel {
  readonly protocol: 'http' | 'https';
  private readonly pool: Pool;
  private readonly limit: Semaphore;

  constructor(private readonly opts: HttpAppChannelOptions) {
    this.protocol = opts.protocol;
    const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    this.pool = new Pool(`${opts.protocol}://${host}:${opts.port}`, {
      connections: 256,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      headersTimeout: 0,
      bodyTimeout: 0,
      // Apps serving HTTPS locally usually have self-signed certificates; daprd does not verify them.
      ...(opts.protocol === 'https' ? { connect: { rejectUnauthorized: false } } : {}),
    });
    this.limit = new Semaphore(opts.maxConcurrency);
  }

  forward(ex: Exchange): Promise<void> {
    const plan = planBody(ex.req, this.opts.maxBodySize);
    if (!plan.ok) {
      sendLocalReply(ex, Errors.bodyTooLarge(this.opts.maxBodySize));
      return Promise.resolve();
    }
    const headers = appRequestHeaders(ex, this.opts);
    const path = ex.query ? `${ex.path}?${ex.query}` : ex.path;
    const appId = this.opts.appId;
    const maxBody = this.opts.maxBodySize;
    const run = (): Promise<void> => relay(this.pool, ex, {
      path,
      method: ex.method,
      headers,
      body: plan.body,
      onError: (err) => err instanceof BodyTooLargeError ? Errors.bodyTooLarge(maxBody) : Errors.invokeFailed(appId, `error invoking app: ${err.message}`),
    });
    if (this.limit.unlimited) return run();
    const wait = this.limit.acquire();
    const go = (): Promise<void> => run().finally(() => this.limit.release());
    return wait ? wait.then(go) : go();
  }

  async call(req: AppRequest): Promise<UnaryInvokeResponse | DaprError> {
    await this.limit.acquire();
    try {
      const headers: Record<string, string> = { ...req.headers, 'dapr-callee-app-id': this.opts.appId };
      if (req.contentType) headers['content-type'] = req.contentType;
      if (this.opts.appApiToken) headers['dapr-api-token'] = this.opts.appApiToken;
      return await bufferedCall(this.pool, { path: req.path, query: req.query, verb: req.verb, headers, body: req.body }, (err) => Errors.invokeFailed(this.opts.appId, `error invoking app: ${err.message}`));
    } finally {
      this.limit.release();
    }
  }

  probe(): Promise<boolean> {
    return tcpProbe(this.opts.host, this.opts.port);
  }

  async close(): Promise<void> {
    await this.pool.close().catch(() => undefined);
  }
}

/** True when a TCP connection to host:port opens within a second. */
export function tcpProbe(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const end = (ok: boolean): void => { s.destroy(); resolve(ok); };
    s.setTimeout(timeoutMs, () => end(false));
    s.once('connect', () => end(true));
    s.once('error', () => end(false));
  });
}
