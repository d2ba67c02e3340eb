/** The gRPC length-prefix guard, over arbitrary chunkings of real framed streams. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameGuard, guardFrames } from '../../proxy/grpc/frame-guard';

function frame(len: number): Buffer {
  const b = Buffer.alloc(5 + len, 0xab);
  b[0] = 0;
  b.writeUInt32BE(len, 1);
  return b;
}

function chunk(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of points) { out.push(buf.subarray(at, p)); at = p; }
  out.push(buf.subarray(at));
  return out;
}

describe('FrameGuard', () => {
  it('reports the first message over the limit, however the bytes are split', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 0, max: 300 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (lengths, limit, cuts) => {
        const stream = Buffer.concat(lengths.map(frame));
        const guard = new FrameGuard(limit);
        let reported = -1;
        for (const c of chunk(stream, cuts)) {
          reported = guard.check(c);
          if (reported >= 0) break;
        }
        const firstOver = lengths.find((l) => l > limit);
        assert.equal(reported, firstOver ?? -1);
      },
    ));
  });

  it('guardFrames passes bytes through unchanged and throws what onTooLarge returns', async () => {
    async function* src(): AsyncGenerator<Uint8Array> { yield frame(3); yield frame(10); }
    const seen: Uint8Array[] = [];
    await assert.rejects(async () => {
      for await (const c of guardFrames(src(), 5, (n) => new Error(`too large ${n}`))) seen.push(c);
    }, /too large 10/);
    assert.deepEqual(Buffer.concat(seen), frame(3));
  });
});
