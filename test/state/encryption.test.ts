/**
 * Encryption at rest through the HTTP API: stores see ciphertext in Dapr's layout, callers see
 * plaintext, and values written under an old key stay readable after rotation.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { InMemoryStateStore } from '../../components/state/in-memory/in-memory-store';
import { stateCipher } from '../../api/state/encryption';
import { registry, startHarness } from './http-harness';

const keyA = randomBytes(16).toString('hex');
const keyB = randomBytes(32).toString('hex');

describe('state encryption at rest', () => {
  it('encrypts on save, decrypts on get / bulk / query, survives key rotation', async () => {
    const store = new InMemoryStateStore({ name: 'enc', type: 'state.in-memory', version: 'v1', metadata: {}, source: 'test' });
    await store.init();
    const reg = registry({ enc: { store, metadata: { primaryEncryptionKey: keyA } } });
    let h = await startHarness(reg);
    try {
      let r = await fetch(`${h.url}/v1.0/state/enc`, { method: 'POST', body: JSON.stringify([{ key: 'secret', value: { card: '4111' } }]) });
      assert.equal(r.status, 204);
      const raw = (await store.get({ key: 'myapp||secret' }))!.data.toString();
      assert.ok(!raw.includes('4111'));
      assert.match(raw, /^[A-Za-z0-9+/=]+\|\|[0-9a-f]{16}$/);
      assert.equal(await (await fetch(`${h.url}/v1.0/state/enc/secret`)).text(), '{"card":"4111"}');
      await h.close();

      // Rotate: the new key becomes primary, the old one secondary (a new component config).
      const rotated = registry({ enc: { store, metadata: { primaryEncryptionKey: keyB, secondaryEncryptionKey: keyA } } });
      h = await startHarness(rotated);
      assert.equal(await (await fetch(`${h.url}/v1.0/state/enc/secret`)).text(), '{"card":"4111"}');
      r = await fetch(`${h.url}/v1.0/state/enc/transaction`, { method: 'POST', body: JSON.stringify({ operations: [{ operation: 'upsert', request: { key: 'new', value: 'fresh' } }] }) });
      assert.equal(r.status, 204);
      const bulk = await (await fetch(`${h.url}/v1.0/state/enc/bulk`, { method: 'POST', body: JSON.stringify({ keys: ['secret', 'new'] }) })).json() as { data: unknown }[];
      assert.deepEqual(bulk.map((b) => b.data), [{ card: '4111' }, 'fresh']);
      const newRaw = (await store.get({ key: 'myapp||new' }))!.data;
      const onlyB = stateCipher({ primaryEncryptionKey: keyB });
      assert.ok(onlyB && !(onlyB instanceof Error));
      assert.equal(onlyB.decrypt(newRaw).toString(), '"fresh"');
      const onlyA = stateCipher({ primaryEncryptionKey: keyA });
      assert.ok(onlyA && !(onlyA instanceof Error));
      assert.ok(onlyA.decrypt(newRaw) instanceof Error, 'new writes use the new primary key');
    } finally {
      await h.close();
      await store.close();
    }
  });

  it('rejects unusable keys and tampered values', () => {
    assert.ok(stateCipher({ primaryEncryptionKey: 'zz' }) instanceof Error);
    assert.ok(stateCipher({ secondaryEncryptionKey: keyA }) instanceof Error);
    assert.equal(stateCipher({}), undefined);
    const c = stateCipher({ primaryEncryptionKey: keyA, primaryEncryptionKeyName: 'mykey' });
    assert.ok(c && !(c instanceof Error));
    const sealed = c.encrypt(Buffer.from('hello')).toString();
    assert.ok(sealed.endsWith('||mykey'));
    const b64 = sealed.slice(0, sealed.indexOf('||'));
    const bytes = Buffer.from(b64, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    assert.ok(c.decrypt(Buffer.from(bytes.toString('base64') + '||mykey')) instanceof Error);
  });
});
