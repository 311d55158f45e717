/**
 * The health of one live Kubernetes object, computed the way Argo CD computes it, so that a location's
 * report means the same whether edgeplane, a hub Argo CD or an edge Argo CD assessed it.
 *
 * - Built-in kinds follow Argo CD's gitops-engine (`pkg/health/health_*.go`) check for check: Deployment,
 *   StatefulSet, DaemonSet, ReplicaSet, Job, Pod, PersistentVolumeClaim, Service, Ingress, and
 *   CustomResourceDefinition; Namespace (which Argo CD does not assess) is Healthy unless terminating.
 * - Argo CD Application: its own `status.health`, as the app-of-apps health customization in Argo CD's
 *   documentation reads it; ApplicationSet: Argo CD's bundled `ApplicationSet/health.lua`.
 * - Flux (every `*.toolkit.fluxcd.io` kind) and any other object with a `Ready` condition: kstatus-style
 *   conditions — `spec.suspend` → Suspended, `Stalled=True` → Degraded, `Ready=True` at the current
 *   generation → Healthy, `Ready=False` → Degraded, `Ready=Unknown` or `Reconciling=True` → Progressing.
 * - Any other kind has no health of its own: existing is being Healthy (Argo CD leaves such resources out
 *   of an application's health).
 *
 * - An object being deleted is Progressing ("Pending deletion; blocked by finalizers: ..."), unless it is an
 *   Argo CD hook held by its hook finalizer.
 *
 * Pure and total: any input, however incomplete (no status, partial status, wrong types), gives a result;
 * no input is an error. An absent object (`undefined`/`null`) is Missing.
 */

import { HEALTH_STATUSES, type HealthStatus } from '../api/locationReport.js';

/** Re-exported from the LocationReport API, whose scale this is. */
export type { HealthStatus };

/** An object's health and, when there is something to say, why. */
export interface Health {
  status: HealthStatus;
  message?: string;
}

/** True when `next` is a worse health than `current` (Argo CD's `IsWorse`, over `HEALTH_STATUSES`). */
export function isWorseHealth(current: HealthStatus, next: HealthStatus): boolean {
  return HEALTH_STATUSES.indexOf(next) > HEALTH_STATUSES.indexOf(current);
}

type Obj = Record<string, unknown>;
type Check = (object: Obj) => Health;

const HOOK_FINALIZER = 'argocd.argoproj.io/hook-finalizer';
const IGNORE_RESTART_POLICY = 'argocd.argoproj.io/ignore-restart-policy';

/** The health of `object` (a Kubernetes object as the API serves it). */
export function objectHealth(object: unknown): Health {
  if (object === undefined || object === null) return { status: 'Missing', message: 'the object does not exist' };
  if (!isObj(object)) return { status: 'Unknown', message: 'not a Kubernetes object' };
  const metadata = map(object['metadata']);
  const finalizers = list(metadata['finalizers']).map(String);
  if (metadata['deletionTimestamp'] && !finalizers.includes(HOOK_FINALIZER)) {
    const blocked = finalizers.length > 0 ? `; blocked by finalizers: ${finalizers.join(', ')}` : '';
    return { status: 'Progressing', message: `Pending deletion${blocked}` };
  }
  const apiVersion = str(object['apiVersion']);
  const kind = str(object['kind']);
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const builtin = BUILTIN_CHECKS[`${group}/${kind}`];
  if (builtin) {
    const [versions, check] = builtin;
    if (!versions.includes(apiVersion)) return { status: 'Unknown', message: `unsupported ${kind} apiVersion: ${apiVersion || '(none)'}` };
    return withoutEmptyMessage(check(object));
  }
  if (group === 'argoproj.io' && kind === 'Application') return applicationHealth(object);
  if (group === 'argoproj.io' && kind === 'ApplicationSet') return withoutEmptyMessage(applicationSetHealth(object));
  if (group.endsWith('.toolkit.fluxcd.io') || condition(object, 'Ready')) return withoutEmptyMessage(readyConditionHealth(object));
  return { status: 'Healthy' };
}

