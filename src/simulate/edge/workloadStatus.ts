/**
 * What the controllers of a simulated cluster write into a workload's status: the Deployment, StatefulSet and
 * DaemonSet controllers and the kubelet, compressed into one rule. A workload's new revision (its
 * `metadata.generation`) becomes ready `startupMs` after the controller first saw it, but only when every
 * container image is in the simulated registry; with an unknown image its new pods never start (ImagePullBackOff
 * in a real cluster), the previous revision's pods keep serving, and a Deployment's rollout fails past its
 * progress deadline. The status fields are the ones Argo CD's health checks read (src/status/health.ts), so the
 * real agent computes Healthy, Progressing or Degraded from them exactly as at a real edge.
 *
 * Pure: the object, what the controller remembers of the rollout, and the time in; the status out.
 */
import { createHash } from 'node:crypto';

/** The images that "exist": a workload with any other image never becomes ready. A `Set<string>` is one. */
export interface ImageCatalog {
  /** Whether `reference` (exactly as written in the pod template, e.g. `registry.example.org/ingest:1.5.0`) exists. */
  has(reference: string): boolean;
}

/** The workload kinds the simulated controllers look after (`apps/v1`). */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** What the controller remembers of a workload's current revision. */
export interface Rollout {
  /** The `metadata.generation` it is rolling out. */
  generation: number;
  /** When the controller first saw that generation (ms, the cluster's clock); -Infinity: before it started. */
  sinceMs: number;
  /** Pods of earlier revisions that were ready when it began: they keep serving until the new ones are. */
  previousReady: number;
}

/** How the simulated cluster behaves. */
export interface WorkloadTiming {
  /** From a new revision to its pods being ready, when its images exist. */
  startupMs: number;
  /** From a new revision to a Deployment's `ProgressDeadlineExceeded` when it is not ready by then. */
  progressDeadlineMs: number;
}

/** The status to write, and when the next change is due (undefined: none without a new revision). */
export interface WorkloadStatus {
  status: Record<string, unknown>;
  nextChangeMs: number | undefined;
}

type Obj = Record<string, any>;

/**
 * The rollout record for `object` as the controller sees it now: the remembered one while the generation is the
 * same; else a new one starting at `nowMs`, carrying over the pods that were ready. An object the controller never
 * saw whose status already covers its generation counts as rolled out before it started.
 */
export function observeRollout(object: Obj, remembered: Rollout | undefined, nowMs: number): Rollout {
  const generation = generationOf(object);
  if (remembered && remembered.generation === generation) return remembered;
  const status = (object.status ?? {}) as Obj;
  if (!remembered && Number(status.observedGeneration) === generation) return { generation, sinceMs: -Infinity, previousReady: count(status.readyReplicas ?? status.numberReady) };
  return { generation, sinceMs: nowMs, previousReady: count(status.readyReplicas ?? status.numberReady) };
}

/** The images a workload's pods run: every container and init container of its pod template. */
export function podImages(object: Obj): string[] {
  const spec = (object.spec?.template?.spec ?? {}) as Obj;
  return [...list(spec.initContainers), ...list(spec.containers)].map((c) => (typeof c?.image === 'string' ? c.image : '')).filter((i) => i !== '');
}

/**
 * The status a workload of `kind` has at `nowMs` during `rollout`. Timestamps of conditions that already say
 * the same keep their times (controllers move `lastTransitionTime` only on a change of status).
 */
