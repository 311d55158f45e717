import type { KubeObject } from '../api/kube.js';

/**
 * The order in which a location's resources are listed, so that what an object needs exists before it:
 * Namespaces and CRDs first, then cluster-wide policy, then namespaced configuration, then workloads, then
 * everything else (custom resources last, after the CRDs that define them). Helm's install order, condensed.
 */
const KIND_ORDER = [
  'Namespace',
  'CustomResourceDefinition',
  'PriorityClass',
  'StorageClass',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'ResourceQuota',
  'LimitRange',
  'NetworkPolicy',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'PersistentVolumeClaim',
  'Role',
  'RoleBinding',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicaSet',
  'Deployment',
  'StatefulSet',
  'Job',
  'CronJob',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'Ingress',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
];
const RANKS = new Map(KIND_ORDER.map((kind, i) => [kind.toLowerCase(), i]));

/** The rank of a kind (case-insensitive); unknown kinds, such as custom resources, come last. */
export function rankOfKind(kind: string): number {
  return RANKS.get(kind.toLowerCase()) ?? KIND_ORDER.length;
}

/** The apply rank of an object. */
export function applyRank(object: KubeObject): number {
  return rankOfKind(object.kind);
}
