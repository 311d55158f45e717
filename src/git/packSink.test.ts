import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IsoGitSink } from './isoGitSink.js';
import type { ObjectSink } from './objectSink.js';
import { hashObject } from './objects.js';
import { PackSink } from './packSink.js';
import { updateRefs } from './refs.js';
import { assertFsckClean, bareRepo, gitSync, gitText, removeTempDirs, writeFleet, type Fleet } from '../../test/support/gitRepos.js';

function packFiles(gitdir: string): string[] {
  const dir = join(gitdir, 'objects', 'pack');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Every object id in the repository, via git itself. */
function allObjects(gitdir: string): string[] {
  const out = gitText(gitdir, ['cat-file', '--batch-all-objects', '--batch-check=%(objectname)']);
  return out === '' ? [] : out.split('\n').sort();
}

/** Points every fleet ref at its commit in one transaction. */
async function publish(gitdir: string, fleet: Fleet): Promise<void> {
  await updateRefs(
    gitdir,
    [...fleet.refs].map(([ref, newId]) => ({ ref, newId, oldId: null })),
  );
}

/** Checks, with git itself, that every ref's history and every file of every ref reads back. */
function assertFleetReadable(gitdir: string, fleet: Fleet): void {
  const logged = gitText(gitdir, ['log', '--all', '--format=%H']).split('\n').sort();
  assert.deepEqual(logged, [...fleet.commits].sort(), 'git log --all shows exactly the commits written');
  const specs = [...fleet.files.keys()];
  const batch = gitSync(gitdir, ['cat-file', '--batch'], { input: specs.join('\n') + '\n' }).toString('utf8');
  const expected = specs.map((spec) => {
    const content = fleet.files.get(spec)!;
    return `${hashObject('blob', Buffer.from(content))} blob ${Buffer.byteLength(content)}\n${content}\n`;
  });
  assert.equal(batch, expected.join(''), 'every file of every ref reads back');
  const [firstRef, firstCommit] = [...fleet.refs][0]!;
  assert.equal(gitText(gitdir, ['show', '--format=%H', '--no-patch', firstRef]), firstCommit);
  assert.match(gitText(gitdir, ['show', `${firstRef}:README.md`]), /^# loc-0/);
}

describe('git/PackSink', () => {
  after(removeTempDirs);

  it('writes thousands of blobs, trees and commits as one pack that git fsck --strict accepts', async () => {
    const gitdir = bareRepo('pack-fleet');
    const sink = new PackSink(gitdir);
    const fleet = writeFleet(sink, { locations: 600, filesPerLocation: 4, commitsPerLocation: 2 });
    // 1 shared blob; per location and commit: README, kustomization and 4 manifests, except the unchanged
    // kustomization of the second commit; 2 location trees + 1 shared subtree ... counted by git below.
    assert.ok(sink.count > 7000, `expected thousands of objects, got ${sink.count}`);
    assert.deepEqual(packFiles(gitdir).filter((f) => f.startsWith('pack-')), [], 'nothing is visible before flush');
    await sink.flush();

    const files = packFiles(gitdir);
    assert.equal(files.length, 2);
    assert.match(files[0]!, /^pack-[0-9a-f]{40}\.idx$/);
    assert.equal(files[1], files[0]!.replace(/\.idx$/, '.pack'));
    assert.equal(sink.lastPack?.objects, sink.count);
    gitSync(gitdir, ['verify-pack', join(gitdir, 'objects', 'pack', files[0]!)]);
    assert.equal(allObjects(gitdir).length, sink.count);

    await publish(gitdir, fleet);
    assertFsckClean(gitdir);
    assertFleetReadable(gitdir, fleet);
  });

  it('gives the same ids as IsoGitSink, and both repositories hold the same objects', async () => {
    const packed = bareRepo('pack-same');
    const loose = bareRepo('iso-same');
    const ids: Record<string, string[]> = {};
    const fleets: Fleet[] = [];
    for (const [name, sink] of [
      ['pack', new PackSink(packed)],
      ['iso', new IsoGitSink(loose)],
    ] as [string, ObjectSink][]) {
      const recorded: string[] = [];
      const recording: ObjectSink = {
        add: (type, body) => {
          const id = sink.add(type, body);
          recorded.push(id);
          return id;
        },
        abort: () => sink.abort(),
        get count() {
          return sink.count;
        },
        flush: () => sink.flush(),
      };
      fleets.push(writeFleet(recording, { locations: 40, filesPerLocation: 3, commitsPerLocation: 2 }));
      await sink.flush();
      ids[name] = recorded;
    }
    assert.deepEqual(ids.pack, ids.iso);
    assert.deepEqual(allObjects(packed), allObjects(loose));
    await publish(packed, fleets[0]!);
    await publish(loose, fleets[1]!);
    assertFsckClean(packed);
    assertFsckClean(loose);
    assertFleetReadable(loose, fleets[1]!);
  });

  it('stores blobs of every size class so that git reads them back byte for byte', async () => {
    const gitdir = bareRepo('pack-sizes');
    const sink = new PackSink(gitdir);
    const bodies = [0, 1, 15, 16, 249, 250, 251, 511, 4096, 32506, 32507, 70000, 3 << 20].map((size, i) =>
      Buffer.from(Array.from({ length: size }, (_, j) => (j * 31 + i * 7 + (j >> 9)) & 0xff)),
    );
    const ids = bodies.map((body) => sink.add('blob', body));
    await sink.flush();
    gitSync(gitdir, ['verify-pack', sink.lastPack!.index]);
    bodies.forEach((body, i) => assert.deepEqual(gitSync(gitdir, ['cat-file', 'blob', ids[i]!]), body, `size ${body.length}`));
    assertFsckClean(gitdir, { allowDangling: true });
  });

  it('writes nothing when nothing was added', async () => {
    const gitdir = bareRepo('pack-empty');
    const sink = new PackSink(gitdir);
    await sink.flush();
    assert.deepEqual(packFiles(gitdir), []);
    assert.equal(sink.lastPack, null);
  });

  it('stores an object added twice once', async () => {
    const gitdir = bareRepo('pack-dedupe');
    const sink = new PackSink(gitdir);
    const a = sink.add('blob', Buffer.from('same\n'));
    const b = sink.add('blob', Buffer.from('same\n'));
    assert.equal(a, b);
    assert.equal(sink.count, 1);
    await sink.flush();
    assert.deepEqual(allObjects(gitdir), [a]);
  });

  it('skips objects the repository already has, as told by existingObjects', async () => {
    const gitdir = bareRepo('pack-existing');
    const known = hashObject('blob', Buffer.from('known\n'));
    const sink = new PackSink(gitdir, { existing: { has: (id) => id === known } });
    assert.equal(sink.add('blob', Buffer.from('known\n')), known);
    const fresh = sink.add('blob', Buffer.from('fresh\n'));
    await sink.flush();
    assert.deepEqual(allObjects(gitdir), [fresh]);
  });

  it('writes the 8-byte offset table in a form git reads', async () => {
    const gitdir = bareRepo('pack-large');
    // Pretend every offset from 200 bytes on is "large", so a small pack exercises the table.
    const sink = new PackSink(gitdir, { largeOffset: 200 });
    const fleet = writeFleet(sink, { locations: 20, filesPerLocation: 2, commitsPerLocation: 1 });
    await sink.flush();
    const index = sink.lastPack!.index;
    const n = sink.count;
    const largeEntries = (statSync(index).size - (8 + 1024 + 28 * n + 40)) / 8;
    assert.ok(largeEntries > n / 2, `most offsets went to the 8-byte table (${largeEntries} of ${n})`);
    gitSync(gitdir, ['verify-pack', index]);
    await publish(gitdir, fleet);
    assertFsckClean(gitdir);
    assertFleetReadable(gitdir, fleet);
  });

  it('streams in small chunks, at any zlib level, to the same objects', async () => {
    for (const level of [0, 1, 6, 9]) {
      const gitdir = bareRepo(`pack-level-${level}`);
      const sink = new PackSink(gitdir, { level, chunkBytes: 64 });
      const fleet = writeFleet(sink, { locations: 10, filesPerLocation: 3, commitsPerLocation: 2 });
      await sink.flush();
      await publish(gitdir, fleet);
      assertFsckClean(gitdir);
      assertFleetReadable(gitdir, fleet);
    }
  });

  it('starts a new pack after each flush and leaves no temporary files', async () => {
    const gitdir = bareRepo('pack-twice');
    const sink = new PackSink(gitdir);
    const first = sink.add('blob', Buffer.from('one\n'));
    await sink.flush();
    assert.equal(sink.add('blob', Buffer.from('one\n')), first);
    sink.add('blob', Buffer.from('two\n'));
    await sink.flush();
    assert.equal(sink.lastPack?.objects, 1);
    const files = packFiles(gitdir);
    assert.equal(files.filter((f) => f.endsWith('.pack')).length, 2);
    assert.deepEqual(files.filter((f) => f.startsWith('tmp_')), []);
    assertFsckClean(gitdir, { allowDangling: true });
  });

  it('removes its temporary pack on abort', async () => {
    const gitdir = bareRepo('pack-abort');
    const sink = new PackSink(gitdir);
    sink.add('blob', Buffer.from('never published\n'));
    assert.equal(packFiles(gitdir).length, 1, 'the temporary pack exists while objects are added');
    await sink.abort();
    assert.deepEqual(packFiles(gitdir), []);
    assert.throws(() => sink.add('blob', Buffer.from('x')), { code: 'GIT_FAILED' });
  });
});
