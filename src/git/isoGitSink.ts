/**
 * The plain object path: each object written as a loose object by isomorphic-git's `writeObject`. Kept as the
 * benchmark's anchor and as a fallback that needs nothing but isomorphic-git; `PackSink` is the fast path.
 */
import * as fs from 'node:fs';
import git from 'isomorphic-git';
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import { NO_EXISTING_OBJECTS, type ExistingObjects, type ObjectSink } from './objectSink.js';
import { hashObject, type ObjectType } from './objects.js';

/** Options of `IsoGitSink`. */
export interface IsoGitSinkOptions {
  /** Objects to skip because the repository has them. Default: none. */
  existing?: ExistingObjects;
  /** Writes in flight at once. Default 16. */
  concurrency?: number;
}

interface Pending {
  type: ObjectType;
  id: string;
  body: Buffer;
}

/** Writes every added object as a loose object under `<gitdir>/objects`, in the background; `flush` waits. */
export class IsoGitSink implements ObjectSink {
  private readonly gitdir: string;
  private readonly existing: ExistingObjects;
  private readonly concurrency: number;
  private readonly accepted = new Set<string>();
  private queue: Pending[] = [];
  /** Index of the next object of `queue` to write (cheaper than `shift` on long queues). */
  private head = 0;
  private active = 0;
  private failure: unknown = null;
  private idle: (() => void)[] = [];

  constructor(gitdir: string, options: IsoGitSinkOptions = {}) {
    this.gitdir = gitdir;
    this.existing = options.existing ?? NO_EXISTING_OBJECTS;
    this.concurrency = options.concurrency ?? 16;
  }

  get count(): number {
    return this.accepted.size;
  }

  add(type: ObjectType, body: Buffer, knownId?: string): string {
    // isomorphic-git hashes what it writes, and `write` checks it against this id.
    const id = knownId ?? hashObject(type, body);
    if (this.accepted.has(id) || this.existing.has(id)) return id;
    this.accepted.add(id);
    this.queue.push({ type, id, body });
    this.pump();
    return id;
  }

  /** Resolves when every object added so far is on disk; rejects with the first write failure. */
  async flush(): Promise<void> {
    if (this.active > 0 || this.head < this.queue.length) {
      await new Promise<void>((resolve) => this.idle.push(resolve));
    }
    if (this.failure !== null) {
      throw new EdgeplaneError('GIT_FAILED', `isomorphic-git could not write objects to ${this.gitdir}`, {
        gitdir: this.gitdir,
      }, { cause: this.failure });
    }
  }

  /**
   * Stops writing: objects not yet written are dropped. Loose objects already written stay unreferenced
   * until `git gc` prunes them; no ref ever points at them.
   */
  async abort(): Promise<void> {
    this.head = this.queue.length;
    if (this.active > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.active < this.concurrency && this.head < this.queue.length) {
      const next = this.queue[this.head]!;
      this.head += 1;
      this.active += 1;
      this.write(next).then(
        () => this.done(),
        (error: unknown) => {
          this.failure ??= error;
          this.done();
        },
      );
    }
  }

  private async write(object: Pending): Promise<void> {
    const { gitdir } = this;
    const oid = await git.writeObject({ fs, gitdir, type: object.type, object: object.body, format: 'content' });
    if (oid !== object.id) {
      throw new Error(`isomorphic-git wrote ${object.type} ${object.id} as ${oid}`);
    }
  }

  private done(): void {
    this.active -= 1;
    this.pump();
    if (this.active === 0 && this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
      const waiting = this.idle;
      this.idle = [];
      waiting.forEach((resolve) => resolve());
    }
  }
}
