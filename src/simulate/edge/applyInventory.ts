/**
 * Applying a build to the simulated cluster the way `kubectl apply --server-side --prune --applyset` does at a
 * kubectl-consumer edge: every object by server-side apply (CRDs and Namespaces first, so their users find them),
 * then every object the previous apply created that the new build lacks is deleted. The inventory of what was
 * applied lives in the edge's state folder (kubectl keeps it on an ApplySet parent object; here the cluster is
 * the edge's own, so a file does the same job and survives nothing the cluster would not).
 *
 * Unlike plain kubectl, objects the output marks `edgeplane.io/deletion-policy: Orphan` are left in place when
 * they leave the output, as Argo CD and Flux leave them (docs/consumers.md).
 */
import * as fs from 'node:fs/promises';
import type { Manifest } from './buildOutput.js';
import { KubeRestError, type KubeRest } from './kubeRest.js';
import { SimulatedEdgeError } from './simulatedEdgeError.js';

/** The field manager of the edge's applies, as `kubectl apply --server-side` uses `kubectl`. */
export const FIELD_MANAGER = 'edgeplane-simulated-edge';

/** One applied object. */
export interface InventoryEntry {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  /** The output said to leave it in place when it goes away (`edgeplane.io/deletion-policy: Orphan`). */
  orphan?: boolean;
}

/** What the last apply put into the cluster. */
export interface Inventory {
  /** The branch commit last applied in full; null when no apply has completed. */
  commit: string | null;
  objects: InventoryEntry[];
}

/** What one apply did. */
export interface ApplyResult {
  inventory: Inventory;
  applied: number;
  pruned: InventoryEntry[];
}

/** The inventory stored at `file`, or an empty one. */
export async function readInventory(file: string): Promise<Inventory> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<Inventory>;
    return { commit: typeof parsed.commit === 'string' ? parsed.commit : null, objects: Array.isArray(parsed.objects) ? parsed.objects : [] };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { commit: null, objects: [] };
    throw error;
  }
}

/** Writes the inventory atomically (a crash leaves the old one or the new one, never half). */
export async function writeInventory(file: string, inventory: Inventory): Promise<void> {
  await fs.writeFile(`${file}.tmp`, `${JSON.stringify(inventory, null, 2)}\n`);
  await fs.rename(`${file}.tmp`, file);
}

/**
 * Applies `manifests` (the build of `commit`) and prunes what `previous` holds that they do not. On success the
 * inventory names `commit` and exactly the applied objects (plus orphans kept). When some objects are refused,
 * nothing is pruned, the inventory keeps everything that may exist (the previous objects and the new ones) under
 * the previous commit, and APPLY_FAILED lists every refusal: the next attempt starts from there.
 */
export async function applyInventory(client: KubeRest, commit: string, manifests: readonly Manifest[], previous: Inventory, defaultNamespace = 'default'): Promise<ApplyResult> {
  const ordered = [...manifests].sort((a, b) => rank(a) - rank(b));
  const applied: InventoryEntry[] = [];
  const refused: string[] = [];
  for (const manifest of ordered) {
    try {
      const live = await client.apply(manifest, FIELD_MANAGER);
      applied.push(entryOf(manifest, live['metadata']?.namespace ?? manifest.metadata.namespace));
    } catch (error) {
      refused.push(`${manifest.kind} ${manifest.metadata.namespace ? `${manifest.metadata.namespace}/` : ''}${manifest.metadata.name}: ${apiMessage(error)}`);
    }
  }
  if (refused.length > 0) {
    const kept = new Map([...previous.objects, ...applied].map((entry) => [identity(entry, defaultNamespace), entry]));
    const inventory: Inventory = { commit: previous.commit, objects: [...kept.values()] };
    throw new SimulatedEdgeError('APPLY_FAILED', `the cluster refused ${refused.length} of ${ordered.length} objects of commit ${commit}:\n  ${refused.join('\n  ')}`, { commit, refused, inventory });
  }
  const wanted = new Set(applied.map((entry) => identity(entry, defaultNamespace)));
  const gone = previous.objects.filter((entry) => !wanted.has(identity(entry, defaultNamespace)));
  const pruned: InventoryEntry[] = [];
  const orphans: InventoryEntry[] = [];
  // Users before what they live in: namespaced objects, then Namespaces, then CRDs (which take their resources).
  for (const entry of [...gone].sort((a, b) => rank(b) - rank(a))) {
    if (entry.orphan) {
      orphans.push(entry);
      continue;
    }
    try {
      await client.delete(entry);
      pruned.push(entry);
    } catch (error) {
      // A kind whose CRD went first is gone with it.
      if (error instanceof KubeRestError && error.code === 404) pruned.push(entry);
      else throw new SimulatedEdgeError('APPLY_FAILED', `could not prune ${entry.kind} ${entry.name}: ${apiMessage(error)}`, { commit, inventory: { commit: previous.commit, objects: [...previous.objects, ...applied] } });
    }
  }
  return { inventory: { commit, objects: [...applied, ...orphans] }, applied: applied.length, pruned };
}

/** CRDs, then Namespaces, then everything else in build order (the sort is stable). */
function rank(object: { kind: string; apiVersion: string }): number {
  if (object.kind === 'CustomResourceDefinition' && object.apiVersion.startsWith('apiextensions.k8s.io/')) return 0;
  if (object.kind === 'Namespace' && object.apiVersion === 'v1') return 1;
  return 2;
}

function entryOf(manifest: Manifest, namespace: string | undefined): InventoryEntry {
  const orphan = manifest.metadata.annotations?.['edgeplane.io/deletion-policy'] === 'Orphan';
  return { apiVersion: manifest.apiVersion, kind: manifest.kind, ...(namespace ? { namespace } : {}), name: manifest.metadata.name, ...(orphan ? { orphan } : {}) };
}

/** Group, kind, namespace and name: a new version of an API is the same object. */
function identity(entry: InventoryEntry, defaultNamespace: string): string {
  const group = entry.apiVersion.includes('/') ? entry.apiVersion.slice(0, entry.apiVersion.indexOf('/')) : '';
  return `${group}/${entry.kind}/${entry.namespace ?? defaultNamespace}/${entry.name}`;
}

/** The API server's `Status.message` (what KubeRestError carries), else the error's first line. */
function apiMessage(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!;
}
