/**
 * The verbs of a test API server over its store, with kube-apiserver's semantics: reads and paged lists,
 * create (409 AlreadyExists), update with optimistic concurrency (409 Conflict), status subresources,
 * patches, deletion with finalizers, namespace and CRD deletion taking their contents with them.
 */
import { Catalog, apiVersionOf, storageKey, type ResourceType } from './catalog.js';
import { carryOver, checkBody, prepareForCreate, sameContent, selectableFields, subjectOf, timestamp } from './objectRules.js';
import { APPLY_PATCH, applyPatch, parsePatch } from './patches.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { ApiError, successStatus, type KubeStatus } from './status.js';
import { ObjectStore, type StoredObject } from './store.js';

/** LIST parameters. */
export interface ListOptions {
  labelSelector?: string | null;
  fieldSelector?: string | null;
  limit?: number;
  continue?: string | null;
  /** With `resourceVersionMatch: Exact`, the list as it was at this resourceVersion. */
  resourceVersion?: string | null;
  resourceVersionMatch?: string | null;
}

/** Where a write goes: the main resource or its `/status`. */
export interface WriteOptions {
  subresource?: 'status';
  dryRun?: boolean;
}

/** DELETE parameters (a `DeleteOptions` body's preconditions). */
export interface DeleteOptions {
  dryRun?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** The API's verbs over one store and catalog; `put`/`remove` are the test back door. */
export class Registry {
  readonly catalog = new Catalog();
  readonly store: ObjectStore;
  readonly #now: () => Date;

  constructor(options: { historyLimit?: number; now?: () => Date } = {}) {
    this.store = new ObjectStore(options.historyLimit);
    this.#now = options.now ?? (() => new Date());
  }

  /** An object as the API serves it: at the requested version (CRD versions share storage). */
  present(type: ResourceType, object: StoredObject): StoredObject {
    const { apiVersion: _apiVersion, kind: _kind, ...rest } = object;
    return { kind: type.kind, apiVersion: apiVersionOf(type), ...rest } as StoredObject;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): StoredObject {
    const object = this.store.get(storageKey(type), namespace, name);
    if (!object) throw ApiError.notFound(subjectOf(type, name));
    return this.present(type, object);
  }

