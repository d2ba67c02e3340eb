import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration, parseQuantity } from '../../config';

test('parseGoDuration: Go duration strings to milliseconds', () => {
  const table: [string | number, number | undefined][] = [
    ['0', 0],
    ['5s', 5000],
    ['100ms', 100],
    ['1.5s', 1500],
    ['1h30m', 5_400_000],
    ['2h45m30.5s', 9_930_500],
    ['-2m', -120_000],
    ['+3s', 3000],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['2000000ns', 2],
    ['.5s', 500],
    [250, 250],
    ['', undefined],
    ['5', undefined],
    ['5 s', undefined],
    ['s', undefined],
    ['5d', undefined],
    ['1h30', undefined],
    ['abc', undefined],
    ['-', undefined],
  ];
  for (const [input, expected] of table) assert.equal(parseGoDuration(input), expected, `parseGoDuration(${JSON.stringify(input)})`);
});

test('parseQuantity: byte sizes', () => {
  const table: [string | number, number, number | undefined][] = [
    ['4Mi', 1, 4 * 1024 * 1024],
    ['16Ki', 1, 16 * 1024],
    ['1Gi', 1, 2 ** 30],
    ['4MB', 1, 4_000_000],
    ['4MiB', 1, 4 * 2 ** 20],
    ['500k', 1, 500_000],
    ['10B', 1, 10],
    ['4', 1, 4],
    ['4', 2 ** 20, 4 * 2 ** 20],
    [4, 2 ** 20, 4 * 2 ** 20],
    ['1.5Ki', 1, 1536],
    ['0', 1, 0],
    ['-4Mi', 1, undefined],
    ['4Xi', 1, undefined],
    ['Mi', 1, undefined],
    ['', 1, undefined],
    ['four', 1, undefined],
  ];
  for (const [input, unit, expected] of table) assert.equal(parseQuantity(input, unit), expected, `parseQuantity(${JSON.stringify(input)}, ${unit})`);
});
