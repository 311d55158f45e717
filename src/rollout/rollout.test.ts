import { strict as assert } from 'node:assert';
import type { Location } from '../api/location.js';
import type { RolloutSpec } from '../api/rollout.js';
import { assignWaves } from './assignWaves.js';
import { decide, releasedLocations, type RolloutContext, type WaveStatus } from './decide.js';
import { parseDuration } from './duration.js';
import { batchSize, planBatches } from './planBatches.js';
import { startRollout, type RolloutRecord } from './rolloutRecord.js';
import { windowOpen } from './window.js';

const location = (name: string, labels: Record<string, string>): Location => ({ apiVersion: 'edgeplane.io/v1alpha1', kind: 'Location', metadata: { name, labels } });
const fleet = (n: number) =>
  Array.from({ length: n }, (_, i) => location(`site-${String(i).padStart(2, '0')}`, { ring: i < 3 ? 'canary' : 'stable', region: ['eu', 'us', 'apac'][i % 3]! }));

describe('rollout: waves', () => {
  it('assigns selector, percent and rest waves, every location exactly once', () => {
    const spec: RolloutSpec = { waves: [{ name: 'canary', locationSelector: { matchLabels: { ring: 'canary' } } }, { name: 'half', percent: 50 }, { name: 'rest' }] };
    const { waves, problems } = assignWaves('telemetry', spec, fleet(30));
    assert.deepEqual(problems, []);
    assert.deepEqual(waves[0]!.locations, ['site-00', 'site-01', 'site-02']);
    const all = waves.flatMap((w) => w.locations).sort();
    assert.deepEqual(all, fleet(30).map((l) => l.metadata.name));
    assert.ok(waves[1]!.locations.length > 5 && waves[1]!.locations.length < 22, `about half of 27: ${waves[1]!.locations.length}`);
  });

  it('keeps a location in its percent wave as the fleet grows', () => {
    const spec: RolloutSpec = { waves: [{ name: 'first', percent: 30 }, { name: 'rest' }] };
    const small = assignWaves('p', spec, fleet(30)).waves[0]!.locations;
    const large = assignWaves('p', spec, fleet(90)).waves[0]!.locations;
    for (const name of small) assert.ok(large.includes(name), name);
  });

  it('reports a wave that selects nothing and a location in two waves', () => {
    const spec: RolloutSpec = {
      waves: [
        { name: 'canary', locationSelector: { matchLabels: { ring: 'canary' } } },
        { name: 'eu', locationSelector: { matchLabels: { region: 'eu' } } },
        { name: 'mars', locationSelector: { matchLabels: { region: 'mars' } } },
      ],
    };
    const messages = assignWaves('p', spec, fleet(6)).problems.map((p) => p.message);
    assert.ok(messages.includes('location site-00 is in two waves: canary and eu'), messages.join('\n'));
    assert.ok(messages.includes('wave mars selects no location'));
  });
});

describe('rollout: batches, windows, durations', () => {
  it('sizes batches by count or percentage, rounding up', () => {
    assert.deepEqual([batchSize(undefined, 7), batchSize(2, 7), batchSize('20%', 7), batchSize('1%', 7)], [7, 2, 2, 1]);
  });

  it('never puts two locations of one region in a batch when a constraint says so', () => {
    const items = fleet(9);
    const batches = planBatches(items, 3, (a, b) => a.metadata.labels!['region'] !== b.metadata.labels!['region']);
    for (const batch of batches) assert.equal(new Set(batch.map((l) => l.metadata.labels!['region'])).size, batch.length);
    assert.equal(batches.flat().length, 9);
  });

  it('opens a window for its duration after each cron match, in its time zone', () => {
    const w = { schedule: '0 1 * * *', duration: '4h' };
    assert.equal(windowOpen(w, new Date('2026-01-01T00:59:00Z')), false);
    assert.equal(windowOpen(w, new Date('2026-01-01T01:00:00Z')), true);
    assert.equal(windowOpen(w, new Date('2026-01-01T04:59:00Z')), true);
    assert.equal(windowOpen(w, new Date('2026-01-01T05:00:00Z')), false);
    assert.equal(windowOpen({ ...w, duration: '1h', timeZone: 'Europe/Stockholm' }, new Date('2026-01-01T00:30:00Z')), true);
    assert.equal(windowOpen(undefined, new Date()), true);
  });

  it('parses durations', () => {
    assert.deepEqual(['10m', '1h30m', '45s', '2d', 'ten', ''].map(parseDuration), [600_000, 5_400_000, 45_000, 172_800_000, undefined, undefined]);
  });
});

