import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createBareRepo, startGitServer, type GitServer } from '../../test/support/gitServer.js';
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import { encodeCommit, EMPTY_TREE_ID } from './objects.js';
import { PackSink } from './packSink.js';
import { listRefs, updateRefs } from './refs.js';
import { fetchRefs, pushRefs, pushRefsIsoGit, type PushRefResult } from './remote.js';
import { assertFsckClean, bareRepo, removeTempDirs, tempDir, TEST_SIGNATURE, writeFleet, type Fleet } from '../../test/support/gitRepos.js';

const USER = 'edgeplane-bot';
const TOKEN = 's3cret:tok/en@x';
const BASIC = Buffer.from(`${USER}:${TOKEN}`).toString('base64');

/** A local repository with `locations` location branches, each `commits` deep. */
async function sourceRepo(label: string, locations: number, commits: number): Promise<{ gitdir: string; fleet: Fleet }> {
  const gitdir = bareRepo(label);
  const sink = new PackSink(gitdir);
  const fleet = writeFleet(sink, { locations, filesPerLocation: 2, commitsPerLocation: commits });
  await sink.flush();
  await updateRefs(gitdir, [...fleet.refs].map(([ref, newId]) => ({ ref, newId, oldId: null })));
  return { gitdir, fleet };
}

/** Moves every ref of `gitdir` to the next revision of the fleet (a fast-forward). */
async function advance(gitdir: string, locations: number, commits: number): Promise<Fleet> {
  const current = await listRefs(gitdir, 'refs/heads/edgeplane/');
  const sink = new PackSink(gitdir);
  const fleet = writeFleet(sink, { locations, filesPerLocation: 2, commitsPerLocation: commits });
  await sink.flush();
  await updateRefs(gitdir, [...fleet.refs].map(([ref, newId]) => ({ ref, newId, oldId: current.get(ref) ?? null })));
  return fleet;
}

/** Someone else's commit on top of `parent`, written straight into `gitdir` at `ref`. */
async function foreignCommit(gitdir: string, ref: string, parent: string): Promise<string> {
  const sink = new PackSink(gitdir);
  const commit = sink.add(
    'commit',
    encodeCommit({ tree: EMPTY_TREE_ID, parents: [parent], author: TEST_SIGNATURE, committer: TEST_SIGNATURE, message: 'hand edit\n' }),
  );
  sink.add('tree', Buffer.alloc(0));
  await sink.flush();
  await updateRefs(gitdir, [{ ref, newId: commit, oldId: parent }]);
  return commit;
}

