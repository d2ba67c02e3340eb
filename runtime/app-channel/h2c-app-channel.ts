/**
 * The app channel for --app-protocol h2c: HTTP/2 with prior knowledge over cleartext, on one
 * multiplexed session (re-opened when it goes away). Bodies stream both ways.
 */
import http2 from 'node:http2';
import type { Readable } from 'node:stream';
import type { Exchange } from '../../proxy/contracts';
import { planBody } from '../../proxy/body-limit';
import { sendLocalReply } from '../../proxy/local-reply';
import { Errors } from '../../errors/codes';
import type { DaprError } from '../../errors/dapr-error';
import type { UnaryInvokeResponse } from '../../api/invoke/contract';
import type { AppChannel, AppRequest } from './contract';
import { appRequestHeaders, type AppIdentity } from './app-headers';
import { tcpProbe } from './http-app-channel';
import { Semaphore } from './semaphore';

export interface H2cAppChannelOptions extends AppIdentity {
  readonly host: string;
  readonly port: number;
  readonly maxConcurrency: number;
  readonly maxBodySize: number;
}

const RESPONSE_DROP = new Set([':status', 'connection', 'keep-alive', 'transfer-encoding']);

export class H2cAppChannel implements AppChannel {
  readonly protocol = 'h2c' as const;
  private session: http2.ClientHttp2Session | undefined;
  private readonly limit: Semaphore;

  constructor(private readonly opts: H2cAppChannelOptions) {
    this.limit = new Semaphore(opts.maxConcurrency);
  }

  private getSession(): http2.ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const host = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    const s = http2.connect(`http://${host}:${this.opts.port}`);
    s.on('error', () => undefined);
    s.on('goaway', () => { if (this.session === s) this.session = undefined; });
    s.on('close', () => { if (this.session === s) this.session = undefined; });
    s.unref();
    this.session = s;
    return s;
  }

  private open(method: string, path: string, headers: Record<string, string | string[]>): http2.ClientHttp2Stream {
    const h: http2.OutgoingHttpHeaders = { ...headers, ':method': method, ':path': path };
    delete h.host;
    return this.getSession().request(h);
  }

  async forward(ex: Exchange): Promise<void> {
    const plan = planBody(ex.req, this.opts.maxBodySize);
    if (!plan.ok) return sendLocalReply(ex, Errors.bodyTooLarge(this.opts.maxBodySize));
    await this.limit.acquire();
    try {
      await new Promise<void>((resolve) => {
        const stream = this.open(ex.method, ex.query ? `${ex.path}?${ex.query}` : ex.path, appRequestHeaders(ex, this.opts));
        stream.on('response', (headers) => {
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(headers)) if (!RESPONSE_DROP.has(k) && v !== undefined) out[k] = v as string | string[];
          ex.res.writeHead(Number(headers[':status'] ?? 502), out);
          stream.pipe(ex.res as NodeJS.WritableStream);
        });
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', (err) => {
          if (!ex.res.headersSent) sendLocalReply(ex, Errors.invokeFailed(this.opts.appId, `error invoking app: ${err.message}`));
          else ex.res.destroy();
          resolve();
        });
        ex.res.on('close', () => { if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL); });
        if (plan.body) (plan.body as Readable).pipe(stream);
        else stream.end();
      });
    } finally {
      this.limit.release();
    }
  }

  async call(req: AppRequest): Promise<UnaryInvokeResponse | DaprError> {
    await this.limit.acquire();
    try {
      return await new Promise((resolve) => {
        const headers: Record<string, string> = { ...req.headers, 'dapr-callee-app-id': this.opts.appId };
        if (req.contentType) headers['content-type'] = req.contentType;
        if (this.opts.appApiToken) headers['dapr-api-token'] = this.opts.appApiToken;
        const stream = this.open(req.verb, req.query ? `${req.path}?${req.query}` : req.path, headers);
        const chunks: Buffer[] = [];
        let status = 0;
        const out: Record<string, string | string[]> = {};
        stream.on('response', (h) => {
          status = Number(h[':status']);
          for (const [k, v] of Object.entries(h)) if (!k.startsWith(':') && v !== undefined) out[k] = v as string | string[];
        });
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const ct = out['content-type'];
          resolve({ status, headers: out, body: Buffer.concat(chunks), ...(typeof ct === 'string' ? { contentType: ct } : {}) });
        });
        stream.on('error', (err) => resolve(Errors.invokeFailed(this.opts.appId, `error invoking app: ${err.message}`)));
        stream.end(req.body);
      });
    } finally {
      this.limit.release();
    }
  }

  probe(): Promise<boolean> {
    return tcpProbe(this.opts.host, this.opts.port);
  }

  async close(): Promise<void> {
    this.session?.close();
    this.session = undefined;
  }
}
