import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Answer } from 'dns-packet';
import { MdnsCache } from '../../discovery/mdns/cache';
import { allRecords, replyTo, type Announcement } from '../../discovery/mdns/records';
import { ownNames } from '../../discovery/mdns/names';

function announcement(appId: string, port: number, addresses = ['127.0.0.1']): Announcement {
  return { names: ownNames(appId, port), appId, namespace: 'prod', port, addresses };
}

describe('mdns record cache', () => {
  it('assembles PTR -> SRV -> A into endpoints, with namespace from TXT', () => {
    const c = new MdnsCache();
    c.ingest(allRecords(announcement('orders', 5001, ['10.0.0.5']), 120), 0);
    assert.deepEqual(c.instances('orders.local', 1000), [
      { instance: ownNames('orders', 5001).instance.toLowerCase(), host: '10.0.0.5', port: 5001, namespace: 'prod' },
    ]);
    assert.deepEqual(c.instances('other.local', 1000), []);
  });

  it('expires records after their TTL and asks for refresh at 80% of it', () => {
    const c = new MdnsCache();
    c.ingest(allRecords(announcement('orders', 5001), 10), 1_000);
    assert.equal(c.refreshAt('orders.local', 0.8, 1_000), 9_000);
    assert.equal(c.instances('orders.local', 10_999).length, 1);
    assert.equal(c.instances('orders.local', 11_000).length, 0);
    c.expire(11_000);
    assert.equal(c.refreshAt('orders.local', 0.8, 11_000), undefined);
  });

  it('a goodbye (TTL 0) removes the instance at once; others stay', () => {
    const c = new MdnsCache();
    c.ingest([...allRecords(announcement('orders', 5001), 120), ...allRecords(announcement('orders', 5002), 120)], 0);
    assert.equal(c.instances('orders.local', 1).length, 2);
    c.ingest(allRecords(announcement('orders', 5002), 0), 2);
    assert.deepEqual(c.instances('orders.local', 3).map((i) => i.port), [5001]);
  });

  it('needs an address: an SRV whose target has no A/AAAA is not an endpoint', () => {
    const c = new MdnsCache();
    const recs = allRecords(announcement('orders', 5001), 120).filter((r) => r.type !== 'A');
    c.ingest(recs, 0);
    assert.equal(c.instances('orders.local', 1).length, 0);
  });

  it('prefers IPv4 and replaces flushed addresses older than a second', () => {
    const c = new MdnsCache();
    c.ingest(allRecords(announcement('orders', 5001, ['fd00::1', '10.0.0.1']), 120), 0);
    assert.equal(c.instances('orders.local', 1)[0]?.host, '10.0.0.1');
    c.ingest(allRecords(announcement('orders', 5001, ['10.0.0.2']), 120), 5_000);
    assert.equal(c.instances('orders.local', 5_001)[0]?.host, '10.0.0.2');
  });

  it('matches names case-insensitively and accepts TXT data as buffers', () => {
    const c = new MdnsCache();
    const recs: Answer[] = allRecords(announcement('orders', 5001), 120).map((r) =>
      r.type === 'TXT' ? { ...r, data: [Buffer.from('orders'), Buffer.from('namespace=prod')] } : { ...r, name: r.name.toUpperCase() },
    );
    c.ingest(recs, 0);
    assert.equal(c.instances('Orders.Local', 1)[0]?.namespace, 'prod');
  });
});

describe('mdns replies', () => {
  const a = announcement('orders', 5001);
  it('answers a PTR query for the service with PTR plus SRV/TXT/A additionals', () => {
    const reply = replyTo([{ name: 'orders.local', type: 'PTR' }], a, 120);
    assert.ok(reply);
    assert.deepEqual(reply.answers.map((r) => r.type), ['PTR']);
    assert.deepEqual(reply.additionals.map((r) => r.type).sort(), ['A', 'SRV', 'TXT']);
  });
  it('answers SRV, TXT and A questions about the instance and target', () => {
    const srv = replyTo([{ name: a.names.instance, type: 'SRV' }], a, 120);
    assert.deepEqual(srv?.answers.map((r) => r.type), ['SRV']);
    const host = replyTo([{ name: a.names.target.toUpperCase(), type: 'A' }], a, 120);
    assert.deepEqual(host?.answers.map((r) => ('data' in r ? r.data : undefined)), ['127.0.0.1']);
  });
  it('stays silent for other names', () => {
    assert.equal(replyTo([{ name: 'payments.local', type: 'PTR' }], a, 120), undefined);
  });
});
