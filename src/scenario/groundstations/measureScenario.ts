/**
 * Turns what a scenario did into its `ScenarioResult`: per station what it runs at the end and since when, what
 * its link carried, how old its last report is; the percentiles over the fleet; the timeline slice; and the
 * consistency checks every scenario must pass:
 *
 * - **consistency**: every station runs its branch head (healthy), or the center reports it offline;
 * - **bytes**: what a station fetched per change is on the order of the change, not of its branch (the first
 *   scenario's change is the whole branch: there, a station fetches it once and no more).
 *
 * Times in the result are milliseconds since the scenario started; revisions are named by spec commit as
 * stationBranches.ts defines them (by content, so a rolled-back station is on the revision it went back to).
 */
import { readReports } from '../../status/readReports.js';
import type { ScenarioResult, StationResult, TimelineEvent } from '../scenarioData.js';
import type { ScenarioContext, Check, ScenarioOutcome } from './scenarioContext.js';
import { percentiles } from './percentiles.js';
import { freshCloneBytes, readStationBranches, type StationBranches } from './stationBranches.js';
import type { AppliedRun, StationTracker } from './stationTracker.js';

/** Measures `outcome` (its window and change) over the whole fleet. */
export async function measureScenario(ctx: ScenarioContext, outcome: ScenarioOutcome): Promise<ScenarioResult> {
  const { startMs, endMs } = outcome;
  const change = outcome.pushes[0];
  const names = ctx.stations.map((s) => s.name);
  const branches = await readStationBranches(ctx.env.bare, names, ctx.plan.placement);
  const reports = await readReports(ctx.env.bare);
  const branchBytes = await medianBranchBytes(ctx, names);
  const changeAt = change?.pushedAtMs ?? startMs;

  const stations: StationResult[] = ctx.stations.map((station) => {
    const tracker = ctx.recorder.trackers.get(station.name)!;
    const head = branches.head(station.name);
    const current = tracker.current();
    const fetched = tracker.fetches.filter((f) => f.at >= startMs && f.at <= endMs && f.brought);
    const observed = reports.reports.get(station.name)?.status.observedAt;
    const wave = ctx.plan.waveOf.get(station.name);
    return {
      name: station.name,
      region: station.region,
      linkClass: station.linkClass,
      ...(wave ? { wave } : {}),
      runningSourceCommit: current ? revisionOf(branches, current) : null,
      reachedAfterMs: head ? reachedAfter(tracker, branches, head.digest, changeAt, endMs) : null,
      bytesFetched: fetched.reduce((sum, f) => sum + f.bytes, 0),
      fetches: fetched.length,
      offline: ctx.env.reportedOffline(station.name),
      reportAgeMs: observed ? Math.max(0, endMs - Date.parse(observed)) : null,
      history: history(tracker, branches, startMs, endMs),
    };
  });

  const reachedTimes = stations.flatMap((s) => (s.reachedAfterMs === null ? [] : [s.reachedAfterMs]));
  const ages = stations.flatMap((s) => (s.reportAgeMs === null ? [] : [s.reportAgeMs]));
  const timeline = timelineOf(ctx, outcome, stations, changeAt);
  const finalSourceCommit = mostCommon(names.flatMap((n) => (branches.head(n) ? [branches.head(n)!.revision] : [])));
  const checks = [consistencyCheck(ctx, branches, stations), bytesCheck(outcome, stations, branchBytes, ctx, startMs, endMs), ...outcome.checks];
  return {
    name: outcome.name,
    title: outcome.title,
    description: outcome.description,
    startedAt: new Date(startMs).toISOString(),
    durationMs: endMs - startMs,
    finalSourceCommit: finalSourceCommit ?? '',
    pushes: outcome.pushes.map((p) => ({ at: p.pushedAtMs - startMs, commit: p.commit, message: p.message })),
    latency: { ...percentiles(reachedTimes), reached: reachedTimes.length, offline: stations.filter((s) => s.offline).length, total: stations.length },
    bytes: { ...percentiles(stations.map((s) => s.bytesFetched)), total: stations.reduce((sum, s) => sum + s.bytesFetched, 0), branchBytes },
    staleness: percentiles(ages),
    stations,
    timeline,
    checks,
  };
}

