/**
 * The app channel for HTTP and HTTPS apps: relays exchanges to the app over a keep-alive undici
 * pool, bounded by --app-max-concurrency, and makes buffered calls for the runtime's own needs.
 * The pool (and undici with it) is created on the first call: a sidecar whose app is never called
 * does not pay for the HTTP client's code and memory.
 */
import net from 'node:net';
import type { Pool } from 'undici';
import type { Exchange } from '../../proxy/contracts';
import { relay } from '../../proxy/upstream/relay';
import { planBody, BodyTooLargeError } from '../../proxy/body-limit';
import { sendLocalReply } from '../../proxy/local-reply';
import { Errors } from '../../errors/codes';
import type { DaprError } from '../../errors/dapr-error';
import type { UnaryInvokeResponse } from '../../api/invoke/contract';
import type { AppChannel, AppRequest } from './contract';
import { Semaphore } from './semaphore';
import { bufferedCall, type BufferedRequest } from '../../proxy/upstream/buffered-call';
import { oneOffCall } from './one-off-call';
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
  private lazyPool: Pool | undefined;
  private closed = false;
  private readonly limit: Semaphore;

  constructor(private readonly opts: HttpAppChannelOptions) {
    this.protocol = opts.protocol;
    this.limit = new Semaphore(opts.maxConcurrency);
  }

  private get pool(): Pool {
    if (this.lazyPool) return this.lazyPool;
    const { Pool: UndiciPool } = require('undici') as typeof import('undici');
    const host = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    this.lazyPool = new UndiciPool(`${this.opts.protocol}://${host}:${this.opts.port}`, {
      connections: 256,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      headersTimeout: 0,
      bodyTimeout: 0,
      // Apps serving HTTPS locally usually have self-signed certificates; daprd does not verify them.
      ...(this.opts.protocol === 'https' ? { connect: { rejectUnauthorized: false } } : {}),
    });
    // A call after close() fails like a call on a closed pool would.
    if (this.closed) void this.lazyPool.close().catch(() => undefined);
    return this.lazyPool;
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

  call(req: AppRequest): Promise<UnaryInvokeResponse | DaprError> {
    return this.buffered(req, (r, onError) => bufferedCall(this.pool, r, onError));
  }

  /** Start-up reads go over a one-off node:http connection: the pool (undici) loads with the first real call. */
  startupCall(req: AppRequest): Promise<UnaryInvokeResponse | DaprError> {
    return this.buffered(req, (r, onError) => oneOffCall({ protocol: this.opts.protocol, host: this.opts.host, port: this.opts.port }, r, onError));
  }

  private async buffered(req: AppRequest, send: (r: BufferedRequest, onError: (err: Error) => DaprError) => Promise<UnaryInvokeResponse | DaprError>): Promise<UnaryInvokeResponse | DaprError> {
    await this.limit.acquire();
    try {
      const headers: Record<string, string> = { ...req.headers, 'dapr-callee-app-id': this.opts.appId };
      if (req.contentType) headers['content-type'] = req.contentType;
      if (this.opts.appApiToken) headers['dapr-api-token'] = this.opts.appApiToken;
      return await send({ path: req.path, query: req.query, verb: req.verb, headers, body: req.body }, (err) => Errors.invokeFailed(this.opts.appId, `error invoking app: ${err.message}`));
    } finally {
      this.limit.release();
    }
  }

  probe(): Promise<boolean> {
    return tcpProbe(this.opts.host, this.opts.port);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.lazyPool?.close().catch(() => undefined);
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
