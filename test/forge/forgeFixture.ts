/**
 * A forge to test against: a bare repository served over smart HTTP by `startGitServer` (branches are pushed to it
 * the way edgeplane pushes them) and, over the same repository, the simulated GitHub/Gitea API from
 * `startForgeServer`: checked against GitHub's OpenAPI description, or (`unchecked`) as a demo runs it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startForgeServer as startUncheckedForge, type ForgeServer as SimulatedForge } from '../../src/simulate/forge/forgeServer.js';
import { createBareRepo, startGitServer, type GitServer } from '../support/gitServer.js';
import { startForgeServer, type ForgeServerOptions } from '../support/forgeServer.js';
import { gitAsync, tempDir } from '../support/specRepo.js';

export const OWNER = 'octo-org';
export const REPO = 'fleet';
export const FORGE_TOKEN = 'ghp_forgeSecret0123456789abcdefABCDEF';
const GIT_TOKEN = 'git-push-secret';

/** The running pieces and helpers of one test forge. */
export interface ForgeFixture {
  gitdir: string;
  git: GitServer;
  /** The API server (`apiVersion` is null when it runs unchecked). */
  forge: SimulatedForge;
  /** Commits `files` on `branch` (created from `from`, default main) in a work clone and pushes it; returns the commit. */
  push(branch: string, files: Record<string, string>, from?: string): Promise<string>;
  /** The commit `branch` points at in the served repository. */
  tip(branch: string): Promise<string>;
  /** `git cat-file -p` of a commit's parents in the served repository. */
  parents(commit: string): Promise<string[]>;
  stop(): Promise<void>;
}

/** Starts both servers, with `main` holding one commit; `unchecked` runs the forge without a checker, as a demo does. */
export async function startForgeFixture(
  options: Partial<Pick<ForgeServerOptions, 'basePath' | 'flavor' | 'maxPageSize'>> & { unchecked?: boolean } = {},
): Promise<ForgeFixture> {
  const { unchecked = false, ...forgeOptions } = options;
  const root = tempDir('edgeplane-forge-');
  const gitdir = await createBareRepo(root, `${REPO}.git`);
  const git = await startGitServer({ root, user: 'edgeplane', token: GIT_TOKEN });
  const start = unchecked ? startUncheckedForge : startForgeServer;
  const forge = await start({ gitdir, owner: OWNER, repo: REPO, token: FORGE_TOKEN, ...forgeOptions });
  const work = tempDir('edgeplane-forge-work-');
  await gitAsync(work, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(work, 'README.md'), '# fleet\n');
  await gitAsync(work, 'add', '-A');
  await gitAsync(work, 'commit', '-q', '-m', 'initial');
  await gitAsync(work, 'push', '-q', git.authUrl(`${REPO}.git`), 'main');

  return {
    gitdir,
    git,
    forge,
    push: async (branch, files, from = 'main') => {
      await gitAsync(work, 'fetch', '-q', git.url(`${REPO}.git`), `+refs/heads/${from}:refs/remotes/served/${from}`);
      await gitAsync(work, 'checkout', '-q', '-B', branch, `refs/remotes/served/${from}`);
      for (const [file, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
        fs.writeFileSync(path.join(work, file), text);
      }
      await gitAsync(work, 'add', '-A');
      await gitAsync(work, 'commit', '-q', '-m', `change ${branch}`);
      await gitAsync(work, 'push', '-q', '--force', git.authUrl(`${REPO}.git`), `${branch}:refs/heads/${branch}`);
      return (await gitAsync(work, 'rev-parse', 'HEAD')).trim();
    },
    tip: async (branch) => (await gitAsync(gitdir, 'rev-parse', `refs/heads/${branch}`)).trim(),
    parents: async (commit) => (await gitAsync(gitdir, 'rev-list', '--parents', '-n', '1', commit)).trim().split(' ').slice(1),
    stop: async () => {
      await forge.stop();
      await git.close();
    },
  };
}