const BUILTIN_CHECKS: Record<string, [readonly string[], Check]> = {
  'apps/Deployment': [['apps/v1'], deploymentHealth],
  'apps/StatefulSet': [['apps/v1'], statefulSetHealth],
  'apps/DaemonSet': [['apps/v1'], daemonSetHealth],
  'apps/ReplicaSet': [['apps/v1'], replicaSetHealth],
  'batch/Job': [['batch/v1'], jobHealth],
  '/Pod': [['v1'], podHealth],
  '/PersistentVolumeClaim': [['v1'], pvcHealth],
  '/Service': [['v1'], serviceHealth],
  '/Namespace': [['v1'], namespaceHealth],
  'networking.k8s.io/Ingress': [['networking.k8s.io/v1', 'networking.k8s.io/v1beta1'], ingressHealth],
  'extensions/Ingress': [['extensions/v1beta1'], ingressHealth],
  'apiextensions.k8s.io/CustomResourceDefinition': [['apiextensions.k8s.io/v1'], crdHealth],
};

// ---------------------------------------------------------------------------------------------------------------
// Workloads (gitops-engine health_deployment.go, health_statefulset.go, health_daemonset.go, health_replicaset.go)

function deploymentHealth(d: Obj): Health {
  const { spec, status, generation } = parts(d);
  if (spec['paused'] === true) return { status: 'Suspended', message: 'Deployment is paused' };
  if (generation > num(status['observedGeneration'])) {
    return { status: 'Progressing', message: 'Waiting for rollout to finish: observed deployment generation less than desired generation' };
  }
  const progressing = condition(d, 'Progressing');
  const replicas = optionalNum(spec['replicas']);
  const updated = num(status['updatedReplicas']);
  const total = num(status['replicas']);
  const available = num(status['availableReplicas']);
  if (progressing && progressing['reason'] === 'ProgressDeadlineExceeded') {
    return { status: 'Degraded', message: `Deployment ${JSON.stringify(str(map(d['metadata'])['name']))} exceeded its progress deadline` };
  }
  if (replicas !== undefined && updated < replicas) {
    return { status: 'Progressing', message: `Waiting for rollout to finish: ${updated} out of ${replicas} new replicas have been updated...` };
  }
  if (total > updated) return { status: 'Progressing', message: `Waiting for rollout to finish: ${total - updated} old replicas are pending termination...` };
  if (available < updated) return { status: 'Progressing', message: `Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...` };
  return { status: 'Healthy' };
}

function statefulSetHealth(s: Obj): Health {
  const { spec, status, generation } = parts(s);
  const observed = num(status['observedGeneration']);
  if (observed === 0 || generation > observed) return { status: 'Progressing', message: 'Waiting for statefulset spec update to be observed...' };
  const replicas = optionalNum(spec['replicas']);
  const ready = num(status['readyReplicas']);
  const updated = num(status['updatedReplicas']);
  if (replicas !== undefined && ready < replicas) return { status: 'Progressing', message: `Waiting for ${replicas - ready} pods to be ready...` };
  const strategy = map(spec['updateStrategy']);
  if (strategy['type'] === 'RollingUpdate' && isObj(strategy['rollingUpdate'])) {
    const partition = optionalNum(strategy['rollingUpdate']['partition']);
    if (replicas !== undefined && partition !== undefined && updated < replicas - partition) {
      return { status: 'Progressing', message: `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...` };
    }
    return { status: 'Healthy', message: `partitioned roll out complete: ${updated} new pods have been updated...` };
  }
  if (strategy['type'] === 'OnDelete') return { status: 'Healthy', message: `statefulset has ${ready} ready pods (${updated} updated)` };
  const updateRevision = str(status['updateRevision']);
  const currentRevision = str(status['currentRevision']);
  if (updateRevision !== currentRevision) {
    return { status: 'Progressing', message: `waiting for statefulset rolling update to complete ${updated} pods at revision ${updateRevision}...` };
  }
  return { status: 'Healthy', message: `statefulset rolling update complete ${num(status['currentReplicas'])} pods at revision ${currentRevision}...` };
}

