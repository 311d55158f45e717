import * as assert from 'node:assert/strict';
import { fleetViewOf } from '../../src/serve/fleetView.js';
import { fleetPicture, renderStatusPage, STATE_COLOURS, type StatusPageData } from '../../src/serve/statusPage.js';
import { emptyCounts, type LocationState, type PlacementSummary } from '../../src/status/summary.js';

function placement(name: string, states: Record<string, LocationState>): PlacementSummary {
  const counts = emptyCounts();
  for (const state of Object.values(states)) counts[state]++;
  return {
    apiVersion: 'edgeplane.io/v1alpha1',
    kind: 'PlacementSummary',
    metadata: { name },
    status: {
      specCommit: 'c'.repeat(40),
      staleAfter: '15m',
      locations: Object.keys(states).length,
      counts,
      revisions: [{ sourceCommit: 'c'.repeat(40), current: true, locations: 2 }],
      brokenObjects: { total: 1, first: [{ location: 'kiruna', apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'telemetry', name: 'ingest', health: 'Degraded', message: 'CrashLoopBackOff <img src=x>' }] },
      locationStatuses: Object.entries(states).map(([location, state]) => ({ name: location, state, ...(state === 'degraded' ? { reason: '<script>alert(1)</script>' } : {}) })),
    },
  };
}

const NOW = Date.UTC(2026, 0, 1, 12);

function page(extra: Partial<StatusPageData> = {}): string {
  const fleet = fleetViewOf('summary', 'c'.repeat(40), [
    placement('telemetry', { kiruna: 'degraded', redu: 'healthy', kourou: 'pending' }),
    placement('monitoring', { kiruna: 'healthy', redu: 'healthy', kourou: 'healthy', malargue: 'stale' }),
  ]);
  return renderStatusPage({
    now: NOW,
    source: { repo: 'https://git.example.org/fleet.git', ref: 'main' },
    queue: { running: false, waiting: 0, runs: 12, consecutiveFailures: 0, lastSuccessAt: NOW - 45_000 },
    fleet,
    ...extra,
  });
}

describe('serve: status page', () => {
  it('counts each location once, at its worst state', () => {
    const view = fleetViewOf('summary', 'c', [placement('a', { x: 'healthy', y: 'healthy' }), placement('b', { x: 'degraded', z: 'stale' })]);
    assert.deepEqual(view.locations, [
      { name: 'x', state: 'degraded' },
      { name: 'y', state: 'healthy' },
      { name: 'z', state: 'stale' },
    ]);
    assert.equal(view.fleet.degraded, 1);
    assert.equal(view.fleet.healthy, 1);
    assert.equal(view.fleet.stale, 1);
  });

  it('draws the fleet: one square per location in its state colour, one bar per placement', () => {
    const view = fleetViewOf('summary', 'c', [placement('telemetry', { kiruna: 'degraded', redu: 'healthy', kourou: 'pending' })]);
    const svg = fleetPicture(view);
    assert.equal((svg.match(/<rect [^>]*height="9"/g) ?? []).length, 3, 'three squares');
    assert.ok(svg.includes(`fill="${STATE_COLOURS.degraded}"><title>kiruna: degraded</title>`));
    assert.ok(svg.includes('<title>telemetry: 1 healthy</title>'));
  });

  it('shows per placement what runs where and how healthy it is, escaping everything', () => {
    const html = page();
    assert.ok(html.startsWith('<!doctype html>'));
    assert.ok(html.includes('<th>telemetry</th>') && html.includes('<th>monitoring</th>'));
    assert.ok(html.includes('1 healthy, 1 pending, 1 degraded'));
    assert.ok(html.includes('kiruna: Deployment telemetry/ingest Degraded'));
    assert.ok(!html.includes('<script>') && !html.includes('<img'), 'report text is escaped');
    assert.ok(html.includes('&#60;script&#62;'));
    assert.ok(html.includes('aria-label="fleet: 4 locations by state"'));
    assert.match(html, /last success<\/th><td>45 s ago/);
  });

  it('shows a reconcile that is backing off, and the last error', () => {
    const html = page({
      queue: {
        running: false,
        waiting: 3,
        runs: 12,
        consecutiveFailures: 4,
        retryAt: NOW + 40_000,
        lastError: { message: 'git fetch failed: connection refused', code: 'GIT_FAILED', class: 'transient', at: NOW - 5000 },
      },
    });
    assert.ok(html.includes('backing off: retry in 40 s'));
    assert.ok(html.includes('GIT_FAILED (transient), 5 s ago'));
    assert.ok(html.includes('git fetch failed: connection refused'));
  });
});
