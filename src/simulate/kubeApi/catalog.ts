/**
 * The resource types a test API server serves, and the discovery documents (`/api`, `/apis`,
 * `/apis/<group>/<version>`) that describe them, shaped as kube-apiserver writes them.
 *
 * Built-in kinds and the Argo CD / Flux kinds are served from the start (as in a cluster where both are
 * installed); a CustomResourceDefinition stored in the server registers its kinds, deleting it removes them.
 */
import { ApiError } from './status.js';

/** One served resource: a kind at one group/version. */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** The URL segment, e.g. `deployments`. */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /**
   * Has a `/status` subresource: writes to the main resource keep the stored status and `/status` writes
   * change only the status. Argo CD's Application and AppProject have none: their controller writes status
   * through the main resource, which also bumps `metadata.generation`.
   */
  statusSubresource: boolean;
  /** `metadata.generation` is set on create and bumped when the spec changes. */
  generation: boolean;
  /** Served from a CRD: list items keep apiVersion/kind; strategic-merge patches are refused (415). */
  custom: boolean;
  /** Fields besides metadata.name/metadata.namespace that `fieldSelector` may name (CRD `selectableFields`). */
  selectableFields: string[];
}

/** `group/version`, or `version` for the core group. */
export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** Storage identity of a resource: objects are shared by every version of it. */
export function storageKey(type: Pick<ResourceType, 'group' | 'plural'>): string {
  return `${type.group}/${type.plural}`;
}

interface Builtin {
  kind: string;
  plural?: string;
  namespaced?: boolean;
  shortNames?: string[];
  categories?: string[];
  status?: boolean;
  generation?: boolean;
  custom?: boolean;
}

const WORKLOAD = { status: true, generation: true, categories: ['all'] };

const BUILTINS: readonly [string, string, readonly Builtin[]][] = [
  ['', 'v1', [
    { kind: 'ConfigMap', shortNames: ['cm'] },
    { kind: 'Namespace', namespaced: false, shortNames: ['ns'], status: true },
    { kind: 'PersistentVolumeClaim', shortNames: ['pvc'], status: true },
    { kind: 'Pod', shortNames: ['po'], categories: ['all'], status: true },
    { kind: 'Secret' },
    { kind: 'Service', shortNames: ['svc'], categories: ['all'], status: true },
    { kind: 'ServiceAccount', shortNames: ['sa'] },
  ]],
  ['apps', 'v1', [
    { kind: 'DaemonSet', shortNames: ['ds'], ...WORKLOAD },
    { kind: 'Deployment', shortNames: ['deploy'], ...WORKLOAD },
    { kind: 'ReplicaSet', shortNames: ['rs'], ...WORKLOAD },
    { kind: 'StatefulSet', shortNames: ['sts'], ...WORKLOAD },
  ]],
  ['batch', 'v1', [
    { kind: 'CronJob', shortNames: ['cj'], ...WORKLOAD },
    { kind: 'Job', ...WORKLOAD },
  ]],
  ['networking.k8s.io', 'v1', [{ kind: 'Ingress', plural: 'ingresses', shortNames: ['ing'], status: true, generation: true }]],
  ['apiextensions.k8s.io', 'v1', [
    { kind: 'CustomResourceDefinition', namespaced: false, shortNames: ['crd', 'crds'], categories: ['api-extensions'], status: true, generation: true },
  ]],
  ['coordination.k8s.io', 'v1', [{ kind: 'Lease' }]],
  ['rbac.authorization.k8s.io', 'v1', [
    { kind: 'ClusterRole', namespaced: false },
    { kind: 'ClusterRoleBinding', namespaced: false },
    { kind: 'Role' },
    { kind: 'RoleBinding' },
  ]],
  // The CRDs of test/reference/crds, as registered in a cluster running Argo CD and Flux.
  ['argoproj.io', 'v1alpha1', [
    { kind: 'AppProject', shortNames: ['appproj', 'appprojs'], generation: true, custom: true },
    { kind: 'Application', shortNames: ['app', 'apps'], generation: true, custom: true },
    { kind: 'ApplicationSet', shortNames: ['appset', 'appsets'], status: true, generation: true, custom: true },
  ]],
  ['kustomize.toolkit.fluxcd.io', 'v1', [{ kind: 'Kustomization', shortNames: ['ks'], status: true, generation: true, custom: true }]],
  ['source.toolkit.fluxcd.io', 'v1', [
    { kind: 'GitRepository', plural: 'gitrepositories', shortNames: ['gitrepo'], status: true, generation: true, custom: true },
    { kind: 'HelmChart', shortNames: ['hc'], status: true, generation: true, custom: true },
    { kind: 'HelmRepository', plural: 'helmrepositories', shortNames: ['helmrepo'], status: true, generation: true, custom: true },
    { kind: 'OCIRepository', plural: 'ocirepositories', shortNames: ['ocirepo'], status: true, generation: true, custom: true },
  ]],
  ['helm.toolkit.fluxcd.io', 'v2', [{ kind: 'HelmRelease', shortNames: ['hr'], status: true, generation: true, custom: true }]],
];

