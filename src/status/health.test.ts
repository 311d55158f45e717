import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from '../../test/support/specRepo.js';
import { HEALTH_STATUSES } from '../api/locationReport.js';
import { isWorseHealth, objectHealth, type Health, type HealthStatus } from './health.js';

const EXAMPLES = path.join(ROOT, 'test/reference/examples');

type Doc = Record<string, any>;

function documents(file: string): Doc[] {
  return parseAllDocuments(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'))
    .map((doc) => doc.toJS() as Doc | null)
    .filter((doc): doc is Doc => doc !== null);
}

/**
 * Argo CD's own expectations for its ApplicationSet health check (applicationset-health_test.yaml), with
 * the upstream file names mapped to the names in test/reference (SOURCES.md, "Argo CD ApplicationSet").
 */
const APPLICATIONSET_NAMES: Record<string, string> = {
  'testdata/healthyApplicationSet.yaml': 'argocd/applicationset-healthy.yaml',
  'testdata/errorApplicationSetWithStatusMessage.yaml': 'argocd/applicationset-error-occurred.yaml',
  'testdata/noStatusApplicationSet.yaml': 'argocd/applicationset-no-status.yaml',
  'testdata/resourceNotUpdatedApplicationSet.yaml': 'argocd/applicationset-create-application-error.yaml',
  'testdata/progressiveSyncApplicationSet.yaml': 'argocd/applicationset-rollout-progressing.yaml',
};

const applicationSetExpectations: Map<string, Health> = (() => {
  const table = parse(fs.readFileSync(path.join(EXAMPLES, 'argocd/applicationset-health_test.yaml'), 'utf8')) as { tests: { healthStatus: Health; inputPath: string }[] };
  return new Map(table.tests.map((t) => [APPLICATIONSET_NAMES[t.inputPath]!, t.healthStatus]));
})();

/**
 * The Deployments' state, as each example's name and SOURCES.md entry describe it (the controller records
 * conditions and replica counts, not a health).
 */
const DEPLOYMENTS: Record<string, Health> = {
  'kubernetes/deployment-degraded.yaml': { status: 'Degraded', message: 'Deployment "guestbook-ui" exceeded its progress deadline' },
  'kubernetes/deployment-healthy.yaml': { status: 'Healthy' },
  'kubernetes/deployment-progress-deadline-exceeded.yaml': { status: 'Degraded', message: 'Deployment "bad-image-deployment" exceeded its progress deadline' },
  'kubernetes/deployment-progressing.yaml': { status: 'Progressing', message: 'Waiting for rollout to finish: 1 old replicas are pending termination...' },
  'kubernetes/deployment-rolling-out-scaling-up.yaml': { status: 'Progressing', message: 'Waiting for rollout to finish: 2 out of 3 new replicas have been updated...' },
  'kubernetes/deployment-suspended-paused.yaml': { status: 'Suspended', message: 'Deployment is paused' },
  // flux/trace-chain-...: a Deployment as applied, before any controller wrote a status.
  'flux/trace-chain-deployment-helmrelease-kustomization.yaml': { status: 'Progressing', message: 'Waiting for rollout to finish: 0 out of 1 new replicas have been updated...' },
};

const FLUX_READY: Record<string, HealthStatus> = { True: 'Healthy', False: 'Degraded', Unknown: 'Progressing' };

/** What the object's controller recorded, as a health; throws for an object no rule covers. */
function recorded(file: string, doc: Doc): Health {
  const group = String(doc['apiVersion']).split('/')[0]!;
  if (doc['kind'] === 'Application') {
    const health = doc['status']?.health;
    return health?.status ? { status: health.status } : { status: 'Progressing', message: 'Waiting for the status to be reported' };
  }
  if (doc['kind'] === 'ApplicationSet') {
    const expected = applicationSetExpectations.get(file);
    if (expected) return expected;
    // The DERIVED fixture carries the status.health the v3.4+ controller writes.
    return { status: doc['status'].health.status, message: doc['status'].health.message };
  }
  if (group.endsWith('.toolkit.fluxcd.io')) {
    const ready = (doc['status']?.conditions ?? []).find((c: Doc) => c['type'] === 'Ready');
    return { status: ready ? FLUX_READY[ready.status]! : 'Progressing' };
  }
  if (doc['kind'] === 'Deployment') return DEPLOYMENTS[file]!;
  // Namespaces, ConfigMaps and Secrets have no health of their own: present is healthy.
  if (['Namespace', 'ConfigMap', 'Secret'].includes(doc['kind'])) return { status: 'Healthy' };
  throw new Error(`${file}: no expectation for ${doc['apiVersion']} ${doc['kind']}`);
}

const files = ['argocd', 'flux', 'kubernetes'].flatMap((dir) =>
  fs
    .readdirSync(path.join(EXAMPLES, dir))
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => `${dir}/${name}`),
);

