/**
 * One AMQP connection that comes back: when the broker goes away it reconnects every
 * `reconnectWaitMs` until stopped, then calls `onReconnect` so subscriptions are resumed.
 * Publishing goes through one confirm channel per connection.
 */
import amqp from 'amqplib';
import type { Logger } from '../../../observability/logger';
import { errorMessage } from '../common/metadata';

export class RabbitConnection {
  private conn: amqp.ChannelModel | undefined;
  private pub: amqp.ConfirmChannel | undefined;
  private stopped = false;
  private waiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly reconnectWaitMs: number,
    private readonly log: Logger,
    private readonly onReconnect: () => Promise<void>,
  ) {}

  /** First connect: fails init when the broker cannot be reached. */
  async start(): Promise<void> {
    try {
      await this.open();
    } catch (e) {
      throw new Error(`rabbitmq: cannot connect: ${errorMessage(e)}`);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.conn;
    this.conn = undefined;
    this.pub = undefined;
    await c?.close().catch(() => undefined);
    this.notify();
  }

  /** Resolves once connected (waiting up to `timeoutMs` for a reconnect). */
  async ready(timeoutMs: number): Promise<amqp.ChannelModel> {
    const deadline = Date.now() + timeoutMs;
    while (!this.conn) {
      if (this.stopped) throw new Error('rabbitmq: component closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('rabbitmq: not connected to the broker');
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(left, 1000));
        const self = this;
        function done(): void {
          clearTimeout(t);
          self.waiters = self.waiters.filter((w) => w !== done);
          resolve();
        }
        this.waiters.push(done);
      });
    }
    return this.conn;
  }

  async publisher(timeoutMs: number): Promise<amqp.ConfirmChannel> {
    const c = await this.ready(timeoutMs);
    if (!this.pub) {
      const ch = await c.createConfirmChannel();
      ch.on('error', () => undefined);
      ch.on('close', () => {
        if (this.pub === ch) this.pub = undefined;
      });
      this.pub = ch;
    }
    return this.pub;
  }

  async channel(): Promise<amqp.Channel> {
    return (await this.ready(10_000)).createChannel();
  }

  private notify(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  private async open(): Promise<void> {
    // TCP_NODELAY: amqplib leaves Nagle on, which holds small publishes and acks for the peer's delayed ACK (~40 ms).
    const c = await amqp.connect(this.url, { noDelay: true });
    c.on('error', (e: unknown) => this.log.warn('rabbitmq connection error', { error: errorMessage(e) }));
    c.on('close', () => {
      if (this.conn !== c) return;
      this.conn = undefined;
      this.pub = undefined;
      if (!this.stopped) {
        this.log.warn('rabbitmq connection lost; reconnecting');
        this.schedule();
      }
    });
    this.conn = c;
    this.notify();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.open()
        .then(() => this.onReconnect())
        .catch(() => this.schedule());
    }, this.reconnectWaitMs);
  }
}
