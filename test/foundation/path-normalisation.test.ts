import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalisePath } from '../../proxy/path';

const table: Array<[input: string, expected: string | null]> = [
  ['/orders/1', '/orders/1'],
  ['orders/1', '/orders/1'],
  ['/a/./b', '/a/b'],
  ['/a/b/../c', '/a/c'],
  ['/a//b', '/a/b'],
  ['/a/b/', '/a/b/'],
  ['/admin/../public', '/public'],
  ['/../etc/passwd', null],
  ['/a/../../b', null],
  ['/a/%2e%2e/b', '/b'],
  ['/a/%2E%2E/b', '/b'],
  ['/a/.%2e/b', '/b'],
  ['/a%2F..%2Fadmin', '/admin'],
  ['/a%2f..%2fadmin', '/admin'],
  ['/public%2F..%2F..%2Fsecret', null],
  ['/q%3Fx=1', '/q%3Fx=1'],
  ['/frag%23x', '/frag%23x'],
  ['/100%', null],
  ['/bad%G1', null],
  ['/bad%4', null],
  ['/nul%00byte', null],
  ['/double%252e%252e/x', '/double%252e%252e/x'],
  ['/space%20here', '/space%20here'],
  ['/caf%C3%A9', '/caf%C3%A9'],
  ['/tilde~_-.ok', '/tilde~_-.ok'],
  ['/semi;param=1', '/semi;param=1'],
  ['/', '/'],
  ['', '/'],
  ['/.', '/'],
  ['/a/.', '/a'],
  ['/%2e', '/'],
  ['/back\\slash', '/back%5Cslash'],
];

for (const [input, expected] of table) {
  test(`normalise ${JSON.stringify(input)} -> ${expected ?? 'rejected'}`, () => {
    const r = normalisePath(input);
    if (expected === null) {
      assert.equal(r.ok, false, `expected rejection, got ${r.ok ? r.path : ''}`);
    } else {
      assert.ok(r.ok, `expected ${expected}, got rejection: ${r.ok ? '' : r.reason}`);
      assert.equal(r.path, expected);
    }
  });
}

test('normalisation is idempotent: a normalised path normalises to itself', () => {
  for (const [input] of table) {
    const first = normalisePath(input);
    if (!first.ok) continue;
    const second = normalisePath(first.path);
    assert.ok(second.ok);
    assert.equal(second.path, first.path, `not idempotent for ${input}`);
  }
});