  /** A `<Kind>List`, paged with `limit`/`continue` over one consistent snapshot. */
  list(type: ResourceType, namespace: string | undefined, options: ListOptions = {}): Record<string, unknown> {
    const matches = this.matcher(type, options);
    let rv = this.store.resourceVersion;
    let start = '';
    let snapshot: 'continue' | 'exact' | undefined;
    if (options.continue) {
      ({ rv, start } = decodeContinue(options.continue));
      if (rv <= 0) throw ApiError.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
      snapshot = 'continue';
    } else if (options.resourceVersionMatch === 'Exact') {
      const exact = Number(options.resourceVersion);
      if (!/^\d+$/.test(options.resourceVersion ?? '') || exact === 0) {
        throw ApiError.badRequest('resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0" or unset');
      }
      if (exact > rv) throw new ApiError(504, 'Timeout', `Too large resource version: ${exact}, current: ${rv}`);
      [rv, snapshot] = [exact, 'exact'];
    }
    const key = (o: StoredObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const all = (snapshot ? this.store.listAt(storageKey(type), namespace, rv, snapshot) : this.store.list(storageKey(type), namespace))
      .filter((o) => key(o) >= start)
      .filter(matches);
    const limit = options.limit && options.limit > 0 ? options.limit : all.length;
    const page = all.slice(0, limit);
    const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
    if (all.length > page.length) {
      metadata['continue'] = encodeContinue(rv, `${key(page[page.length - 1]!)}\u0000`);
      if (!options.labelSelector && !options.fieldSelector) metadata['remainingItemCount'] = all.length - page.length;
    }
    // Typed lists of built-in kinds leave apiVersion and kind off their items; CR lists keep them.
    const items = page.map((o) => {
      const item = this.present(type, o);
      if (!type.custom) {
        delete item.apiVersion;
        delete item.kind;
      }
      return item;
    });
    return { apiVersion: apiVersionOf(type), kind: type.listKind, metadata, items };
  }

  /** The label and field selectors of a LIST or WATCH; 400 when malformed. */
  matcher(type: ResourceType, options: Pick<ListOptions, 'labelSelector' | 'fieldSelector'>): (o: StoredObject) => boolean {
    const labels = parseLabelSelector(options.labelSelector);
    const fields = parseFieldSelector(options.fieldSelector, selectableFields(type), type.plural);
    return (o) => labels(o.metadata.labels) && fields(o);
  }

  create(type: ResourceType, namespace: string | undefined, body: unknown, options: WriteOptions = {}): StoredObject {
    const object = checkBody(type, namespace, body);
    if (type.namespaced && !this.store.get('/namespaces', undefined, namespace!)) {
      throw ApiError.notFound({ group: '', resource: 'namespaces', kind: 'Namespace', name: namespace! });
    }
    if (object.metadata.resourceVersion) throw new ApiError(500, 'InternalError', 'resourceVersion should not be set on objects to be created');
    const key = storageKey(type);
    if (this.store.get(key, namespace, object.metadata.name)) throw ApiError.alreadyExists(subjectOf(type, object.metadata.name));
    prepareForCreate(type, object, this.#now(), false);
    if (type.kind === 'CustomResourceDefinition' && !type.custom) this.catalog.register(object);
    if (options.dryRun) return this.present(type, object);
    return this.present(type, this.store.save(key, object));
  }

  update(type: ResourceType, namespace: string | undefined, name: string, body: unknown, options: WriteOptions = {}): StoredObject {
    const stored = this.store.get(storageKey(type), namespace, name);
    const incoming = checkBody(type, namespace, body, name);
    if (!stored) throw ApiError.notFound(subjectOf(type, name));
    checkPreconditions(type, stored, incoming.metadata);
    let next: StoredObject;
    if (options.subresource === 'status') {
      next = structuredClone(stored);
      if (incoming.status === undefined) delete next.status;
      else next.status = incoming.status;
    } else {
      next = incoming;
      carryOver(type, stored, next, this.#now());
    }
    next.apiVersion = stored.apiVersion;
    if (sameContent(stored, next)) return this.present(type, stored);
    if (type.kind === 'CustomResourceDefinition' && !type.custom) this.catalog.register(next);
    if (options.dryRun) return this.present(type, next);
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      // The last finalizer is gone: the object goes away with this write.
      this.store.save(storageKey(type), next);
      return this.present(type, this.#destroy(type, next));
    }
    return this.present(type, this.store.save(storageKey(type), next));
  }

  /** A PATCH; `created` when server-side apply created the object. */
  patch(type: ResourceType, namespace: string | undefined, name: string, contentType: string, text: string, options: WriteOptions & { fieldManager?: string | null }): { object: StoredObject; created: boolean } {
    const patch = parsePatch(type, contentType, text);
    if (contentType === APPLY_PATCH && !options.fieldManager) {
      throw new ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    }
    const stored = this.store.get(storageKey(type), namespace, name);
    if (!stored && contentType !== APPLY_PATCH) throw ApiError.notFound(subjectOf(type, name));
    const patched = applyPatch(type, contentType, stored, patch);
    if (!stored) {
      patched.metadata.name ??= name;
      if (patched.metadata.name !== name) throw ApiError.badRequest(`the name of the object (${patched.metadata.name}) does not match the name on the URL (${name})`);
      return { object: this.create(type, namespace, patched, options), created: true };
    }
    return { object: this.update(type, namespace, name, patched, options), created: false };
  }

  /**
   * DELETE: an object with finalizers gets a deletionTimestamp and stays until they are removed; a
   * Namespace or CRD goes with everything in it. The body is what the real server returns: the object for
   * custom resources, Pods and pending deletions, a `Status` otherwise.
   */
  delete(type: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}): StoredObject | KubeStatus {
    const stored = this.store.get(storageKey(type), namespace, name);
    if (!stored) throw ApiError.notFound(subjectOf(type, name));
    const pre = options.preconditions ?? {};
    if (pre.uid && pre.uid !== stored.metadata.uid) {
      throw ApiError.conflict(subjectOf(type, name), `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${stored.metadata.uid}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== stored.metadata.resourceVersion) {
      throw ApiError.conflict(subjectOf(type, name), `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${stored.metadata.resourceVersion}`);
    }
    if (options.dryRun) return this.present(type, stored);
    const pending = (stored.metadata.finalizers ?? []).length > 0 || (type.kind === 'Namespace' && !type.custom);
    if (pending) {
      if (!stored.metadata.deletionTimestamp) {
        stored.metadata.deletionTimestamp = timestamp(this.#now());
        stored.metadata.deletionGracePeriodSeconds = 0;
        if (type.kind === 'Namespace' && !type.custom) stored.status = { ...(stored.status ?? {}), phase: 'Terminating' };
        const terminating = this.store.save(storageKey(type), stored);
        // No namespace controller runs here: it finishes at once, contents first.
        if (type.kind === 'Namespace' && !type.custom && (stored.metadata.finalizers ?? []).length === 0) this.#destroy(type, terminating);
        return this.present(type, terminating);
      }
      return this.present(type, stored);
    }
    const gone = this.#destroy(type, stored);
    return type.custom || type.kind === 'Pod' || type.kind === 'CustomResourceDefinition' ? this.present(type, gone) : successStatus(subjectOf(type, name), String(stored.metadata.uid));
  }

  /** DELETE on a collection: every selected object, one by one. */
  deleteCollection(type: ResourceType, namespace: string | undefined, options: ListOptions & DeleteOptions): KubeStatus {
    const matches = this.matcher(type, options);
    for (const object of this.store.list(storageKey(type), namespace).filter(matches)) {
      this.delete(type, object.metadata.namespace, object.metadata.name, { dryRun: options.dryRun });
    }
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
  }

  /**
   * Stores an object as a controller would have written it (status, uid, generation kept when given),
   * creating or replacing it; emits the watch event. Throws for a kind the server does not serve.
   */
  put(object: Record<string, any>): StoredObject {
    const type = this.catalog.byKind(String(object?.apiVersion), String(object?.kind));
    if (!type) throw new Error(`the test API server serves no ${object?.apiVersion} ${object?.kind} (put its CRD first)`);
    const namespace = type.namespaced ? (object.metadata?.namespace ?? 'default') : undefined;
    const next = checkBody(type, namespace, structuredClone(object));
    const stored = this.store.get(storageKey(type), namespace, next.metadata.name);
    if (stored) {
      for (const field of ['uid', 'creationTimestamp']) next.metadata[field] ??= stored.metadata[field];
    }
    const generation = next.metadata.generation;
    prepareForCreate(type, next, this.#now(), true);
    if (stored && type.generation && generation === undefined) {
      const probe = structuredClone(next);
      carryOver({ ...type, statusSubresource: false }, { ...stored, status: next.status }, probe, this.#now());
      next.metadata.generation = probe.metadata.generation;
    }
    if (type.kind === 'CustomResourceDefinition' && !type.custom) this.catalog.register(next);
    return this.present(type, this.store.save(storageKey(type), next));
  }

  /** Deletes an object at once, finalizers or not. False when there was none. */
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean {
    const type = this.catalog.byKind(apiVersion, kind);
    if (!type) return false;
    const stored = this.store.get(storageKey(type), type.namespaced ? (namespace ?? 'default') : undefined, name);
    if (!stored) return false;
    this.#destroy(type, stored);
    return true;
  }

  /** Removes an object for good, with what it contains (a namespace's objects, a CRD's resources). */
  #destroy(type: ResourceType, object: StoredObject): StoredObject {
    if (type.kind === 'Namespace' && !type.custom) {
      for (const key of this.store.keysWithObjectsIn(object.metadata.name)) {
        for (const inner of this.store.list(key, object.metadata.name)) this.store.remove(key, inner.metadata.namespace, inner.metadata.name);
      }
    }
    if (type.kind === 'CustomResourceDefinition' && !type.custom) {
      const key = `${object.spec?.group}/${object.spec?.names?.plural}`;
      for (const inner of this.store.list(key)) this.store.remove(key, inner.metadata.namespace, inner.metadata.name);
      this.catalog.unregister(object);
    }
    return this.store.remove(storageKey(type), object.metadata.namespace, object.metadata.name)!;
  }
}

function checkPreconditions(type: ResourceType, stored: StoredObject, incoming: Record<string, any>): void {
  const name = String(stored.metadata.name);
  if (incoming.uid && incoming.uid !== stored.metadata.uid) {
    throw ApiError.conflict(subjectOf(type, name), `Precondition failed: UID in precondition: ${incoming.uid}, UID in object meta: ${stored.metadata.uid}`);
  }
  if (incoming.resourceVersion && incoming.resourceVersion !== stored.metadata.resourceVersion) {
    throw ApiError.conflict(subjectOf(type, name), 'the object has been modified; please apply your changes to the latest version and try again');
  }
}

/** The real server's continue token: base64url JSON `{v, rv, start}`. */
function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: string; rv?: number; start?: string };
    if (value.v !== 'meta.k8s.io/v1' || typeof value.rv !== 'number' || typeof value.start !== 'string') throw new Error('bad token');
    return { rv: value.rv, start: value.start };
  } catch {
    throw ApiError.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}