function daemonSetHealth(ds: Obj): Health {
  const { spec, status, generation } = parts(ds);
  const name = JSON.stringify(str(map(ds['metadata'])['name']));
  if (generation > num(status['observedGeneration'])) {
    return { status: 'Progressing', message: 'Waiting for rollout to finish: observed daemon set generation less than desired generation' };
  }
  const updated = num(status['updatedNumberScheduled']);
  const desired = num(status['desiredNumberScheduled']);
  const available = num(status['numberAvailable']);
  if (map(spec['updateStrategy'])['type'] === 'OnDelete') return { status: 'Healthy', message: `daemon set ${updated} out of ${desired} new pods have been updated` };
  if (updated < desired) return { status: 'Progressing', message: `Waiting for daemon set ${name} rollout to finish: ${updated} out of ${desired} new pods have been updated...` };
  if (available < desired) return { status: 'Progressing', message: `Waiting for daemon set ${name} rollout to finish: ${available} of ${desired} updated pods are available...` };
  return { status: 'Healthy' };
}

function replicaSetHealth(rs: Obj): Health {
  const { spec, status, generation } = parts(rs);
  if (generation > num(status['observedGeneration'])) {
    return { status: 'Progressing', message: 'Waiting for rollout to finish: observed replica set generation less than desired generation' };
  }
  const failure = condition(rs, 'ReplicaFailure');
  if (failure && failure['status'] === 'True') return { status: 'Degraded', message: str(failure['message']) };
  const replicas = optionalNum(spec['replicas']);
  const available = num(status['availableReplicas']);
  if (replicas !== undefined && available < replicas) {
    return { status: 'Progressing', message: `Waiting for rollout to finish: ${available} out of ${replicas} new replicas are available...` };
  }
  return { status: 'Healthy' };
}

// ---------------------------------------------------------------------------------------------------------------
// Jobs and Pods (health_job.go, health_pod.go)

function jobHealth(job: Obj): Health {
  let failed = false;
  let complete = false;
  let suspended = false;
  let failMessage = '';
  let message = '';
  // Argo CD looks at the condition types only (a Job controller adds them with status True).
  for (const c of conditions(job)) {
    if (c['type'] === 'Failed') {
      failed = complete = true;
      failMessage = str(c['message']);
    } else if (c['type'] === 'Complete') {
      complete = true;
      message = str(c['message']);
    } else if (c['type'] === 'Suspended') {
      complete = true;
      message = str(c['message']);
      if (c['status'] === 'True') suspended = true;
    }
  }
  if (!complete) return { status: 'Progressing', message };
  if (failed) return { status: 'Degraded', message: failMessage };
  if (suspended) return { status: 'Suspended', message };
  return { status: 'Healthy', message };
}

