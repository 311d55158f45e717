/**
 * The Kubernetes Leases the replicas of one `edgeplane serve` coordinate through, behind a small interface
 * so the shard loop can be tested without a cluster. `kubernetesLeases` implements it with
 * `@kubernetes/client-node`'s CoordinationV1Api (coordination.k8s.io/v1), relying on the API server's optimistic
 * concurrency: an update carries the resourceVersion it read, and loses (409) if anyone wrote in between.
 */
import { ApiException, CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';

/** One Lease as the loop sees it. */
export interface LeaseRecord {
  name: string;
  /** Who holds it; empty or undefined when it is free. */
  holder?: string | undefined;
  durationSeconds?: number | undefined;
  /** RFC 3339, as stored; informational only (expiry is judged by local observation, not by remote clocks). */
  acquireTime?: string | undefined;
  renewTime?: string | undefined;
  transitions: number;
  annotations: Record<string, string>;
  /** Changes on every write; the token of optimistic concurrency. */
  resourceVersion: string;
}

/** What a write sets. */
export interface LeaseWrite {
  name: string;
  holder: string;
  durationSeconds: number;
  /** Milliseconds since the epoch. */
  acquireTime?: number | undefined;
  renewTime: number;
  transitions: number;
  annotations?: Record<string, string> | undefined;
  /** What the lease is for: `member`, `shard`, `leader`, `trigger` (a label, for people and selectors). */
  role: LeaseRole;
}

export type LeaseRole = 'member' | 'shard' | 'leader' | 'trigger';

/** The Leases of one group of replicas. */
export interface Leases {
  /** Every lease of the group. */
  list(): Promise<LeaseRecord[]>;
  /** Creates a lease; `LeaseConflictError` when it exists. */
  create(lease: LeaseWrite): Promise<LeaseRecord>;
  /** Replaces a lease read at `resourceVersion`; `LeaseConflictError` when it changed or vanished since. */
  update(lease: LeaseWrite, resourceVersion: string): Promise<LeaseRecord>;
  /** Deletes a lease read at `resourceVersion`; `LeaseConflictError` when it changed or vanished since. */
  remove(name: string, resourceVersion: string): Promise<void>;
}

/** Someone else wrote the lease first: re-read and decide again. */
export class LeaseConflictError extends Error {
  readonly code = 'LEASE_CONFLICT';
  readonly data: { lease: string };

  constructor(lease: string, options?: { cause?: unknown }) {
    super(`lease ${lease} was changed by someone else`, options);
    this.name = 'LeaseConflictError';
    this.data = { lease };
  }
}

/** The label every lease of a group carries, and the one naming its role. */
export const GROUP_LABEL = 'edgeplane.io/lease-group';
export const ROLE_LABEL = 'edgeplane.io/lease-role';

/** Leases of group `group` in `namespace` of the cluster `kubeConfig` points at. */
export function kubernetesLeases(options: { kubeConfig: KubeConfig; namespace: string; group: string }): Leases {
  const api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  const { namespace, group } = options;
  const body = (lease: LeaseWrite, resourceVersion?: string): V1Lease => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: lease.name,
      namespace,
      labels: { 'app.kubernetes.io/managed-by': 'edgeplane', [GROUP_LABEL]: group, [ROLE_LABEL]: lease.role },
      ...(lease.annotations ? { annotations: lease.annotations } : {}),
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    spec: {
      ...(lease.holder ? { holderIdentity: lease.holder } : {}),
      leaseDurationSeconds: lease.durationSeconds,
      ...(lease.acquireTime !== undefined ? { acquireTime: new V1MicroTime(lease.acquireTime) } : {}),
      // MicroTime: the API server insists on six fractional digits, which V1MicroTime serializes and Date does not.
      renewTime: new V1MicroTime(lease.renewTime),
      leaseTransitions: lease.transitions,
    },
  });
  return {
    async list() {
      const list = await api.listNamespacedLease({ namespace, labelSelector: `${GROUP_LABEL}=${group}` });
      return list.items.map(toRecord);
    },
    async create(lease) {
      try {
        return toRecord(await api.createNamespacedLease({ namespace, body: body(lease) }));
      } catch (error) {
        throw conflictOr(error, lease.name, [409]);
      }
    },
    async update(lease, resourceVersion) {
      try {
        return toRecord(await api.replaceNamespacedLease({ name: lease.name, namespace, body: body(lease, resourceVersion) }));
      } catch (error) {
        throw conflictOr(error, lease.name, [404, 409]);
      }
    },
    async remove(name, resourceVersion) {
      try {
        await api.deleteNamespacedLease({ name, namespace, body: { preconditions: { resourceVersion } } });
      } catch (error) {
        throw conflictOr(error, name, [404, 409]);
      }
    },
  };
}

function conflictOr(error: unknown, lease: string, codes: number[]): unknown {
  return error instanceof ApiException && codes.includes(error.code) ? new LeaseConflictError(lease, { cause: error }) : error;
}

function toRecord(lease: V1Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  return {
    name: lease.metadata?.name ?? '',
    holder: spec.holderIdentity || undefined,
    durationSeconds: spec.leaseDurationSeconds,
    acquireTime: timeText(spec.acquireTime),
    renewTime: timeText(spec.renewTime),
    transitions: spec.leaseTransitions ?? 0,
    annotations: { ...(lease.metadata?.annotations ?? {}) },
    resourceVersion: lease.metadata?.resourceVersion ?? '',
  };
}

/** client-node 1.x leaves MicroTime fields as the server's strings; be ready for Dates too. */
function timeText(value: unknown): string | undefined {
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'string' ? value : undefined;
}
