import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { InvalidSpecError } from '../errors/edgeplaneError.js';
import { ProblemList } from '../errors/problem.js';
import { parseSpec } from '../load/parseSpec.js';
import { readCommitFiles } from '../git/refs.js';
import { fetchSpecRepo, isRemote, localRepo, resolveCommit, type GitAuth } from '../load/readSpecFiles.js';
import type { Spec, SpecFiles } from '../load/spec.js';

/** Where the spec comes from. */
export interface SpecSource {
  /** A local path (work tree or bare) or an http(s) URL. */
  repo: string;
  /** Branch, tag or commit. Default: HEAD for a local repo, `main` for a remote. */
  ref?: string | undefined;
  auth?: GitAuth | undefined;
  /** Where remote repos are cached. Default `~/.cache/edgeplane`. */
  cacheDir?: string | undefined;
}

/** A loaded spec and the local git directory it was read from. */
export interface LoadedSpec {
  spec: Spec;
  gitdir: string;
  /** The files it was parsed from (worker threads parse their own copy: see renderInWorkers.ts). */
  files: SpecFiles;
}

/** Reads and validates the spec at a commit; throws InvalidSpecError listing every problem. */
export async function loadSpec(source: SpecSource): Promise<LoadedSpec> {
  let gitdir: string;
  let commit: string;
  if (isRemote(source.repo)) {
    const fetched = await fetchSpecRepo({
      url: source.repo,
      ref: source.ref ?? 'main',
      cacheDir: cachePath(source.cacheDir, source.repo),
      auth: source.auth,
    });
    ({ gitdir, commit } = fetched);
  } else {
    gitdir = localRepo(source.repo).gitdir;
    commit = await resolveCommit(gitdir, source.ref ?? 'HEAD');
  }
  // The system git reads a commit's files several times faster than isomorphic-git (two processes in all).
  const files: SpecFiles = { commit, files: await readCommitFiles(gitdir, commit) };
  const problems = new ProblemList();
  const spec = parseSpec(files, problems);
  if (!problems.empty) throw new InvalidSpecError(problems.problems);
  return { spec, gitdir, files };
}

/** The cache repository of a remote URL. */
export function cachePath(cacheDir: string | undefined, url: string): string {
  const root = cacheDir ?? path.join(os.homedir(), '.cache', 'edgeplane');
  const slug = url.replace(/^https?:\/\/([^@/]*@)?/, '').replace(/[^A-Za-z0-9.-]+/g, '-').slice(0, 60);
  return path.join(root, `${slug}-${createHash('sha1').update(url).digest('hex').slice(0, 8)}.git`);
}