/** The revision a run carries (its output commit's, by content), or its trailer's spec commit when unpublished. */
export function revisionOf(branches: StationBranches, run: AppliedRun): string | null {
  return branches.commits.get(run.commit)?.revision ?? run.sourceCommit;
}

/**
 * When, after `changeAt`, the station came to run content `digest` for good: healthy on the first output with
 * that content after the last output without it. 0 when it ran it all along; null when it does not run it now.
 */
function reachedAfter(tracker: StationTracker, branches: StationBranches, digest: string, changeAt: number, endMs: number): number | null {
  const digestOf = (run: AppliedRun) => branches.commits.get(run.commit)?.digest;
  const runs = tracker.runs.filter((r) => r.appliedAt <= endMs);
  const last = runs.at(-1);
  if (!last || digestOf(last) !== digest) return null;
  let from = runs.length - 1;
  while (from > 0 && digestOf(runs[from - 1]!) === digest) from--;
  const first = runs[from]!;
  // Healthy on this content before the change was pushed: the change did not touch the station.
  if (first.appliedAt <= changeAt && first.healthyAt !== null && first.healthyAt <= changeAt) return 0;
  const healthy = runs.slice(from).find((r) => r.healthyAt !== null);
  return healthy ? Math.max(0, healthy.healthyAt! - changeAt) : null;
}

/**
 * The revisions the station ran during the window, in order, starting with the one it ran when the window opened:
 * each from when it became healthy there or, for one that never did (a bad revision), from when it was applied.
 * Consecutive outputs of one revision are one entry.
 */
function history(tracker: StationTracker, branches: StationBranches, startMs: number, endMs: number): StationResult['history'] {
  const entries: StationResult['history'] = [];
  const atStart = tracker.runAt(startMs);
  const runs = [...(atStart && atStart.appliedAt < startMs ? [atStart] : []), ...tracker.runs.filter((r) => r.appliedAt >= startMs && r.appliedAt <= endMs)];
  for (const run of runs) {
    const revision = revisionOf(branches, run);
    if (!revision || entries.at(-1)?.sourceCommit === revision) continue;
    const at = (run.healthyAt !== null && run.healthyAt <= endMs ? run.healthyAt : run.appliedAt) - startMs;
    entries.push({ at: Math.max(at, entries.at(-1)?.at ?? 0, 0), sourceCommit: revision });
  }
  return entries;
}

function timelineOf(ctx: ScenarioContext, outcome: ScenarioOutcome, stations: readonly StationResult[], changeAt: number): TimelineEvent[] {
  const { startMs, endMs } = outcome;
  const events: TimelineEvent[] = ctx.recorder.events
    .filter((e) => e.atMs >= startMs && e.atMs <= endMs)
    .map(({ atMs, ...event }) => ({ ...event, at: atMs - startMs }));
  for (const station of stations) {
    if (station.reachedAfterMs === null || station.reachedAfterMs === 0) continue;
    events.push({
      at: changeAt + station.reachedAfterMs - startMs,
      kind: 'station-running',
      detail: `${station.name} runs ${station.runningSourceCommit?.slice(0, 12) ?? 'it'}`,
      station: station.name,
      region: station.region,
      ...(station.wave ? { wave: station.wave } : {}),
    });
  }
  return events.sort((a, b) => a.at - b.at);
}

