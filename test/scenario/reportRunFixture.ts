/**
 * Scenario runs for the report test, built in code the way the runner would fill them: 20 ground stations in
 * 6 regions over three link classes, four scenarios (initial rollout, waves with pull requests, a region
 * going dark, a bad change rolled back), station histories and timelines; and an edge run whose only scenario
 * reached no station (every percentile null) and whose texts try to break out of the HTML.
 * Deterministic: the same call gives the same run.
 */
import { createHash } from 'node:crypto';
import type { Percentiles, ScenarioName, ScenarioResult, ScenarioRun, StationResult, TimelineEvent } from '../../src/scenario/scenarioData.js';

/** The regions of the realistic fleet. */
export const REGIONS = ['eu-north', 'eu-west', 'eu-south', 'americas', 'africa', 'asia-pacific'];

const STATIONS = [
  'kiruna', 'redu', 'kourou', 'malargue', 'cebreros', 'new-norcia', 'santa-maria', 'villafranca', 'maspalomas', 'fucino',
  'svalbard', 'matera', 'weilheim', 'troll', 'hartebeesthoek', 'perth', 'santiago', 'guam', 'kangerlussuaq', 'inuvik',
];
const LINKS = ['fiber', 'microwave', 'satellite'] as const;
const LINK_DELAY = { fiber: 2_000, microwave: 6_000, satellite: 15_000 };
const DARK_REGION = 'africa';

/** Nearest-rank p50 / p90 / max, as the report's per-region view computes them. */
export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number | null => (sorted.length === 0 ? null : sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!);
  return { p50: at(0.5), p90: at(0.9), max: at(1) };
}

function commit(label: string): string {
  return createHash('sha1').update(label).digest('hex');
}

/** A small deterministic generator (mulberry32), so the numbers look measured but never change. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function waveOf(i: number, region: string): string {
  if (i < 3) return 'canary';
  return region.startsWith('eu-') ? 'europe' : 'rest';
}

interface Plan {
  name: ScenarioName;
  title: string;
  description: string;
  seed: number;
}

/** One scenario: each station reaches the change after its wave is released plus its link's delay, unless its region is dark. */
function scenario(plan: Plan, startedAt: string): ScenarioResult {
  const rnd = random(plan.seed);
  const before = commit(`${plan.name}-before`);
  const change = commit(`${plan.name}-change`);
  const pushAt = 1_500;
  const rollback = plan.name === 'bad-change';
  const final = rollback ? before : change;
  const timeline: TimelineEvent[] = [{ at: pushAt, kind: 'push', detail: `spec pushed: ${plan.title}` }];
  timeline.push({ at: pushAt + 400, kind: 'reconcile', detail: 'rendered 20 station branches' });
  const waves = plan.name === 'initial' ? ['all'] : ['canary', 'europe', 'rest'];
  const waveStart: Record<string, number> = {};
  let t = pushAt + 600;
  for (const wave of waves) {
    if (plan.name === 'waves') {
      timeline.push({ at: t, kind: 'pull-request-opened', detail: `pull request for wave ${wave}`, wave });
      t += 2_000 + Math.round(rnd() * 1_000);
      timeline.push({ at: t, kind: 'pull-request-merged', detail: `wave ${wave} approved by the script`, wave });
    }
    if (wave !== 'all') timeline.push({ at: t, kind: 'wave-released', detail: `wave ${wave} released`, wave });
    waveStart[wave] = t;
    t += 24_000;
    if (wave !== 'all') timeline.push({ at: t - 2_000, kind: 'wave-healthy', detail: `wave ${wave} healthy`, wave });
    timeline.push({ at: t - 1_000, kind: 'reconcile', detail: `reconcile after wave ${wave}` });
  }
  const darkAt = waveStart['europe']! + 3_000;
  if (plan.name === 'region-dark') timeline.push({ at: darkAt, kind: 'region-dark', detail: `${DARK_REGION} lost its links`, region: DARK_REGION });
  const degradedAt = waveStart['canary'] === undefined ? 0 : waveStart['canary'] + 12_000;
  if (rollback) {
    timeline.push({ at: degradedAt, kind: 'degraded', detail: 'canary stations report CrashLoopBackOff' });
    timeline.push({ at: degradedAt + 1_500, kind: 'rolled-back', detail: `rolled back to ${before.slice(0, 12)}` });
  }

  const stations: StationResult[] = STATIONS.map((name, i) => {
    const region = REGIONS[i % REGIONS.length]!;
    const linkClass = LINKS[i % LINKS.length]!;
    const wave = plan.name === 'initial' ? 'all' : waveOf(i, region);
    const delay = LINK_DELAY[linkClass] + Math.round(rnd() * 4_000);
    const history: StationResult['history'] = plan.name === 'initial' ? [] : [{ at: 0, sourceCommit: before }];
    let reachedAt: number | null = waveStart[wave]! + delay;
    let offline = false;
    if (plan.name === 'region-dark' && region === DARK_REGION && reachedAt > darkAt) {
      reachedAt = null;
      offline = true;
    } else if (plan.name === 'region-dark' && name === 'guam') {
      reachedAt = null; // online, pulling, but its kustomize build fails: neither reached nor offline
    } else if (rollback) {
      // Canary stations ran the bad change and came back; the others never left the good revision.
      if (wave === 'canary') {
        history.push({ at: waveStart['canary']! + delay, sourceCommit: change });
        reachedAt = degradedAt + 1_500 + delay;
      } else reachedAt = null;
    }
    if (reachedAt !== null) {
      history.push({ at: reachedAt, sourceCommit: final });
      timeline.push({ at: reachedAt, kind: 'station-running', detail: `${name} runs ${final.slice(0, 12)}`, station: name, region, wave });
    }
    const bytesFetched = 9_000 + Math.round(rnd() * 30_000) + (linkClass === 'satellite' ? 4_000 : 0);
    return {
      name, region, linkClass, wave, offline, history, bytesFetched,
      runningSourceCommit: history.length ? history[history.length - 1]!.sourceCommit : null,
      reachedAfterMs: reachedAt === null ? null : reachedAt - pushAt,
      fetches: 3 + Math.round(rnd() * 8),
      reportAgeMs: offline ? 95_000 + Math.round(rnd() * 20_000) : 1_000 + Math.round(rnd() * 9_000),
    };
  });
  const durationMs = t + 4_000;
  timeline.push({ at: durationMs - 500, kind: 'completed', detail: 'scenario complete' });
  const reached = stations.flatMap((s) => (s.reachedAfterMs === null ? [] : [s.reachedAfterMs]));
  const bytes = stations.map((s) => s.bytesFetched);
  return {
    name: plan.name,
    title: plan.title,
    description: plan.description,
    startedAt,
    durationMs,
    finalSourceCommit: final,
    pushes: [{ at: pushAt, commit: change, message: plan.title }],
    latency: { ...percentiles(reached), reached: reached.length, offline: stations.filter((s) => s.offline).length, total: stations.length },
    bytes: { ...percentiles(bytes), total: bytes.reduce((a, b) => a + b, 0), branchBytes: 2_200_000 },
    staleness: percentiles(stations.map((s) => s.reportAgeMs!)),
    stations,
    timeline,
    checks: [
      { name: 'every station reached or offline', ok: plan.name !== 'region-dark', detail: plan.name === 'region-dark' ? 'guam neither ran the change nor is offline' : 'all accounted for' },
      { name: 'bytes on the order of the change', ok: true, detail: 'p90 well under the branch size' },
    ],
  };
}