describe('objectHealth', () => {
  describe('matches what the controllers recorded, for every object in test/reference/examples', () => {
    let objects = 0;
    for (const file of files) {
      if (file === 'argocd/applicationset-health_test.yaml') continue; // an expectation table, not an object
      it(file, () => {
        const docs = documents(file);
        assert.ok(docs.length > 0);
        for (const doc of docs) {
          objects++;
          const expected = recorded(file, doc);
          const actual = objectHealth(doc);
          const what = `${doc['kind']}/${doc['metadata']?.name ?? '(no name)'}`;
          assert.equal(actual.status, expected.status, `${what}: ${JSON.stringify(actual)}`);
          if (expected.message !== undefined) assert.equal(actual.message, expected.message, what);
        }
      });
    }

    it('covered every example file, every object and every Argo CD expectation', () => {
      assert.equal(files.length, 37, 'test/reference/examples changed: review the expectations above');
      assert.equal(objects, 54);
      for (const file of Object.values(APPLICATIONSET_NAMES)) assert.ok(files.includes(file), file);
    });
  });

  describe('tolerates incomplete objects', () => {
    const variants = (doc: Doc): unknown[] => [
      { ...doc, status: undefined },
      { ...doc, status: null },
      { ...doc, status: 'garbage' },
      { ...doc, status: { conditions: 'not a list', observedGeneration: 'x' } },
      { ...doc, status: { conditions: [null, 1, 'x', { type: 'Ready' }], replicas: '3' } },
      { ...doc, spec: null, metadata: 7 },
      { apiVersion: doc['apiVersion'], kind: doc['kind'] },
    ];
    it('never throws on damaged copies of the example objects, and always gives a health code', () => {
      for (const file of files) {
        for (const doc of documents(file)) {
          for (const variant of variants(doc)) {
            const health = objectHealth(variant);
            assert.ok(HEALTH_STATUSES.includes(health.status), `${file}: ${JSON.stringify(health)}`);
          }
        }
      }
    });

    it('reads an absent object as Missing and a non-object as Unknown', () => {
      assert.deepEqual(objectHealth(undefined), { status: 'Missing', message: 'the object does not exist' });
      assert.deepEqual(objectHealth(null), { status: 'Missing', message: 'the object does not exist' });
      assert.equal(objectHealth('Deployment').status, 'Unknown');
      assert.equal(objectHealth([]).status, 'Unknown');
    });
  });

  describe('built-in kinds, check by check as gitops-engine does', () => {
    const deployment = (spec: Doc, status: Doc, generation = 2): Doc => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', generation }, spec, status });
    const sts = (spec: Doc, status: Doc): Doc => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { generation: 1 }, spec, status });
    const ds = (spec: Doc, status: Doc): Doc => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'node-exporter', generation: 1 }, spec, status: { observedGeneration: 1, ...status } });
    const pod = (restartPolicy: string | undefined, status: Doc, metadata: Doc = {}): Doc => ({ apiVersion: 'v1', kind: 'Pod', metadata, spec: restartPolicy ? { restartPolicy } : {}, status });
    const crd = (conditions?: Doc[]): Doc => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', ...(conditions ? { status: { conditions } } : {}) });
    const cases: [string, unknown, Health][] = [
      ['Deployment observed generation behind', deployment({ replicas: 1 }, { observedGeneration: 1 }), { status: 'Progressing', message: 'Waiting for rollout to finish: observed deployment generation less than desired generation' }],
      ['Deployment rolled out', deployment({ replicas: 2 }, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }), { status: 'Healthy' }],
      ['Deployment not yet available', deployment({ replicas: 2 }, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1 }), { status: 'Progressing', message: 'Waiting for rollout to finish: 1 of 2 updated replicas are available...' }],
      ['Deployment scaled to zero', deployment({ replicas: 0 }, { observedGeneration: 2 }), { status: 'Healthy' }],
      ['Deployment paused beats a deadline', deployment({ paused: true }, { observedGeneration: 2, conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded' }] }), { status: 'Suspended', message: 'Deployment is paused' }],
      ['Deployment of an old apiVersion', { apiVersion: 'apps/v1beta2', kind: 'Deployment', metadata: { name: 'd' } }, { status: 'Unknown', message: 'unsupported Deployment apiVersion: apps/v1beta2' }],
      ['StatefulSet never observed', sts({ replicas: 1 }, {}), { status: 'Progressing', message: 'Waiting for statefulset spec update to be observed...' }],
      ['StatefulSet waiting for pods', sts({ replicas: 3 }, { observedGeneration: 1, readyReplicas: 1 }), { status: 'Progressing', message: 'Waiting for 2 pods to be ready...' }],
      ['StatefulSet partitioned roll out', sts({ replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }, { observedGeneration: 1, readyReplicas: 3, updatedReplicas: 1 }), { status: 'Progressing', message: 'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...' }],
      ['StatefulSet partition done', sts({ replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }, { observedGeneration: 1, readyReplicas: 3, updatedReplicas: 2 }), { status: 'Healthy', message: 'partitioned roll out complete: 2 new pods have been updated...' }],
      ['StatefulSet OnDelete', sts({ replicas: 1, updateStrategy: { type: 'OnDelete' } }, { observedGeneration: 1, readyReplicas: 1, updatedReplicas: 0 }), { status: 'Healthy', message: 'statefulset has 1 ready pods (0 updated)' }],
      ['StatefulSet revisions differ', sts({ replicas: 1 }, { observedGeneration: 1, readyReplicas: 1, currentRevision: 'a', updateRevision: 'b' }), { status: 'Progressing', message: 'waiting for statefulset rolling update to complete 0 pods at revision b...' }],
      ['StatefulSet rolled out', sts({ replicas: 1 }, { observedGeneration: 1, readyReplicas: 1, currentReplicas: 1, currentRevision: 'a', updateRevision: 'a' }), { status: 'Healthy', message: 'statefulset rolling update complete 1 pods at revision a...' }],
      ['DaemonSet updating', ds({}, { desiredNumberScheduled: 3, updatedNumberScheduled: 1 }), { status: 'Progressing', message: 'Waiting for daemon set "node-exporter" rollout to finish: 1 out of 3 new pods have been updated...' }],
      ['DaemonSet not available', ds({}, { desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 }), { status: 'Progressing', message: 'Waiting for daemon set "node-exporter" rollout to finish: 2 of 3 updated pods are available...' }],
      ['DaemonSet OnDelete', ds({ updateStrategy: { type: 'OnDelete' } }, { desiredNumberScheduled: 3, updatedNumberScheduled: 1 }), { status: 'Healthy', message: 'daemon set 1 out of 3 new pods have been updated' }],
      ['DaemonSet on every node', ds({}, { desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }), { status: 'Healthy' }],
      ['DaemonSet generation not observed', { ...ds({}, {}), metadata: { generation: 2 } }, { status: 'Progressing', message: 'Waiting for rollout to finish: observed daemon set generation less than desired generation' }],
      ['ReplicaSet failing', { apiVersion: 'apps/v1', kind: 'ReplicaSet', spec: { replicas: 1 }, status: { conditions: [{ type: 'ReplicaFailure', status: 'True', message: 'exceeded quota' }] } }, { status: 'Degraded', message: 'exceeded quota' }],
      ['ReplicaSet scaling', { apiVersion: 'apps/v1', kind: 'ReplicaSet', spec: { replicas: 2 }, status: { availableReplicas: 1 } }, { status: 'Progressing', message: 'Waiting for rollout to finish: 1 out of 2 new replicas are available...' }],
      ['Job running', { apiVersion: 'batch/v1', kind: 'Job', status: { active: 1 } }, { status: 'Progressing' }],
      ['Job complete', { apiVersion: 'batch/v1', kind: 'Job', status: { conditions: [{ type: 'Complete', status: 'True' }] } }, { status: 'Healthy' }],
      ['Job failed', { apiVersion: 'batch/v1', kind: 'Job', status: { conditions: [{ type: 'Failed', status: 'True', message: 'Job has reached the specified backoff limit' }] } }, { status: 'Degraded', message: 'Job has reached the specified backoff limit' }],
      ['Job suspended', { apiVersion: 'batch/v1', kind: 'Job', status: { conditions: [{ type: 'Suspended', status: 'True', message: 'Job suspended' }] } }, { status: 'Suspended', message: 'Job suspended' }],
      ['Pod pending', pod('Always', { phase: 'Pending' }), { status: 'Progressing' }],
      ['Pod crash looping', pod('Always', { phase: 'Running', containerStatuses: [{ name: 'a', state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' } } }] }), { status: 'Degraded', message: 'back-off 5m0s' }],
      ['Pod image pull error', pod('Always', { phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ErrImagePull', message: 'pull failed' } } }] }), { status: 'Degraded', message: 'pull failed' }],
      ['Pod hook with an image pull error', pod('Never', { phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ErrImagePull' } } }] }), { status: 'Progressing' }],
      ['Pod ready', pod('Always', { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }), { status: 'Healthy' }],
      ['Pod not ready after a restart', pod('Always', { phase: 'Running', containerStatuses: [{ lastState: { terminated: { exitCode: 1 } } }] }), { status: 'Degraded' }],
      ['Pod starting', pod('Always', { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }), { status: 'Progressing' }],
      ['Pod hook running', pod('Never', { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }), { status: 'Progressing' }],
      ['Pod with ignore-restart-policy', pod('OnFailure', { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }, { annotations: { 'argocd.argoproj.io/ignore-restart-policy': 'true' } }), { status: 'Healthy' }],
      ['Pod failed with a message', pod(undefined, { phase: 'Failed', message: 'The node was low on resource: memory.' }), { status: 'Degraded', message: 'The node was low on resource: memory.' }],
      ['Pod failed, exit code', pod(undefined, { phase: 'Failed', containerStatuses: [{ name: 'main', state: { terminated: { exitCode: 2 } } }] }), { status: 'Degraded', message: 'container "main" failed with exit code 2' }],
      ['Pod OOM killed', pod(undefined, { phase: 'Failed', initContainerStatuses: [{ name: 'init', state: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }] }), { status: 'Degraded', message: 'OOMKilled' }],
      ['Pod succeeded', pod(undefined, { phase: 'Succeeded' }), { status: 'Healthy' }],
      ['Pod in phase Unknown', pod(undefined, { phase: 'Unknown' }), { status: 'Unknown' }],
      ['PVC bound', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', status: { phase: 'Bound' } }, { status: 'Healthy' }],
      ['PVC pending', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', status: { phase: 'Pending' } }, { status: 'Progressing' }],
      ['PVC lost', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', status: { phase: 'Lost' } }, { status: 'Degraded' }],
      ['PVC without status', { apiVersion: 'v1', kind: 'PersistentVolumeClaim' }, { status: 'Unknown' }],
      ['Service ClusterIP', { apiVersion: 'v1', kind: 'Service', spec: { type: 'ClusterIP' } }, { status: 'Healthy' }],
      ['Service LoadBalancer waiting', { apiVersion: 'v1', kind: 'Service', spec: { type: 'LoadBalancer' }, status: { loadBalancer: {} } }, { status: 'Progressing' }],
      ['Service LoadBalancer assigned', { apiVersion: 'v1', kind: 'Service', spec: { type: 'LoadBalancer' }, status: { loadBalancer: { ingress: [{ ip: '10.0.0.9' }] } } }, { status: 'Healthy' }],
      ['Ingress waiting', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', status: { loadBalancer: {} } }, { status: 'Progressing' }],
      ['Ingress assigned', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', status: { loadBalancer: { ingress: [{ hostname: 'lb.example.org' }] } } }, { status: 'Healthy' }],
      ['Namespace active', { apiVersion: 'v1', kind: 'Namespace', status: { phase: 'Active' } }, { status: 'Healthy' }],
      ['Namespace terminating', { apiVersion: 'v1', kind: 'Namespace', status: { phase: 'Terminating' } }, { status: 'Progressing', message: 'Namespace is terminating' }],
      ['CRD established', crd([{ type: 'NamesAccepted', status: 'True' }, { type: 'Established', status: 'True' }]), { status: 'Healthy', message: 'CRD is healthy' }],
      ['CRD names rejected', crd([{ type: 'Established', status: 'False', message: 'not yet' }, { type: 'NamesAccepted', status: 'False', message: '"antennas" is already in use' }]), { status: 'Degraded', message: 'CRD names have not been accepted: "antennas" is already in use' }],
      ['CRD not established', crd([{ type: 'Established', status: 'False', message: 'not yet' }]), { status: 'Degraded', message: 'CRD is not established: not yet' }],
      ['CRD non-structural', crd([{ type: 'Established', status: 'True' }, { type: 'NonStructuralSchema', status: 'True', message: 'spec.x: type missing' }]), { status: 'Degraded', message: 'Schema violations found: spec.x: type missing' }],
      ['CRD terminating', crd([{ type: 'Established', status: 'True' }, { type: 'Terminating', status: 'True', message: 'deleting instances' }]), { status: 'Progressing', message: 'CRD is being terminated: deleting instances' }],
      ['CRD without conditions', crd(), { status: 'Progressing', message: 'Status conditions not found' }],
      ['pending deletion', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['example.com/a', 'example.com/b'] } }, { status: 'Progressing', message: 'Pending deletion; blocked by finalizers: example.com/a, example.com/b' }],
      ['pending deletion without finalizers', { apiVersion: 'v1', kind: 'Pod', metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } }, { status: 'Progressing', message: 'Pending deletion' }],
      ['pending deletion of a hook', { apiVersion: 'batch/v1', kind: 'Job', metadata: { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['argocd.argoproj.io/hook-finalizer'] }, status: { conditions: [{ type: 'Complete', status: 'True' }] } }, { status: 'Healthy' }],
      ['a kind without health', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' } }, { status: 'Healthy' }],
    ];
    for (const [name, object, expected] of cases) {
      it(name, () => assert.deepEqual(objectHealth(object), expected));
    }
  });

  describe('Argo CD and Flux objects', () => {
    const flux = (conditions: Doc[], extra: Doc = {}): Doc => ({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'apps', generation: 2 }, spec: {}, status: { conditions, ...extra } });
    const cases: [string, unknown, Health][] = [
      ['Application with a message', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', status: { health: { status: 'Degraded', message: 'Deployment "a" exceeded its progress deadline' } } }, { status: 'Degraded', message: 'Deployment "a" exceeded its progress deadline' }],
      ['Application not yet assessed', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', status: { sync: { status: 'OutOfSync' } } }, { status: 'Progressing', message: 'Waiting for the status to be reported' }],
      ['Application with a health Argo CD does not know', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', status: { health: { status: 'Great' } } }, { status: 'Unknown', message: 'unknown health status "Great"' }],
      ['ApplicationSet pending deletion', { apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', metadata: { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['example.com/finalizer'] } }, { status: 'Progressing', message: 'Pending deletion; blocked by finalizers: example.com/finalizer' }],
      ['Flux suspended', { ...flux([{ type: 'Ready', status: 'True' }]), spec: { suspend: true } }, { status: 'Suspended', message: 'Kustomization is suspended' }],
      ['Flux stalled', flux([{ type: 'Stalled', status: 'True', reason: 'InvalidPath', message: 'path not found' }, { type: 'Ready', status: 'False' }]), { status: 'Degraded', message: 'InvalidPath: path not found' }],
      ['Flux ready at the current generation', flux([{ type: 'Ready', status: 'True', observedGeneration: 2, message: 'Applied revision: main@sha1:abc' }]), { status: 'Healthy', message: 'Applied revision: main@sha1:abc' }],
      ['Flux ready for an older generation', flux([{ type: 'Ready', status: 'True', observedGeneration: 1 }]), { status: 'Progressing', message: 'waiting for the controller to observe generation 2' }],
      ['Flux ready, old status.observedGeneration', flux([{ type: 'Ready', status: 'True' }], { observedGeneration: 1 }), { status: 'Progressing', message: 'waiting for the controller to observe generation 2' }],
      ['Flux failing at the current generation', flux([{ type: 'Ready', status: 'False', observedGeneration: 2, reason: 'BuildFailed', message: 'kustomize build failed' }], { observedGeneration: -1 }), { status: 'Degraded', message: 'BuildFailed: kustomize build failed' }],
      ['Flux reconciling without Ready', flux([{ type: 'Reconciling', status: 'True', reason: 'Progressing', message: 'Fetching' }]), { status: 'Progressing', message: 'Progressing: Fetching' }],
      ['Flux without status', { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', spec: {} }, { status: 'Progressing', message: 'Waiting for the status to be reported' }],
      ['another operator with a Ready condition', { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', status: { conditions: [{ type: 'Ready', status: 'False', reason: 'Pending', message: 'Issuing' }] } }, { status: 'Degraded', message: 'Pending: Issuing' }],
    ];
    for (const [name, object, expected] of cases) {
      it(name, () => assert.deepEqual(objectHealth(object), expected));
    }
  });

  it('orders health codes as Argo CD does', () => {
    assert.ok(isWorseHealth('Healthy', 'Degraded'));
    assert.ok(isWorseHealth('Progressing', 'Missing'));
    assert.ok(!isWorseHealth('Degraded', 'Suspended'));
    assert.ok(isWorseHealth('Degraded', 'Unknown'));
  });
});
