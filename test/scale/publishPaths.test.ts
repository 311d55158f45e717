import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateFleet, bumpVersions, writeSpecRepo, type Fleet } from '../../bench/fleet.js';
import { reconcile, type ReconcileResult } from '../../src/reconcile/reconcile.js';
import { fsck, git, refsUnder, tempDir } from '../support/specRepo.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const LOCATIONS = 2000;

/** Every object of a repository, as `git cat-file --batch-all-objects` lists them. */
function objectIds(gitdir: string): string[] {
  return git(gitdir, 'cat-file', '--batch-all-objects', '--batch-check=%(objectname)').trim().split('\n').sort();
}

function packs(gitdir: string): string[] {
  return fs.readdirSync(path.join(gitdir, 'objects', 'pack')).filter((f) => f.endsWith('.pack'));
}

/**
 * The fast path (one pack per thread, rendered on several threads) against the plain path (isomorphic-git loose
 * objects, one thread) at 2,000 locations: the same trees, commits and refs, and repositories git fsck accepts.
 * Fewer objects per location than the benchmark's fleet (4 placements, 1–2 objects each), so that the plain path,
 * which writes ~400 objects/s, stays within a minute.
 */
describe('the fast publish path at 2,000 locations (not timed)', function () {
  this.timeout(300_000);
  let fleet: Fleet;
  let spec: string;
  const outputs = { plain: '', pack: '', parallel: '' };
  const results = {} as Record<keyof typeof outputs, ReconcileResult>;

  before(async () => {
    const root = tempDir('edgeplane-scale-');
    fleet = generateFleet({ locations: LOCATIONS, placements: 4, objectsPerWorkload: [1, 2] });
    spec = path.join(root, 'spec');
    await writeSpecRepo(spec, fleet);
    for (const name of Object.keys(outputs) as (keyof typeof outputs)[]) {
      outputs[name] = path.join(root, `${name}.git`);
      git(root, 'init', '-q', '--bare', outputs[name]);
    }
    // No bootstrap branch: its manifests name each output repository's own path, so its objects differ.
    const run = (output: string, writer: 'pack' | 'isomorphic-git', workers: number) =>
      reconcile({ source: { repo: spec }, output: { repo: output }, now: NOW, writer, workers, bootstrap: false });
    results.plain = await run(outputs.plain, 'isomorphic-git', 1);
    results.pack = await run(outputs.pack, 'pack', 1);
    results.parallel = await run(outputs.parallel, 'pack', 2);
  });

  it('publishes every location on each path', () => {
    for (const result of Object.values(results)) {
      assert.equal(result.created.length, LOCATIONS);
      assert.deepEqual(result.problems, []);
      assert.equal(result.publish.updates.length, LOCATIONS);
    }
  });

  it('gives exactly the refs of the plain path: same commits, so same trees and blobs', () => {
    const plain = refsUnder(outputs.plain, 'refs/heads/edgeplane/');
    assert.equal(plain.size, LOCATIONS);
    assert.deepEqual(refsUnder(outputs.pack, 'refs/heads/edgeplane/'), plain);
    assert.deepEqual(refsUnder(outputs.parallel, 'refs/heads/edgeplane/'), plain);
  });

  it('writes the same objects as the plain path, into packs', () => {
    const plain = objectIds(outputs.plain);
    assert.deepEqual(objectIds(outputs.pack), plain);
    assert.deepEqual(objectIds(outputs.parallel), plain);
    assert.equal(packs(outputs.pack).length, 1, 'one pack for one thread');
    assert.equal(packs(outputs.parallel).length, 2, 'one pack per worker');
    assert.equal(git(outputs.pack, 'count-objects', '-v').match(/^count: (\d+)$/m)?.[1], '0', 'no loose objects');
  });

  it('leaves every repository fsck-clean', () => {
    for (const output of Object.values(outputs)) fsck(output);
  });

  it('then writes nothing when nothing changed, and one commit per location a change touches', async () => {
    const before = refsUnder(outputs.parallel, 'refs/heads/edgeplane/');
    const again = await reconcile({ source: { repo: spec }, output: { repo: outputs.parallel }, now: NOW, bootstrap: false });
    assert.equal(again.unchanged, LOCATIONS);
    assert.deepEqual(again.publish.updates, []);
    assert.deepEqual(refsUnder(outputs.parallel, 'refs/heads/edgeplane/'), before);

    const changed = await bumpVersions(spec, fleet, 100);
    const plainChange = await reconcile({ source: { repo: spec }, output: { repo: outputs.plain }, now: NOW, writer: 'isomorphic-git', workers: 1, bootstrap: false });
    const fastChange = await reconcile({ source: { repo: spec }, output: { repo: outputs.parallel }, now: NOW, workers: 2, bootstrap: false });
    assert.deepEqual(fastChange.updated, changed);
    assert.deepEqual(plainChange.updated, changed);
    const after = refsUnder(outputs.parallel, 'refs/heads/edgeplane/');
    assert.deepEqual(after, refsUnder(outputs.plain, 'refs/heads/edgeplane/'));
    for (const location of changed) {
      const ref = `refs/heads/edgeplane/${location}`;
      assert.equal(git(outputs.parallel, 'rev-parse', `${ref}~1`).trim(), before.get(ref), `${location}: one commit on top`);
    }
    fsck(outputs.parallel);
  });
});
