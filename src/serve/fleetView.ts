/**
 * What the status page shows about the fleet, read from Git: per placement, which locations it runs at and in
 * which state. The source of truth is the summary the elected replica commits to the status branch
 * (`summary/<placement>.yaml`, each a `PlacementSummary`); until one exists, the page falls back to the schedule
 * of the spec commit (what runs where, health `unknown`). Report ages come from the report branches' commit times.
 */
import { parse as parseYaml } from 'yaml';
import { ProblemList } from '../errors/problem.js';
import { listRefs, readBlobs, readTreeEntries } from '../git/refs.js';
import { gitFailed, runGit } from '../git/runGit.js';
import { parseSpec } from '../load/parseSpec.js';
import { readSpecFiles } from '../load/readSpecFiles.js';
import type { Spec } from '../load/spec.js';
import { schedule } from '../schedule/schedule.js';
import { emptyCounts, LOCATION_STATES, worstStates, type LocationState, type PlacementSummary, type StateCounts } from '../status/summary.js';

/** The fleet as the page draws it. */
export interface FleetView {
  /** `summary`: health from the committed status summary; `schedule`: placement only, no health yet. */
  basis: 'summary' | 'schedule';
  specCommit: string;
  placements: PlacementSummary[];
  /** Every location with its worst state across its placements, by name. */
  locations: { name: string; state: LocationState }[];
  fleet: StateCounts;
}

/** The committed summaries on `branch` of `gitdir`, or undefined when the branch or its summaries are missing. */
export async function readCommittedSummaries(gitdir: string, branch: string): Promise<PlacementSummary[] | undefined> {
  const ref = `refs/heads/${branch}`;
  if (!(await listRefs(gitdir, ref)).has(ref)) return undefined;
  const entries = await readTreeEntries(gitdir, `${ref}:summary`).catch(() => []);
  const files = entries.filter((e) => e.name.endsWith('.yaml') && e.mode !== '040000').map((e) => `${ref}:summary/${e.name}`);
  if (files.length === 0) return undefined;
  const blobs = await readBlobs(gitdir, files);
  const summaries: PlacementSummary[] = [];
  for (const file of files) {
    const blob = blobs.get(file);
    if (!blob) continue;
    const parsed = parseYaml(blob.toString('utf8')) as PlacementSummary | null;
    if (parsed?.kind === 'PlacementSummary' && Array.isArray(parsed.status?.locationStatuses)) summaries.push(parsed);
  }
  return summaries.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

/** The spec at a commit of a local repository (already validated by the reconcile that read it). */
export async function readSpecAt(gitdir: string, commit: string): Promise<Spec> {
  return parseSpec(await readSpecFiles(gitdir, commit), new ProblemList());
}

/** Placement summaries from the schedule alone: every selected location, state `unknown`. */
export function scheduleSummaries(spec: Spec): PlacementSummary[] {
  const assignments = schedule(
    spec.locations.map((l) => l.value),
    spec.placements.map((p) => p.value),
  );
  const byPlacement = new Map<string, string[]>(spec.placements.map((p) => [p.value.metadata.name, []]));
  for (const [location, placements] of assignments) for (const p of placements) byPlacement.get(p)?.push(location);
  return [...byPlacement]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, locations]) => {
      const sorted = locations.sort();
      const counts = emptyCounts();
      counts.unknown = sorted.length;
      return {
        apiVersion: 'edgeplane.io/v1alpha1',
        kind: 'PlacementSummary',
        metadata: { name },
        status: {
          specCommit: spec.commit,
          staleAfter: spec.settings.staleAfter,
          locations: sorted.length,
          counts,
          revisions: [],
          brokenObjects: { total: 0, first: [] },
          locationStatuses: sorted.map((l) => ({ name: l, state: 'unknown' as const, reason: 'no status summary yet' })),
        },
      };
    });
}

/** The fleet view from placement summaries: each location at its worst state across its placements. */
export function fleetViewOf(basis: FleetView['basis'], specCommit: string, placements: PlacementSummary[]): FleetView {
  const fleet = emptyCounts();
  const locations = [...worstStates(placements)].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, state]) => ({ name, state }));
  for (const l of locations) fleet[l.state]++;
  return { basis, specCommit, placements, locations, fleet };
}

/** Every state name, for legends. */
export const STATES: readonly LocationState[] = LOCATION_STATES;

/**
 * Seconds since each location's report branch was last committed to, read with one `git for-each-ref` (the
 * report commit's committer time is when the agent observed).
 */
export async function readReportAges(gitdir: string, prefix: string, now: number): Promise<number[]> {
  const result = await runGit({ gitdir, args: ['for-each-ref', '--format=%(committerdate:unix)', `refs/heads/${prefix}`] });
  if (result.code !== 0) throw gitFailed('git for-each-ref', result);
  return result.stdout
    .toString('utf8')
    .split('\n')
    .filter((line) => /^\d+$/.test(line))
    .map((line) => Math.max(0, now / 1000 - Number(line)));
}
