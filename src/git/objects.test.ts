import assert from 'node:assert/strict';
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import { EMPTY_TREE_ID, encodeCommit, encodeTree, hashObject, TreeBuilder, type Signature, type TreeEntry } from './objects.js';
import { bareRepo, gitSync, gitText, removeTempDirs } from '../../test/support/gitRepos.js';

const BLOB_A = hashObject('blob', Buffer.from('a\n'));
const BLOB_B = hashObject('blob', Buffer.from('b\n'));

describe('git/objects', () => {
  let repo: string;
  before(() => {
    repo = bareRepo('objects');
  });
  after(removeTempDirs);

  describe('hashObject', () => {
    const bodies: [string, Buffer][] = [
      ['empty', Buffer.alloc(0)],
      ['text', Buffer.from('apiVersion: v1\nkind: ConfigMap\n')],
      ['no trailing newline', Buffer.from('x')],
      ['binary with NUL and CR', Buffer.from([0, 1, 2, 13, 10, 255, 0])],
      ['utf-8', Buffer.from('station: Kiruna – Esrange ✓\n')],
      ['1 MiB', Buffer.alloc(1 << 20, 'k')],
    ];
    for (const [label, body] of bodies) {
      it(`matches git hash-object for a ${label} blob`, () => {
        assert.equal(hashObject('blob', body), gitText(repo, ['hash-object', '-t', 'blob', '--stdin'], { input: body }));
      });
    }
  });

  describe('encodeTree', () => {
    const cases: [string, TreeEntry[]][] = [
      ['empty', []],
      ['one file', [{ name: 'README.md', mode: '100644', id: BLOB_A }]],
      [
        'Git order: a subtree sorts as name + "/"',
        [
          { name: 'a0', mode: '100644', id: BLOB_A },
          { name: 'a', mode: '040000', id: EMPTY_TREE_ID },
          { name: 'a.b', mode: '100644', id: BLOB_B },
          { name: 'a-b', mode: '040000', id: EMPTY_TREE_ID },
          { name: 'ab', mode: '100755', id: BLOB_A },
          { name: 'Z', mode: '100644', id: BLOB_B },
        ],
      ],
      [
        'file name that is a prefix of a subtree name',
        [
          { name: 'kustomization.yaml', mode: '100644', id: BLOB_A },
          { name: 'kustomization', mode: '040000', id: EMPTY_TREE_ID },
          { name: 'kustomization.yaml.d', mode: '040000', id: EMPTY_TREE_ID },
        ],
      ],
      [
        'non-ASCII names sort by UTF-8 bytes',
        [
          { name: 'é.yaml', mode: '100644', id: BLOB_A },
          { name: 'z.yaml', mode: '100644', id: BLOB_A },
          { name: '\u{1F680}.yaml', mode: '100644', id: BLOB_B },
          { name: '\uFF21.yaml', mode: '100644', id: BLOB_B },
        ],
      ],
      [
        'symlink and submodule entries',
        [
          { name: 'link', mode: '120000', id: BLOB_A },
          { name: 'sub', mode: '160000', id: BLOB_B },
        ],
      ],
    ];
    for (const [label, entries] of cases) {
      it(`matches git mktree: ${label}`, () => {
        const input = entries
          .map((e) => `${e.mode} ${e.mode === '040000' ? 'tree' : e.mode === '160000' ? 'commit' : 'blob'} ${e.id}\t${e.name}\n`)
          .join('');
        const expected = gitText(repo, ['mktree', '--missing'], { input });
        const body = encodeTree(entries);
        assert.equal(hashObject('tree', body), expected);
        assert.deepEqual(gitSync(repo, ['cat-file', 'tree', expected]), body);
      });
    }

    it('refuses two entries with the same name', () => {
      assert.throws(
        () =>
          encodeTree([
            { name: 'a', mode: '100644', id: BLOB_A },
            { name: 'a', mode: '040000', id: EMPTY_TREE_ID },
          ]),
        (e: unknown) => e instanceof EdgeplaneError && e.code === 'BAD_ARGUMENT' && /two entries named "a"/.test(e.message),
      );
    });

    for (const name of ['', '.', '..', '.git', '.GIT', 'GIT~1', '.git.', '.git ', '.g\u200cit', 'a/b', 'nul\0byte']) {
      it(`refuses the entry name ${JSON.stringify(name)}`, () => {
        assert.throws(() => encodeTree([{ name, mode: '100644', id: BLOB_A }]), { code: 'BAD_ARGUMENT' });
      });
    }

    it('refuses an id that is not 40 lowercase hex digits', () => {
      assert.throws(() => encodeTree([{ name: 'a', mode: '100644', id: BLOB_A.toUpperCase() }]), { code: 'BAD_ARGUMENT' });
    });
  });

  describe('encodeCommit', () => {
    const author: Signature = { name: 'Edgeplane Bot', email: 'bot@edgeplane.io', timestamp: 1700000000, tzOffset: '+0100' };
    const committer: Signature = { name: 'Ops Person', email: 'ops@example.com', timestamp: 1700000123, tzOffset: '-0530' };
    const env = {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_AUTHOR_DATE: `@${author.timestamp} ${author.tzOffset}`,
      GIT_COMMITTER_NAME: committer.name,
      GIT_COMMITTER_EMAIL: committer.email,
      GIT_COMMITTER_DATE: `@${committer.timestamp} ${committer.tzOffset}`,
    };
    const commitTree = (tree: string, parents: string[], message: string): string =>
      gitText(repo, ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p])], { input: message, env });

    it('matches git commit-tree for root, single-parent and merge commits', () => {
      const tree = gitText(repo, ['mktree'], { input: '' });
      const message = 'Render telemetry for kiruna\n\nEdgeplane-Source: 0123456789abcdef0123456789abcdef01234567\n';
      const root = commitTree(tree, [], 'root\n');
      const child = commitTree(tree, [root], message);
      const other = commitTree(tree, [root], 'other ✓\n');
      const merge = commitTree(tree, [child, other], 'merge\n');
      const cases: [string, string[], string, string][] = [
        ['root', [], 'root\n', root],
        ['child', [root], message, child],
        ['merge', [child, other], 'merge\n', merge],
      ];
      for (const [label, parents, msg, expected] of cases) {
        const body = encodeCommit({ tree, parents, author, committer, message: msg });
        assert.equal(hashObject('commit', body), expected, label);
        assert.deepEqual(gitSync(repo, ['cat-file', 'commit', expected]), body, label);
      }
    });

    const bad: [string, Partial<Signature>][] = [
      ['a name with <', { name: 'a <b>' }],
      ['an email with a newline', { email: 'a\n@b' }],
      ['an empty name', { name: ' ' }],
      ['a fractional timestamp', { timestamp: 1.5 }],
      ['a bad zone', { tzOffset: 'UTC' }],
    ];
    for (const [label, change] of bad) {
      it(`refuses ${label}`, () => {
        assert.throws(
          () => encodeCommit({ tree: EMPTY_TREE_ID, parents: [], author: { ...author, ...change }, committer, message: 'm\n' }),
          { code: 'BAD_ARGUMENT' },
        );
      });
    }
  });

  describe('TreeBuilder', () => {
    it('builds the same nested trees as git write-tree from an index', () => {
      const files: [string, string, '100644' | '100755'][] = [
        ['README.md', BLOB_A, '100644'],
        ['kustomization.yaml', BLOB_B, '100644'],
        ['.edgeplane/placement.yaml', BLOB_A, '100644'],
        ['telemetry/deployment-telemetry.yaml', BLOB_A, '100644'],
        ['telemetry/configmap-telemetry.yaml', BLOB_B, '100644'],
        ['telemetry/scripts/run.sh', BLOB_B, '100755'],
        ['telemetry.yaml', BLOB_A, '100644'],
        ['a/b/c/d/e.yaml', BLOB_A, '100644'],
        ['a/b.yaml', BLOB_B, '100644'],
      ];
      const builder = new TreeBuilder();
      for (const [path, id, mode] of files) builder.add(path, id, mode);
      const built = builder.build();

      const env = { GIT_INDEX_FILE: `${repo}/test-index-${process.pid}` };
      gitSync(repo, ['update-index', '--add', '--index-info'], {
        input: files.map(([path, id, mode]) => `${mode} ${id}\t${path}\n`).join(''),
        env,
      });
      const expected = gitText(repo, ['write-tree', '--missing-ok'], { env });
      assert.equal(built.rootId, expected);
      assert.equal(built.objects.at(-1)!.id, built.rootId, 'root comes last: children before parents');
      for (const object of built.objects) {
        assert.equal(object.type, 'tree');
        assert.equal(hashObject('tree', object.body), object.id);
        assert.deepEqual(gitSync(repo, ['cat-file', 'tree', object.id]), object.body);
      }
      assert.equal(new Set(built.objects.map((o) => o.id)).size, built.objects.length, 'each tree once');
    });

    it('lists an identical subtree once', () => {
      const built = new TreeBuilder().add('x/a.yaml', BLOB_A).add('y/a.yaml', BLOB_A).build();
      assert.equal(built.objects.length, 2);
    });

    it('grafts an existing subtree without expanding it', () => {
      const sub = new TreeBuilder().add('a.yaml', BLOB_A).build();
      const grafted = new TreeBuilder().add('placement', sub.rootId, '040000').add('README.md', BLOB_B).build();
      const expanded = new TreeBuilder().add('placement/a.yaml', BLOB_A).add('README.md', BLOB_B).build();
      assert.equal(grafted.rootId, expanded.rootId);
      assert.equal(grafted.objects.length, 1);
    });

    it('gives the empty tree when nothing was added', () => {
      assert.equal(new TreeBuilder().build().rootId, EMPTY_TREE_ID);
    });

    it('accepts the same path twice with the same id, refuses conflicts', () => {
      const builder = new TreeBuilder().add('a/b.yaml', BLOB_A).add('a/b.yaml', BLOB_A);
      assert.throws(() => builder.add('a/b.yaml', BLOB_B), /conflicts/);
      assert.throws(() => builder.add('a', BLOB_B), /conflicts/);
      assert.throws(() => builder.add('a/b.yaml/c', BLOB_B), /conflicts/);
      const grafted = new TreeBuilder().add('p', EMPTY_TREE_ID, '040000');
      assert.throws(() => grafted.add('p/x', BLOB_A), /conflicts/);
    });

    for (const path of ['/a', 'a/', 'a//b', '../a', 'a/./b', '.git/config', 'a/.git/hooks/x', '']) {
      it(`refuses the path ${JSON.stringify(path)}`, () => {
        assert.throws(() => new TreeBuilder().add(path, BLOB_A), { code: 'BAD_ARGUMENT' });
      });
    }
  });
});
