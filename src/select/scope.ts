import type { KubeObject } from '../api/kube.js';
import { apiGroupOf } from '../api/kube.js';

/** Built-in cluster-scoped kinds, by `group/Kind`. */
const BUILTIN_CLUSTER_SCOPED = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/ComponentStatus',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttachment',
  'scheduling.k8s.io/PriorityClass',
  'node.k8s.io/RuntimeClass',
  'networking.k8s.io/IngressClass',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'certificates.k8s.io/CertificateSigningRequest',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
]);

/** Knows which kinds are cluster-scoped: the built-ins plus those declared by CRDs with `scope: Cluster`. */
export class ScopeTable {
  readonly #clusterScoped = new Set(BUILTIN_CLUSTER_SCOPED);

  /** Learns the scope of the kinds that CRDs among `objects` define. */
  learn(objects: Iterable<KubeObject>): this {
    for (const object of objects) {
      if (object.kind !== 'CustomResourceDefinition') continue;
      const spec = object['spec'] as { group?: string; scope?: string; names?: { kind?: string } } | undefined;
      if (spec?.scope === 'Cluster' && spec.group && spec.names?.kind) {
        this.#clusterScoped.add(`${spec.group}/${spec.names.kind}`);
      }
    }
    return this;
  }

  isClusterScoped(object: KubeObject): boolean {
    return this.#clusterScoped.has(`${apiGroupOf(object.apiVersion)}/${object.kind}`);
  }
}