function podHealth(pod: Obj): Health {
  const { spec, status } = parts(pod);
  const message = str(status['message']);
  const restartPolicy = str(spec['restartPolicy']);
  const containerStatuses = list(status['containerStatuses']).map(map);
  if (restartPolicy === 'Always') {
    // A waiting reason such as ErrImagePull, CrashLoopBackOff or CreateContainerConfigError.
    const stuck = containerStatuses.map((c) => map(map(c['state'])['waiting'])).filter((w) => {
      const reason = str(w['reason']);
      return reason.startsWith('Err') || reason.endsWith('Error') || reason.endsWith('BackOff');
    });
    if (stuck.length > 0) return { status: 'Degraded', message: stuck.map((w) => str(w['message'])).join(', ') };
  }
  switch (status['phase']) {
    case 'Pending':
      return { status: 'Progressing', message };
    case 'Succeeded':
      return { status: 'Healthy', message };
    case 'Failed': {
      if (message) return { status: 'Degraded', message };
      for (const c of [...list(status['initContainerStatuses']).map(map), ...containerStatuses]) {
        const terminated = map(map(c['state'])['terminated']);
        if (!isObj(map(c['state'])['terminated'])) continue;
        if (str(terminated['message'])) return { status: 'Degraded', message: str(terminated['message']) };
        if (terminated['reason'] === 'OOMKilled') return { status: 'Degraded', message: 'OOMKilled' };
        if (num(terminated['exitCode']) !== 0) return { status: 'Degraded', message: `container ${JSON.stringify(str(c['name']))} failed with exit code ${num(terminated['exitCode'])}` };
      }
      return { status: 'Degraded', message: '' };
    }
    case 'Running': {
      const ignoreRestartPolicy = Object.prototype.hasOwnProperty.call(map(map(pod['metadata'])['annotations']), IGNORE_RESTART_POLICY);
      if (ignoreRestartPolicy || restartPolicy === 'Always') {
        if (condition(pod, 'Ready')?.['status'] === 'True') return { status: 'Healthy', message };
        if (containerStatuses.some((c) => isObj(map(c['lastState'])['terminated']))) return { status: 'Degraded', message };
        return { status: 'Progressing', message };
      }
      // OnFailure and Never pods have a finite life (typically hooks): running is progressing.
      if (restartPolicy === 'OnFailure' || restartPolicy === 'Never') return { status: 'Progressing', message };
    }
  }
  return { status: 'Unknown', message };
}

// ---------------------------------------------------------------------------------------------------------------
// Storage, networking, namespaces, CRDs (health_pvc.go, health_service.go, health_ingress.go,
// health_customresourcedefinition.go)

function pvcHealth(pvc: Obj): Health {
  const phase = parts(pvc).status['phase'];
  return { status: phase === 'Lost' ? 'Degraded' : phase === 'Pending' ? 'Progressing' : phase === 'Bound' ? 'Healthy' : 'Unknown' };
}

function serviceHealth(service: Obj): Health {
  const { spec, status } = parts(service);
  if (spec['type'] !== 'LoadBalancer') return { status: 'Healthy' };
  return { status: list(map(status['loadBalancer'])['ingress']).length > 0 ? 'Healthy' : 'Progressing' };
}

function ingressHealth(ingress: Obj): Health {
  return { status: list(map(parts(ingress).status['loadBalancer'])['ingress']).length > 0 ? 'Healthy' : 'Progressing' };
}

function namespaceHealth(namespace: Obj): Health {
  return parts(namespace).status['phase'] === 'Terminating' ? { status: 'Progressing', message: 'Namespace is terminating' } : { status: 'Healthy' };
}

function crdHealth(crd: Obj): Health {
  const all = conditions(crd);
  if (all.length === 0) return { status: 'Progressing', message: 'Status conditions not found' };
  let established = false;
  let terminating = false;
  let namesNotAccepted = false;
  let violations = false;
  let message = '';
  for (const c of all) {
    if (c['type'] === 'Terminating' && c['status'] === 'True') [terminating, message] = [true, str(c['message'])];
    else if (c['type'] === 'NamesAccepted' && c['status'] === 'False') [namesNotAccepted, message] = [true, str(c['message'])];
    else if (c['type'] === 'Established') {
      if (c['status'] === 'True') established = true;
      else message = str(c['message']);
    } else if (c['type'] === 'NonStructuralSchema' && c['status'] === 'True') [violations, message] = [true, str(c['message'])];
  }
  if (terminating) return { status: 'Progressing', message: `CRD is being terminated: ${message}` };
  if (namesNotAccepted) return { status: 'Degraded', message: `CRD names have not been accepted: ${message}` };
  if (!established) return { status: 'Degraded', message: `CRD is not established: ${message}` };
  if (violations) return { status: 'Degraded', message: `Schema violations found: ${message}` };
  return { status: 'Healthy', message: 'CRD is healthy' };
}