/** The realistic run: four scenarios over 20 stations in 6 regions. */
export function realisticRun(): ScenarioRun {
  const plans: Plan[] = [
    { name: 'initial', title: 'Initial rollout', description: 'Every station pulls its branch for the first time.', seed: 1 },
    { name: 'waves', title: 'A change in waves', description: 'A new telemetry version rolls out in three waves, each approved through a pull request.', seed: 2 },
    { name: 'region-dark', title: 'A region goes dark', description: `The ${DARK_REGION} region loses its links in the middle of a rollout.`, seed: 3 },
    { name: 'bad-change', title: 'A bad change rolled back', description: 'A broken change degrades the canary wave and is rolled back.', seed: 4 },
  ];
  return {
    format: 'edgeplane-scenario/1',
    generatedAt: '2026-03-01T12:00:00.000Z',
    fleet: {
      stations: STATIONS.length,
      regions: REGIONS,
      links: {
        fiber: { latencyMs: 20, bytesPerSecond: 12_500_000, pollIntervalMs: 5_000 },
        microwave: { latencyMs: 60, bytesPerSecond: 1_250_000, pollIntervalMs: 10_000 },
        satellite: { latencyMs: 600, bytesPerSecond: 64_000, pollIntervalMs: 20_000, offline: { everyMs: 90_000, durationMs: 20_000, offsetMs: 30_000 } },
      },
    },
    scenarios: plans.map((plan, i) => scenario(plan, `2026-03-01T1${i}:00:00.000Z`)),
  };
}

/** Text that would break a page that does not escape it. */
export const HOSTILE = '</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><!--';

/** The edge run: one scenario in which no station ran the change (every percentile null), no events, and hostile texts. */
export function edgeRun(): ScenarioRun {
  const none: Percentiles = { p50: null, p90: null, max: null };
  const stations: StationResult[] = ['alpha', 'bravo', 'charlie'].map((name, i) => ({
    name: `${name} ${HOSTILE}`,
    region: i === 0 ? 'north' : 'south',
    linkClass: 'satellite',
    runningSourceCommit: null,
    reachedAfterMs: null,
    bytesFetched: 0,
    fetches: 0,
    offline: true,
    reportAgeMs: null,
    history: [],
  }));
  return {
    format: 'edgeplane-scenario/1',
    generatedAt: '2026-03-02T00:00:00.000Z',
    fleet: { stations: 3, regions: ['north', 'south'], links: { satellite: { latencyMs: 600, bytesPerSecond: 64_000, pollIntervalMs: 20_000 } } },
    scenarios: [
      {
        name: 'initial',
        title: `Nobody home ${HOSTILE}`,
        description: HOSTILE,
        startedAt: '2026-03-02T00:00:00.000Z',
        durationMs: 0,
        finalSourceCommit: commit('edge'),
        pushes: [],
        latency: { ...none, reached: 0, offline: 3, total: 3 },
        bytes: { ...none, total: 0, branchBytes: 0 },
        staleness: none,
        stations,
        timeline: [],
        checks: [{ name: 'every station reached or offline', ok: false, detail: `no station reached ${HOSTILE}` }],
      },
    ],
  };
}
