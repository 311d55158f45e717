import type { ObjectSink } from '../git/objectSink.js';
import { encodeCommit, TreeBuilder, type Signature } from '../git/objects.js';
import type { LocationTree } from '../render/locationTree.js';
import { DIGEST_TRAILER, INPUTS_TRAILER, SOURCE_TRAILER, type PublishedLocation } from './publishedState.js';

/** A location's new output, written to a sink: its tree and, in branch mode, the commit on top of its head. */
export interface LocationCommit {
  location: string;
  change: 'created' | 'updated';
  /** The location's new tree. */
  tree: string;
  /** Branch mode: the location's new head. Folder mode: absent (one commit for every location). */
  commit?: string;
  /** The head it replaces; null for a new branch. */
  parent: string | null;
  digest: string;
  inputs?: string;
  /** The replaced head was not made by edgeplane (someone pushed to the branch): superseded, never rewritten. */
  foreign: boolean;
}

/** What every output commit of one reconcile shares. */
export interface CommitContext {
  mode: 'branch' | 'folder';
  sourceCommit: string;
  /** The commit time: a reconcile's `now`, so output commits are reproducible. */
  now: Date;
}

const EDGEPLANE: Omit<Signature, 'timestamp'> = { name: 'edgeplane', email: 'edgeplane@localhost', tzOffset: '+0000' };

/**
 * Writes one location's tree (and in branch mode its commit) to `sink`, unless its digest is what is published:
 * then nothing is written and the result is undefined. The same tree gives the same objects and ids, whichever
 * sink or thread writes them.
 */
export function writeLocation(
  sink: ObjectSink,
  tree: LocationTree,
  published: PublishedLocation | undefined,
  context: CommitContext,
): LocationCommit | undefined {
  if (published?.digest === tree.digest) return undefined;
  const treeId = writeTreeObjects(sink, tree);
  const result: LocationCommit = {
    location: tree.location,
    change: published ? 'updated' : 'created',
    tree: treeId,
    parent: published?.commit ?? null,
    digest: tree.digest,
    foreign: published !== undefined && !published.madeByEdgeplane,
  };
  if (tree.inputs !== undefined) result.inputs = tree.inputs;
  if (context.mode === 'branch') {
    const parents = published ? [published.commit] : [];
    result.commit = writeCommit(sink, context, treeId, parents, `${tree.location}: ${tree.objectCount} objects`, tree.digest, tree.inputs);
  }
  return result;
}

/** Writes a location's blobs and trees; returns its root tree id. */
function writeTreeObjects(sink: ObjectSink, tree: LocationTree): string {
  const builder = new TreeBuilder();
  for (const [path, file] of tree.files) {
    // The sink skips an id it has; a file carrying its bytes was hashed from them (locationTree.ts).
    if ('text' in file) sink.add('blob', file.body ?? Buffer.from(file.text), file.id);
    builder.add(path, file.id);
  }
  const built = builder.build();
  for (const object of built.objects) sink.add(object.type, object.body, object.id);
  return built.rootId;
}

/**
 * Writes an output commit: the source commit, the content digest and (when known) the inputs digest ride along as
 * trailers, so reading what is published needs the refs alone, not each tree (publishedState.ts).
 */
export function writeCommit(
  sink: ObjectSink,
  context: CommitContext,
  tree: string,
  parents: string[],
  subject: string,
  digest: string,
  inputs?: string,
): string {
  const { sourceCommit, now } = context;
  const who: Signature = { ...EDGEPLANE, timestamp: Math.floor(now.getTime() / 1000) };
  const trailers = `${SOURCE_TRAILER}: ${sourceCommit}\n${DIGEST_TRAILER}: ${digest}\n${inputs ? `${INPUTS_TRAILER}: ${inputs}\n` : ''}`;
  const message = `edgeplane: ${subject}\n\nRendered from spec commit ${sourceCommit}.\n\n${trailers}`;
  return sink.add('commit', encodeCommit({ tree, parents, author: who, committer: who, message }));
}
