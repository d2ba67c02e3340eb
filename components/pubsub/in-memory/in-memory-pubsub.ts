/**
 * pubsub.in-memory: topics live in the process. Each consumer group of a topic gets every message
 * published after the group first subscribed; the members of a group share its messages (round
 * robin, at most maxInFlight each). A rejected message goes back to its group after a back-off,
 * ahead of later messages. Not durable: the embedded durable default is pubsub.sqlite.
 *
 * Request metadata ttlInSeconds is honoured here too: a message not handed to a handler before
 * it expired (queued, or waiting for redelivery) is dropped. The driver still declares no
 * MESSAGE_TTL feature, as daprd's in-memory broker declares none, so the runtime also stamps the
 * CloudEvent `expiration`; this covers raw payloads, which carry no envelope.
 */
import type { ComponentDriver, ResolvedComponent } from '../../contract';
import type { MessageHandler, PubSub, PubsubMessage, PublishRequest, SubscribeRequest } from '../contract';
import { carriedMetadata } from '../common/metadata';
import { InFlight, inFlightLimit, retryDelayMs } from '../common/in-flight';

interface Entry {
  readonly seq: number;
  readonly msg: PubsubMessage;
  /** Epoch ms after which the message is no longer delivered. */
  readonly expiresAt?: number;
  attempts: number;
}

/** ttlInSeconds as an expiry time; absent or not a number means no expiry (the API validates it). */
function expiryOf(md: Readonly<Record<string, string>>, now: number): number | undefined {
  const raw = md.ttlInSeconds?.trim();
  if (raw === undefined || raw === '') return undefined;
  const ttl = Number(raw);
  return Number.isFinite(ttl) ? now + ttl * 1000 : undefined;
}

function expired(e: Entry, now: number): boolean {
  return e.expiresAt !== undefined && e.expiresAt <= now;
}

class Member {
  stopped = false;
  constructor(readonly handler: MessageHandler, readonly inFlight: InFlight) {}
}

class Group {
  private readonly queue: Entry[] = [];
  private readonly members: Member[] = [];
  private next = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  enqueue(e: Entry): void {
    const now = Date.now();
    if (expired(e, now)) return;
    // A group nobody consumes keeps no expired messages around.
    if (this.queue.length > 0 && expired(this.queue[0]!, now)) this.dropExpired(now);
    // Keep publish order: a redelivered entry goes back before later ones.
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.seq > e.seq) i--;
    this.queue.splice(i, 0, e);
    this.dispatch();
  }

  /** Called when a member's handler settled: its slot can take the next message. */
  readonly onFree = (): void => this.dispatch();

  join(m: Member): void {
    this.members.push(m);
    this.dispatch();
  }

  leave(m: Member): void {
    m.stopped = true;
    const i = this.members.indexOf(m);
    if (i >= 0) this.members.splice(i, 1);
  }

  close(): void {
    for (const m of [...this.members]) this.leave(m);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
  }

  private dropExpired(now: number): void {
    let kept = 0;
    for (const x of this.queue) if (!expired(x, now)) this.queue[kept++] = x;
    this.queue.length = kept;
  }

  private pickMember(): Member | undefined {
    for (let k = 0; k < this.members.length; k++) {
      const m = this.members[(this.next + k) % this.members.length]!;
      if (m.inFlight.free > 0) {
        this.next = (this.next + k + 1) % this.members.length;
        return m;
      }
    }
    return undefined;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const m = this.pickMember();
      if (!m) return;
      const e = this.queue.shift()!;
      if (expired(e, Date.now())) continue;
      e.attempts++;
      m.inFlight.start(async () => {
        try {
          await m.handler(e.msg);
        } catch {
          // Hold the member's slot during the back-off so maxInFlight 1 keeps order.
          await new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              this.timers.delete(t);
              resolve();
            }, retryDelayMs(e.attempts));
            this.timers.add(t);
          });
          this.enqueue(e);
          return;
        }
      });
    }
  }
}

export class InMemoryPubSub implements PubSub {
  /** topic -> consumer group -> group state */
  private readonly topics = new Map<string, Map<string, Group>>();
  private seq = 0;

  async init(): Promise<void> {}

  features(): readonly string[] {
    return [];
  }

  async publish(req: PublishRequest): Promise<void> {
    const seq = ++this.seq;
    const expiresAt = expiryOf(req.metadata, Date.now());
    const msg: PubsubMessage = { id: String(seq), topic: req.topic, data: req.data, metadata: carriedMetadata(req.metadata), ...(req.contentType ? { contentType: req.contentType } : {}) };
    for (const g of this.topics.get(req.topic)?.values() ?? []) g.enqueue({ seq, msg, attempts: 0, ...(expiresAt !== undefined ? { expiresAt } : {}) });
  }

  async subscribe(req: SubscribeRequest, handler: MessageHandler): Promise<() => Promise<void>> {
    let groups = this.topics.get(req.topic);
    if (!groups) this.topics.set(req.topic, (groups = new Map()));
    let group = groups.get(req.consumerGroup);
    if (!group) groups.set(req.consumerGroup, (group = new Group()));
    const g = group;
    const member = new Member(handler, new InFlight(inFlightLimit(req.maxInFlight), g.onFree));
    g.join(member);
    return async () => {
      g.leave(member);
      await member.inFlight.drain();
    };
  }

  async close(): Promise<void> {
    for (const groups of this.topics.values()) for (const g of groups.values()) g.close();
    this.topics.clear();
  }
}

export const inMemoryPubSubDriver: ComponentDriver<PubSub> = {
  types: ['pubsub.in-memory'],
  versions: ['v1'],
  create: (_c: ResolvedComponent) => new InMemoryPubSub(),
};
