import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createBareRepo, startGitServer, type GitServer } from '../support/gitServer.js';

const USER = 'edgeplane-bot';
const TOKEN = 'tok3n:with/odd@chars';

/** git with no machine config, no prompts and a fixed identity, so results do not depend on the host. */
const GIT_ENV: NodeJS.ProcessEnv = (() => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'author@example.invalid',
    GIT_COMMITTER_NAME: 'Test Committer',
    GIT_COMMITTER_EMAIL: 'committer@example.invalid',
  };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'SSH_ASKPASS']) delete env[name];
  return env;
})();

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runGit(cwd: string, args: string[]): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, env: GIT_ENV }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await runGit(cwd, args);
  assert.equal(result.code, 0, `git ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout.trim();
}

/** A raw HTTP request, for asserting what the server answers where git would hide it. */
function httpRequest(url: string, options: { method?: string; path?: string; body?: string } = {}): Promise<number> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, method: options.method ?? 'GET', path: options.path ?? target.pathname + target.search },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('simulated environment: git smart-HTTP server', () => {
  let scratch: string;
  let root: string;
  let server: GitServer;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'edgeplane-gitserver-'));
    root = join(scratch, 'repos');
    await createBareRepo(root, 'spec.git');
    server = await startGitServer({ root, user: USER, token: TOKEN });
  });

  after(async () => {
    await server?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  /** A fresh working repo with one commit on main. */
  async function workRepo(name: string, file = 'README.md'): Promise<string> {
    const dir = join(scratch, name);
    await git(scratch, 'init', '--quiet', '--initial-branch=main', dir);
    await git(dir, 'commit', '--quiet', '--allow-empty', '-m', `${name}: ${file}`);
    return dir;
  }

  it('accepts a push with credentials and serves it to an anonymous clone', async () => {
    const work = await workRepo('pusher');
    const pushed = await git(work, 'rev-parse', 'HEAD');
    await git(work, 'push', '--quiet', server.authUrl('spec.git'), 'main');

    assert.equal(await git(join(root, 'spec.git'), 'rev-parse', 'main'), pushed);
    const clone = join(scratch, 'clone');
    await git(scratch, 'clone', '--quiet', server.url('spec.git'), clone);
    assert.equal(await git(clone, 'rev-parse', 'HEAD'), pushed);
  });

  it('rejects a push without credentials: 401, git fails, the ref is unchanged', async () => {
    const before = await git(join(root, 'spec.git'), 'rev-parse', 'main');
    const work = await workRepo('intruder');

    const result = await runGit(work, ['push', server.url('spec.git'), 'HEAD:main', '--force']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /could not read Username|Authentication failed|401/);
    assert.equal(await git(join(root, 'spec.git'), 'rev-parse', 'main'), before);

    assert.equal(await httpRequest(server.url('spec.git/info/refs?service=git-receive-pack')), 401);
    const post = { method: 'POST', body: '0000' };
    assert.equal(await httpRequest(server.url('spec.git/git-receive-pack'), post), 401);
  });

  it('rejects a push with a wrong token', async () => {
    const work = await workRepo('wrong-token');
    const wrong = server.authUrl('spec.git').replace(encodeURIComponent(TOKEN), 'not-the-token');
    const result = await runGit(work, ['push', wrong, 'HEAD:refs/heads/other']);
    assert.notEqual(result.code, 0);
    assert.equal((await runGit(join(root, 'spec.git'), ['rev-parse', '--verify', '--quiet', 'other'])).code, 1);
  });

  it('serves fetches over protocol v0 and v2', async () => {
    for (const version of ['0', '2']) {
      const clone = join(scratch, `clone-v${version}`);
      await git(scratch, '-c', `protocol.version=${version}`, 'clone', '--quiet', server.url('spec.git'), clone);
      assert.equal(await git(clone, 'rev-parse', 'HEAD'), await git(join(root, 'spec.git'), 'rev-parse', 'main'));
    }
  });

  it('serves a fetch whose request body git gzips', async () => {
    // Wanting many distinct commits makes the upload-pack request large enough (>1 KiB) for git to gzip it.
    const work = await workRepo('many');
    for (let i = 0; i < 40; i++) {
      await git(work, 'commit', '--quiet', '--allow-empty', '-m', `commit ${i}`);
      await git(work, 'branch', `topic/a-fairly-long-branch-name-${i}`);
    }
    await createBareRepo(root, 'many.git');
    await git(work, 'push', '--quiet', server.authUrl('many.git'), '--all');

    const gzipBefore = server.gzipRequests;
    const clone = join(scratch, 'clone-many');
    await git(scratch, 'clone', '--quiet', '--mirror', server.url('many.git'), clone);
    assert.ok(server.gzipRequests > gzipBefore, 'expected at least one gzip-encoded request');
    const branches = await git(clone, 'for-each-ref', '--format=%(refname)', 'refs/heads/topic/');
    assert.equal(branches.split('\n').length, 40);
  });

  it('requires credentials for reads when requireAuthForRead is set', async () => {
    const locked = await startGitServer({ root, user: USER, token: TOKEN, requireAuthForRead: true });
    try {
      const denied = await runGit(scratch, ['clone', '--quiet', locked.url('spec.git'), join(scratch, 'denied')]);
      assert.notEqual(denied.code, 0);
      assert.equal(await httpRequest(locked.url('spec.git/info/refs?service=git-upload-pack')), 401);
      await git(scratch, 'clone', '--quiet', locked.authUrl('spec.git'), join(scratch, 'allowed'));
      assert.ok(locked.requests > 0);
    } finally {
      await locked.close();
    }
  });

  it('answers 404 for a missing repository and 400 for a path that climbs out of the root', async () => {
    assert.equal(await httpRequest(server.url('nope.git/info/refs?service=git-upload-pack')), 404);
    const escape = { path: '/..%2F..%2Fetc/info/refs?service=git-upload-pack' };
    assert.equal(await httpRequest(server.url(''), escape), 400);
  });

  it('counts each account\'s traffic and puts each behind its own link: down, latency, bandwidth', async () => {
    const links = new Map<string | undefined, { down?: boolean; latencyMs?: number; bytesPerSecond?: number }>();
    const shaped = await startGitServer({ root, user: USER, token: TOKEN, accounts: { 'edge-a': 'ta', 'edge-b': 'tb' }, link: (user) => links.get(user) });
    const as = (user: string, token: string) => ['-c', `http.extraHeader=Authorization: Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`];
    try {
      // A blob of incompressible bytes makes the clone's size dominate its traffic.
      const work = await workRepo('payload');
      await writeFile(join(work, 'payload.bin'), randomBytes(64 * 1024));
      await git(work, 'add', 'payload.bin');
      await git(work, 'commit', '--quiet', '-m', 'payload');
      await createBareRepo(root, 'payload.git');
      await git(work, 'push', '--quiet', shaped.authUrl('payload.git'), 'main');

      await git(scratch, ...as('edge-a', 'ta'), 'clone', '--quiet', shaped.url('payload.git'), join(scratch, 'edge-a'));
      const a = shaped.traffic('edge-a');
      assert.ok(a.requests >= 2 && a.bytesSent > 10_000, JSON.stringify(a));
      assert.deepEqual(shaped.traffic('edge-b'), { requests: 0, refused: 0, bytesSent: 0, bytesReceived: 0 });
      assert.ok(shaped.traffic(USER).bytesReceived > 10_000, 'the push is counted as received bytes of its account');

      links.set('edge-b', { down: true });
      const down = await runGit(scratch, [...as('edge-b', 'tb'), 'clone', '--quiet', shaped.url('payload.git'), join(scratch, 'edge-b')]);
      assert.notEqual(down.code, 0);
      assert.equal(shaped.traffic('edge-b').refused, 1);

      links.set('edge-b', { latencyMs: 150, bytesPerSecond: 40_000 });
      const started = Date.now();
      await git(scratch, ...as('edge-b', 'tb'), 'clone', '--quiet', shaped.url('payload.git'), join(scratch, 'edge-b'));
      const took = Date.now() - started;
      const b = shaped.traffic('edge-b');
      // Two requests each wait 150 ms, and the pack cannot arrive faster than 40 kB/s.
      assert.ok(took >= 300 + (b.bytesSent / 40_000) * 1000 * 0.8, `took ${took} ms for ${b.bytesSent} bytes`);
      assert.equal(await git(join(scratch, 'edge-b'), 'rev-parse', 'HEAD'), await git(work, 'rev-parse', 'HEAD'));
    } finally {
      await shaped.close();
    }
  });

  it('leaves the served repositories fsck-clean', async () => {
    for (const repo of ['spec.git', 'many.git', 'payload.git']) {
      const result = await runGit(join(root, repo), ['fsck', '--full', '--strict', '--no-dangling']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr.trim(), '');
    }
  });
});
