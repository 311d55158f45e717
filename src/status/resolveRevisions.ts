import { parse } from 'yaml';
import { readBlobs } from '../git/refs.js';
import { gitFailed, runGit } from '../git/runGit.js';
import { locationFolder, type OutputTarget } from '../publish/outputTarget.js';
import type { OutputRevision, PlacementOutput } from './outputRevision.js';

/** One location's output at one commit, to resolve. */
export interface RevisionRequest {
  location: string;
  commit: string;
}

/** The key of a resolved revision in the map `resolveRevisions` returns. */
export function revisionKey(location: string, commit: string): string {
  return `${location}@${commit}`;
}

/**
 * Reads what a location's output holds at each requested commit: its placement record (digest, source commit,
 * each placement's files) and the tree id of each placement's folder. Two git processes whatever the number
 * of requests: one `cat-file --batch` for the records, one `cat-file --batch-check` for the folders. A commit
 * the repository lacks, or one without a record, resolves to nothing (the map has no entry for it).
 */
export async function resolveRevisions(target: OutputTarget, requests: readonly RevisionRequest[]): Promise<Map<string, OutputRevision>> {
  const unique = new Map<string, RevisionRequest>();
  for (const request of requests) {
    if (/^[0-9a-f]{40}$/.test(request.commit)) unique.set(revisionKey(request.location, request.commit), request);
  }
  const root = (r: RevisionRequest) => (target.mode === 'folder' ? `${r.commit}:${locationFolder(r.location)}/` : `${r.commit}:`);
  const recordSpec = (r: RevisionRequest) => `${root(r)}.edgeplane/placement.yaml`;
  const present = await objectTypes(target.gitdir, [...unique.values()].map((r) => r.commit));
  const known = [...unique.values()].filter((r) => present.get(r.commit) === 'commit');
  const records = await readBlobs(target.gitdir, known.map(recordSpec));

  const parsed = new Map<string, ReturnType<typeof parseRecord>>();
  const folderSpecs: string[] = [];
  for (const request of known) {
    const blob = records.get(recordSpec(request));
    const record = blob ? parseRecord(blob.toString('utf8')) : undefined;
    if (!record) continue;
    parsed.set(revisionKey(request.location, request.commit), record);
    for (const placement of record.placements) folderSpecs.push(`${root(request)}${placement.name}`);
  }
  const trees = await objectIds(target.gitdir, folderSpecs);

  const revisions = new Map<string, OutputRevision>();
  for (const request of known) {
    const key = revisionKey(request.location, request.commit);
    const record = parsed.get(key);
    if (!record) continue;
    const placements = new Map<string, PlacementOutput>();
    for (const placement of record.placements) {
      const tree = trees.get(`${root(request)}${placement.name}`);
      const prefix = `${placement.name}/`;
      const files = placement.files.map((f) => (f.startsWith(prefix) ? f.slice(prefix.length) : f));
      placements.set(placement.name, { ...(tree ? { tree } : {}), files });
    }
    revisions.set(key, {
      commit: request.commit,
      ...(record.digest ? { digest: record.digest } : {}),
      ...(record.sourceCommit ? { sourceCommit: record.sourceCommit } : {}),
      placements,
    });
  }
  return revisions;
}

interface PlacementRecord {
  digest?: string;
  sourceCommit?: string;
  placements: { name: string; files: string[] }[];
}

/** The parts of a `.edgeplane/placement.yaml` (kind LocationPlacement) status needs; undefined when unreadable. */
function parseRecord(text: string): PlacementRecord | undefined {
  let value: unknown;
  try {
    value = parse(text);
  } catch {
    return undefined;
  }
  const spec = (value as { spec?: { digest?: unknown; sourceCommit?: unknown; placements?: unknown } } | null)?.spec;
  if (typeof spec !== 'object' || spec === null) return undefined;
  const placements: unknown[] = Array.isArray(spec.placements) ? spec.placements : [];
  return {
    ...(typeof spec.digest === 'string' ? { digest: spec.digest } : {}),
    ...(typeof spec.sourceCommit === 'string' && /^[0-9a-f]{40}$/.test(spec.sourceCommit) ? { sourceCommit: spec.sourceCommit } : {}),
    placements: placements
      .filter((p): p is { name: string; files?: unknown } => typeof (p as { name?: unknown } | null)?.name === 'string')
      .map((p) => ({ name: p.name, files: Array.isArray(p.files) ? p.files.filter((f): f is string => typeof f === 'string') : [] })),
  };
}

/** Object type of each spec (`commit`, `tree`, …), absent when missing. One `git cat-file --batch-check`. */
async function objectTypes(gitdir: string, specs: readonly string[]): Promise<Map<string, string>> {
  return batchCheck(gitdir, specs, (_id, type) => type);
}

/** Object id of each spec that names a tree. One `git cat-file --batch-check`. */
async function objectIds(gitdir: string, specs: readonly string[]): Promise<Map<string, string>> {
  const all = await batchCheck(gitdir, specs, (id, type) => `${type} ${id}`);
  const trees = new Map<string, string>();
  for (const [spec, value] of all) if (value.startsWith('tree ')) trees.set(spec, value.slice(5));
  return trees;
}

async function batchCheck(gitdir: string, specs: readonly string[], pick: (id: string, type: string) => string): Promise<Map<string, string>> {
  const unique = [...new Set(specs)].filter((s) => s !== '' && !/[\n\0]/.test(s));
  const found = new Map<string, string>();
  if (unique.length === 0) return found;
  const result = await runGit({ gitdir, args: ['cat-file', '--batch-check=%(objectname) %(objecttype)', '--buffer'], stdin: `${unique.join('\n')}\n` });
  if (result.code !== 0) throw gitFailed(`checking ${unique.length} object(s)`, result, { gitdir });
  const lines = result.stdout.toString('utf8').split('\n');
  unique.forEach((spec, i) => {
    const match = /^([0-9a-f]{40}) ([a-z]+)$/.exec(lines[i] ?? '');
    if (match) found.set(spec, pick(match[1]!, match[2]!));
  });
  return found;
}
