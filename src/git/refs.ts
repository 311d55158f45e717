/**
 * Refs and reads of a local repository through the system `git` binary: one process per call however many refs
 * or blobs are involved, because at 10,000 locations a process per ref would dominate the reconcile.
 */
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import { assertObjectId, type TreeEntry, type TreeEntryMode } from './objects.js';
import { assertRefName } from './refName.js';
import { gitFailed, runGit } from './runGit.js';

/** One ref change of an `updateRefs` transaction. */
export interface RefUpdate {
  /** Full ref name, e.g. `refs/heads/edgeplane/kiruna`. */
  ref: string;
  /** The commit the ref will point at; null deletes the ref. */
  newId: string | null;
  /** The value the ref must have now; null: the ref must not exist. */
  oldId: string | null;
}

/**
 * A ref was not at the value the caller expected (someone else moved, created or deleted it). The whole
 * transaction was rolled back: no ref changed.
 */
export class RefMovedError extends EdgeplaneError {
  constructor(
    readonly ref: string,
    readonly expected: string | null,
    readonly detail: string,
  ) {
    super(
      'GIT_FAILED',
      `ref ${ref} is not at the expected ${expected ?? '(absent)'}: ${detail}. No ref was changed; ` +
        're-read the refs, rebuild the affected commits and retry.',
      { reason: 'ref-moved', ref, expected, detail },
    );
    this.name = 'RefMovedError';
  }
}

/**
 * Every ref whose full name starts with `prefix` (plain string prefix, e.g. `refs/heads/edgeplane/`), mapped to
 * the object it points at (a commit for branches). Symbolic refs are resolved.
 */
export async function listRefs(gitdir: string, prefix: string): Promise<Map<string, string>> {
  if (!prefix.startsWith('refs/') || /[*?[\\\s]/.test(prefix)) {
    const message = `ref prefix ${JSON.stringify(prefix)} must start with refs/ and contain no glob characters or spaces`;
    throw new EdgeplaneError('BAD_ARGUMENT', message, { prefix });
  }
  // for-each-ref matches whole path components; ask for the enclosing folder and filter the rest here.
  const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  const args = ['for-each-ref', '--format=%(objectname) %(refname)', '--end-of-options', folder];
  const result = await runGit({ gitdir, args });
  if (result.code !== 0) throw gitFailed(`listing refs under ${prefix}`, result, { gitdir, prefix });
  const refs = new Map<string, string>();
  for (const line of result.stdout.toString('utf8').split('\n')) {
    if (line === '') continue;
    const space = line.indexOf(' ');
    const ref = line.slice(space + 1);
    if (ref.startsWith(prefix)) refs.set(ref, line.slice(0, space));
  }
  return refs;
}

/**
 * Applies every update in ONE `git update-ref --stdin` transaction: all refs change, or none does. Each update
 * checks the ref's current value (`oldId`), so a ref that moved since it was read fails the whole transaction
 * with `RefMovedError`. New ids must name objects the repository already holds (flush the sink first).
 */
export async function updateRefs(gitdir: string, updates: readonly RefUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  const lines = ['start'];
  const seen = new Set<string>();
  for (const update of updates) {
    assertRefName(update.ref);
    if (seen.has(update.ref)) {
      throw new EdgeplaneError('BAD_ARGUMENT', `updateRefs got two updates for ${update.ref}`, { ref: update.ref });
    }
    seen.add(update.ref);
    if (update.newId !== null) assertObjectId(update.newId, `new value of ${update.ref}`);
    if (update.oldId !== null) assertObjectId(update.oldId, `old value of ${update.ref}`);
    lines.push(commandFor(update));
  }
  lines.push('prepare', 'commit', '');
  const result = await runGit({ gitdir, args: ['update-ref', '--stdin'], stdin: lines.join('\n') });
  if (result.code === 0) return;

  const locked = /cannot lock ref '([^']+)': (.*)/.exec(result.stderr);
  const moved = /is at [0-9a-f]+ but expected|reference already exists|unable to resolve reference/;
  if (locked !== null && moved.test(locked[2]!)) {
    const ref = locked[1]!;
    const expected = updates.find((u) => u.ref === ref)?.oldId ?? null;
    throw new RefMovedError(ref, expected, locked[2]!.trim());
  }
  throw gitFailed(`updating ${updates.length} ref(s) (no ref was changed)`, result, { gitdir });
}

function commandFor({ ref, newId, oldId }: RefUpdate): string {
  if (newId === null) return oldId === null ? `verify ${ref}` : `delete ${ref} ${oldId}`;
  return oldId === null ? `create ${ref} ${newId}` : `update ${ref} ${newId} ${oldId}`;
}

/**
 * Reads many blobs through ONE `git cat-file --batch` process. Specs are anything `git cat-file` resolves, usually
 * `<rev>:<path>` (`refs/heads/edgeplane/kiruna:README.md`) or a blob id. Missing specs map to null; a spec that
 * names a tree or commit throws BAD_ARGUMENT.
 */
