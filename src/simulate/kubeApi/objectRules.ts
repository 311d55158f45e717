/**
 * What kube-apiserver's per-type strategies do to an object on its way into storage: name and label
 * validation, system fields (uid, creationTimestamp, generation), status reset on create, type defaults
 * (a Namespace is Active, a Secret's `stringData` folds into `data`), CRD status.
 */
import { randomUUID } from 'node:crypto';
import { apiVersionOf, type ResourceType } from './catalog.js';
import { ApiError, type ErrorSubject } from './status.js';
import type { StoredObject } from './store.js';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** RFC 3339 at second precision, as `metav1.Time` serializes. */
export function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The subject of error messages about an object of `type`. */
export function subjectOf(type: ResourceType, name: string): ErrorSubject {
  return { group: type.group, resource: type.plural, kind: type.kind, name };
}

/** Fields every resource may be field-selected on, plus the type's own, as the real server offers them. */
export function selectableFields(type: ResourceType): Map<string, (o: Record<string, any>) => string> {
  const at = (path: string) => (o: Record<string, any>) => {
    let value: any = o;
    for (const part of path.split('.')) value = value?.[part];
    return value === undefined || value === null ? '' : String(value);
  };
  const own: Record<string, string[]> = {
    '/secrets': ['type'],
    '/pods': ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'status.phase', 'status.podIP'],
    '/namespaces': ['status.phase'],
  };
  const fields = ['metadata.name', 'metadata.namespace', ...(own[`${type.group}/${type.plural}`] ?? []), ...type.selectableFields];
  return new Map(fields.map((field) => [field, at(field)]));
}

/**
 * Checks what a body must carry to be stored as `type` in `namespace`: matching apiVersion and kind
 * (400), the namespace of the URL (400), a valid name and labels (422). Fills apiVersion, kind and the
 * namespace; clears the namespace of cluster-scoped objects, as the real server does.
 */
export function checkBody(type: ResourceType, namespace: string | undefined, body: unknown, urlName?: string): StoredObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw ApiError.badRequest('the body of the request must be a JSON object');
  const object = body as StoredObject;
  if (typeof object.metadata !== 'object' || object.metadata === null) object.metadata = {};
  const expected = apiVersionOf(type);
  if (object.apiVersion !== undefined && object.apiVersion !== expected) {
    throw ApiError.badRequest(`the API version in the data (${object.apiVersion}) does not match the expected API version (${expected})`);
  }
  if (object.kind !== undefined && object.kind !== type.kind) {
    throw ApiError.badRequest(`the kind in the data (${object.kind}) does not match the expected kind (${type.kind})`);
  }
  object.apiVersion = expected;
  object.kind = type.kind;
  if (type.namespaced) {
    if (object.metadata.namespace !== undefined && object.metadata.namespace !== '' && object.metadata.namespace !== namespace) {
      throw ApiError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    object.metadata.namespace = namespace;
  } else delete object.metadata.namespace;
  if (urlName !== undefined && object.metadata.name !== undefined && object.metadata.name !== urlName) {
    throw ApiError.badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${urlName})`);
  }
  if (urlName !== undefined) object.metadata.name = urlName;
  if (!object.metadata.name && typeof object.metadata.generateName === 'string' && object.metadata.generateName !== '') {
    object.metadata.name = object.metadata.generateName + randomSuffix();
  }
  validateMeta(type, object);
  return object;
}

function validateMeta(type: ResourceType, object: StoredObject): void {
  const name = object.metadata.name;
  const subject = subjectOf(type, typeof name === 'string' ? name : '');
  if (typeof name !== 'string' || name === '') {
    throw ApiError.invalid(subject, [{ field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
  }
  const causes: { field: string; message: string }[] = [];
  const [pattern, max, what] =
    type.kind === 'Namespace' && !type.custom
      ? [DNS1123_LABEL, 63, 'a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character']
      : type.kind === 'Service' && !type.custom
        ? [DNS1035_LABEL, 63, 'a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character']
        : [DNS1123_SUBDOMAIN, 253, 'a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character'];
  if (!pattern.test(name) || name.length > max) causes.push({ field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: ${what}` });
  for (const [key, value] of Object.entries((object.metadata.labels ?? {}) as Record<string, unknown>)) {
    if (!LABEL_KEY.test(key)) causes.push({ field: 'metadata.labels', message: `Invalid value: ${JSON.stringify(key)}: name part must consist of alphanumeric characters, '-', '_' or '.'` });
    if (typeof value !== 'string' || !LABEL_VALUE.test(value)) {
      causes.push({ field: 'metadata.labels', message: `Invalid value: ${JSON.stringify(value)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character` });
    }
  }
  if (causes.length > 0) throw ApiError.invalid(subject, causes);
}

