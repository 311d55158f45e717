/**
 * Keeping reports bounded, whatever a location runs: at most `MAX_REPORT_OBJECTS` objects, and each object's
 * `spec` and `status` within `MAX_OBJECT_STATUS_BYTES` (as JSON). An object over the bound keeps its status in
 * a shortened form (scalar fields and conditions) and loses its spec; it is marked `truncated`.
 */
import { apiGroupOf } from '../../api/kube.js';
import { MAX_OBJECT_STATUS_BYTES, MAX_REPORT_OBJECTS, type LocationReport, type ObjectReport } from '../../api/locationReport.js';

/** The report with its objects sorted by key, at most the bound of them, each within its size bound. */
export function boundedReport(report: LocationReport): LocationReport {
  const all = [...(report.status.objects ?? [])].map(boundedObject).sort((a, b) => compare(objectSortKey(a), objectSortKey(b)));
  const objects = all.slice(0, MAX_REPORT_OBJECTS);
  const omitted = all.length - objects.length + (report.status.omittedObjects ?? 0);
  const status = { ...report.status, objects };
  if (omitted > 0) status.omittedObjects = omitted;
  else delete status.omittedObjects;
  return { ...report, status };
}

/** An object within the size bound. */
export function boundedObject(object: ObjectReport): ObjectReport {
  const size = (value: unknown) => (value === undefined ? 0 : JSON.stringify(value).length);
  if (size(object.spec) + size(object.status) <= MAX_OBJECT_STATUS_BYTES) return object;
  const { spec: _spec, ...rest } = object;
  if (size(object.status) <= MAX_OBJECT_STATUS_BYTES) return { ...rest, truncated: true };
  const short = shortStatus(object.status);
  return size(short) <= MAX_OBJECT_STATUS_BYTES ? { ...rest, status: short, truncated: true } : { ...omit(rest, 'status'), truncated: true };
}

/** `group/Kind/namespace/name`: the order of objects in a report. */
export function objectSortKey(object: ObjectReport): string {
  return `${apiGroupOf(object.apiVersion)}/${object.kind}/${object.namespace ?? ''}/${object.name}`;
}

function shortStatus(status: unknown): unknown {
  if (typeof status !== 'object' || status === null || Array.isArray(status)) return status;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(status)) {
    if (value === null || typeof value !== 'object') out[key] = typeof value === 'string' && value.length > 512 ? `${value.slice(0, 511)}…` : value;
  }
  const conditions = (status as { conditions?: unknown }).conditions;
  if (Array.isArray(conditions)) {
    out['conditions'] = conditions.slice(0, 20).map((c) => {
      if (typeof c !== 'object' || c === null) return c;
      const condition = { ...(c as Record<string, unknown>) };
      if (typeof condition['message'] === 'string' && condition['message'].length > 512) condition['message'] = `${condition['message'].slice(0, 511)}…`;
      return condition;
    });
  }
  return out;
}

function omit<T extends object, K extends keyof T>(value: T, key: K): Omit<T, K> {
  const { [key]: _dropped, ...rest } = value;
  return rest;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
