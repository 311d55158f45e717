import type { ObjectSink } from '../git/objectSink.js';
import { encodeCommit, hashBlobText, TreeBuilder, type BuiltTree, type HashedBlob, type Signature } from '../git/objects.js';
import { updateRefs } from '../git/refs.js';
import { gitFailed, runGit } from '../git/runGit.js';
import type { OutputTarget } from './outputTarget.js';
import { INPUTS_TRAILER, SOURCE_TRAILER } from './publishedState.js';
import { pushWithRetry } from './pushWithRetry.js';

/** One whole-tree branch edgeplane owns besides the locations': bootstrap manifests, status summaries. */
export interface BranchContent {
  /** Full ref, e.g. `refs/heads/edgeplane-bootstrap`. */
  ref: string;
  /** Path → text: the branch's entire tree. A function is called only when the branch may change (`inputs`). */
  files: ReadonlyMap<string, string> | (() => ReadonlyMap<string, string>);
  /**
   * A digest of everything `files` is made from. When the head is edgeplane's commit recording the same digest (its
   * `Edgeplane-Inputs` trailer), nothing is built, compared or written: an unchanged branch costs one git process.
   */
  inputs?: string;
  /** The commit subject. */
  subject: string;
  sourceCommit: string;
}

export interface WriteBranchOptions {
  target: OutputTarget;
  createSink: () => ObjectSink;
  now: Date;
}

const EDGEPLANE: Omit<Signature, 'timestamp'> = { name: 'edgeplane', email: 'edgeplane@localhost', tzOffset: '+0000' };

/**
 * Makes `content.files` the tree of `content.ref`: one commit on top of the current head when the tree
 * differs, none when it is the same; an atomic, old-value-checked ref update; a fast-forward push when the
 * target has a remote. Returns the new commit, or null when nothing changed.
 */
export async function writeBranch(content: BranchContent, options: WriteBranchOptions): Promise<string | null> {
  const { target } = options;
  const { head, inputs } = await readHead(target.gitdir, content.ref);
  if (head !== null && content.inputs !== undefined && inputs === content.inputs) return null;
  // Hashed before anything is written: an unchanged branch (the usual case) costs no compression.
  const built = buildTree(typeof content.files === 'function' ? content.files() : content.files);
  const tree = built.rootId;
  if (head !== null && (await treeOf(target.gitdir, head)) === tree) return null;
  const sink = options.createSink();
  for (const blob of built.blobs) sink.add('blob', blob.body, blob.id);
  for (const object of built.objects) sink.add(object.type, object.body, object.id);
  const commit = addCommit(sink, tree, head, content, options.now);
  await sink.flush();
  await updateRefs(target.gitdir, [{ ref: content.ref, newId: commit, oldId: head }]);
  if (target.remote) {
    await pushWithRetry({
      target,
      updates: [{ ref: content.ref, newId: commit, oldId: head }],
      createSink: options.createSink,
      rebase: async (retrySink, _ref, remoteHead) =>
        (await treeOf(target.gitdir, remoteHead)) === tree ? null : addCommit(retrySink, tree, remoteHead, content, options.now),
    });
  }
  return commit;
}

/** The tree of `files` and every object it needs, hashed, not yet written anywhere. */
function buildTree(files: ReadonlyMap<string, string>): BuiltTree & { blobs: HashedBlob[] } {
  const builder = new TreeBuilder();
  const blobs: HashedBlob[] = [];
  for (const [path, text] of files) {
    const blob = hashBlobText(text);
    blobs.push(blob);
    builder.add(path, blob.id, path.endsWith('.sh') ? '100755' : '100644');
  }
  return { ...builder.build(), blobs };
}

/** The branch's head, and the inputs digest it records when edgeplane made it. */
async function readHead(gitdir: string, ref: string): Promise<{ head: string | null; inputs: string | undefined }> {
  const result = await runGit({ gitdir, args: ['for-each-ref', '--format=%(objectname)%00%(trailers:only,unfold,separator=%x1F)', '--end-of-options', ref] });
  if (result.code !== 0) throw gitFailed(`reading ${ref}`, result);
  const line = result.stdout.toString('utf8').split('\n').find((l) => l.includes('\0'));
  if (line === undefined) return { head: null, inputs: undefined };
  const [head, trailers] = line.split('\0') as [string, string];
  const values = new Map<string, string>();
  for (const trailer of trailers.split('\x1f')) {
    const colon = trailer.indexOf(':');
    if (colon > 0) values.set(trailer.slice(0, colon).trim().toLowerCase(), trailer.slice(colon + 1).trim());
  }
  const ours = values.has(SOURCE_TRAILER.toLowerCase());
  return { head, inputs: ours ? values.get(INPUTS_TRAILER.toLowerCase()) : undefined };
}

function addCommit(sink: ObjectSink, tree: string, parent: string | null, content: BranchContent, now: Date): string {
  const who: Signature = { ...EDGEPLANE, timestamp: Math.floor(now.getTime() / 1000) };
  const inputs = content.inputs === undefined ? '' : `${INPUTS_TRAILER}: ${content.inputs}\n`;
  const message = `edgeplane: ${content.subject}\n\n${SOURCE_TRAILER}: ${content.sourceCommit}\n${inputs}`;
  return sink.add('commit', encodeCommit({ tree, parents: parent ? [parent] : [], author: who, committer: who, message }));
}

async function treeOf(gitdir: string, commit: string): Promise<string> {
  const result = await runGit({ gitdir, args: ['rev-parse', '--verify', '--end-of-options', `${commit}^{tree}`] });
  if (result.code !== 0) throw gitFailed(`git rev-parse ${commit}^{tree}`, result);
  return result.stdout.toString('utf8').trim();
}
