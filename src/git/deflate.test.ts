import { strict as assert } from 'node:assert';
import { inflateSync } from 'node:zlib';
import { adler32, SmallDeflater } from './deflate.js';

/** A deterministic byte source, so a failure can be reproduced. */
function bytes(length: number, seed: number, alphabet = 256): Buffer {
  const out = Buffer.alloc(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state >>> 24) % alphabet;
  }
  return out;
}

describe('git/deflate', () => {
  const deflater = new SmallDeflater();
  const cases: [string, Buffer][] = [
    ['nothing', Buffer.alloc(0)],
    ['one byte', Buffer.from('a')],
    ['a short run', Buffer.from('aaaa')],
    ['a manifest', Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: wl-p00\ndata:\n  site: site-00001\n'.repeat(3))],
    ['non-ASCII text', Buffer.from('Kiruna – Ö 🛰️\n'.repeat(40))],
    ['random bytes (stored blocks)', bytes(70_000, 1)],
    ['more than 64 KiB of random bytes', bytes(200_000, 2)],
    ['a long repeat (258-byte matches)', Buffer.alloc(100_000, 'x')],
    ['repeats at every distance', Buffer.concat([bytes(40_000, 3, 4), bytes(40_000, 3, 4)])],
  ];
  for (const [name, input] of cases) {
    it(`round-trips ${name} through zlib`, () => assert.ok(inflateSync(deflater.deflate(input)).equals(input)));
  }

  it('gives the same bytes for the same input, whatever came before', () => {
    const input = Buffer.from('kind: Deployment\nspec:\n  replicas: 3\n'.repeat(5));
    const first = new SmallDeflater().deflate(input);
    deflater.deflate(bytes(5000, 9, 8));
    assert.ok(deflater.deflate(input).equals(first));
  });

  it('compresses manifests', () => {
    const input = Buffer.from('  labels:\n    app: p00\n    app.kubernetes.io/part-of: fleet\n'.repeat(10));
    assert.ok(deflater.deflate(input).length < input.length / 3);
  });

  it('computes Adler-32 as zlib does', () => {
    assert.equal(adler32(Buffer.from('Wikipedia')), 0x11e60398);
    assert.equal(adler32(Buffer.alloc(0)), 1);
    // Long input: the sums are reduced before they overflow.
    const long = Buffer.alloc(1_000_000, 0xff);
    const stream = deflater.deflate(long);
    assert.equal(stream.readUInt32BE(stream.length - 4), adler32(long));
    assert.ok(inflateSync(stream).equals(long));
  });
});
