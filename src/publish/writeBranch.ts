import type { ObjectSink } from '../git/objectSink.js';
import { encodeCommit, TreeBuilder, type Signature } from '../git/objects.js';
import { listRefs, updateRefs } from '../git/refs.js';
import { gitFailed, runGit } from '../git/runGit.js';
import type { OutputTarget } from './outputTarget.js';
import { SOURCE_TRAILER } from './publishedState.js';
import { pushWithRetry } from './pushWithRetry.js';

/** One whole-tree branch edgeplane owns besides the locations': bootstrap manifests, status summaries. */
export interface BranchContent {
  /** Full ref, e.g. `refs/heads/edgeplane-bootstrap`. */
  ref: string;
  /** Path → text: the branch's entire tree. */
  files: ReadonlyMap<string, string>;
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
  const head = (await listRefs(target.gitdir, content.ref)).get(content.ref) ?? null;
  const sink = options.createSink();
  const tree = addTree(content.files, sink);
  if (head !== null && (await treeOf(target.gitdir, head)) === tree) {
    await sink.abort();
    return null;
  }
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

function addTree(files: ReadonlyMap<string, string>, sink: ObjectSink): string {
  const builder = new TreeBuilder();
  for (const [path, text] of files) builder.add(path, sink.add('blob', Buffer.from(text)), path.endsWith('.sh') ? '100755' : '100644');
  const built = builder.build();
  for (const object of built.objects) sink.add(object.type, object.body);
  return built.rootId;
}

function addCommit(sink: ObjectSink, tree: string, parent: string | null, content: BranchContent, now: Date): string {
  const who: Signature = { ...EDGEPLANE, timestamp: Math.floor(now.getTime() / 1000) };
  const message = `edgeplane: ${content.subject}\n\n${SOURCE_TRAILER}: ${content.sourceCommit}\n`;
  return sink.add('commit', encodeCommit({ tree, parents: parent ? [parent] : [], author: who, committer: who, message }));
}

async function treeOf(gitdir: string, commit: string): Promise<string> {
  const result = await runGit({ gitdir, args: ['rev-parse', '--verify', '--end-of-options', `${commit}^{tree}`] });
  if (result.code !== 0) throw gitFailed(`git rev-parse ${commit}^{tree}`, result);
  return result.stdout.toString('utf8').trim();
}