function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return Array.from({ length: 5 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
}

/** System fields and type defaults of a new object; a status is reset where the type has a status subresource. */
export function prepareForCreate(type: ResourceType, object: StoredObject, now: Date, keepStatus: boolean): void {
  const meta = object.metadata;
  delete meta.resourceVersion;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  meta.uid = keepStatus && typeof meta.uid === 'string' ? meta.uid : randomUUID();
  meta.creationTimestamp = keepStatus && typeof meta.creationTimestamp === 'string' ? meta.creationTimestamp : timestamp(now);
  if (type.generation) meta.generation = keepStatus && typeof meta.generation === 'number' ? meta.generation : 1;
  else delete meta.generation;
  if (type.statusSubresource && !keepStatus) delete object.status;
  applyDefaults(type, object, now);
}

/** Keeps what an update cannot change: identity, creation, deletion and (behind a status subresource) status. */
export function carryOver(type: ResourceType, stored: StoredObject, next: StoredObject, now: Date): void {
  for (const field of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation']) {
    if (stored.metadata[field] === undefined) delete next.metadata[field];
    else next.metadata[field] = stored.metadata[field];
  }
  if (type.statusSubresource) {
    if (stored.status === undefined) delete next.status;
    else next.status = structuredClone(stored.status);
  }
  applyDefaults(type, next, now, stored);
  if (type.generation && specChanged(type, stored, next)) next.metadata.generation = (Number(stored.metadata.generation) || 0) + 1;
}

/**
 * Whether `generation` moves: any change outside metadata, and outside status when the type has a status
 * subresource (so an Argo CD Application's status write bumps it, a Deployment's does not).
 */
export function specChanged(type: ResourceType, before: StoredObject, after: StoredObject): boolean {
  const strip = (o: StoredObject) => {
    const { metadata: _m, status, apiVersion: _a, kind: _k, ...rest } = o;
    return JSON.stringify(sortKeys(type.statusSubresource ? rest : { ...rest, status }));
  };
  return strip(before) !== strip(after);
}

/** Equal as JSON data, ignoring key order and the resourceVersion. */
export function sameContent(a: StoredObject, b: StoredObject): boolean {
  const bare = (o: StoredObject) => JSON.stringify(sortKeys({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } }));
  return bare(a) === bare(b);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}

function applyDefaults(type: ResourceType, object: StoredObject, now: Date, stored?: StoredObject): void {
  if (type.custom || type.group === 'apiextensions.k8s.io') {
    if (type.kind === 'CustomResourceDefinition') object.status = crdStatus(object, now, stored);
    return;
  }
  switch (`${type.group}/${type.kind}`) {
    case '/Secret':
      foldStringData(object);
      object.type ??= 'Opaque';
      break;
    case '/Namespace':
      object.spec = { finalizers: ['kubernetes'], ...(object.spec ?? {}) };
      object.status ??= { phase: 'Active' };
      break;
    case '/PersistentVolumeClaim':
    case '/Pod':
      object.status ??= { phase: 'Pending' };
      break;
    case '/Service':
      object.status ??= { loadBalancer: {} };
      break;
  }
}

/** `stringData` is write-only: the server folds it into base64 `data` and drops it. */
function foldStringData(secret: StoredObject): void {
  if (secret.stringData && typeof secret.stringData === 'object') {
    secret.data = { ...(secret.data ?? {}) };
    for (const [key, value] of Object.entries(secret.stringData as Record<string, unknown>)) {
      secret.data[key] = Buffer.from(String(value), 'utf8').toString('base64');
    }
  }
  delete secret.stringData;
}

/** What apiextensions-apiserver reports for a CRD whose names were accepted: Established. */
function crdStatus(crd: StoredObject, now: Date, stored?: StoredObject): Record<string, unknown> {
  const names = crd.spec?.names ?? {};
  const since = (type: string) => stored?.status?.conditions?.find((c: { type: string }) => c.type === type)?.lastTransitionTime ?? timestamp(now);
  const storage = (crd.spec?.versions ?? []).find((v: { storage?: boolean }) => v.storage)?.name;
  return {
    acceptedNames: {
      kind: names.kind,
      listKind: names.listKind ?? `${names.kind}List`,
      plural: names.plural,
      singular: names.singular ?? String(names.kind ?? '').toLowerCase(),
      ...(names.shortNames ? { shortNames: names.shortNames } : {}),
      ...(names.categories ? { categories: names.categories } : {}),
    },
    conditions: [
      { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: since('NamesAccepted') },
      { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: since('Established') },
    ],
    storedVersions: [...new Set([...(stored?.status?.storedVersions ?? []), ...(storage ? [storage] : [])])],
  };
}
