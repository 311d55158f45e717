/**
 * A fleet for the rollout tests: 30 stations (`site-00` …) in three waves by label (`one`: 5, `two`: 10,
 * `three`: 15) running `telemetry`, one ConfigMap carrying an image name, and helpers that simulate the
 * stations' reports and read what each station's branch holds.
 */
import * as path from 'node:path';
import type { LocationReport } from '../../src/api/locationReport.js';
import { readPublishedState } from '../../src/publish/publishedState.js';
import { reconcile, type ReconcileResult } from '../../src/reconcile/reconcile.js';
import type { RolloutRecord } from '../../src/rollout/rolloutRecord.js';
import { publishReport } from '../../src/status/reportBranch.js';
import { changeSpec, git, refsUnder, tempDir } from '../support/specRepo.js';
import { writeFiles } from '../status/statusFleet.js';

export const STATIONS = 30;
const V = 'apiVersion: edgeplane.io/v1alpha1';

export function siteName(i: number): string {
  return `site-${String(i).padStart(2, '0')}`;
}

/** The wave label of station `i`. */
export function waveOf(i: number): 'one' | 'two' | 'three' {
  return i < 5 ? 'one' : i < 15 ? 'two' : 'three';
}

export const SITES = Array.from({ length: STATIONS }, (_, i) => siteName(i));
export const WAVE = { one: SITES.filter((_, i) => waveOf(i) === 'one'), two: SITES.filter((_, i) => waveOf(i) === 'two'), three: SITES.filter((_, i) => waveOf(i) === 'three') };

/** The spec files: `image` in the ConfigMap, `rollout` (YAML lines under `rollout:`, indented 4) and extra settings. */
export function rolloutFleetFiles(image: string, rollout: string, settings = ''): Record<string, string> {
  const sites = SITES.map((name, i) => `${V}\nkind: Location\nmetadata:\n  name: ${name}\n  labels: {tier: station, wave: ${waveOf(i)}, region: r${i % 3}}\n`);
  return {
    'edgeplane.yaml': `${V}\nkind: Settings\nspec:\n  output: {repo: self, mode: branch}\n  status: {staleAfter: 30m}\n${settings}`,
    'inventory/sites.yaml': sites.join('---\n'),
    'placements/telemetry.yaml': `${V}\nkind: EdgePlacement\nmetadata: {name: telemetry}\nspec:\n  locationSelectors: [{matchLabels: {tier: station}}]\n  workloads: [{path: workloads/telemetry}]\n  rollout:\n${rollout}`,
    'workloads/telemetry/config.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingest, namespace: telemetry}\ndata: {image: "${image}"}\n`,
  };
}

/** Three waves by label, 10 minutes soak, plus `extra` lines. */
export const WAVES = [
  '    waves:',
  '    - {name: one, locationSelector: {matchLabels: {wave: one}}}',
  '    - {name: two, locationSelector: {matchLabels: {wave: two}}}',
  '    - {name: three}',
  '    soak: 10m',
  '',
].join('\n');

/** A committed spec repo (its own output repo). */
export function rolloutFleetRepo(files: Record<string, string>): string {
  const dir = tempDir('edgeplane-rollout-');
  writeFiles(dir, files);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'spec');
  return dir;
}

export function change(dir: string, files: Record<string, string | null>): void {
  changeSpec(dir, files, 'change');
}

export function gitdirOf(dir: string): string {
  return path.join(dir, '.git');
}

/** Every station's branch head. */
export function heads(dir: string): Map<string, string> {
  return new Map([...refsUnder(gitdirOf(dir), 'refs/heads/edgeplane/')].map(([ref, commit]) => [ref.slice('refs/heads/edgeplane/'.length), commit]));
}

/** The image a station's published output carries, or null when it has no telemetry. */
export function imageAt(dir: string, site: string): string | null {
  const text = git(gitdirOf(dir), 'ls-tree', '-r', '--name-only', `refs/heads/edgeplane/${site}`);
  const file = text.split('\n').find((f) => f.startsWith('telemetry/') && f.includes('configmap'));
  if (!file) return null;
  return /image: "?([^"\n]+)"?/.exec(git(gitdirOf(dir), 'show', `refs/heads/edgeplane/${site}:${file}`))?.[1] ?? null;
}

/** Every station that reports applies what is published for it now, with this health, observed at `now`. */
export async function report(dir: string, sites: readonly string[], health: 'Healthy' | 'Degraded' | 'Progressing', now: Date): Promise<void> {
  const gitdir = gitdirOf(dir);
  const published = await readPublishedState({ mode: 'branch', gitdir, branchPrefix: 'edgeplane/', folderBranch: 'edgeplane-locations' });
  for (const site of sites) {
    const current = published.locations.get(site);
    if (!current) continue;
    const observed: LocationReport = {
      apiVersion: 'edgeplane.io/v1alpha1',
      kind: 'LocationReport',
      metadata: { name: site },
      status: {
        observedAt: new Date(now.getTime() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        reporter: { kind: 'agent', name: 'simulated' },
        applied: { commit: current.commit },
        consumer: { kind: 'kubectl', sync: 'Synced', health },
      },
    };
    await publishReport({ gitdir, ref: `refs/heads/edgeplane-reports/${site}` }, observed, now);
  }
}

export async function run(dir: string, now: Date): Promise<ReconcileResult> {
  return reconcile({ source: { repo: dir }, now });
}

export function recordOf(result: ReconcileResult): RolloutRecord {
  const record = result.rollouts.find((r) => r.placement === 'telemetry');
  if (!record) throw new Error('no telemetry rollout record');
  return record;
}

export const minutes = (at: Date, n: number): Date => new Date(at.getTime() + n * 60_000);

/** Reconciles and reports every station healthy, 11 minutes apart, until the rollout completes. */
export async function driveToCompletion(dir: string, start: Date): Promise<Date> {
  let now = start;
  for (let step = 0; step < 12; step++) {
    const result = await run(dir, now);
    if (recordOf(result).phase === 'Completed') return now;
    now = minutes(now, 11);
    await report(dir, SITES, 'Healthy', now);
  }
  throw new Error('the rollout did not complete');
}