/** Every station runs its branch head, healthy, or the center reports it offline. */
function consistencyCheck(ctx: ScenarioContext, branches: StationBranches, stations: readonly StationResult[]): Check {
  const problems: string[] = [];
  let offline = 0;
  for (const station of stations) {
    const head = branches.head(station.name);
    const run = ctx.recorder.trackers.get(station.name)!.current();
    const onHead = head !== undefined && run !== undefined && branches.commits.get(run.commit)?.digest === head.digest && run.healthyAt !== null;
    if (onHead) continue;
    if (station.offline) {
      offline++;
      continue;
    }
    problems.push(`${station.name} ${run ? `runs ${run.commit.slice(0, 12)}${run.healthyAt === null ? ' (not healthy)' : ''}` : 'runs nothing'}, its branch is at ${head?.commit.slice(0, 12) ?? 'nothing'}`);
  }
  return {
    name: 'every station runs its final revision or is reported offline',
    ok: problems.length === 0,
    detail:
      problems.length === 0
        ? `${stations.length - offline} station(s) run their branch head, healthy; ${offline} reported offline by the center`
        : `${problems.length} station(s) neither run their branch head nor are reported offline: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}`,
  };
}

/**
 * Bytes per change: a station's fetches that brought new output, divided by how many did; every change after the
 * first must cost under a third of a fresh clone of the branch (p90). The first scenario's change is the whole
 * branch: a fresh station must fetch it once and no more, so there all its fetches together stay ≤ 1.5× a fresh
 * clone (the margin: two fetches' ref listings and framing, and two packs delta less well than one).
 */
function bytesCheck(outcome: ScenarioOutcome, stations: readonly StationResult[], branchBytes: number, ctx: ScenarioContext, startMs: number, endMs: number): Check {
  const fresh = outcome.name === 'initial';
  const perChange = stations.filter((s) => s.fetches > 0).map((s) => (fresh ? s.bytesFetched : s.bytesFetched / s.fetches));
  const p90 = percentiles(perChange).p90;
  const polls = [...ctx.recorder.trackers.values()].flatMap((t) => t.fetches.filter((f) => f.ok && !f.brought && f.at >= startMs && f.at <= endMs));
  const pollCost = polls.length > 0 ? Math.round(polls.reduce((sum, f) => sum + f.bytes, 0) / polls.length) : 0;
  const limit = fresh ? branchBytes * 1.5 : branchBytes / CHANGE_SHARE;
  const ok = p90 === null || p90 <= limit;
  const what = fresh ? 'a fresh station fetches its branch once: bytes per station ≤ 1.5 × a fresh clone of its branch' : `bytes fetched per station per change ≪ branch bytes (p90 < 1/${CHANGE_SHARE})`;
  return {
    name: what,
    ok: ok && branchBytes > 0,
    detail:
      `p90 ${p90 === null ? 'n/a (no station fetched a change)' : `${Math.round(p90)} B`} ${fresh ? 'per station' : 'per change'} over ${perChange.length} station(s); fresh clone of a branch ${branchBytes} B (limit ${Math.round(limit)} B). ` +
      `Besides, ${polls.length} poll(s) that found nothing new cost ${pollCost} B each (the branch's ref listing); report pushes are not fetches and are not counted.`,
  };
}

/**
 * A change's fetch costs its thin pack (about 0.9 KB for a new telemetry image, more for a station whose branch
 * moved twice between two of its polls) plus protocol: the ref listing every poll pays (~230 B) and the
 * negotiation, short since the edge offers only its branch's history (`--negotiation-tip`; offering the agent's
 * report commits too cost ~700 B more). Against a station branch of ~8 KB that is about a quarter, so the bound
 * is a third: a fetch of the whole branch would still be three times over it.
 */
const CHANGE_SHARE = 3;

/** The median bytes of a fresh clone of a few station branches spread over the fleet. */
async function medianBranchBytes(ctx: ScenarioContext, stations: readonly string[]): Promise<number> {
  const step = Math.max(1, Math.floor(stations.length / 5));
  const sample = stations.filter((_, i) => i % step === 0).slice(0, 5);
  const sizes: number[] = [];
  for (const station of sample) sizes.push(await freshCloneBytes(ctx.env.server, ctx.env.repoUrl, station, ctx.env.options.workDir).catch(() => 0));
  return percentiles(sizes.filter((s) => s > 0)).p50 ?? 0;
}

function mostCommon(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
}
