import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatByteQuantity, intType, listType, parseByteQuantity, portType } from '../../cli/value-types';

test('byte quantities follow Kubernetes suffixes and round up to whole bytes', () => {
  const cases: [string, number | undefined][] = [
    ['4Mi', 4 * 2 ** 20], ['16Ki', 16384], ['1Gi', 2 ** 30], ['4096', 4096], ['2k', 2000], ['3M', 3e6],
    ['0.5Ki', 512], ['1.1', 2], ['+1Ki', 1024], ['.5Mi', 2 ** 19],
    ['0', undefined], ['-1Mi', undefined], ['4MB', undefined], ['4 Mi', undefined], ['Mi', undefined], ['', undefined], ['4mi', undefined],
  ];
  for (const [raw, want] of cases) assert.equal(parseByteQuantity(raw), want, raw);
});

test('quantities format back to their shortest binary form', () => {
  assert.equal(formatByteQuantity(4 * 2 ** 20), '4Mi');
  assert.equal(formatByteQuantity(16384), '16Ki');
  assert.equal(formatByteQuantity(1000), '1000');
});

test('integers and ports reject fractions, junk and out-of-range values', () => {
  assert.equal(portType.parse('65535'), 65535);
  assert.equal(portType.parse('0'), 0);
  for (const bad of ['65536', '-1', '1.5', '0x10', '', ' 80', '80a']) assert.equal(portType.parse(bad), undefined, bad);
  const t = intType(-1, 10);
  assert.equal(t.parse('-1'), -1);
  assert.equal(t.parse('-2'), undefined);
  assert.equal(t.parse('99999999999999999999'), undefined);
});

test('lists trim entries and reject empty ones', () => {
  assert.deepEqual(listType().parse('a, b ,c'), ['a', 'b', 'c']);
  assert.equal(listType().parse('a,,b'), undefined);
});
