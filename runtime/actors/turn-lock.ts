/**
 * Turn-based concurrency for one actor: one call at a time, waiting calls served in arrival order.
 * With reentrancy, a call carrying the reentrancy id of the chain that holds the turn enters at
 * once (a nested call back into the same actor), up to maxStackDepth nested entries.
 */
export type Acquired = { readonly ok: true; release(): void } | { readonly ok: false; readonly reason: 'stack-depth' | 'closed' };

interface Waiter {
  readonly reentrancyId: string | undefined;
  readonly resolve: (a: Acquired) => void;
}

export class TurnLock {
  private holder: string | undefined | null = null; // null = free; undefined = held without an id
  private depth = 0;
  private readonly queue: Waiter[] = [];
  private closed = false;

  /** Calls holding or waiting for the turn. */
  get pending(): number {
    return this.depth + this.queue.length;
  }

  get busy(): boolean {
    return this.holder !== null;
  }

  acquire(reentrancyId: string | undefined, maxStackDepth: number): Promise<Acquired> {
    if (this.closed) return Promise.resolve({ ok: false, reason: 'closed' });
    if (this.holder === null) return Promise.resolve(this.grant(reentrancyId));
    if (reentrancyId !== undefined && this.holder === reentrancyId) {
      if (this.depth >= maxStackDepth) return Promise.resolve({ ok: false, reason: 'stack-depth' });
      this.depth++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => this.queue.push({ reentrancyId, resolve }));
  }

  /** Refuses new and waiting calls (deactivation or shutdown); the current holder finishes. */
  close(): void {
    this.closed = true;
    for (const w of this.queue.splice(0)) w.resolve({ ok: false, reason: 'closed' });
  }

  private grant(reentrancyId: string | undefined): Acquired {
    this.holder = reentrancyId;
    this.depth = 1;
    return this.releaser();
  }

  private releaser(): Acquired {
    let done = false;
    return {
      ok: true,
      release: () => {
        if (done) return;
        done = true;
        this.depth--;
        if (this.depth > 0) return;
        this.holder = null;
        const next = this.queue.shift();
        if (next) next.resolve(this.grant(next.reentrancyId));
      },
    };
  }
}
