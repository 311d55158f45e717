import { strict as assert } from 'node:assert';
import type { ConsumerStatus, LocationReport, ObjectReport } from '../api/locationReport.js';
import type { OutputRevision, ReportEntry } from './outputRevision.js';
import { judgePlacement } from './placementState.js';
import type { LocationState } from './summary.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const STALE = 15 * 60_000;
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const TREE_1 = '1'.repeat(40);
const TREE_2 = '2'.repeat(40);

const revision = (commit: string, digest: string, trees: Record<string, string>): OutputRevision => ({
  commit,
  digest,
  placements: new Map(Object.entries(trees).map(([name, tree]) => [name, { tree, files: ['deployment.apps_ns_web.yaml', 'configmap_ns_cfg.yaml'] }])),
});
const PUBLISHED = revision(B, 'sha1:new', { web: TREE_2, other: TREE_1 });

const object = (kind: string, name: string, health: ObjectReport['health'], extra: Partial<ObjectReport> = {}): ObjectReport => ({
  apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1',
  kind,
  namespace: 'ns',
  name,
  health,
  ...extra,
});

function entry(options: { at?: string; commit?: string; digest?: string; objects?: ObjectReport[]; consumer?: Partial<ConsumerStatus>; applied?: OutputRevision }): ReportEntry {
  const report: LocationReport = {
    apiVersion: 'edgeplane.io/v1alpha1',
    kind: 'LocationReport',
    metadata: { name: 'l' },
    status: {
      observedAt: options.at ?? '2026-01-01T11:59:00Z',
      reporter: { kind: 'agent' },
      ...(options.commit || options.digest ? { applied: { ...(options.commit ? { commit: options.commit } : {}), ...(options.digest ? { digest: options.digest } : {}) } } : {}),
      ...(options.consumer ? { consumer: { kind: 'argocd', sync: 'Synced', health: 'Unknown', ...options.consumer } } : {}),
      objects: options.objects ?? [],
    },
  };
  return options.applied ? { report, applied: options.applied } : { report };
}

const byFile = (e: ReportEntry) =>
  new Map((e.report.status.objects ?? []).map((o) => [`${o.kind === 'Deployment' ? 'deployment.apps' : 'configmap'}_ns_${o.name}.yaml`, o]));

const healthy = [object('Deployment', 'web', 'Healthy'), object('ConfigMap', 'cfg', 'Healthy')];

const cases: [string, ReportEntry | undefined, OutputRevision | undefined, LocationState, string?][] = [
  ['no report', undefined, PUBLISHED, 'unknown', 'no report'],
  ['a report time that does not parse', entry({ at: 'yesterday', commit: B, objects: healthy }), PUBLISHED, 'unknown'],
  ['a report older than the bound, even a healthy current one', entry({ at: '2026-01-01T11:44:59Z', commit: B, objects: healthy }), PUBLISHED, 'stale', 'last report 2026-01-01T11:44:59Z'],
  ['a report exactly at the bound is fresh', entry({ at: '2026-01-01T11:45:00Z', commit: B, objects: healthy }), PUBLISHED, 'healthy'],
  ['nothing published yet', entry({ commit: A, objects: healthy }), undefined, 'pending', 'not published yet'],
  ['nothing applied yet', entry({ objects: healthy }), PUBLISHED, 'pending', 'nothing applied yet'],
  ['an older commit', entry({ commit: A, objects: healthy }), PUBLISHED, 'pending', `runs ${A.slice(0, 12)}`],
  ['an older commit with a broken object is pending, not degraded', entry({ commit: A, objects: [object('Deployment', 'web', 'Degraded')] }), PUBLISHED, 'pending'],
  ['the published commit', entry({ commit: B, objects: healthy }), PUBLISHED, 'healthy'],
  ['the published digest under another commit (a re-commit of the same content)', entry({ commit: A, digest: 'sha1:new', objects: healthy }), PUBLISHED, 'healthy'],
  [
    'another commit whose folder of this placement is unchanged',
    entry({ commit: A, objects: healthy, applied: revision(A, 'sha1:old', { web: TREE_2, other: TREE_2 }) }),
    PUBLISHED,
    'healthy',
  ],
  ['another commit whose folder changed', entry({ commit: A, objects: healthy, applied: revision(A, 'sha1:old', { web: TREE_1 }) }), PUBLISHED, 'pending'],
  ['a Degraded object', entry({ commit: B, objects: [object('Deployment', 'web', 'Degraded', { message: 'deadline exceeded' }), healthy[1]!] }), PUBLISHED, 'degraded', 'Deployment ns/web is Degraded: deadline exceeded'],
  ['a Missing object', entry({ commit: B, objects: [object('Deployment', 'web', 'Missing'), object('ConfigMap', 'cfg', 'Degraded')] }), PUBLISHED, 'degraded', 'Deployment ns/web is Missing (and 1 more)'],
  ['a Progressing object', entry({ commit: B, objects: [object('Deployment', 'web', 'Progressing'), healthy[1]!] }), PUBLISHED, 'progressing'],
  ['a Suspended object is not finished', entry({ commit: B, objects: [object('Deployment', 'web', 'Suspended')] }), PUBLISHED, 'progressing'],
  ['an OutOfSync object', entry({ commit: B, objects: [object('Deployment', 'web', 'Healthy'), object('ConfigMap', 'cfg', 'Healthy', { sync: 'OutOfSync' })] }), PUBLISHED, 'progressing', 'ConfigMap ns/cfg is OutOfSync'],
  ['objects of Unknown health leave it to the consumer: Healthy', entry({ commit: B, objects: [object('Deployment', 'web', 'Unknown')], consumer: { health: 'Healthy' } }), PUBLISHED, 'healthy'],
  ['objects of Unknown health leave it to the consumer: Degraded', entry({ commit: B, consumer: { health: 'Degraded', message: 'sync failed' } }), PUBLISHED, 'degraded', 'argocd reports Degraded: sync failed'],
  ['objects of Unknown health leave it to the consumer: OutOfSync', entry({ commit: B, consumer: { health: 'Healthy', sync: 'OutOfSync' } }), PUBLISHED, 'progressing'],
  ['nothing says anything about health', entry({ commit: B, objects: [object('Deployment', 'web', 'Unknown')] }), PUBLISHED, 'unknown', 'the report gives no health for this placement'],
  ["another placement's broken object does not count", entry({ commit: B, objects: [...healthy, object('Deployment', 'api', 'Degraded')] }), PUBLISHED, 'healthy'],
];

describe('judgePlacement: where one placement stands at one location', () => {
  for (const [name, report, published, state, reason] of cases) {
    it(`${name} → ${state}`, () => {
      const verdict = judgePlacement({ placement: 'web', published, entry: report, objectsByFile: report ? byFile(report) : undefined, now: NOW, staleAfterMs: STALE });
      assert.equal(verdict.state, state);
      if (reason !== undefined) assert.equal(verdict.reason, reason);
    });
  }
});
