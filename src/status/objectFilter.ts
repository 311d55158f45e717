import { apiGroupOf } from '../api/kube.js';
import type { ObjectReport } from '../api/locationReport.js';
import type { ObjectFilter } from '../api/placement.js';
import { matchesAny } from '../schedule/labelSelector.js';

/**
 * True when a reported object passes a collector's `objects` filter: every field that is set must match.
 * A reported object without a namespace is cluster-scoped, so it matches only filters without `namespaces`
 * (the same rule placements apply to the objects they take).
 */
export function matchesObjectFilter(object: ObjectReport, filter: ObjectFilter): boolean {
  if (filter.apiGroup !== undefined && apiGroupOf(object.apiVersion) !== filter.apiGroup) return false;
  if (filter.kinds !== undefined && !filter.kinds.includes(object.kind)) return false;
  if (filter.names !== undefined && !filter.names.includes(object.name)) return false;
  if (filter.namespaces !== undefined && (object.namespace === undefined || !filter.namespaces.includes(object.namespace))) return false;
  if (filter.labelSelectors !== undefined && !matchesAny(filter.labelSelectors, object.labels)) return false;
  return true;
}
