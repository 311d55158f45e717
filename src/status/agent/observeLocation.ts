import type { KubeConfig } from '@kubernetes/client-node';
import type { Consumer } from '../../api/location.js';
import type { AppliedRevision, ConsumerStatus, LocationReport, ObjectReport } from '../../api/locationReport.js';
import { applicationReport } from '../sources/argocdApplication.js';
import { boundedReport, objectSortKey } from '../sources/bounded.js';
import { kustomizationReport } from '../sources/fluxKustomization.js';
import { readLiveObjects, type LiveObject } from '../sources/kubeClient.js';
import { liveObjectReport, type HealthOf } from '../sources/liveObject.js';
import type { DesiredObject, LocationOutput } from './locationOutput.js';

/** The agent's version, in every report it writes. */
export const AGENT_NAME = 'edgeplane-agent/0.1.0';

export interface ObserveOptions {
  location: string;
  /** The output the location should run (its branch head), or undefined when the agent never fetched it. */
  output: LocationOutput | undefined;
  /** How the location pulls; default the output's record, else kubectl. */
  consumer?: Consumer | undefined;
  /** The consumer's object: the Argo CD Application or Flux Kustomization, as `namespace/name`. */
  consumerObject?: string | undefined;
  /** What the last report said was applied: kept when a kubectl location is not in sync with its output. */
  previouslyApplied?: AppliedRevision | undefined;
  healthOf: HealthOf;
  now: Date;
}

/**
 * One observation of the location: every object its output lists, read live with its health, and what the
 * consumer applied. Argo CD and Flux say which commit they applied; for kubectl the agent compares: when every
 * object exists with every field the output sets, the output's commit is applied, otherwise the last applied
 * revision stands and the consumer is OutOfSync.
 */
export async function observeLocation(kc: KubeConfig, options: ObserveOptions): Promise<LocationReport> {
  const output = options.output;
  const desired = output?.objects ?? [];
  const consumerKind = options.consumer ?? output?.consumer ?? 'kubectl';
  const consumerRef = consumerObjectRef(consumerKind, options.location, options.consumerObject);
  const live = await readLiveObjects(kc, [...desired, ...(consumerRef ? [consumerRef] : [])]);
  const objects = desired.map((ref, i) => liveObjectReport(ref, live[i]!, options.healthOf));
  const consumerLive = consumerRef ? live[desired.length]! : undefined;

  let applied: AppliedRevision | undefined;
  let consumer: ConsumerStatus;
  if (consumerKind === 'kubectl') {
    const inSync = desired.every((d, i) => isInSync(d, live[i]!));
    objects.forEach((o, i) => (o.sync = isInSync(desired[i]!, live[i]!) ? 'Synced' : 'OutOfSync'));
    applied = output && inSync ? revisionOf(output) : options.previouslyApplied;
    consumer = { kind: 'kubectl', sync: output ? (inSync ? 'Synced' : 'OutOfSync') : 'Unknown', health: worstHealth(objects) };
  } else {
    const theirs = consumerReport(consumerKind, consumerLive, options.location, options.now);
    consumer = theirs?.status.consumer ?? { kind: consumerKind, sync: 'Unknown', health: 'Unknown', message: missingConsumer(consumerKind, consumerRef, consumerLive) };
    const commit = theirs?.status.applied?.commit;
    applied = commit ? (output && output.commit === commit ? revisionOf(output) : { commit }) : undefined;
    const syncByKey = new Map((theirs?.status.objects ?? []).map((o) => [objectSortKey(o), o.sync]));
    for (const object of objects) {
      const sync = syncByKey.get(objectSortKey(object));
      if (sync) object.sync = sync;
    }
  }
  return boundedReport({
    apiVersion: 'edgeplane.io/v1alpha1',
    kind: 'LocationReport',
    metadata: { name: options.location },
    status: {
      observedAt: options.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      reporter: { kind: 'agent', name: AGENT_NAME },
      ...(applied ? { applied } : {}),
      consumer,
      objects,
    },
  });
}

function revisionOf(output: LocationOutput): AppliedRevision {
  return { commit: output.commit, ...(output.digest ? { digest: output.digest } : {}), ...(output.sourceCommit ? { sourceCommit: output.sourceCommit } : {}) };
}

/** The Application or Kustomization the bootstrap manifests create for a location, unless told otherwise. */
function consumerObjectRef(kind: Consumer, location: string, given: string | undefined) {
  if (kind === 'kubectl') return undefined;
  const [namespace, name] = given?.includes('/') ? (given.split('/', 2) as [string, string]) : [kind === 'argocd' ? 'argocd' : 'flux-system', given ?? `edgeplane-${location}`];
  return kind === 'argocd'
    ? { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', namespace, name }
    : { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', namespace, name };
}

function consumerReport(kind: Consumer, live: LiveObject | undefined, location: string, now: Date): LocationReport | undefined {
  if (!live || !('object' in live)) return undefined;
  return kind === 'argocd' ? applicationReport(live.object, location, now) : kustomizationReport(live.object, location, now);
}

function missingConsumer(kind: Consumer, ref: { namespace: string; name: string } | undefined, live: LiveObject | undefined): string {
  const what = `${kind === 'argocd' ? 'Application' : 'Kustomization'} ${ref?.namespace}/${ref?.name}`;
  if (live && 'error' in live) return `could not read the ${what}: ${live.error}`;
  return `the ${what} does not exist`;
}

const ORDER = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded'] as const;

/** Argo CD's aggregation: the worst health of the objects that have one. */
function worstHealth(objects: readonly ObjectReport[]): ConsumerStatus['health'] {
  let worst: ConsumerStatus['health'] = objects.length === 0 ? 'Unknown' : 'Healthy';
  for (const o of objects) {
    if (o.health === 'Unknown') continue;
    if (ORDER.indexOf(o.health) > ORDER.indexOf(worst as (typeof ORDER)[number])) worst = o.health;
  }
  return worst;
}

/**
 * Whether a live object carries everything the published manifest sets: every field of the manifest (labels
 * and annotations included, other metadata and status excluded) has the same value live. Fields the server
 * or controllers add do not matter; a list must have the same length.
 */
export function isInSync(desired: DesiredObject, live: LiveObject): boolean {
  if (!('object' in live)) return false;
  const { apiVersion: _a, kind: _k, metadata, status: _s, ...rest } = desired.manifest;
  const liveMetadata = (live.object['metadata'] ?? {}) as Record<string, unknown>;
  const meta = (metadata ?? {}) as Record<string, unknown>;
  if (!contains(meta['labels'] ?? {}, liveMetadata['labels'] ?? {}) || !contains(meta['annotations'] ?? {}, liveMetadata['annotations'] ?? {})) return false;
  return Object.entries(rest).every(([key, value]) => contains(value, live.object[key]));
}

function contains(desired: unknown, live: unknown): boolean {
  if (Array.isArray(desired)) return Array.isArray(live) && live.length === desired.length && desired.every((d, i) => contains(d, live[i]));
  if (typeof desired === 'object' && desired !== null) {
    if (typeof live !== 'object' || live === null || Array.isArray(live)) return false;
    return Object.entries(desired).every(([key, value]) => contains(value, (live as Record<string, unknown>)[key]));
  }
  if (desired === live) return true;
  // The API server normalizes some scalars (int-or-string ports, quantities written as numbers).
  return desired !== null && live !== null && live !== undefined && String(desired) === String(live);
}

