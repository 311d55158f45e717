import * as assert from 'node:assert/strict';
import { hash32, locationFilter, preferredOwners, preferredShards, shardOfLocation } from '../../src/serve/shardAssignment.js';

const fleet = Array.from({ length: 10_000 }, (_, i) => `store-${String(i).padStart(5, '0')}`);

describe('serve: shard assignment', () => {
  it('is pinned: the same names land in the same shards in every release', () => {
    // Changing the hash would move every location to another replica on upgrade; these values must not change.
    const table: [string, number][] = [
      ['', 2872998923],
      ['kiruna', 2719091726],
      ['store-0001', 2406851190],
    ];
    for (const [text, hash] of table) assert.equal(hash32(text), hash, text);
    const shards = ['kiruna', 'kourou', 'redu', 'cebreros', 'malargue', 'new-norcia', 'darmstadt-lab'].map((l) => shardOfLocation(l, 16));
    assert.deepEqual(shards, [3, 14, 9, 11, 2, 10, 3]);
    assert.equal(shardOfLocation('anything', 1), 0);
  });

  it('spreads 10,000 locations evenly over 16 shards', () => {
    const counts = new Array<number>(16).fill(0);
    for (const name of fleet) counts[shardOfLocation(name, 16)]!++;
    for (const count of counts) assert.ok(Math.abs(count - 625) < 625 * 0.15, `shard sizes ${counts.join(' ')}`);
  });

  it('moves only about 1/n of the locations when a shard is added', () => {
    const moved = fleet.filter((name) => shardOfLocation(name, 16) !== shardOfLocation(name, 17));
    // Every moved location moves into the new shard: no reshuffling among the old ones.
    assert.ok(moved.every((name) => shardOfLocation(name, 17) === 16));
    assert.ok(Math.abs(moved.length - 10_000 / 17) < 100, `${moved.length} moved`);
  });

  it('gives every shard exactly one preferred owner, and a joining replica takes shards only for itself', () => {
    const three = preferredOwners(64, ['edgeplane-2', 'edgeplane-0', 'edgeplane-1']);
    assert.ok(three.every((owner) => owner !== undefined));
    for (const member of ['edgeplane-0', 'edgeplane-1', 'edgeplane-2']) {
      const count = three.filter((o) => o === member).length;
      assert.ok(count >= 12 && count <= 32, `${member} prefers ${count} of 64`);
    }
    const four = preferredOwners(64, ['edgeplane-0', 'edgeplane-1', 'edgeplane-2', 'edgeplane-3']);
    three.forEach((owner, shard) => assert.ok(four[shard] === owner || four[shard] === 'edgeplane-3', `shard ${shard} moved between old replicas`));
    // When one leaves, only its shards move.
    const two = preferredOwners(64, ['edgeplane-0', 'edgeplane-2']);
    three.forEach((owner, shard) => {
      if (owner !== 'edgeplane-1') assert.equal(two[shard], owner, `shard ${shard}`);
    });
  });

  it('preferredShards() of all members partition the shards', () => {
    const members = ['a', 'b', 'c'];
    const sets = members.map((m) => preferredShards(16, members, m));
    const all = sets.flatMap((s) => [...s]).sort((x, y) => x - y);
    assert.deepEqual(all, Array.from({ length: 16 }, (_, i) => i));
    assert.deepEqual(preferredOwners(4, []), [undefined, undefined, undefined, undefined]);
    assert.deepEqual([...preferredShards(4, [], 'alone')].sort(), [0, 1, 2, 3]);
  });

  it('locationFilter() keeps exactly the locations of the owned shards', () => {
    const filters = [new Set([0, 1, 2, 3, 4]), new Set([5, 6, 7, 8, 9, 10]), new Set([11, 12, 13, 14, 15])].map((owned) => locationFilter(owned, 16));
    for (const name of fleet.slice(0, 2000)) assert.equal(filters.filter((keep) => keep(name)).length, 1, name);
  });
});
