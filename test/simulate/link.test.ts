import assert from 'node:assert/strict';
import type { LinkModel } from '../../src/scenario/scenarioData.js';
import { linkConditions, linkPhaseMs } from '../../src/simulate/link.js';

const SATELLITE: LinkModel = {
  latencyMs: 600,
  bytesPerSecond: 64_000,
  pollIntervalMs: 30_000,
  // Down 10 s of every minute, from 20 s into the minute.
  offline: { everyMs: 60_000, durationMs: 10_000, offsetMs: 20_000 },
};
const FIBER: LinkModel = { latencyMs: 5, bytesPerSecond: 0, pollIntervalMs: 5_000 };

describe('link conditions of a simulated station (pure)', () => {
  const cases: { name: string; model: LinkModel; now: number; phaseMs?: number; dark?: boolean; want: object }[] = [
    { name: 'outside a window: latency and bandwidth of the model', model: SATELLITE, now: 0, want: { latencyMs: 600, bytesPerSecond: 64_000 } },
    { name: 'the first millisecond of a window is down', model: SATELLITE, now: 20_000, want: { down: true } },
    { name: 'the last millisecond of a window is down', model: SATELLITE, now: 29_999, want: { down: true } },
    { name: 'the window closes after its duration', model: SATELLITE, now: 30_000, want: { latencyMs: 600, bytesPerSecond: 64_000 } },
    { name: 'windows repeat every period', model: SATELLITE, now: 3 * 60_000 + 25_000, want: { down: true } },
    { name: 'the phase shifts the window: this station is up when the unphased one is down', model: SATELLITE, now: 25_000, phaseMs: 15_000, want: { latencyMs: 600, bytesPerSecond: 64_000 } },
    { name: 'the phase shifts the window: down 15 s later', model: SATELLITE, now: 40_000, phaseMs: 15_000, want: { down: true } },
    { name: 'a phase past the period wraps around', model: SATELLITE, now: 40_000, phaseMs: 75_000, want: { down: true } },
    { name: 'times before the epoch land in a period too', model: SATELLITE, now: -60_000 + 21_000, want: { down: true } },
    { name: 'dark beats an open link', model: SATELLITE, now: 0, dark: true, want: { down: true } },
    { name: 'dark beats a model without windows', model: FIBER, now: 0, dark: true, want: { down: true } },
    { name: 'no offline model: never down; zero bandwidth is left out (unthrottled)', model: FIBER, now: 20_000, want: { latencyMs: 5 } },
    { name: 'a window as long as its period is always down', model: { ...FIBER, offline: { everyMs: 1000, durationMs: 1000, offsetMs: 0 } }, now: 123_456, want: { down: true } },
    { name: 'a period of zero means no windows', model: { ...FIBER, offline: { everyMs: 0, durationMs: 1000, offsetMs: 0 } }, now: 0, want: { latencyMs: 5 } },
    { name: 'a duration of zero means no windows', model: { ...FIBER, offline: { everyMs: 1000, durationMs: 0, offsetMs: 0 } }, now: 0, want: { latencyMs: 5 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(linkConditions(c.model, c.now, { phaseMs: c.phaseMs ?? 0, dark: c.dark ?? false }), c.want);
    });
  }

  it('gives each station a stable phase inside the period, and spreads a fleet over it', () => {
    const stations = Array.from({ length: 60 }, (_, i) => `kiruna-${String(i).padStart(2, '0')}`);
    const phases = stations.map((s) => linkPhaseMs(s, 60_000));
    assert.deepEqual(phases, stations.map((s) => linkPhaseMs(s, 60_000)), 'the same name gives the same phase');
    assert.ok(phases.every((p) => Number.isInteger(p) && p >= 0 && p < 60_000));
    // Split the period in six slices: a spread fleet leaves none of them empty.
    const slices = new Set(phases.map((p) => Math.floor(p / 10_000)));
    assert.equal(slices.size, 6, `phases bunch up: ${phases.join(', ')}`);
    // At any instant only some stations of the class are down, never all of them.
    const down = stations.filter((s) => linkConditions(SATELLITE, 25_000, { phaseMs: linkPhaseMs(s, 60_000), dark: false }).down).length;
    assert.ok(down > 0 && down < stations.length / 2, `${down} of ${stations.length} down at once`);
    assert.equal(linkPhaseMs('kiruna-01', 0), 0);
  });
});
