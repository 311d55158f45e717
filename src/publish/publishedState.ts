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
  /**
   * Branch mode: the inputs digest its output was rendered from (see render/inputDigest.ts), from the head's
   * trailer; absent when the head does not record one (folder mode, someone else's commit, a held placement).
   */
  inputs?: string | undefined;
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
/** The content digest of a location commit, the same as its `.edgeplane/placement.yaml` records. */
export const DIGEST_TRAILER = 'Edgeplane-Digest';
/** The inputs digest (render/inputDigest.ts) of a location commit whose every placement rendered. */
export const INPUTS_TRAILER = 'Edgeplane-Inputs';

const RECORD_DIGEST = /^sha1:[0-9a-f]{40}$/;

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
  // Edgeplane's own commits carry the digests as trailers, read with the refs; other heads (someone pushed to
  // the branch, or a commit without them) have their placement record read.
  const unsure = heads.filter((head) => !head.madeByEdgeplane || !RECORD_DIGEST.test(head.digest));
  const specs = unsure.map((head) => `${head.commit}:.edgeplane/placement.yaml`);
  const blobs = await readBlobs(target.gitdir, specs);
  const locations = new Map<string, PublishedLocation>();
  for (const { ref, commit, madeByEdgeplane, digest, inputs } of heads) {
    const location: PublishedLocation = { commit, digest: undefined, madeByEdgeplane };
    if (madeByEdgeplane && RECORD_DIGEST.test(digest)) {
      location.digest = digest;
      if (RECORD_DIGEST.test(inputs)) location.inputs = inputs;
    } else {
      const record = blobs.get(`${commit}:.edgeplane/placement.yaml`);
      location.digest = record ? digestOfRecord(record.toString('utf8')) : undefined;
    }
    locations.set(ref.slice(prefix.length), location);
  }
  return { locations, folderHead: null };
}

/**
 * Every branch under `prefix` with its head, whether edgeplane made that head (it has the source trailer), and
 * the digest trailers of the head ('' when absent). One git process, however many branches.
 */
async function listBranchHeads(gitdir: string, prefix: string) {
  // One %(trailers) atom for all keys: git 2.39 mixes up the key filters of several atoms in one format.
  const format = '%(refname)%00%(objectname)%00%(trailers:only,unfold,separator=%x1F)';
  const result = await runGit({ gitdir, args: ['for-each-ref', `--format=${format}`, prefix] });
  if (result.code !== 0) throw gitFailed('git for-each-ref', result);
  return result.stdout
    .toString('utf8')
    .split('\n')
    .filter((line) => line.includes('\0'))
    .map((line) => {
      const [ref, commit, trailers] = line.split('\0') as [string, string, string];
      const values = trailerValues(trailers);
      return {
        ref,
        commit,
        madeByEdgeplane: (values.get(SOURCE_TRAILER.toLowerCase()) ?? '') !== '',
        digest: values.get(DIGEST_TRAILER.toLowerCase()) ?? '',
        inputs: values.get(INPUTS_TRAILER.toLowerCase()) ?? '',
      };
    });
}

/** `Key: value` trailers separated by U+001F, by lower-case key; a repeated key's values joined by commas. */
function trailerValues(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const trailer of text.split('\x1f')) {
    const colon = trailer.indexOf(':');
    if (colon <= 0) continue;
    const key = trailer.slice(0, colon).trim().toLowerCase();
    const value = trailer.slice(colon + 1).trim();
    const before = values.get(key);
    values.set(key, before === undefined ? value : `${before},${value}`);
  }
  return values;
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
