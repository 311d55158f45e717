import type { KubeObject } from '../api/kube.js';
import { apiGroupOf } from '../api/kube.js';
import type { ObjectFilter } from '../api/placement.js';
import { matchesAny } from '../schedule/labelSelector.js';
import type { ScopeTable } from './scope.js';

/**
 * True when the object passes a placement's `objects` filters: ANY filter matches; within a filter every
 * field that is set must match. Absent filters take every object. Cluster-scoped objects match a filter
 * only when it sets no `namespaces`.
 */
export function matchesObjectFilters(object: KubeObject, filters: readonly ObjectFilter[] | undefined, scopes: ScopeTable): boolean {
  if (filters === undefined) return true;
  return filters.some((filter) => matchesObjectFilter(object, filter, scopes));
}

function matchesObjectFilter(object: KubeObject, filter: ObjectFilter, scopes: ScopeTable): boolean {
  if (filter.apiGroup !== undefined && apiGroupOf(object.apiVersion) !== filter.apiGroup) return false;
  if (filter.kinds !== undefined && !filter.kinds.includes(object.kind)) return false;
  if (filter.names !== undefined && !filter.names.includes(object.metadata.name)) return false;
  if (filter.namespaces !== undefined) {
    if (scopes.isClusterScoped(object)) return false;
    if (!filter.namespaces.includes(object.metadata.namespace ?? '')) return false;
  }
  if (filter.labelSelectors !== undefined && !matchesAny(filter.labelSelectors, object.metadata.labels)) return false;
  return true;
}

/** Metadata fields the API server owns: never written to Git. */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'ownerReferences',
];
const SERVER_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision'];

/** A copy of `object` without `status` and server-managed metadata. */
export function stripServerFields(object: KubeObject): KubeObject {
  const { status: _status, ...rest } = object;
  const metadata = { ...object.metadata };
  for (const field of SERVER_METADATA) delete metadata[field];
  if (metadata.annotations) {
    const annotations = { ...metadata.annotations };
    for (const key of SERVER_ANNOTATIONS) delete annotations[key];
    if (Object.keys(annotations).length === 0) delete metadata.annotations;
    else metadata.annotations = annotations;
  }
  return { ...rest, metadata } as KubeObject;
}

/** The Namespace object a namespaced object implies at its location (in Argo CD's first sync wave). */
export function impliedNamespace(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'edgeplane' }, annotations: { 'argocd.argoproj.io/sync-wave': '-2' } },
  };
}
