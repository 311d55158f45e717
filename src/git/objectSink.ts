/**
 * Where the publish stage puts the objects it creates. `add` is synchronous and returns the id at once, so trees
 * and commits that refer to a blob can be built right after it; the bytes reach the repository at `flush`.
 *
 * Implementations: `PackSink` (the fast path: one packfile per reconcile) and `IsoGitSink` (loose objects via
 * isomorphic-git, the plain path the benchmark measures against). Both give every object the same id.
 */
import type { ObjectType } from './objects.js';

/** Collects objects for one repository. */
export interface ObjectSink {
  /**
   * Takes an object's body and returns its id. Adding the same object again is free and returns the same id.
   * The object is readable from the repository only after `flush` resolves. `id`, when given, is the object's id
   * as `hashObject(type, body)` computed it already (the publish stage hashes every blob to compare trees): the sink
   * trusts it instead of hashing the body a second time.
   */
  add(type: ObjectType, body: Buffer, id?: string): string;
  /** Distinct objects this sink has accepted for writing (objects skipped as already present are not counted). */
  readonly count: number;
  /** Makes every added object durable in the repository. Nothing may be added while a flush runs. */
  flush(): Promise<void>;
  /** Drops whatever was added and not flushed; the sink cannot be used afterwards. */
  abort(): Promise<void>;
}

/**
 * Objects the repository is known to hold already, so a sink can skip writing them. Synchronous because `add` is:
 * an implementation loads what it needs beforehand (for example every id reachable from the previous output refs).
 */
export interface ExistingObjects {
  has(id: string): boolean;
}

/** Knows of no object: every object added is written. Today's default. */
export const NO_EXISTING_OBJECTS: ExistingObjects = { has: () => false };
