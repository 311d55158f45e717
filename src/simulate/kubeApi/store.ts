/**
 * The object store of a test API server: what etcd and the watch cache are to kube-apiserver.
 *
 * One global resourceVersion counter orders every write. Each write is kept in a bounded history, which
 * serves watches from a past resourceVersion and consistent paged lists (a `continue` token reads the list
 * as it was when its first page was served); past the history, both answer 410 Expired, as after an etcd
 * compaction.
 */
import { ApiError } from './status.js';

/** A stored object: plain JSON with metadata. */
export type StoredObject = Record<string, any> & { metadata: Record<string, any> };

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface HistoryEvent {
  rv: number;
  key: string;
  type: WatchEventType;
  object: StoredObject;
  /** The object before a MODIFIED or DELETED event. */
  previous?: StoredObject;
}

/** What a watcher sees. */
export interface WatchFilter {
  /** The storage key of the resource watched. */
  key: string;
  /** Only objects in this namespace; undefined watches every namespace. */
  namespace?: string;
  /** Label and field selectors. */
  matches: (object: StoredObject) => boolean;
}

type Send = (type: WatchEventType, object: StoredObject) => void;

interface Watcher extends WatchFilter {
  send: Send;
}

/** Objects by storage key (`group/plural`), then by `namespace/name`. */
export class ObjectStore {
  #rv = 0;
  #compacted = 0;
  readonly #historyLimit: number;
  readonly #objects = new Map<string, Map<string, StoredObject>>();
  readonly #history: HistoryEvent[] = [];
  readonly #watchers = new Set<Watcher>();

  constructor(historyLimit = 10_000) {
    this.#historyLimit = historyLimit;
  }

  /** The resourceVersion of the latest write. */
  get resourceVersion(): number {
    return this.#rv;
  }

  get(key: string, namespace: string | undefined, name: string): StoredObject | undefined {
    const object = this.#objects.get(key)?.get(`${namespace ?? ''}/${name}`);
    return object && structuredClone(object);
  }

  /** Current objects of a resource, in etcd key order (namespace, then name). */
  list(key: string, namespace?: string): StoredObject[] {
    return sorted([...(this.#objects.get(key)?.values() ?? [])].filter((o) => namespace === undefined || o.metadata.namespace === namespace));
  }

  /**
   * The objects of a resource as they were at `rv`; 410 Expired when the history no longer reaches back
   * (with the real server's wording for a `continue` token, or for an exact resourceVersion).
   */
  listAt(key: string, namespace: string | undefined, rv: number, why: 'continue' | 'exact' = 'continue'): StoredObject[] {
    if (rv < this.#compacted) throw ApiError.expired(why === 'continue' ? CONTINUE_EXPIRED : 'The resourceVersion for the provided list is too old.');
    const state = new Map(this.#objects.get(key) ?? []);
    for (let i = this.#history.length - 1; i >= 0 && this.#history[i]!.rv > rv; i--) {
      const event = this.#history[i]!;
      if (event.key !== key) continue;
      const id = idOf(event.object);
      if (event.type === 'ADDED') state.delete(id);
      else state.set(id, event.previous!);
    }
    return sorted([...state.values()].filter((o) => namespace === undefined || o.metadata.namespace === namespace));
  }

  /** The storage keys of the resources with objects in `namespace`: what deleting it must delete. */
  keysWithObjectsIn(namespace: string): string[] {
    return [...this.#objects].filter(([, objects]) => [...objects.values()].some((o) => o.metadata.namespace === namespace)).map(([key]) => key);
  }

  /** Writes an object under a new resourceVersion (set on it) and tells the watchers; returns a copy. */
  save(key: string, object: StoredObject): StoredObject {
    const objects = this.#objects.get(key) ?? new Map<string, StoredObject>();
    this.#objects.set(key, objects);
    const id = idOf(object);
    const previous = objects.get(id);
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(++this.#rv);
    objects.set(id, stored);
    this.#record({ rv: this.#rv, key, type: previous ? 'MODIFIED' : 'ADDED', object: stored, ...(previous ? { previous } : {}) });
    return structuredClone(stored);
  }

  /** Deletes an object; the DELETED event carries it with the deletion's resourceVersion. */
  remove(key: string, namespace: string | undefined, name: string): StoredObject | undefined {
    const objects = this.#objects.get(key);
    const id = `${namespace ?? ''}/${name}`;
    const previous = objects?.get(id);
    if (!objects || !previous) return undefined;
    objects.delete(id);
    const gone = structuredClone(previous);
    gone.metadata.resourceVersion = String(++this.#rv);
    this.#record({ rv: this.#rv, key, type: 'DELETED', object: gone, previous });
    return structuredClone(gone);
  }

  /** Forgets the history, as an etcd compaction does: older watches and continue tokens get 410. */
  compact(): void {
    this.#history.length = 0;
    this.#compacted = this.#rv;
  }

  /**
   * Starts a watch. With `fromRv` undefined, the current objects arrive first as ADDED events; otherwise
   * every change after `fromRv`, from the history. Throws `ApiError` 410 when `fromRv` is older than the
   * history. Returns the function that stops the watch.
   */
  watch(filter: WatchFilter, fromRv: number | undefined, send: Send): () => void {
    const watcher: Watcher = { ...filter, send };
    if (fromRv === undefined) {
      for (const object of this.list(filter.key, filter.namespace)) if (filter.matches(object)) send('ADDED', structuredClone(object));
    } else {
      if (fromRv < this.#compacted) throw ApiError.expired(`too old resource version: ${fromRv} (${this.#compacted + 1})`);
      for (const event of this.#history) if (event.rv > fromRv) deliver(watcher, event);
    }
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  #record(event: HistoryEvent): void {
    this.#history.push(event);
    while (this.#history.length > this.#historyLimit) this.#compacted = this.#history.shift()!.rv;
    for (const watcher of this.#watchers) deliver(watcher, event);
  }
}

const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

function idOf(object: StoredObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

function sorted(objects: StoredObject[]): StoredObject[] {
  const id = (o: StoredObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  return objects.sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0)).map((o) => structuredClone(o));
}

/**
 * Sends an event the way the watch cache filters it: an object that starts matching the selectors
 * arrives as ADDED, one that stops matching as DELETED.
 */
function deliver(watcher: Watcher, event: HistoryEvent): void {
  if (event.key !== watcher.key) return;
  const inScope = (o: StoredObject | undefined) => o !== undefined && (watcher.namespace === undefined || o.metadata.namespace === watcher.namespace) && watcher.matches(o);
  const now = inScope(event.object);
  const before = inScope(event.previous);
  const send = (type: WatchEventType) => watcher.send(type, structuredClone(event.object));
  switch (event.type) {
    case 'ADDED':
      if (now) send('ADDED');
      return;
    case 'MODIFIED':
      if (before && now) send('MODIFIED');
      else if (before) send('DELETED');
      else if (now) send('ADDED');
      return;
    case 'DELETED':
      if (before) send('DELETED');
  }
}
