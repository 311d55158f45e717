/**
 * Checks about how a change moved through the fleet, from the stations' own records: that it went wave by wave,
 * each wave only after its pull request was merged, and which stations ever ran a given revision.
 */
import type { ScenarioContext, Check } from './scenarioContext.js';
import type { StationBranches } from './stationBranches.js';

/**
 * No station of a wave applied the change before that wave's pull request was merged (and so, with edgeplane's
 * gates, before every earlier wave was healthy). "The change" at a station is the first output it applied after
 * `sinceMs` whose folder of the rolled-out placement differs from the one it ran at `sinceMs` (none, for a fresh
 * station): what the rollout released there, whatever came after it (a rollback). Waves whose stations got the
 * change without a merged pull request fail the check.
 */
export function waveOrderCheck(ctx: ScenarioContext, branches: StationBranches, sinceMs: number): Check {
  const merged = new Map<string, number>();
  for (const pull of ctx.reviewer.pulls.values()) {
    if (pull.placement === ctx.plan.placement && pull.openedAtMs >= sinceMs && pull.mergedAtMs !== null && !merged.has(pull.wave)) merged.set(pull.wave, pull.mergedAtMs);
  }
  const early: string[] = [];
  const unmerged = new Set<string>();
  let counted = 0;
  for (const wave of ctx.plan.waves) {
    const mergedAt = merged.get(wave.name);
    for (const station of wave.stations) {
      const tracker = ctx.recorder.trackers.get(station);
      if (!tracker) continue;
      const treeOf = (commit: string) => branches.commits.get(commit)?.placementTree ?? null;
      const before = tracker.runAt(sinceMs);
      const base = before && before.appliedAt < sinceMs ? treeOf(before.commit) : null;
      const first = tracker.runs.find((r) => r.appliedAt >= sinceMs && treeOf(r.commit) !== base);
      if (!first) continue;
      counted++;
      if (mergedAt === undefined) unmerged.add(wave.name);
      else if (first.appliedAt < mergedAt) early.push(`${station} (wave ${wave.name}) applied it ${Math.round(mergedAt - first.appliedAt)} ms before the wave's pull request was merged`);
    }
  }
  const problems = [...early, ...[...unmerged].map((w) => `wave ${w} got the change without a merged pull request`)];
  return {
    name: 'the change went wave by wave, each wave after its pull request was merged',
    ok: problems.length === 0 && counted > 0,
    detail:
      problems.length > 0
        ? problems.slice(0, 5).join('; ')
        : counted === 0
          ? 'no station applied the change'
          : `${counted} station(s) applied the change, each after its wave's pull request (${[...merged.keys()].join(' → ')}) was merged`,
  };
}

/** Stations that applied an output of `revision` after `sinceMs` (whatever its health). */
export function stationsThatRan(ctx: ScenarioContext, branches: StationBranches, revision: string, sinceMs: number): string[] {
  return ctx.stations
    .map((s) => s.name)
    .filter((station) => ctx.recorder.trackers.get(station)?.runs.some((r) => r.appliedAt >= sinceMs && branches.commits.get(r.commit)?.revision === revision));
}

/** Formats a list of numbers of milliseconds as `p50 … s, max … s`. */
export function spread(values: readonly number[]): string {
  if (values.length === 0) return 'no data';
  const sorted = [...values].sort((a, b) => a - b);
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return `p50 ${s(sorted[Math.ceil(sorted.length / 2) - 1]!)}, max ${s(sorted[sorted.length - 1]!)}`;
}
