import type { ObjectReport } from '../../api/locationReport.js';
import type { Health } from '../health.js';
import { boundedObject } from './bounded.js';
import type { LiveObject, ObjectRef } from './kubeClient.js';

/** How an object's health is computed (`objectHealth` of ./health.ts; tests may pass another). */
export type HealthOf = (object: unknown) => Health;

/**
 * The report of one object read live: its health (Missing when it does not exist, Unknown with the reason when
 * it could not be read), labels, and bounded spec and status.
 */
export function liveObjectReport(ref: ObjectRef, live: LiveObject, healthOf: HealthOf): ObjectReport {
  const base: ObjectReport = { apiVersion: ref.apiVersion, kind: ref.kind, ...(ref.namespace ? { namespace: ref.namespace } : {}), name: ref.name, health: 'Unknown' };
  if ('missing' in live) return { ...base, health: 'Missing', message: `${ref.kind} ${ref.name} does not exist` };
  if ('error' in live) return { ...base, health: 'Unknown', message: `could not read it: ${live.error}` };
  const object = live.object;
  const health = healthOf(object);
  const metadata = (object['metadata'] ?? {}) as { labels?: unknown };
  const report: ObjectReport = { ...base, health: health.status };
  if (health.message) report.message = health.message;
  if (isStringMap(metadata.labels) && Object.keys(metadata.labels).length > 0) report.labels = metadata.labels;
  if (object['spec'] !== undefined) report.spec = object['spec'];
  if (object['status'] !== undefined) report.status = object['status'];
  return boundedObject(report);
}

function isStringMap(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}
