import { listRefs, readBlobs, readTreeEntries } from '../git/refs.js';
import { gitFailed, runGit } from '../git/runGit.js';
import { digestOfRecord } from '../render/locationTree.js';
import { folderRef, locationFolder, locationRef, type OutputTarget } from './outputTarget.js';

/** What is published for one location now. */
export interface PublishedLocation {
  /** Branch mode: the head of its branch. Folder mode: the head of the folder branch. */
  commit: string;
  /** Folder mode: the id of its folder's tree. */
  folderTree?: string;
  /** From its `.edgeplane/placement.yaml`; absent when the file is missing or unreadable. */
  digest?: string | undefined;
  /** Branch mode: false when the head commit was not made by edgeplane (someone pushed to the branch). */
  madeByEdgeplane: boolean;
}

/** Everything published in the output repo, read with two git processes whatever the fleet size. */
export interface PublishedState {
  locations: Map<string, PublishedLocation>;
  /** Folder mode: the head of the folder branch, or null when it does not exist yet. */
  folderHead: string | null;
}

/** Marks commits edgeplane made; every output commit carries it. */
export const SOURCE_TRAILER = 'Edgeplane-Source';

/**
 * Reads the output refs and each location's published digest. Folder mode with `at` reads that commit
 * instead of the branch: the head a rejected push found on the remote.
 */
export async function readPublishedState(target: OutputTarget, at?: string): Promise<PublishedState> {
  return target.mode === 'branch' ? readBranches(target) : readFolders(target, at);
}

/** The digest a location-branch commit records, if any. */
export async function readBranchDigest(target: OutputTarget, commit: string): Promise<string | undefined> {
  const spec = `${commit}:.edgeplane/placement.yaml`;
  const record = (await readBlobs(target.gitdir, [spec])).get(spec);
  return record ? digestOfRecord(record.toString('utf8')) : undefined;
}

async function readBranches(target: OutputTarget): Promise<PublishedState> {
  const prefix = locationRef(target, '');
  const heads = await listBranchHeads(target.gitdir, prefix);
  const specs = heads.map((head) => `${head.commit}:.edgeplane/placement.yaml`);
  const blobs = await readBlobs(target.gitdir, specs);
  const locations = new Map<string, PublishedLocation>();
  for (const { ref, commit, madeByEdgeplane } of heads) {
    const record = blobs.get(`${commit}:.edgeplane/placement.yaml`);
    locations.set(ref.slice(prefix.length), {
      commit,
      digest: record ? digestOfRecord(record.toString('utf8')) : undefined,
      madeByEdgeplane,
    });
  }
  return { locations, folderHead: null };
}

/** Every branch under `prefix` with its head, and whether edgeplane made that head (it has the trailer). */
async function listBranchHeads(gitdir: string, prefix: string) {
  const format = `%(refname)%00%(objectname)%00%(trailers:key=${SOURCE_TRAILER},valueonly,separator=%x2C)`;
  const result = await runGit({ gitdir, args: ['for-each-ref', `--format=${format}`, prefix] });
  if (result.code !== 0) throw gitFailed('git for-each-ref', result);
  return result.stdout
    .toString('utf8')
    .split('\n')
    .filter((line) => line.includes('\0'))
    .map((line) => {
      const [ref, commit, source] = line.split('\0') as [string, string, string];
      return { ref, commit, madeByEdgeplane: source.trim() !== '' };
    });
}

async function readFolders(target: OutputTarget, at?: string): Promise<PublishedState> {
  const head = at ?? (await listRefs(target.gitdir, folderRef(target))).get(folderRef(target)) ?? null;
  const locations = new Map<string, PublishedLocation>();
  if (head === null) return { locations, folderHead: null };
  const entries = await readTreeEntries(target.gitdir, `${head}:locations`).catch(() => []);
  const specs = entries.map((entry) => `${head}:${locationFolder(entry.name)}/.edgeplane/placement.yaml`);
  const blobs = await readBlobs(target.gitdir, specs);
  for (const entry of entries) {
    if (entry.mode !== '040000') continue;
    const record = blobs.get(`${head}:${locationFolder(entry.name)}/.edgeplane/placement.yaml`);
    locations.set(entry.name, {
      commit: head,
      folderTree: entry.id,
      digest: record ? digestOfRecord(record.toString('utf8')) : undefined,
      madeByEdgeplane: true,
    });
  }
  return { locations, folderHead: head };
}
