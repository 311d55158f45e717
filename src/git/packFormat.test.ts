import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { encodePackHeader, encodePackIndex, encodePackObjectHeader } from './packFormat.js';

/** Reads back a pack object header: the reverse of the encoding Git's unpack_object_header does. */
function decodeObjectHeader(bytes: Buffer): { type: number; size: number; length: number } {
  let byte = bytes[0]!;
  const type = (byte >> 4) & 7;
  let size = byte & 0x0f;
  let shift = 4;
  let i = 1;
  while (byte & 0x80) {
    byte = bytes[i]!;
    size += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    i += 1;
  }
  return { type, size, length: i };
}

describe('git/packFormat', () => {
  it('writes the pack header', () => {
    assert.deepEqual(encodePackHeader(258), Buffer.from([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, 0, 0, 1, 2]));
  });

  const sizes = [0, 1, 15, 16, 127, 128, 2047, 2048, 1 << 20, 2 ** 32 + 5];
  for (const size of sizes) {
    it(`encodes an object header of size ${size}`, () => {
      const header = encodePackObjectHeader('tree', size);
      assert.deepEqual(decodeObjectHeader(header), { type: 2, size, length: header.length });
    });
  }

  it('encodes the type codes Git uses (commit 1, tree 2, blob 3)', () => {
    assert.equal(encodePackObjectHeader('commit', 0)[0]! >> 4, 1);
    assert.equal(encodePackObjectHeader('tree', 0)[0]! >> 4, 2);
    assert.equal(encodePackObjectHeader('blob', 0)[0]! >> 4, 3);
  });

  describe('encodePackIndex', () => {
    const id = (first: number, n: number): string => first.toString(16).padStart(2, '0') + n.toString(16).padStart(38, '0');
    const entries = [
      { id: id(0xff, 1), offset: 12, crc: 0xdeadbeef },
      { id: id(0x00, 2), offset: 2 ** 31, crc: 1 },
      { id: id(0x00, 1), offset: 100, crc: 2 },
      { id: id(0x7f, 9), offset: 2 ** 33 + 7, crc: 3 },
    ];
    const checksum = Buffer.alloc(20, 0xab);
    const idx = encodePackIndex(entries, checksum);
    const n = entries.length;
    const idsAt = 8 + 1024;
    const crcsAt = idsAt + 20 * n;
    const offsetsAt = crcsAt + 4 * n;
    const largeAt = offsetsAt + 4 * n;

    it('has the v2 magic, a cumulative fanout and sorted ids', () => {
      assert.equal(idx.readUInt32BE(0), 0xff744f63);
      assert.equal(idx.readUInt32BE(4), 2);
      assert.equal(idx.readUInt32BE(8 + 0x00 * 4), 2);
      assert.equal(idx.readUInt32BE(8 + 0x7e * 4), 2);
      assert.equal(idx.readUInt32BE(8 + 0x7f * 4), 3);
      assert.equal(idx.readUInt32BE(8 + 0xff * 4), 4);
      const ids = [0, 1, 2, 3].map((i) => idx.toString('hex', idsAt + 20 * i, idsAt + 20 * (i + 1)));
      assert.deepEqual(ids, [id(0, 1), id(0, 2), id(0x7f, 9), id(0xff, 1)]);
      assert.deepEqual([0, 1, 2, 3].map((i) => idx.readUInt32BE(crcsAt + 4 * i)), [2, 1, 3, 0xdeadbeef]);
    });

    it('puts offsets of 2 GiB and more in the 8-byte table', () => {
      assert.equal(idx.readUInt32BE(offsetsAt), 100);
      assert.equal(idx.readUInt32BE(offsetsAt + 4), 0x80000000);
      assert.equal(idx.readUInt32BE(offsetsAt + 8), 0x80000001);
      assert.equal(idx.readUInt32BE(offsetsAt + 12), 12);
      assert.equal(idx.readBigUInt64BE(largeAt), 2n ** 31n);
      assert.equal(idx.readBigUInt64BE(largeAt + 8), 2n ** 33n + 7n);
      assert.equal(idx.length, largeAt + 16 + 40);
    });

    it('ends with the pack checksum and its own SHA-1', () => {
      assert.deepEqual(idx.subarray(-40, -20), checksum);
      assert.deepEqual(idx.subarray(-20), createHash('sha1').update(idx.subarray(0, -20)).digest());
    });
  });
});