export function workloadStatus(kind: WorkloadKind, object: Obj, rollout: Rollout, nowMs: number, images: ImageCatalog, timing: WorkloadTiming): WorkloadStatus {
  const missing = podImages(object).filter((image) => !images.has(image));
  const readyAtMs = rollout.sinceMs + timing.startupMs;
  const ready = missing.length === 0 && nowMs >= readyAtMs;
  const deadlineMs = rollout.sinceMs + timing.progressDeadlineMs;
  const nextChangeMs = missing.length === 0 ? (ready ? undefined : readyAtMs) : kind === 'Deployment' && nowMs < deadlineMs ? deadlineMs : undefined;
  const phase: Phase = { ready, missing, pastDeadline: !ready && nowMs >= deadlineMs, now: new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  switch (kind) {
    case 'Deployment':
      return { status: deploymentStatus(object, rollout, phase), nextChangeMs };
    case 'StatefulSet':
      return { status: statefulSetStatus(object, rollout, phase), nextChangeMs };
    case 'DaemonSet':
      return { status: daemonSetStatus(object, rollout, phase), nextChangeMs };
  }
}

interface Phase {
  ready: boolean;
  /** Images of the pod template the registry does not have. */
  missing: string[];
  pastDeadline: boolean;
  /** `nowMs` as a Kubernetes timestamp. */
  now: string;
}

/**
 * deployment_controller's status: while rolling, the new ReplicaSet's pods exist but are not ready and the old
 * ones still serve (`replicas` counts both); Available tracks whether any pods serve, Progressing says
 * ReplicaSetUpdated, then NewReplicaSetAvailable or ProgressDeadlineExceeded.
 */
function deploymentStatus(d: Obj, rollout: Rollout, phase: Phase): Obj {
  const replicas = desiredReplicas(d);
  const name = String(d.metadata?.name ?? '');
  const rs = `${name}-${revisionHash(d, rollout.generation)}`;
  const old = phase.ready ? 0 : Math.min(rollout.previousReady, replicas);
  const ready = phase.ready ? replicas : old;
  const available: Obj = ready > 0 || replicas === 0
    ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
    : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' };
  const progressing: Obj = phase.ready
    ? { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rs}" has successfully progressed.` }
    : phase.pastDeadline
      ? { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rs}" has timed out progressing.${pullFailure(phase)}` }
      : { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rs}" is progressing.${pullFailure(phase)}` };
  const status: Obj = {
    observedGeneration: rollout.generation,
    replicas: replicas + old,
    updatedReplicas: replicas,
    readyReplicas: ready,
    availableReplicas: ready,
    conditions: withTimes(d.status?.conditions, [available, progressing], phase.now),
  };
  if (replicas + old - ready > 0) status.unavailableReplicas = replicas + old - ready;
  return status;
}

function statefulSetStatus(s: Obj, rollout: Rollout, phase: Phase): Obj {
  const replicas = desiredReplicas(s);
  const name = String(s.metadata?.name ?? '');
  const update = `${name}-${revisionHash(s, rollout.generation)}`;
  const current = phase.ready ? update : String(s.status?.currentRevision ?? update);
  const old = phase.ready ? 0 : Math.min(rollout.previousReady, replicas);
  return {
    observedGeneration: rollout.generation,
    replicas,
    readyReplicas: phase.ready ? replicas : old,
    availableReplicas: phase.ready ? replicas : old,
    currentReplicas: phase.ready ? replicas : old,
    updatedReplicas: phase.ready ? replicas : 0,
    currentRevision: current,
    updateRevision: update,
    collisionCount: 0,
  };
}

/** One node: a DaemonSet wants one pod. */
function daemonSetStatus(_ds: Obj, rollout: Rollout, phase: Phase): Obj {
  const serving = phase.ready ? 1 : Math.min(rollout.previousReady, 1);
  return {
    observedGeneration: rollout.generation,
    currentNumberScheduled: 1,
    desiredNumberScheduled: 1,
    numberMisscheduled: 0,
    numberReady: serving,
    numberAvailable: serving,
    ...(serving < 1 ? { numberUnavailable: 1 } : {}),
    updatedNumberScheduled: phase.ready ? 1 : 0,
  };
}

function pullFailure(phase: Phase): string {
  return phase.missing.length === 0 ? '' : ` Back-off pulling image ${phase.missing.map((i) => JSON.stringify(i)).join(', ')}: not found in the registry.`;
}

/** The new conditions, keeping `lastTransitionTime` of one whose status did not change. */
function withTimes(previous: unknown, next: Obj[], now: string): Obj[] {
  const before = new Map(list(previous).map((c: Obj) => [c?.type, c]));
  return next.map((c) => {
    const old = before.get(c.type);
    const same = old && old.status === c.status;
    const updated = same && old.reason === c.reason && old.message === c.message;
    return { ...c, lastUpdateTime: updated ? old.lastUpdateTime ?? now : now, lastTransitionTime: same ? old.lastTransitionTime ?? now : now };
  });
}

function desiredReplicas(object: Obj): number {
  const replicas = object.spec?.replicas;
  return typeof replicas === 'number' && Number.isInteger(replicas) && replicas >= 0 ? replicas : 1;
}

function generationOf(object: Obj): number {
  const generation = Number(object.metadata?.generation);
  return Number.isInteger(generation) && generation > 0 ? generation : 1;
}

/** A pod-template-hash look-alike: stable per object and revision, so ReplicaSet names read as in a cluster. */
function revisionHash(object: Obj, generation: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const digest = createHash('sha256').update(`${object.metadata?.uid ?? object.metadata?.name}/${generation}`).digest();
  return Array.from(digest.subarray(0, 10), (byte) => alphabet[byte % alphabet.length]).join('');
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

function list(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}
