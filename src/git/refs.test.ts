import assert from 'node:assert/strict';
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import { encodeCommit, encodeTree, EMPTY_TREE_ID, hashObject, type TreeEntry } from './objects.js';
import { PackSink } from './packSink.js';
import { listRefs, readBlobs, readTreeEntries, RefMovedError, updateRefs } from './refs.js';
import { refNameProblem } from './refName.js';
import { bareRepo, gitText, removeTempDirs, TEST_SIGNATURE } from '../../test/support/gitRepos.js';

/** Writes `count` distinct root commits on the empty tree and returns their ids. */
async function commits(gitdir: string, count: number): Promise<string[]> {
  const sink = new PackSink(gitdir);
  const ids = Array.from({ length: count }, (_, i) =>
    sink.add(
      'commit',
      encodeCommit({ tree: EMPTY_TREE_ID, parents: [], author: TEST_SIGNATURE, committer: TEST_SIGNATURE, message: `commit ${i}\n` }),
    ),
  );
  sink.add('tree', encodeTree([]));
  await sink.flush();
  return ids;
}

function refsOf(gitdir: string): string {
  return gitText(gitdir, ['for-each-ref', '--format=%(refname) %(objectname)']);
}

describe('git/refs', () => {
  after(removeTempDirs);

  describe('updateRefs and listRefs', () => {
    let gitdir: string;
    let c: string[];
    before(async () => {
      gitdir = bareRepo('refs');
      c = await commits(gitdir, 6);
    });

    it('creates, updates and deletes refs in one transaction', async () => {
      await updateRefs(gitdir, [
        { ref: 'refs/heads/edgeplane/kiruna', newId: c[0]!, oldId: null },
        { ref: 'refs/heads/edgeplane/svalbard', newId: c[1]!, oldId: null },
        { ref: 'refs/heads/edgeplane/troll', newId: c[2]!, oldId: null },
        { ref: 'refs/heads/edgeplane-status', newId: c[3]!, oldId: null },
      ]);
      await updateRefs(gitdir, [
        { ref: 'refs/heads/edgeplane/kiruna', newId: c[4]!, oldId: c[0]! },
        { ref: 'refs/heads/edgeplane/troll', newId: null, oldId: c[2]! },
        { ref: 'refs/heads/edgeplane/gone', newId: null, oldId: null },
      ]);
      const refs = await listRefs(gitdir, 'refs/heads/edgeplane/');
      assert.deepEqual(
        [...refs],
        [
          ['refs/heads/edgeplane/kiruna', c[4]!],
          ['refs/heads/edgeplane/svalbard', c[1]!],
        ],
      );
    });

    it('lists by plain string prefix, not only whole folders', async () => {
      assert.deepEqual([...(await listRefs(gitdir, 'refs/heads/edgeplane/s')).keys()], ['refs/heads/edgeplane/svalbard']);
      assert.deepEqual([...(await listRefs(gitdir, 'refs/heads/edgeplane')).keys()], [
        'refs/heads/edgeplane-status',
        'refs/heads/edgeplane/kiruna',
        'refs/heads/edgeplane/svalbard',
      ]);
      assert.equal((await listRefs(gitdir, 'refs/tags/')).size, 0);
      await assert.rejects(listRefs(gitdir, 'refs/heads/*'), { code: 'BAD_ARGUMENT' });
    });

    it('fails the whole transaction when one ref moved, and changes no ref', async () => {
      const before = refsOf(gitdir);
      await assert.rejects(
        updateRefs(gitdir, [
          { ref: 'refs/heads/edgeplane/aaa-new', newId: c[5]!, oldId: null },
          { ref: 'refs/heads/edgeplane/kiruna', newId: c[5]!, oldId: c[0]! /* it is at c[4] */ },
          { ref: 'refs/heads/edgeplane/svalbard', newId: c[5]!, oldId: c[1]! },
        ]),
        (error: unknown) => {
          assert.ok(error instanceof RefMovedError);
          assert.equal(error.code, 'GIT_FAILED');
          assert.equal(error.ref, 'refs/heads/edgeplane/kiruna');
          assert.equal(error.expected, c[0]);
          assert.match(error.message, /refs\/heads\/edgeplane\/kiruna/);
          assert.match(error.message, /No ref was changed/);
          return true;
        },
      );
      assert.equal(refsOf(gitdir), before);
    });

    it('fails when a ref to create already exists, or one to update is gone', async () => {
      const before = refsOf(gitdir);
      await assert.rejects(
        updateRefs(gitdir, [{ ref: 'refs/heads/edgeplane/kiruna', newId: c[5]!, oldId: null }]),
        (e: unknown) => e instanceof RefMovedError && /already exists/.test(e.message),
      );
      await assert.rejects(
        updateRefs(gitdir, [{ ref: 'refs/heads/edgeplane/troll', newId: c[5]!, oldId: c[2]! }]),
        (e: unknown) => e instanceof RefMovedError && e.ref === 'refs/heads/edgeplane/troll',
      );
      assert.equal(refsOf(gitdir), before);
    });

    it('refuses bad input before running git', async () => {
      const cases: [string, Parameters<typeof updateRefs>[1]][] = [
        ['bad ref name', [{ ref: 'refs/heads/a..b', newId: c[0]!, oldId: null }]],
        ['not under refs/', [{ ref: 'HEAD', newId: c[0]!, oldId: null }]],
        ['option-like', [{ ref: '--delete', newId: c[0]!, oldId: null }]],
        ['a line break', [{ ref: 'refs/heads/x\ndelete refs/heads/y', newId: c[0]!, oldId: null }]],
        ['bad id', [{ ref: 'refs/heads/x', newId: 'HEAD', oldId: null }]],
        [
          'the same ref twice',
          [
            { ref: 'refs/heads/x', newId: c[0]!, oldId: null },
            { ref: 'refs/heads/x', newId: c[1]!, oldId: null },
          ],
        ],
      ];
      for (const [label, updates] of cases) {
        await assert.rejects(updateRefs(gitdir, updates), { code: 'BAD_ARGUMENT' }, label);
      }
    });

    it('reports a new id the repository does not hold as GIT_FAILED, changing nothing', async () => {
      const before = refsOf(gitdir);
      await assert.rejects(
        updateRefs(gitdir, [{ ref: 'refs/heads/edgeplane/new', newId: '1'.repeat(40), oldId: null }]),
        (e: unknown) => e instanceof EdgeplaneError && e.code === 'GIT_FAILED' && !(e instanceof RefMovedError),
      );
      assert.equal(refsOf(gitdir), before);
    });

    it('updates thousands of refs in one call', async () => {
      const many = Array.from({ length: 3000 }, (_, i) => ({
        ref: `refs/heads/edgeplane/bulk-${i}`,
        newId: c[i % c.length]!,
        oldId: null,
      }));
      await updateRefs(gitdir, many);
      const listed = await listRefs(gitdir, 'refs/heads/edgeplane/bulk-');
      assert.equal(listed.size, 3000);
      assert.equal(listed.get('refs/heads/edgeplane/bulk-2999'), c[2999 % c.length]);
    });
  });

  describe('readBlobs and readTreeEntries', () => {
    let gitdir: string;
    const files: Record<string, Buffer> = {
      'README.md': Buffer.from('# kiruna\n'),
      'bin.dat': Buffer.from([0, 10, 13, 10, 0, 255]),
      'empty': Buffer.alloc(0),
      'with space.yaml': Buffer.from('a: 1\nb: "missing"\n'),
    };
    let entries: TreeEntry[];
    before(async () => {
      gitdir = bareRepo('read');
      const sink = new PackSink(gitdir);
      const sub = sink.add('tree', encodeTree([{ name: 'x.yaml', mode: '100644', id: sink.add('blob', Buffer.from('x\n')) }]));
      entries = [
        ...Object.entries(files).map(([name, body]) => ({ name, mode: '100644' as const, id: sink.add('blob', body) })),
        { name: 'run.sh', mode: '100755', id: sink.add('blob', Buffer.from('#!/bin/sh\n')) },
        { name: 'telemetry', mode: '040000', id: sub },
      ];
      const tree = sink.add('tree', encodeTree(entries));
      const commit = sink.add(
        'commit',
        encodeCommit({ tree, parents: [], author: TEST_SIGNATURE, committer: TEST_SIGNATURE, message: 'files\n' }),
      );
      await sink.flush();
      await updateRefs(gitdir, [{ ref: 'refs/heads/edgeplane/kiruna', newId: commit, oldId: null }]);
    });

    it('reads many blobs through one cat-file, missing ones as null', async () => {
      const specs = [
        ...Object.keys(files).map((name) => `refs/heads/edgeplane/kiruna:${name}`),
        'refs/heads/edgeplane/kiruna:telemetry/x.yaml',
        'refs/heads/edgeplane/kiruna:nope.yaml',
        'refs/heads/edgeplane/nobody:README.md',
        hashObject('blob', Buffer.from('x\n')),
        'refs/heads/edgeplane/kiruna:README.md',
      ];
      const blobs = await readBlobs(gitdir, specs);
      assert.equal(blobs.size, specs.length - 1);
      for (const [name, body] of Object.entries(files)) assert.deepEqual(blobs.get(`refs/heads/edgeplane/kiruna:${name}`), body, name);
      assert.deepEqual(blobs.get('refs/heads/edgeplane/kiruna:telemetry/x.yaml'), Buffer.from('x\n'));
      assert.deepEqual(blobs.get(hashObject('blob', Buffer.from('x\n'))), Buffer.from('x\n'));
      assert.equal(blobs.get('refs/heads/edgeplane/kiruna:nope.yaml'), null);
      assert.equal(blobs.get('refs/heads/edgeplane/nobody:README.md'), null);
      assert.equal((await readBlobs(gitdir, [])).size, 0);
    });

    it('refuses a spec that names a tree, or contains a line break', async () => {
      await assert.rejects(readBlobs(gitdir, ['refs/heads/edgeplane/kiruna:telemetry']), { code: 'BAD_ARGUMENT' });
      await assert.rejects(readBlobs(gitdir, ['a\nb']), { code: 'BAD_ARGUMENT' });
    });

    it('lists a tree as the entries it was built from', async () => {
      const read = await readTreeEntries(gitdir, 'refs/heads/edgeplane/kiruna');
      assert.equal(hashObject('tree', encodeTree(read)), hashObject('tree', encodeTree(entries)));
      assert.deepEqual(
        read.map((e) => e.name),
        ['README.md', 'bin.dat', 'empty', 'run.sh', 'telemetry', 'with space.yaml'],
      );
      assert.deepEqual(read.find((e) => e.name === 'telemetry')?.mode, '040000');
      assert.deepEqual(read.find((e) => e.name === 'run.sh')?.mode, '100755');
      assert.deepEqual(await readTreeEntries(gitdir, 'refs/heads/edgeplane/kiruna:telemetry'), [
        { name: 'x.yaml', mode: '100644', id: hashObject('blob', Buffer.from('x\n')) },
      ]);
    });

    it('throws NOT_FOUND for a treeish that does not exist', async () => {
      await assert.rejects(readTreeEntries(gitdir, 'refs/heads/edgeplane/nobody'), { code: 'NOT_FOUND' });
      await assert.rejects(readTreeEntries(gitdir, '--output=/tmp/x'), { code: 'NOT_FOUND' });
    });
  });

  describe('refNameProblem', () => {
    const valid = ['refs/heads/edgeplane/kiruna', 'refs/heads/edgeplane-status', 'refs/heads/a.b/c-d_e'];
    const invalid = ['HEAD', 'refs/heads/', 'refs//x', 'refs/heads/a..b', 'refs/heads/.hidden', 'refs/heads/x.lock', 'refs/heads/a b', 'refs/heads/a~1', 'refs/heads/a@{1}', 'refs/heads/a.', 'refs/heads/a\\b', 'refs/heads/a*'];
    for (const ref of valid) it(`accepts ${ref}`, () => assert.equal(refNameProblem(ref), null));
    for (const ref of invalid) it(`refuses ${JSON.stringify(ref)}`, () => assert.notEqual(refNameProblem(ref), null));
  });
});