// ---------------------------------------------------------------------------------------------------------------
// Argo CD and Flux

/** What Argo CD's application controller recorded; Progressing until it records something. */
function applicationHealth(app: Obj): Health {
  const health = map(parts(app).status['health']);
  const status = health['status'];
  const message = str(health['message']);
  if (typeof status !== 'string' || status === '') return { status: 'Progressing', message: 'Waiting for the status to be reported' };
  if (!(HEALTH_STATUSES as readonly string[]).includes(status)) return { status: 'Unknown', message: `unknown health status ${JSON.stringify(status)}` };
  return message ? { status: status as HealthStatus, message } : { status: status as HealthStatus };
}

function applicationSetHealth(set: Obj): Health {
  const all = conditions(set);
  const first = (type: string, status: string) => all.find((c) => c['type'] === type && c['status'] === status);
  const found =
    [['ErrorOccurred', 'True', 'Degraded'], ['ResourcesUpToDate', 'False', 'Degraded'], ['RolloutProgressing', 'True', 'Progressing'], ['ResourcesUpToDate', 'True', 'Healthy']] as const;
  for (const [type, status, health] of found) {
    const c = first(type, status);
    if (c) return { status: health, message: str(c['message']) };
  }
  return { status: 'Progressing', message: 'Waiting for the status to be reported' };
}

/** kstatus-style reading of the `Ready`, `Stalled` and `Reconciling` conditions. */
function readyConditionHealth(object: Obj): Health {
  const { spec, status, generation } = parts(object);
  const kind = str(object['kind']) || 'object';
  if (spec['suspend'] === true) return { status: 'Suspended', message: `${kind} is suspended` };
  const stalled = condition(object, 'Stalled');
  if (stalled?.['status'] === 'True') return { status: 'Degraded', message: reasonAndMessage(stalled) };
  const ready = condition(object, 'Ready');
  if (ready) {
    const seen = optionalNum(ready['observedGeneration']);
    const stale = `waiting for the controller to observe generation ${generation}`;
    if (seen !== undefined && generation > 0 && seen < generation) return { status: 'Progressing', message: stale };
    switch (ready['status']) {
      case 'True': {
        // Flux moves status.observedGeneration only on success: behind the generation, the success is old.
        const observed = optionalNum(status['observedGeneration']);
        if (seen === undefined && observed !== undefined && generation > 0 && observed < generation) return { status: 'Progressing', message: stale };
        return { status: 'Healthy', message: str(ready['message']) };
      }
      case 'False':
        return { status: 'Degraded', message: reasonAndMessage(ready) };
      default:
        return { status: 'Progressing', message: reasonAndMessage(ready) };
    }
  }
  const reconciling = condition(object, 'Reconciling');
  if (reconciling?.['status'] === 'True') return { status: 'Progressing', message: reasonAndMessage(reconciling) };
  return { status: 'Progressing', message: 'Waiting for the status to be reported' };
}

function reasonAndMessage(c: Obj): string {
  const reason = str(c['reason']);
  const message = str(c['message']).trim();
  return reason && message ? `${reason}: ${message}` : reason || message;
}

// ---------------------------------------------------------------------------------------------------------------
// Tolerant readers: a missing or mistyped field reads as Go's zero value, as a typed Go struct would hold it.

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function map(value: unknown): Obj {
  return isObj(value) ? value : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** A pointer field (`*int32`): undefined when absent. */
function optionalNum(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function parts(object: Obj): { spec: Obj; status: Obj; generation: number } {
  return { spec: map(object['spec']), status: map(object['status']), generation: num(map(object['metadata'])['generation']) };
}

function conditions(object: Obj): Obj[] {
  return list(map(object['status'])['conditions']).filter(isObj);
}

function condition(object: Obj, type: string): Obj | undefined {
  return conditions(object).find((c) => c['type'] === type);
}

function withoutEmptyMessage(health: Health): Health {
  return health.message ? health : { status: health.status };
}