const MAIN_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

/** Every resource type the server serves; CRDs add and remove theirs. */
export class Catalog {
  readonly #types: ResourceType[] = [];
  /** Groups in discovery order: built-ins first, as the real server lists them. */
  readonly #builtinGroups: string[] = [];

  constructor() {
    for (const [group, version, kinds] of BUILTINS) {
      if (!this.#builtinGroups.includes(group)) this.#builtinGroups.push(group);
      for (const b of kinds) {
        const singular = b.kind.toLowerCase();
        this.#types.push({
          group,
          version,
          kind: b.kind,
          listKind: `${b.kind}List`,
          plural: b.plural ?? `${singular}s`,
          singular,
          namespaced: b.namespaced ?? true,
          shortNames: b.shortNames ?? [],
          categories: b.categories ?? [],
          statusSubresource: b.status ?? false,
          generation: b.generation ?? false,
          custom: b.custom ?? false,
          selectableFields: [],
        });
      }
    }
  }

  /** The type serving `plural` at `group/version`. */
  byResource(group: string, version: string, plural: string): ResourceType | undefined {
    return this.#types.find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  /** The type of an object's `apiVersion` and `kind`. */
  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.#types.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
  }

  /** Every type sharing `storageKey` (the versions of one CRD). */
  versionsOf(key: string): ResourceType[] {
    return this.#types.filter((t) => storageKey(t) === key);
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.#types.some((t) => t.group === group && t.version === version);
  }

  /**
   * Registers the served versions of a CRD object (replacing what served the same group and plural),
   * and returns the types. Throws `ApiError` 422 for a CRD the real server would reject.
   */
  register(crd: Record<string, any>): ResourceType[] {
    const types = typesOfCrd(crd);
    this.unregister(crd);
    this.#types.push(...types);
    return types;
  }

  /** Removes the types a CRD object registered. */
  unregister(crd: Record<string, any>): void {
    const group = crd?.spec?.group;
    const plural = crd?.spec?.names?.plural;
    for (let i = this.#types.length - 1; i >= 0; i--) {
      if (this.#types[i]!.group === group && this.#types[i]!.plural === plural) this.#types.splice(i, 1);
    }
  }

  /** `GET /api`. */
  coreVersions(serverAddress: string): object {
    return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
  }

  /** `GET /apis`. */
  groupList(): object {
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: this.#groups().map((group) => this.groupDocument(group)) };
  }

  /** `GET /apis/<group>`; undefined for a group the server does not serve. */
  groupDocument(group: string): object | undefined {
    const versions = [...new Set(this.#types.filter((t) => t.group === group).map((t) => t.version))].sort(compareVersions);
    if (versions.length === 0 || group === '') return undefined;
    const entry = (version: string) => ({ groupVersion: `${group}/${version}`, version });
    return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: versions.map(entry), preferredVersion: entry(versions[0]!) };
  }

  /** `GET /api/v1` or `GET /apis/<group>/<version>`: an APIResourceList, sorted by resource name. */
  resourceList(group: string, version: string): object {
    const resources = this.#types
      .filter((t) => t.group === group && t.version === version)
      .flatMap((t) => {
        const main = {
          name: t.plural,
          singularName: t.singular,
          namespaced: t.namespaced,
          kind: t.kind,
          verbs: MAIN_VERBS,
          ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
          ...(t.categories.length > 0 ? { categories: t.categories } : {}),
        };
        const status = { name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: STATUS_VERBS };
        return t.statusSubresource ? [main, status] : [main];
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // The core group's list has no apiVersion, the named groups' lists do: the real server's asymmetry.
    const groupVersion = group ? `${group}/${version}` : version;
    return group ? { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources } : { kind: 'APIResourceList', groupVersion, resources };
  }

  #groups(): string[] {
    const all = new Set(this.#types.map((t) => t.group));
    const custom = [...all].filter((g) => !this.#builtinGroups.includes(g)).sort();
    return [...this.#builtinGroups.filter((g) => all.has(g)), ...custom].filter((g) => g !== '');
  }
}

/** The types a CRD serves, validated as apiextensions-apiserver validates the fields that matter here. */
function typesOfCrd(crd: Record<string, any>): ResourceType[] {
  const spec = crd?.spec ?? {};
  const names = spec.names ?? {};
  const name = String(crd?.metadata?.name ?? '');
  const subject = { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', kind: 'CustomResourceDefinition', name };
  const causes: { field: string; message: string }[] = [];
  if (typeof spec.group !== 'string' || spec.group === '') causes.push({ field: 'spec.group', message: 'Required value' });
  if (typeof names.plural !== 'string' || names.plural === '') causes.push({ field: 'spec.names.plural', message: 'Required value' });
  if (typeof names.kind !== 'string' || names.kind === '') causes.push({ field: 'spec.names.kind', message: 'Required value' });
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    causes.push({ field: 'spec.scope', message: `Unsupported value: ${JSON.stringify(spec.scope)}: supported values: "Cluster", "Namespaced"` });
  }
  if (causes.length === 0 && name !== `${names.plural}.${spec.group}`) {
    causes.push({ field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: must be spec.names.plural+"."+spec.group` });
  }
  const versions: any[] = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0) causes.push({ field: 'spec.versions', message: 'Invalid value: null: must have exactly one version marked as storage version' });
  else if (versions.filter((v) => v?.storage === true).length !== 1) {
    causes.push({ field: 'spec.versions', message: 'Invalid value: must have exactly one version marked as storage version' });
  }
  if (causes.length > 0) throw ApiError.invalid(subject, causes);
  return versions
    .filter((v) => v.served !== false)
    .map((v) => ({
      group: spec.group,
      version: String(v.name),
      kind: names.kind,
      listKind: names.listKind ?? `${names.kind}List`,
      plural: names.plural,
      singular: names.singular ?? String(names.kind).toLowerCase(),
      namespaced: spec.scope === 'Namespaced',
      shortNames: names.shortNames ?? [],
      categories: names.categories ?? [],
      statusSubresource: v.subresources?.status !== undefined,
      generation: true,
      custom: true,
      selectableFields: (v.selectableFields ?? []).map((f: { jsonPath: string }) => String(f.jsonPath).replace(/^\./, '')),
    }));
}

/**
 * Kubernetes version priority (GA before beta before alpha, higher numbers first, then anything else
 * alphabetically), which picks a group's preferred version.
 */
export function compareVersions(a: string, b: string): number {
  const rank = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0] as const;
    const stage = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
    return [stage, -Number(m[1]), -Number(m[3] ?? 0)] as const;
  };
  const [ra, rb] = [rank(a), rank(b)];
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
  return a < b ? -1 : a > b ? 1 : 0;
}
