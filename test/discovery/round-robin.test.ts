import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppEndpointPicker, RoundRobin } from '../../discovery/round-robin';
import type { Endpoint, ResolveRequest, ResolveResult, Resolver } from '../../discovery/contract';

const ep = (port: number): Endpoint => ({ host: '127.0.0.1', port, appId: 'orders' });

function counts(picks: Array<Endpoint | undefined>): Record<number, number> {
  const out: Record<number, number> = {};
  for (const p of picks) if (p) out[p.port] = (out[p.port] ?? 0) + 1;
  return out;
}

describe('RoundRobin', () => {
  it('gives every endpoint the same share', () => {
    const rr = new RoundRobin([ep(1), ep(2), ep(3)]);
    assert.deepEqual(counts(Array.from({ length: 30 }, () => rr.pick())), { 1: 10, 2: 10, 3: 10 });
  });

  it('stays fair when the resolver reorders the same set between picks', () => {
    const rr = new RoundRobin();
    const picks: Array<Endpoint | undefined> = [];
    for (let i = 0; i < 30; i++) {
      rr.update(i % 2 === 0 ? [ep(3), ep(1), ep(2)] : [ep(2), ep(3), ep(1)]);
      picks.push(rr.pick());
    }
    assert.deepEqual(counts(picks), { 1: 10, 2: 10, 3: 10 });
  });

  it('never picks an endpoint that left, and includes one that joined', () => {
    const rr = new RoundRobin([ep(1), ep(2), ep(3)]);
    rr.pick();
    rr.update([ep(1), ep(3)]);
    const after = Array.from({ length: 10 }, () => rr.pick());
    assert.ok(after.every((e) => e?.port !== 2));
    assert.deepEqual(counts(after), { 1: 5, 3: 5 });
    rr.update([ep(1), ep(3), ep(4)]);
    assert.deepEqual(counts(Array.from({ length: 9 }, () => rr.pick())), { 1: 3, 3: 3, 4: 3 });
  });

  it('returns undefined for an empty set and drops duplicates', () => {
    assert.equal(new RoundRobin().pick(), undefined);
    const rr = new RoundRobin([ep(1), ep(1), ep(2)]);
    assert.equal(rr.size, 2);
  });
});

/** A resolver whose set the test changes and whose watch pushes the change. */
class FakeResolver implements Resolver {
  readonly name = 'fake';
  resolveCalls = 0;
  private set: Endpoint[] = [];
  private readonly watchers = new Set<(e: readonly Endpoint[]) => void>();
  constructor(private readonly canWatch: boolean) {
    if (!canWatch) this.watch = undefined;
  }
  async init(): Promise<void> {}
  async close(): Promise<void> {}
  async resolve(_req: ResolveRequest): Promise<ResolveResult> {
    this.resolveCalls++;
    return this.set.length ? { ok: true, endpoints: this.set } : { ok: false, code: 'NOT_FOUND', message: 'none' };
  }
  watch?(_req: ResolveRequest, onChange: (e: readonly Endpoint[]) => void): () => void {
    this.watchers.add(onChange);
    return () => this.watchers.delete(onChange);
  }
  change(set: Endpoint[]): void {
    this.set = set;
    if (this.canWatch) for (const w of this.watchers) w(set);
  }
}

describe('AppEndpointPicker', () => {
  for (const canWatch of [true, false]) {
    it(`round-robins and follows removals (${canWatch ? 'watching' : 'resolving each pick'})`, async () => {
      const r = new FakeResolver(canWatch);
      const picker = new AppEndpointPicker(r, { appId: 'orders', namespace: 'default' });
      const none = await picker.pick();
      assert.equal(!none.ok && none.code, 'NOT_FOUND');
      r.change([ep(1), ep(2)]);
      const first: Endpoint[] = [];
      for (let i = 0; i < 6; i++) {
        const p = await picker.pick();
        assert.ok(p.ok);
        first.push(p.endpoint);
      }
      assert.deepEqual(counts(first), { 1: 3, 2: 3 });
      r.change([ep(2)]);
      for (let i = 0; i < 3; i++) {
        const p = await picker.pick();
        assert.ok(p.ok);
        assert.equal(p.endpoint.port, 2);
      }
      if (canWatch) assert.equal(r.resolveCalls, 1, 'once a change was pushed, picks are served from the watched set');
      picker.close();
    });
  }
});
