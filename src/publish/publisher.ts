import type { ObjectSink } from '../git/objectSink.js';
import { TreeBuilder } from '../git/objects.js';
import { updateRefs, type RefUpdate } from '../git/refs.js';
import type { LocationTree } from '../render/locationTree.js';
import { folderRef, locationFolder, locationRef, type OutputTarget } from './outputTarget.js';
import { writeCommit, writeLocation, type CommitContext, type LocationCommit } from './locationCommit.js';
import { readBranchDigest, readPublishedState, type PublishedState } from './publishedState.js';
import { pushWithRetry, type PushReport } from './pushWithRetry.js';

/** What happened to one location. */
export type LocationChange = 'created' | 'updated' | 'unchanged';

export interface PublisherOptions {
  target: OutputTarget;
  published: PublishedState;
  /** A fresh sink for each batch of objects (one per reconcile, one per push retry). */
  createSink: () => ObjectSink;
  sourceCommit: string;
  /** The commit time of every output commit: a reconcile's `now`, so output commits are reproducible. */
  now: Date;
}

export interface PublishResult {
  /** Local ref updates made, in ref order. */
  updates: RefUpdate[];
  /** Objects written. */
  objects: number;
  push?: PushReport;
  /** Location branches whose head edgeplane did not make; superseded by a new commit on top, never rewritten. */
  foreign: string[];
}

/**
 * Publishes location trees: each changed location's whole tree in one commit on top of what is published,
 * then every ref in one atomic transaction, then (with a remote) one fast-forward-only push. An unchanged
 * location (same digest) costs a string comparison and writes nothing. Locations may also be written
 * elsewhere (`writeLocation` into another sink, e.g. a worker thread's pack) and handed over with `adopt`.
 */
export class Publisher {
  readonly #options: PublisherOptions;
  readonly #sink: ObjectSink;
  readonly #context: CommitContext;
  readonly #updates: RefUpdate[] = [];
  readonly #foreign: string[] = [];
  /** Folder mode: location → its new folder tree. */
  readonly #folders = new Map<string, string>();
  /** Branch mode: location → its new tree and digests, for re-committing after a rejected push. */
  readonly #branches = new Map<string, { tree: string; digest: string; inputs: string | undefined }>();
  /** Objects that adopted locations wrote to other sinks. */
  #objectsElsewhere = 0;

  constructor(options: PublisherOptions) {
    this.#options = options;
    this.#sink = options.createSink();
    this.#context = { mode: options.target.mode, sourceCommit: options.sourceCommit, now: options.now };
  }

  /** Writes one location's tree unless its digest is already published. */
  add(tree: LocationTree): LocationChange {
    const written = writeLocation(this.#sink, tree, this.#options.published.locations.get(tree.location), this.#context);
    if (written === undefined) return 'unchanged';
    this.adopt(written);
    return written.change;
  }

  /**
   * Takes over a location that `writeLocation` wrote to another sink, with the same `published` state and commit
   * context; that sink must be flushed before `finish`.
   */
  adopt(written: LocationCommit): void {
    if (this.#options.target.mode === 'folder') {
      this.#folders.set(written.location, written.tree);
      return;
    }
    if (written.foreign) this.#foreign.push(written.location);
    this.#branches.set(written.location, { tree: written.tree, digest: written.digest, inputs: written.inputs });
    this.#updates.push({ ref: locationRef(this.#options.target, written.location), newId: written.commit!, oldId: written.parent });
  }

  /** Counts objects that adopted locations wrote to other sinks, for the result. */
  countWrittenElsewhere(objects: number): void {
    this.#objectsElsewhere += objects;
  }

  /** Drops everything added: nothing reaches the repository. */
  async discard(): Promise<void> {
    await this.#sink.abort();
  }

  /** Makes everything added durable: objects, then refs atomically, then the push. */
  async finish(): Promise<PublishResult> {
    if (this.#options.target.mode === 'folder' && this.#folders.size > 0) this.#commitFolders();
    await this.#sink.flush();
    const updates = [...this.#updates].sort((a, b) => (a.ref < b.ref ? -1 : 1));
    if (updates.length > 0) await updateRefs(this.#options.target.gitdir, updates);
    const result: PublishResult = { updates, objects: this.#sink.count + this.#objectsElsewhere, foreign: this.#foreign };
    if (this.#options.target.remote && updates.length > 0) {
      result.push = await pushWithRetry({
        target: this.#options.target,
        updates,
        createSink: this.#options.createSink,
        rebase: (sink, ref, remoteHead) => this.#rebase(sink, ref, remoteHead),
      });
    }
    return result;
  }

  #commit(tree: string, parents: string[], subject: string, digest: string, inputs?: string, sink: ObjectSink = this.#sink): string {
    return writeCommit(sink, this.#context, tree, parents, subject, digest, inputs);
  }

  /** Folder mode: one commit replacing the changed location folders on the folder branch. */
  #commitFolders(): void {
    const { published, target } = this.#options;
    const root = this.#folderRoot(published.locations, this.#folders, this.#sink);
    const changed = [...this.#folders.keys()].sort();
    const subject = `${changed.length} location(s): ${changed.slice(0, 10).join(', ')}${changed.length > 10 ? ', …' : ''}`;
    const parents = published.folderHead ? [published.folderHead] : [];
    const commit = this.#commit(root, parents, subject, 'folder');
    this.#updates.push({ ref: folderRef(target), newId: commit, oldId: published.folderHead });
  }

  #folderRoot(base: ReadonlyMap<string, { folderTree?: string }>, changed: ReadonlyMap<string, string>, sink: ObjectSink): string {
    const builder = new TreeBuilder();
    for (const [name, location] of base) {
      if (!changed.has(name) && location.folderTree) builder.add(locationFolder(name), location.folderTree, '040000');
    }
    for (const [name, tree] of changed) builder.add(locationFolder(name), tree, '040000');
    const built = builder.build();
    for (const object of built.objects) sink.add(object.type, object.body);
    return built.rootId;
  }

  /**
   * A push was rejected because the remote ref moved to `remoteHead` (fetched into the local repo): the
   * same change as a new commit on top of it. Branch mode keeps the location's tree; folder mode re-applies
   * the changed folders to the remote's tree. Returns null when the remote already has exactly this content.
   */
  async #rebase(sink: ObjectSink, ref: string, remoteHead: string): Promise<string | null> {
    const target = this.#options.target;
    if (target.mode === 'folder') {
      const remote = await readPublishedState(target, remoteHead);
      const same = [...this.#folders].every(([name, tree]) => remote.locations.get(name)?.folderTree === tree);
      if (same) return null;
      const root = this.#folderRoot(remote.locations, this.#folders, sink);
      return this.#commit(root, [remoteHead], `${this.#folders.size} location(s), again on top of ${remoteHead.slice(0, 12)}`, 'folder', undefined, sink);
    }
    const location = ref.slice(locationRef(target, '').length);
    const mine = this.#branches.get(location)!;
    if ((await readBranchDigest(target, remoteHead)) === mine.digest) return null;
    return this.#commit(mine.tree, [remoteHead], `${location}: again on top of ${remoteHead.slice(0, 12)}`, mine.digest, mine.inputs, sink);
  }
}
