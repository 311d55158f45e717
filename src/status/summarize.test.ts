import { strict as assert } from 'node:assert';
import type { Location } from '../api/location.js';
import type { LocationReport } from '../api/locationReport.js';
import type { EdgePlacement } from '../api/placement.js';
import type { OutputRevision, ReportEntry } from './outputRevision.js';
import { renderStatusFiles } from './render/statusFiles.js';
import { summarize, type SummaryInput } from './summarize.js';

const C = (n: number) => String(n).padStart(40, '0');

function input(order: 'forward' | 'backward'): SummaryInput {
  const names = ['alpha', 'bravo', 'charlie'];
  const list = order === 'forward' ? names : [...names].reverse();
  const locations: Location[] = list.map((name) => ({ apiVersion: 'edgeplane.io/v1alpha1', kind: 'Location', metadata: { name, labels: { all: 'yes' } } }));
  const placements: EdgePlacement[] = [
    { apiVersion: 'edgeplane.io/v1alpha1', kind: 'EdgePlacement', metadata: { name: 'web' }, spec: { locationSelectors: [{}], workloads: [{ path: 'w' }], statusCollectors: ['missing'] } },
    { apiVersion: 'edgeplane.io/v1alpha1', kind: 'EdgePlacement', metadata: { name: 'solo' }, spec: { locationSelectors: [{}], workloads: [{ path: 's' }], wantSingletonReportedState: true } },
  ];
  const published = new Map<string, OutputRevision>(
    list.map((name) => [name, { commit: C(names.indexOf(name) + 1), digest: `sha1:${C(names.indexOf(name) + 1)}`, sourceCommit: C(99), placements: new Map(['web', 'solo'].map((p) => [p, { files: ['configmap_ns_cfg.yaml'] }])) }]),
  );
  const report = (name: string, health: 'Healthy' | 'Degraded'): ReportEntry => {
    const r: LocationReport = {
      apiVersion: 'edgeplane.io/v1alpha1',
      kind: 'LocationReport',
      metadata: { name },
      status: {
        observedAt: '2026-01-01T00:00:00Z',
        reporter: { kind: 'agent' },
        applied: { commit: published.get(name)!.commit },
        objects: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'cfg', health, ...(health === 'Degraded' ? { message: 'broken | badly' } : {}) }],
      },
    };
    return { report: r, applied: published.get(name)! };
  };
  const reports = new Map<string, ReportEntry>(list.filter((n) => n !== 'charlie').map((n) => [n, report(n, n === 'bravo' ? 'Degraded' : 'Healthy')]));
  return {
    specCommit: C(99),
    locations,
    placements: order === 'forward' ? placements : [...placements].reverse(),
    assignments: new Map(list.map((n) => [n, ['solo', 'web']])),
    published,
    reports,
    collectors: new Map(),
    now: new Date('2026-01-01T00:05:00Z'),
    staleAfter: '15m',
  };
}

describe('summarize', () => {
  it('gives the same summary and the same files whatever the order of its input', () => {
    const a = summarize(input('forward'));
    const b = summarize(input('backward'));
    assert.deepEqual(a, b);
    assert.deepEqual(renderStatusFiles(a), renderStatusFiles(b));
    assert.deepEqual(
      a.placements.map((p) => p.metadata.name),
      ['solo', 'web'],
    );
  });

  it('counts each location once in the fleet, at its worst state', () => {
    const summary = summarize(input('forward'));
    assert.deepEqual(summary.fleet, { healthy: 1, progressing: 0, pending: 0, degraded: 1, stale: 0, unknown: 1 });
    const web = summary.placements.find((p) => p.metadata.name === 'web')!;
    assert.deepEqual(web.status.counts, { healthy: 1, progressing: 0, pending: 0, degraded: 1, stale: 0, unknown: 1 });
  });

  it('notes a collector that does not exist instead of failing', () => {
    assert.deepEqual(summarize(input('forward')).notes, ['placement web: status collector missing is not defined or did not compile; it was skipped']);
  });

  it('gives no singleton state when a placement that wants one runs at several locations', () => {
    const solo = summarize(input('forward')).placements.find((p) => p.metadata.name === 'solo')!;
    assert.deepEqual(solo.status.singleton, { executingCount: 3, message: 'wantSingletonReportedState: the placement runs at 3 locations, not exactly one' });
  });

  it('escapes what a report says before it reaches the README', () => {
    const readme = renderStatusFiles(summarize(input('forward'))).get('README.md')!;
    assert.match(readme, /\| bravo \| ConfigMap ns\/cfg \| Degraded \| broken \\\| badly \|/);
  });
});
