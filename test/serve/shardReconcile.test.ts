import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { changeSpec, refsUnder, specRepoFrom } from '../support/specRepo.js';

const ALL = ['cebreros', 'darmstadt-lab', 'kiruna', 'kourou', 'malargue', 'new-norcia', 'redu'];

describe('serve: reconcile({ shard }) renders and publishes only the shard', () => {
  it('publishes the accepted locations, leaves the others untouched, and retires only its own', async () => {
    const repo = specRepoFrom('demo');
    const mine = (l: string) => l < 'l';
    const first = await reconcile({ source: { repo }, shard: mine, now: new Date('2026-01-01T00:00:00Z') });
    assert.deepEqual([...first.created].sort(), ALL.filter(mine));
    assert.equal(first.unchanged, 0);
    assert.deepEqual([...refsUnder(repo, 'refs/heads/edgeplane/').keys()].map((r) => r.split('/').pop()).sort(), ALL.filter(mine));

    const rest = await reconcile({ source: { repo }, shard: (l) => !mine(l), now: new Date('2026-01-01T00:00:00Z') });
    assert.deepEqual([...rest.created].sort(), ALL.filter((l) => !mine(l)));
    assert.equal(rest.unchanged, 0, 'the other shard is not even looked at');

    // Two locations leave the inventory: each shard retires only its own.
    const inventory = path.join(repo, 'inventory', 'europe.yaml');
    const kept = parseAllDocuments(fs.readFileSync(inventory, 'utf8'))
      .map((d) => d.toString())
      .filter((doc) => !/name: (kiruna|redu)\n/.test(doc));
    changeSpec(repo, { 'inventory/europe.yaml': kept.join('---\n') }, 'retire kiruna and redu');
    const retiredMine = await reconcile({ source: { repo }, shard: mine });
    assert.deepEqual(retiredMine.retired, ['kiruna']);
    const retiredRest = await reconcile({ source: { repo }, shard: (l) => !mine(l) });
    assert.deepEqual(retiredRest.retired, ['redu']);
  });
});
