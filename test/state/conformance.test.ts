/**
 * One conformance suite for the state building block, run against every store in
 * conformance-targets.ts for the features it declares.
 */
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { isStateError, type StateStore } from '../../components/state/contract';
import { keyPrefix, targets } from './conformance-targets';

const CI = process.env.CI === 'true';
const k = (s: string): string => keyPrefix + s;
const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
const parsed = (b: Buffer | undefined): unknown => (b === undefined ? undefined : JSON.parse(b.toString('utf8')));

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => isStateError(e) && e.code === code);
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail('condition not met in time');
}

for (const target of targets()) {
  describe(`state conformance: ${target.name}`, () => {
    let store: StateStore | undefined;
    let unavailable = '';
    const has = (f: string): boolean => target.features.includes(f);
    const s = (t: TestContext): StateStore | undefined => {
      if (!store) t.skip(`store unavailable: ${unavailable}`);
      return store;
    };

    before(async () => {
      const candidate = target.create();
      try {
        await candidate.init();
        store = candidate;
      } catch (e) {
        await candidate.close().catch(() => undefined);
        unavailable = (e as Error).message;
        if (CI || !target.external) throw e;
      }
    });
    after(async () => {
      await store?.close();
      await target.cleanup();
    });

    it('declares its features', (t) => {
      const st = s(t);
      if (!st) return;
      for (const f of target.features) assert.ok(st.features().includes(f), `missing feature ${f}`);
    });

    it('set, get, delete; missing keys', async (t) => {
      const st = s(t);
      if (!st) return;
      assert.equal(await st.get({ key: k('missing') }), undefined);
      await st.set({ key: k('a'), value: json({ n: 1, s: 'x' }) });
      assert.deepEqual(parsed((await st.get({ key: k('a') }))?.data), { n: 1, s: 'x' });
      await st.set({ key: k('a'), value: json('second') });
      assert.equal(parsed((await st.get({ key: k('a') }))?.data), 'second');
      await st.delete({ key: k('a') });
      assert.equal(await st.get({ key: k('a') }), undefined);
      await st.delete({ key: k('never-there') });
    });

    it('binary values, unicode keys, large values', async (t) => {
      const st = s(t);
      if (!st) return;
      const bin = Buffer.from([0, 255, 1, 254, 0x80, 0x7f, 10, 13]);
      await st.set({ key: k('bin'), value: bin });
      assert.deepEqual((await st.get({ key: k('bin') }))?.data, bin);
      const uk = k('ключ-键-🔑 with spaces');
      await st.set({ key: uk, value: json({ ok: 'ü' }) });
      assert.deepEqual(parsed((await st.get({ key: uk }))?.data), { ok: 'ü' });
      const big = { blob: 'x'.repeat(512 * 1024) };
      await st.set({ key: k('big'), value: json(big) });
      assert.deepEqual(parsed((await st.get({ key: k('big') }))?.data), big);
    });

    it('bulk set / get / delete', async (t) => {
      const st = s(t);
      if (!st) return;
      const keys = Array.from({ length: 20 }, (_, i) => k(`bulk-${i}`));
      const reqs = keys.map((key, i) => ({ key, value: json({ i }) }));
      if (st.bulkSet) await st.bulkSet(reqs);
      else for (const r of reqs) await st.set(r);
      const got = await Promise.all(keys.map((key) => st.get({ key })));
      assert.deepEqual(got.map((g) => parsed(g?.data)), keys.map((_, i) => ({ i })));
      if (st.bulkDelete) await st.bulkDelete(keys.map((key) => ({ key })));
      else for (const key of keys) await st.delete({ key });
      for (const key of keys) assert.equal(await st.get({ key }), undefined);
    });

    it('ETag rules (last-write with etag, delete with etag)', async (t) => {
      const st = s(t);
      if (!st || !has('ETAG')) return;
      await st.set({ key: k('e'), value: json(1) });
      const e1 = (await st.get({ key: k('e') }))!.etag!;
      assert.ok(e1);
      await st.set({ key: k('e'), value: json(2), etag: e1 });
      const e2 = (await st.get({ key: k('e') }))!.etag!;
      assert.notEqual(e2, e1);
      await rejectsWith(st.set({ key: k('e'), value: json(3), etag: e1 }), 'ETAG_MISMATCH');
      assert.equal(parsed((await st.get({ key: k('e') }))?.data), 2);
      await rejectsWith(st.delete({ key: k('e'), etag: e1 }), 'ETAG_MISMATCH');
      await st.delete({ key: k('e'), etag: e2 });
      assert.equal(await st.get({ key: k('e') }), undefined);
      await rejectsWith(st.set({ key: k('e'), value: json(4), etag: e2 }), 'ETAG_MISMATCH');
    });

    it('first-write concurrency', async (t) => {
      const st = s(t);
      if (!st || !has('ETAG')) return;
      const fw = { concurrency: 'first-write' as const };
      await st.set({ key: k('fw'), value: json('one'), options: fw });
      await rejectsWith(st.set({ key: k('fw'), value: json('two'), options: fw }), 'ETAG_MISMATCH');
      const e = (await st.get({ key: k('fw') }))!.etag!;
      await st.set({ key: k('fw'), value: json('three'), etag: e, options: fw });
      assert.equal(parsed((await st.get({ key: k('fw') }))?.data), 'three');
    });

    it('concurrent writers on one key: exactly one wins per ETag', async (t) => {
      const st = s(t);
      if (!st || !has('ETAG')) return;
      await st.set({ key: k('race'), value: json(0) });
      const e = (await st.get({ key: k('race') }))!.etag!;
      const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => st.set({ key: k('race'), value: json(i + 1), etag: e })));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.ok(isStateError(r.reason) && r.reason.code === 'ETAG_MISMATCH');
      const fwResults = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => st.set({ key: k('race-fw'), value: json(i), options: { concurrency: 'first-write' } })));
      assert.equal(fwResults.filter((r) => r.status === 'fulfilled').length, 1);
    });

    it('TTL: ttlExpireTime reported, expired keys are gone', async (t) => {
      const st = s(t);
      if (!st || !has('TTL')) return;
      await st.set({ key: k('ttl'), value: json('short'), metadata: { ttlInSeconds: '1' } });
      await st.set({ key: k('ttl-never'), value: json('long'), metadata: { ttlInSeconds: '-1' } });
      const got = await st.get({ key: k('ttl') });
      if (got) {
        const exp = got.metadata?.ttlExpireTime;
        assert.match(exp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.ok(Math.abs(Date.parse(exp!) - Date.now()) < 60_000);
      }
      assert.equal((await st.get({ key: k('ttl-never') }))?.metadata?.ttlExpireTime, undefined);
      await eventually(async () => (await st.get({ key: k('ttl') })) === undefined);
      assert.equal(parsed((await st.get({ key: k('ttl-never') }))?.data), 'long');
      await rejectsWith(st.set({ key: k('ttl-bad'), value: json(1), metadata: { ttlInSeconds: 'soon' } }), 'BAD_REQUEST');
    });

    it('transactions: upsert and delete together, rollback on failure', async (t) => {
      const st = s(t);
      if (!st || !has('TRANSACTIONAL')) return;
      assert.ok(st.multi);
      await st.set({ key: k('tx-old'), value: json('old') });
      await st.multi([
        { operation: 'upsert', request: { key: k('tx-a'), value: json('a') } },
        { operation: 'upsert', request: { key: k('tx-b'), value: json('b') } },
        { operation: 'delete', request: { key: k('tx-old') } },
      ]);
      assert.equal(parsed((await st.get({ key: k('tx-a') }))?.data), 'a');
      assert.equal(await st.get({ key: k('tx-old') }), undefined);
      const eb = (await st.get({ key: k('tx-b') }))!.etag!;
      await st.set({ key: k('tx-b'), value: json('b2') });
      await rejectsWith(st.multi([
        { operation: 'upsert', request: { key: k('tx-c'), value: json('c') } },
        { operation: 'delete', request: { key: k('tx-a') } },
        { operation: 'upsert', request: { key: k('tx-b'), value: json('stale'), etag: eb } },
      ]), 'ETAG_MISMATCH');
      assert.equal(await st.get({ key: k('tx-c') }), undefined, 'no partial write');
      assert.equal(parsed((await st.get({ key: k('tx-a') }))?.data), 'a');
      assert.equal(parsed((await st.get({ key: k('tx-b') }))?.data), 'b2');
    });

    it('query: filters, sort, paging', async (t) => {
      const st = s(t);
      if (!st || !has('QUERY_API')) return;
      assert.ok(st.query);
      const p = `${keyPrefix}q-`;
      const people = [
        { id: 1, org: 'Dev Ops', state: 'CA', person: { age: 30 } },
        { id: 2, org: 'Finance', state: 'WA', person: { age: 45 } },
        { id: 3, org: 'Dev Ops', state: 'WA', person: { age: 25 } },
        { id: 4, org: 'Sales', state: 'CA', person: { age: 52 } },
      ];
      for (const x of people) await st.set({ key: `${p}${x.id}`, value: json(x) });
      const ids = async (query: Parameters<NonNullable<StateStore['query']>>[0]['query']): Promise<number[]> =>
        (await st.query!({ query, keyPrefix: p })).results.map((r) => (parsed(r.data) as { id: number }).id);
      assert.deepEqual(await ids({ filter: { EQ: { org: 'Dev Ops' } }, sort: [{ key: 'id' }] }), [1, 3]);
      assert.deepEqual(await ids({ filter: { IN: { state: ['WA'] } }, sort: [{ key: 'person.age', order: 'DESC' }] }), [2, 3]);
      assert.deepEqual(await ids({ filter: { AND: [{ EQ: { state: 'CA' } }, { GT: { 'person.age': 40 } }] } }), [4]);
      assert.deepEqual(await ids({ filter: { OR: [{ EQ: { org: 'Sales' } }, { LTE: { 'person.age': 25 } }] }, sort: [{ key: 'id' }] }), [3, 4]);
      assert.deepEqual(await ids({ filter: { NEQ: { state: 'CA' } }, sort: [{ key: 'id' }] }), [2, 3]);
      const page1 = await st.query!({ query: { sort: [{ key: 'id' }], page: { limit: 3 } }, keyPrefix: p });
      assert.equal(page1.results.length, 3);
      assert.ok(page1.token);
      const page2 = await st.query!({ query: { sort: [{ key: 'id' }], page: { limit: 3, token: page1.token } }, keyPrefix: p });
      assert.deepEqual(page2.results.map((r) => (parsed(r.data) as { id: number }).id), [4]);
      assert.equal(page2.token, undefined);
      assert.ok(page1.results.every((r) => r.key.startsWith(p)));
    });
  });
}
