import * as fs from 'node:fs';
import git from 'isomorphic-git';
import type { ResolvedSettings } from '../api/settings.js';
import { fetchRefs } from '../git/remote.js';
import { isRemote, localRepo, type GitAuth } from '../load/readSpecFiles.js';
import { folderRef, locationRef, type OutputTarget } from '../publish/outputTarget.js';
import { cachePath, type SpecSource } from './loadSpec.js';

/** Overrides of the spec's `edgeplane.yaml` output settings, from the command line. */
export interface OutputOverrides {
  repo?: string | undefined;
  mode?: 'branch' | 'folder' | undefined;
  auth?: GitAuth | undefined;
}

/**
 * Resolves where output goes: the spec repo itself (`self`), a local path, or a remote URL mirrored in a
 * cache. With a remote, the published refs are fetched first, so what is compared is what edges pull.
 */
export async function openOutput(
  settings: ResolvedSettings,
  source: SpecSource,
  specGitdir: string,
  overrides: OutputOverrides = {},
): Promise<OutputTarget> {
  const repo = overrides.repo ?? settings.outputRepo;
  const url = repo === 'self' ? (isRemote(source.repo) ? source.repo : undefined) : isRemote(repo) ? repo : undefined;
  let gitdir: string;
  if (repo === 'self') gitdir = specGitdir;
  else if (url) gitdir = cachePath(source.cacheDir, url);
  else gitdir = localRepo(repo).gitdir;
  if (!fs.existsSync(gitdir)) await git.init({ fs, gitdir, bare: true, defaultBranch: 'main' });

  const auth = overrides.auth ?? source.auth;
  const target: OutputTarget = {
    gitdir,
    remote: url ? { url, auth } : undefined,
    mode: overrides.mode ?? settings.mode,
    branchPrefix: settings.branchPrefix,
    folderBranch: settings.folderBranch,
  };
  if (target.remote) {
    const refspec = target.mode === 'branch' ? `${locationRef(target, '')}*` : folderRef(target);
    await fetchRefs({
      gitdir,
      url: target.remote.url,
      refspecs: [`+${refspec}:${refspec}`],
      // Pruned: a location ref committed here by a reconcile whose push failed is not on the remote, and must
      // not look published to the next reconcile.
      prune: true,
      ...(auth ? { auth } : {}),
    }).catch((error: unknown) => {
      // A missing folder branch is normal before the first publish; other failures are real.
      if (target.mode === 'folder' && /couldn't find remote ref/i.test(String((error as Error).message))) return;
      throw error;
    });
  }
  return target;
}
