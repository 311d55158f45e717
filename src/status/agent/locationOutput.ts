import { parse } from 'yaml';
import type { Consumer } from '../../api/location.js';
import { listRefs, readBlobs } from '../../git/refs.js';
import type { ObjectRef } from '../sources/kubeClient.js';

/** What a location's output holds at one commit: what the agent checks the cluster against. */
export interface LocationOutput {
  commit: string;
  digest?: string;
  sourceCommit?: string;
  consumer?: Consumer;
  /** Every object of the output, as published (in file order). */
  objects: DesiredObject[];
}

/** One published object: its identity and its manifest. */
export interface DesiredObject extends ObjectRef {
  manifest: Record<string, unknown>;
}

/**
 * Reads the output of `location` at `commit` of a local repository: its `.edgeplane/placement.yaml` and every
 * object file it lists, through one `git cat-file --batch` per step. `root` is '' in branch mode and
 * `locations/<location>/` in folder mode. Undefined when the commit has no placement record.
 */
export async function readLocationOutput(gitdir: string, commit: string, root: string): Promise<LocationOutput | undefined> {
  const recordSpec = `${commit}:${root}.edgeplane/placement.yaml`;
  const record = (await readBlobs(gitdir, [recordSpec])).get(recordSpec);
  if (!record) return undefined;
  const spec = (parse(record.toString('utf8')) as { spec?: RecordSpec } | null)?.spec ?? {};
  const files = (Array.isArray(spec.placements) ? spec.placements : []).flatMap((p) => (Array.isArray(p?.files) ? p.files.filter((f): f is string => typeof f === 'string') : []));
  const unique = [...new Set(files)];
  const blobs = await readBlobs(gitdir, unique.map((file) => `${commit}:${root}${file}`));
  const objects: DesiredObject[] = [];
  for (const file of unique) {
    const blob = blobs.get(`${commit}:${root}${file}`);
    if (!blob) continue;
    const manifest = parse(blob.toString('utf8')) as Record<string, unknown> | null;
    const metadata = manifest?.['metadata'] as { name?: unknown; namespace?: unknown } | undefined;
    if (typeof manifest?.['apiVersion'] !== 'string' || typeof manifest['kind'] !== 'string' || typeof metadata?.name !== 'string') continue;
    objects.push({
      apiVersion: manifest['apiVersion'],
      kind: manifest['kind'],
      name: metadata.name,
      ...(typeof metadata.namespace === 'string' ? { namespace: metadata.namespace } : {}),
      manifest,
    });
  }
  return {
    commit,
    ...(typeof spec.digest === 'string' ? { digest: spec.digest } : {}),
    ...(typeof spec.sourceCommit === 'string' && /^[0-9a-f]{40}$/.test(spec.sourceCommit) ? { sourceCommit: spec.sourceCommit } : {}),
    ...(spec.consumer === 'argocd' || spec.consumer === 'flux' || spec.consumer === 'kubectl' ? { consumer: spec.consumer } : {}),
    objects,
  };
}

/** The commit a ref of a local repository points at, or null. */
export async function refHead(gitdir: string, ref: string): Promise<string | null> {
  return (await listRefs(gitdir, ref)).get(ref) ?? null;
}

interface RecordSpec {
  digest?: unknown;
  sourceCommit?: unknown;
  consumer?: unknown;
  placements?: { files?: unknown[] }[];
}