export async function readBlobs(gitdir: string, specs: readonly string[]): Promise<Map<string, Buffer | null>> {
  const unique = [...new Set(specs)];
  const blobs = new Map<string, Buffer | null>();
  if (unique.length === 0) return blobs;
  for (const spec of unique) {
    if (spec === '' || /[\n\0]/.test(spec)) {
      const message = `blob spec ${JSON.stringify(spec)} is empty or contains a line break`;
      throw new EdgeplaneError('BAD_ARGUMENT', message, { spec });
    }
  }
  const result = await runGit({ gitdir, args: ['cat-file', '--batch', '--buffer'], stdin: `${unique.join('\n')}\n` });
  if (result.code !== 0) throw gitFailed(`reading ${unique.length} blob(s)`, result, { gitdir });

  const out = result.stdout;
  let at = 0;
  for (const spec of unique) {
    const eol = out.indexOf(0x0a, at);
    if (eol < 0) throw truncated(spec);
    const line = out.toString('utf8', at, eol);
    at = eol + 1;
    const header = /^([0-9a-f]{40}) ([a-z]+) ([0-9]+)$/.exec(line);
    if (header === null) {
      if (line === `${spec} missing`) {
        blobs.set(spec, null);
        continue;
      }
      throw new EdgeplaneError('GIT_FAILED', `git cat-file could not resolve ${JSON.stringify(spec)}: ${line}`, { spec });
    }
    const size = Number(header[3]);
    if (header[2] !== 'blob') {
      const message = `${JSON.stringify(spec)} names a ${header[2]!}, not a blob`;
      throw new EdgeplaneError('BAD_ARGUMENT', message, { spec, type: header[2] });
    }
    if (at + size + 1 > out.length) throw truncated(spec);
    blobs.set(spec, Buffer.from(out.subarray(at, at + size)));
    at += size + 1;
  }
  return blobs;
}

function truncated(spec: string): EdgeplaneError {
  return new EdgeplaneError('GIT_FAILED', `git cat-file output ended early, at ${JSON.stringify(spec)}`, { spec });
}

/**
 * The entries of one tree (not recursive), via `git ls-tree`, in Git's order. `treeish` is a tree or commit id or
 * a rev such as `refs/heads/main:workloads/telemetry`. Throws NOT_FOUND when it does not resolve to a tree.
 */
export async function readTreeEntries(gitdir: string, treeish: string): Promise<TreeEntry[]> {
  const result = await runGit({ gitdir, args: ['ls-tree', '-z', '--end-of-options', treeish] });
  if (result.code !== 0) {
    if (/not a valid object name|not a tree object/i.test(result.stderr)) {
      throw new EdgeplaneError('NOT_FOUND', `${JSON.stringify(treeish)} is not a tree in ${gitdir}`, { gitdir, treeish });
    }
    throw gitFailed(`listing tree ${treeish}`, result, { gitdir, treeish });
  }
  const entries: TreeEntry[] = [];
  for (const record of result.stdout.toString('utf8').split('\0')) {
    if (record === '') continue;
    // "<mode> <type> <id>\t<name>"
    const tab = record.indexOf('\t');
    const [mode, , id] = record.slice(0, tab).split(' ');
    entries.push({ name: record.slice(tab + 1), mode: canonicalMode(mode!), id: id! });
  }
  return entries;
}

/** Git normalizes old modes such as `100664` when it checks out; we do the same when reading. */
function canonicalMode(mode: string): TreeEntryMode {
  switch (mode) {
    case '100644':
    case '100755':
    case '040000':
    case '120000':
    case '160000':
      return mode;
    default:
      return (parseInt(mode, 8) & 0o111) !== 0 ? '100755' : '100644';
  }
}

/**
 * Every file of a commit's tree, recursively: path → UTF-8 text. Two git processes (`ls-tree -r`, `cat-file
 * --batch`) whatever the number of files. Submodules are skipped; a symlink reads as its target path.
 */
export async function readCommitFiles(gitdir: string, commit: string): Promise<Map<string, string>> {
  assertObjectId(commit, 'commit');
  const listing = await runGit({ gitdir, args: ['ls-tree', '-r', '-z', '--end-of-options', commit] });
  if (listing.code !== 0) throw gitFailed(`listing the files of ${commit}`, listing, { gitdir, commit });
  const entries: { path: string; id: string }[] = [];
  for (const record of listing.stdout.toString('utf8').split('\0')) {
    if (record === '') continue;
    // "<mode> <type> <id>\t<path>"
    const tab = record.indexOf('\t');
    const [, type, id] = record.slice(0, tab).split(' ');
    if (type === 'blob') entries.push({ path: record.slice(tab + 1), id: id! });
  }
  const blobs = await readBlobs(gitdir, entries.map((e) => e.id));
  const files = new Map<string, string>();
  for (const { path, id } of entries) files.set(path, blobs.get(id)!.toString('utf8'));
  return files;
}
