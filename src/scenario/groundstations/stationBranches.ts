/**
 * What the center published for each station, read from the output repo: every commit of every station branch
 * with the spec commit it names and its content digest (the commit trailers), and the revision each commit
 * stands for.
 *
 * A commit's trailer names the spec commit it was rendered from, but that is not always the revision it carries:
 * a rollback renders the previous revision's output again at the current spec commit, and a release of a held
 * batch re-renders at the same spec commit as the first batch. What a station runs is its content, so a commit's
 * **revision** is the spec commit of the earliest commit on the same branch with the same content digest: a
 * rolled-back station is back on the revision it ran before, by name.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fetchRefs } from '../../git/remote.js';
import { gitFailed, runGit } from '../../git/runGit.js';
import type { GitHttpServer } from '../../simulate/gitHttpServer.js';
import { DIGEST_TRAILER, SOURCE_TRAILER } from '../../publish/publishedState.js';

/** One output commit of a station branch. */
export interface OutputCommit {
  commit: string;
  /** The spec commit its trailer names. */
  sourceCommit: string;
  /** Its content digest (`sha1:…`), equal for equal content whatever the spec commit. */
  digest: string;
  /** The revision it carries: the spec commit of the branch's earliest commit with this digest. */
  revision: string;
  /** Commit time, epoch ms (second precision). */
  committedAtMs: number;
  /** The tree id of the watched placement's folder in it (`<placement>/`), null when it has none. */
  placementTree: string | null;
}

/** Every station branch, oldest commit first, and every commit by id. */
export interface StationBranches {
  branches: Map<string, OutputCommit[]>;
  commits: Map<string, OutputCommit>;
  /** The branch head of a station, or undefined when nothing is published for it. */
  head(station: string): OutputCommit | undefined;
}

/**
 * Reads the station branches under `refs/heads/<branchPrefix>` of `gitdir` (one `git log` per branch) and, for
 * every commit, the tree of `placement`'s folder (one `git cat-file --batch-check` for all).
 */
export async function readStationBranches(gitdir: string, stations: readonly string[], placement: string, branchPrefix = 'edgeplane/'): Promise<StationBranches> {
  const branches = new Map<string, OutputCommit[]>();
  const commits = new Map<string, OutputCommit>();
  const format = `%H%x1f%ct%x1f%(trailers:key=${SOURCE_TRAILER},valueonly,separator=%x20)%x1f%(trailers:key=${DIGEST_TRAILER},valueonly,separator=%x20)%x1e`;
  for (const station of stations) {
    const ref = `refs/heads/${branchPrefix}${station}`;
    const result = await runGit({ gitdir, args: ['log', '--reverse', '--first-parent', `--format=${format}`, ref, '--'] });
    if (result.code !== 0) {
      if (/unknown revision|bad revision|ambiguous argument/i.test(result.stderr)) {
        branches.set(station, []);
        continue;
      }
      throw gitFailed(`git log ${ref}`, result);
    }
    const firstOfDigest = new Map<string, string>();
    const list: OutputCommit[] = [];
    for (const record of result.stdout.toString('utf8').split('\x1e')) {
      const [commit, time, source, digest] = record.trim().split('\x1f');
      if (!commit || !source || !digest) continue;
      const sourceCommit = source.trim();
      const contentDigest = digest.trim();
      if (!firstOfDigest.has(contentDigest)) firstOfDigest.set(contentDigest, sourceCommit);
      const output: OutputCommit = { commit, sourceCommit, digest: contentDigest, revision: firstOfDigest.get(contentDigest)!, committedAtMs: Number(time) * 1000, placementTree: null };
      list.push(output);
      commits.set(commit, output);
    }
    branches.set(station, list);
  }
  const ids = [...commits.keys()];
  const trees = await runGit({ gitdir, args: ['cat-file', '--batch-check'], stdin: ids.map((id) => `${id}:${placement}\n`).join('') });
  if (trees.code !== 0) throw gitFailed(`git cat-file --batch-check (${placement}/ trees)`, trees);
  trees.stdout
    .toString('utf8')
    .split('\n')
    .slice(0, ids.length)
    .forEach((line, i) => {
      const [oid, type] = line.split(' ');
      if (type === 'tree') commits.get(ids[i]!)!.placementTree = oid!;
    });
  return { branches, commits, head: (station) => branches.get(station)?.at(-1) };
}

/**
 * Bytes a fresh clone of one station branch downloads: a fetch of that branch alone, into an empty repository,
 * through the git server (anonymously), counted as the server counts every station's fetches, protocol included,
 * so it compares with what stations fetched.
 */
export async function freshCloneBytes(server: GitHttpServer, repoUrl: string, station: string, scratchDir: string, branchPrefix = 'edgeplane/'): Promise<number> {
  const gitdir = await fs.mkdtemp(path.join(scratchDir, 'clone-'));
  try {
    const init = await runGit({ args: ['init', '--quiet', '--bare', gitdir] });
    if (init.code !== 0) throw gitFailed(`git init ${gitdir}`, init);
    const before = server.traffic(undefined).bytesSent;
    await fetchRefs({ gitdir, url: repoUrl, refspecs: [`+refs/heads/${branchPrefix}${station}:refs/heads/${station}`] });
    return server.traffic(undefined).bytesSent - before;
  } finally {
    await fs.rm(gitdir, { recursive: true, force: true });
  }
}