function statuses(results: PushRefResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

function assertNoSecret(text: string): void {
  assert.ok(!text.includes(TOKEN) && !text.includes(BASIC), `a credential leaked into: ${text}`);
}

describe('git/remote', () => {
  after(removeTempDirs);

  describe('to a path remote', () => {
    const LOCATIONS = 300;
    let source: { gitdir: string; fleet: Fleet };
    let remote: string;
    before(async () => {
      source = await sourceRepo('push-src', LOCATIONS, 1);
      remote = bareRepo('push-remote');
    });

    it('pushes hundreds of new branches in a few git calls', async () => {
      const refs = [...source.fleet.refs.keys()];
      const results = await pushRefs({ gitdir: source.gitdir, url: remote, refs, refsPerCall: 128 });
      assert.deepEqual(results.map((r) => r.ref), refs, 'one result per ref, in order');
      assert.deepEqual(statuses(results), { ok: LOCATIONS });
      assert.equal(results[0]!.message, '[new branch]');
      assert.deepEqual(await listRefs(remote, 'refs/heads/edgeplane/'), source.fleet.refs);
      assertFsckClean(remote);
    });

    it('pushes most refs of a folder as its glob less the others, and only those', async () => {
      const other = bareRepo('push-subset');
      const all = [...source.fleet.refs.keys()];
      const left = new Set(all.filter((_, i) => i % 15 === 0));
      const refs = all.filter((ref) => !left.has(ref)).reverse();
      const results = await pushRefs({ gitdir: source.gitdir, url: other, refs });
      assert.deepEqual(results.map((r) => r.ref), refs, 'one result per ref, in order');
      assert.deepEqual(statuses(results), { ok: refs.length });
      const pushed = await listRefs(other, 'refs/heads/edgeplane/');
      assert.deepEqual([...pushed.keys()].sort(), [...refs].sort());
      assertFsckClean(other);
    });

    it('reports unchanged refs as up-to-date', async () => {
      const results = await pushRefs({ gitdir: source.gitdir, url: remote, refs: [...source.fleet.refs.keys()] });
      assert.deepEqual(statuses(results), { 'up-to-date': LOCATIONS });
    });

    it('fast-forwards, and reports a ref someone else moved as rejected without forcing it', async () => {
      const moved = 'refs/heads/edgeplane/loc-00005';
      const theirs = await foreignCommit(remote, moved, source.fleet.refs.get(moved)!);
      const next = await advance(source.gitdir, LOCATIONS, 2);
      const results = await pushRefs({ gitdir: source.gitdir, url: remote, refs: [...next.refs.keys()], refsPerCall: 100 });
      assert.deepEqual(statuses(results), { ok: LOCATIONS - 1, rejected: 1 });
      const rejected = results.find((r) => r.status === 'rejected')!;
      assert.equal(rejected.ref, moved);
      assert.match(rejected.message, /\[rejected\] \((fetch first|non-fast-forward)\)/);
      const after = await listRefs(remote, 'refs/heads/edgeplane/');
      assert.equal(after.get(moved), theirs, 'their commit is kept');
      assert.equal(after.get('refs/heads/edgeplane/loc-00006'), next.refs.get('refs/heads/edgeplane/loc-00006'));
      // The rejected commit arrived in the pack before the remote refused the ref: dangling, as with any git push.
      assertFsckClean(remote, { allowDangling: true });
    });

    it('marks every ref of a failed call as error', async () => {
      const results = await pushRefs({
        gitdir: source.gitdir,
        url: join(tempDir('nowhere'), 'missing.git'),
        refs: ['refs/heads/edgeplane/loc-00001', 'refs/heads/edgeplane/loc-00002'],
      });
      assert.deepEqual(statuses(results), { error: 2 });
      assert.match(results[0]!.message, /git push .* failed/);
    });

    it('fetches many refs by refspec', async () => {
      const mirror = bareRepo('fetch-dst');
      await fetchRefs({ gitdir: mirror, url: remote, refspecs: ['+refs/heads/edgeplane/*:refs/remotes/output/edgeplane/*'] });
      const fetched = await listRefs(mirror, 'refs/remotes/output/edgeplane/');
      const expected = await listRefs(remote, 'refs/heads/edgeplane/');
      assert.equal(fetched.size, LOCATIONS);
      for (const [ref, id] of expected) assert.equal(fetched.get(ref.replace('refs/heads/', 'refs/remotes/output/')), id);
      assertFsckClean(mirror);
    });

    it('refuses URLs with credentials, option-like URLs and refspecs, and bad ref names', async () => {
      const base = { gitdir: source.gitdir, refs: ['refs/heads/edgeplane/loc-00001'] };
      await assert.rejects(pushRefs({ ...base, url: `https://${USER}:${TOKEN}@example.invalid/x.git` }), (e: unknown) => {
        assert.ok(e instanceof EdgeplaneError && e.code === 'BAD_ARGUMENT');
        assertNoSecret(e.message + JSON.stringify(e.data));
        return true;
      });
      await assert.rejects(pushRefs({ ...base, url: '--upload-pack=touch /tmp/pwned' }), { code: 'BAD_ARGUMENT' });
      await assert.rejects(pushRefs({ ...base, url: remote, refs: ['--force'] }), { code: 'BAD_ARGUMENT' });
      await assert.rejects(fetchRefs({ gitdir: source.gitdir, url: remote, refspecs: ['--upload-pack=x'] }), { code: 'BAD_ARGUMENT' });
    });

    it('keeps credentials out of messages when the remote cannot be reached', async () => {
      const results = await pushRefs({
        gitdir: source.gitdir,
        url: 'http://127.0.0.1:9/nothing.git',
        refs: ['refs/heads/edgeplane/loc-00001'],
        auth: { username: USER, token: TOKEN },
      });
      assert.equal(results[0]!.status, 'error');
      assertNoSecret(results[0]!.message);
    });
  });

  describe('over smart HTTP with credentials', () => {
    let server: GitServer;
    let root: string;
    let source: { gitdir: string; fleet: Fleet };
    before(async () => {
      root = tempDir('http-root');
      server = await startGitServer({ root, user: USER, token: TOKEN });
      source = await sourceRepo('http-src', 50, 1);
    });
    after(async () => {
      await server?.close();
    });

    it('pushes many refs with git and the token in an extra header', async () => {
      const remote = await createBareRepo(root, 'git-path.git');
      const refs = [...source.fleet.refs.keys()];
      const results = await pushRefs({ gitdir: source.gitdir, url: server.url('git-path.git'), refs, auth: { username: USER, token: TOKEN } });
      assert.deepEqual(statuses(results), { ok: refs.length });
      assert.deepEqual(await listRefs(remote, 'refs/heads/edgeplane/'), source.fleet.refs);
      assertFsckClean(remote);

      const mirror = bareRepo('http-fetch');
      await fetchRefs({
        gitdir: mirror,
        url: server.url('git-path.git'),
        refspecs: ['+refs/heads/edgeplane/*:refs/heads/edgeplane/*'],
        auth: { username: USER, token: TOKEN },
      });
      assert.deepEqual(await listRefs(mirror, 'refs/heads/edgeplane/'), source.fleet.refs);
    });

    it('throws AUTH, without the token, when the credentials are wrong or missing', async () => {
      await createBareRepo(root, 'denied.git');
      const refs = ['refs/heads/edgeplane/loc-00000'];
      for (const auth of [{ username: USER, token: `${TOKEN}-wrong` }, undefined]) {
        await assert.rejects(
          pushRefs({ gitdir: source.gitdir, url: server.url('denied.git'), refs, ...(auth ? { auth } : {}) }),
          (e: unknown) => {
            assert.ok(e instanceof EdgeplaneError);
            assert.equal(e.code, 'AUTH');
            assertNoSecret(e.message + JSON.stringify(e.data));
            return true;
          },
        );
      }
    });

    it('pushes with isomorphic-git one ref at a time (the benchmark anchor), reporting non-fast-forwards as rejected', async () => {
      const remote = await createBareRepo(root, 'iso-path.git');
      const url = server.url('iso-path.git');
      const auth = { username: USER, token: TOKEN };
      const refs = [...source.fleet.refs.keys()].slice(0, 10);
      const first = await pushRefsIsoGit({ gitdir: source.gitdir, url, refs, auth });
      assert.deepEqual(statuses(first), { ok: 10 });
      for (const ref of refs) assert.equal((await listRefs(remote, ref)).get(ref), source.fleet.refs.get(ref));

      await foreignCommit(remote, refs[3]!, source.fleet.refs.get(refs[3]!)!);
      const again = await pushRefsIsoGit({ gitdir: source.gitdir, url, refs: [refs[3]!], auth });
      assert.equal(again[0]!.status, 'rejected');
      assertNoSecret(again[0]!.message);

      await assert.rejects(pushRefsIsoGit({ gitdir: source.gitdir, url, refs, auth: { username: USER, token: 'nope' } }), {
        code: 'AUTH',
      });
      assertFsckClean(remote);
    });
  });
});
