import * as fs from 'node:fs';
import * as path from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import type { SpecFiles } from './spec.js';

/** Credentials for an HTTP(S) Git remote. Read from files or the environment, never from specs. */
export interface GitAuth {
  username: string;
  token: string;
}

/** A local repository: its git directory, and whether it has a work tree. */
export interface LocalRepo {
  gitdir: string;
}

/** Finds the git directory of a local repository path (`repo/.git`, or `repo` itself when bare). */
export function localRepo(repoPath: string): LocalRepo {
  const dotGit = path.join(repoPath, '.git');
  if (fs.existsSync(dotGit) && fs.statSync(dotGit).isDirectory()) return { gitdir: dotGit };
  if (fs.existsSync(path.join(repoPath, 'HEAD')) && fs.existsSync(path.join(repoPath, 'objects'))) {
    return { gitdir: repoPath };
  }
  throw new EdgeplaneError('NOT_FOUND', `${repoPath} is not a Git repository`, { repo: repoPath });
}

/** True for http(s) URLs, which are fetched into a cache; anything else is a local path. */
export function isRemote(repo: string): boolean {
  return /^https?:\/\//.test(repo);
}

/**
 * Fetches `ref` of a remote spec repo into a bare cache repository with isomorphic-git and returns the
 * cache and the fetched commit.
 */
export async function fetchSpecRepo(options: {
  url: string;
  ref: string;
  cacheDir: string;
  auth?: GitAuth | undefined;
}): Promise<{ gitdir: string; commit: string }> {
  const gitdir = options.cacheDir;
  if (!fs.existsSync(path.join(gitdir, 'HEAD'))) {
    await git.init({ fs, gitdir, bare: true, defaultBranch: 'main' });
  }
  // The cache is keyed by URL, so its one remote always points at it; isomorphic-git fetches by remote.
  await git.addRemote({ fs, gitdir, remote: 'origin', url: options.url, force: true });
  const auth = options.auth;
  try {
    const result = await git.fetch({
      fs,
      http,
      gitdir,
      remote: 'origin',
      ref: options.ref,
      singleBranch: true,
      tags: false,
      ...(auth ? { onAuth: () => ({ username: auth.username, password: auth.token }) } : {}),
    });
    if (!result.fetchHead) throw new Error(`no ref ${options.ref}`);
    return { gitdir, commit: result.fetchHead };
  } catch (error) {
    throw new EdgeplaneError(
      'GIT_FAILED',
      `could not fetch ${options.ref} from ${redactUrl(options.url)}: ${(error as Error).message}`,
      { url: redactUrl(options.url), ref: options.ref },
      { cause: error },
    );
  }
}

/** Resolves a branch, tag or commit of a local repository to a commit id (annotated tags peeled). */
export async function resolveCommit(gitdir: string, ref: string): Promise<string> {
  let oid: string;
  try {
    oid = /^[0-9a-f]{40}$/.test(ref) ? ref : await git.resolveRef({ fs, gitdir, ref });
  } catch (error) {
    throw new EdgeplaneError('NOT_FOUND', `no branch, tag or commit ${JSON.stringify(ref)} in ${gitdir}`, { ref }, { cause: error });
  }
  for (;;) {
    const object = await git.readObject({ fs, gitdir, oid, format: 'parsed' });
    if (object.type === 'commit') return oid;
    if (object.type !== 'tag') throw new EdgeplaneError('NOT_FOUND', `${ref} does not name a commit`, { ref });
    oid = (object.object as { object: string }).object;
  }
}

/** Reads every file of a commit with isomorphic-git: path → UTF-8 text. */
export async function readSpecFiles(gitdir: string, commit: string): Promise<SpecFiles> {
  const files = new Map<string, string>();
  const { commit: parsed } = await git.readCommit({ fs, gitdir, oid: commit });
  await readTree(gitdir, parsed.tree, '', files);
  return { commit, files };
}

async function readTree(gitdir: string, oid: string, prefix: string, files: Map<string, string>): Promise<void> {
  const { tree } = await git.readTree({ fs, gitdir, oid });
  await Promise.all(
    tree.map(async (entry) => {
      const file = prefix + entry.path;
      if (entry.type === 'tree') return readTree(gitdir, entry.oid, file + '/', files);
      if (entry.type !== 'blob') return;
      const { blob } = await git.readBlob({ fs, gitdir, oid: entry.oid });
      files.set(file, Buffer.from(blob).toString('utf8'));
    }),
  );
}

/** A URL with any user:password part removed, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}