describe('rollout: the state machine', () => {
  const batches = [[['a1', 'a2']], [['b1', 'b2'], ['b3', 'b4']], [['c1', 'c2', 'c3']]];
  const health = new Map<string, 'healthy' | 'degraded' | 'progressing'>();
  const status = (index: number, locations: readonly string[]): WaveStatus => ({
    name: `w${index}`,
    index,
    total: locations.length,
    healthy: locations.filter((l) => health.get(l) === 'healthy').length,
    degraded: locations.filter((l) => health.get(l) === 'degraded').length,
    progressing: locations.filter((l) => health.get(l) === 'progressing').length,
    pending: 0,
    stale: 0,
    unknown: locations.filter((l) => !health.has(l)).length,
  });
  const context = (spec: RolloutSpec, now: string, extra: Partial<RolloutContext> = {}): RolloutContext => ({
    spec,
    batches,
    wave: (i) => ({ name: `w${i}` }),
    status,
    advanceWhen: (s) => s.healthy === s.total,
    windowOpen: true,
    approved: () => false,
    now: new Date(now),
    ...extra,
  });
  const released = (r: RolloutRecord) => [...releasedLocations(r, batches)].sort();

  beforeEach(() => health.clear());

  it('releases wave by wave, batch by batch, after health and soak', () => {
    const spec: RolloutSpec = { waves: [], soak: '10m' };
    let r = decide(startRollout('p', 'rev2', 'c2', undefined), context(spec, '2026-01-01T00:00:00Z'));
    assert.deepEqual(released(r), ['a1', 'a2']);
    r = decide(r, context(spec, '2026-01-01T00:05:00Z'));
    assert.deepEqual(released(r), ['a1', 'a2'], 'wave 2 untouched until wave 1 is healthy');
    health.set('a1', 'healthy').set('a2', 'healthy');
    r = decide(r, context(spec, '2026-01-01T00:06:00Z'));
    assert.deepEqual(released(r), ['a1', 'a2'], 'healthy but not soaked');
    r = decide(r, context(spec, '2026-01-01T00:16:00Z'));
    assert.deepEqual(released(r), ['a1', 'a2', 'b1', 'b2'], 'soaked: the first batch of wave 2');
    health.set('b1', 'healthy').set('b2', 'healthy');
    r = decide(r, context(spec, '2026-01-01T00:17:00Z'));
    r = decide(r, context(spec, '2026-01-01T00:27:00Z'));
    assert.deepEqual(released(r), ['a1', 'a2', 'b1', 'b2', 'b3', 'b4']);
    for (const l of ['b3', 'b4', 'c1', 'c2', 'c3']) health.set(l, 'healthy');
    r = decide(r, context(spec, '2026-01-01T00:28:00Z'));
    r = decide(r, context(spec, '2026-01-01T00:38:00Z'));
    r = decide(r, context(spec, '2026-01-01T00:39:00Z'));
    r = decide(r, context(spec, '2026-01-01T00:49:00Z'));
    assert.equal(r.phase, 'Completed', r.message);
  });

  it('a degraded wave pauses, or rolls back', () => {
    for (const [onFailure, phase] of [['pause', 'Paused'], ['rollback', 'RolledBack']] as const) {
      let r = decide(startRollout('p', 'rev2', 'c2', undefined), context({ waves: [], onFailure }, '2026-01-01T00:00:00Z'));
      health.set('a1', 'degraded');
      r = decide(r, context({ waves: [], onFailure }, '2026-01-01T00:01:00Z'));
      assert.equal(r.phase, phase);
      assert.match(r.failures[0]!.reason, /1 location\(s\) of wave w0 degraded/);
      assert.deepEqual(released(r), ['a1', 'a2']);
    }
  });

  it('a batch not ready by its progress deadline fails', () => {
    let r = decide(startRollout('p', 'rev2', 'c2', undefined), context({ waves: [], progressDeadline: '5m' }, '2026-01-01T00:00:00Z'));
    health.set('a1', 'progressing');
    r = decide(r, context({ waves: [], progressDeadline: '5m' }, '2026-01-01T00:06:00Z'));
    assert.equal(r.phase, 'Paused');
    assert.match(r.message, /progressDeadline 5m/);
  });

  it('a closed window blocks advancing; review waits for approval', () => {
    let r = decide(startRollout('p', 'rev2', 'c2', undefined), context({ waves: [] }, '2026-01-01T00:00:00Z', { windowOpen: false }));
    assert.deepEqual(released(r), []);
    assert.match(r.message, /maintenance window/);
    r = decide(r, context({ waves: [], review: 'approval' }, '2026-01-01T00:01:00Z'));
    assert.deepEqual(released(r), []);
    assert.match(r.message, /waits for approval/);
    r = decide(r, context({ waves: [], review: 'approval' }, '2026-01-01T00:02:00Z', { approved: (w) => w === 0 }));
    assert.deepEqual(released(r), ['a1', 'a2']);
  });

  it('resumes exactly where it was from the recorded state', () => {
    const spec: RolloutSpec = { waves: [] };
    health.set('a1', 'healthy').set('a2', 'healthy');
    const r = decide(startRollout('p', 'rev2', 'c2', undefined), context(spec, '2026-01-01T00:00:00Z'));
    const restored = JSON.parse(JSON.stringify(r)) as RolloutRecord;
    const json = (record: RolloutRecord) => JSON.stringify(record);
    assert.equal(json(decide(restored, context(spec, '2026-01-01T00:01:00Z'))), json(decide(r, context(spec, '2026-01-01T00:01:00Z'))));
  });
});
