/**
 * `bad-change`: a telemetry image the simulated registry does not have. The first canary batch applies it, its
 * Deployments never become ready and turn Degraded; the rollout fails (`onFailure: rollback`) and the released
 * canaries get the previous revision's output back, while no later station is ever given the bad one. Then the
 * operator reverts the spec, so main describes what runs again; its reconcile changes no station.
 */
import { waitUntil } from './deadline.js';
import { telemetryImageChange, telemetryTag } from './fleetSpec.js';
import { MERGE_AT_ONCE } from './reviewer.js';
import { stationsThatRan } from './rolloutChecks.js';
import { branchHeads, waitForFleet, waitForRollout, waitCheck, type Check, type ScenarioContext, type ScenarioOutcome } from './scenarioContext.js';
import { readStationBranches } from './stationBranches.js';

/** Runs the bad-change scenario and the revert after it. */
export async function badChangeScenario(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const startMs = Date.now();
  ctx.reviewer.policy = MERGE_AT_ONCE;
  const names = ctx.stations.map((s) => s.name);
  const before = await readStationBranches(ctx.env.bare, names, ctx.plan.placement);
  const previous = before.head(names[0]!)?.revision ?? '';
  const good = telemetryTag(ctx.files);
  const push = await ctx.push(telemetryImageChange(ctx.files, ctx.badTag), `telemetry ${good} → ${ctx.badTag}`);
  const checks: Check[] = [];

  const rolledBack = await waitForRollout(ctx, push.commit, ['RolledBack'], ctx.deadlines.rolloutMs);
  checks.push(
    waitCheck('the rollout failed and rolled back', rolledBack, rolledBack.ok ? `${(rolledBack.waitedMs / 1000).toFixed(1)} s after the push: ${rolledBack.value.message}` : ''),
  );
  const settled = await waitForFleet(ctx, names, 'every station to run its (rolled-back) branch, healthy', { timeoutMs: ctx.deadlines.settleMs });
  checks.push(waitCheck('every station runs its branch again, healthy', settled, 'all stations run their branch head'));

  const branches = await readStationBranches(ctx.env.bare, names, ctx.plan.placement);
  const canary = new Set(ctx.plan.waves[0]?.stations ?? []);
  const ranBad = stationsThatRan(ctx, branches, push.commit, startMs);
  const outside = ranBad.filter((s) => !canary.has(s));
  checks.push({
    name: 'no station outside the canary wave ever ran the bad revision',
    ok: outside.length === 0 && ranBad.length > 0,
    detail:
      ranBad.length === 0
        ? 'no station ran the bad revision: the scenario did not test a rollback'
        : outside.length > 0
          ? `ran it outside the canary wave: ${outside.join(', ')}`
          : `only ${ranBad.length} canary station(s) ran it: ${ranBad.join(', ')}`,
  });
  const notBack = ranBad.filter((station) => {
    const revisions = ctx.recorder.trackers.get(station)!.runs.filter((r) => r.appliedAt >= startMs).map((r) => branches.commits.get(r.commit)?.revision);
    const bad = revisions.indexOf(push.commit);
    return bad < 0 || !revisions.slice(bad + 1).includes(previous) || revisions.at(-1) !== previous;
  });
  checks.push({
    name: "every canary station that ran the bad revision went back to the previous one",
    ok: notBack.length === 0 && ranBad.length > 0,
    detail: notBack.length === 0 ? `${ranBad.length} station(s): ${push.commit.slice(0, 12)} (bad) → ${previous.slice(0, 12)} (previous)` : `not back: ${notBack.join(', ')}`,
  });
  const elsewhere = names.filter((station) => {
    const run = ctx.recorder.trackers.get(station)!.current();
    return !run || branches.commits.get(run.commit)?.revision !== previous || branches.head(station)?.revision !== previous;
  });
  checks.push({
    name: 'every station runs the previous revision',
    ok: elsewhere.length === 0,
    detail: elsewhere.length === 0 ? `all ${names.length} station(s) run ${previous.slice(0, 12)} (telemetry ${good})` : `not on the previous revision: ${elsewhere.slice(0, 5).join(', ')}`,
  });

  // The operator reverts, so main describes what runs again. Every station runs that content already, so the
  // revert's reconcile gives no station a new commit (its own rollout then only walks the waves: not waited for).
  const heads = await branchHeads(ctx);
  const revert = await ctx.push(telemetryImageChange(ctx.files, good), `revert telemetry ${ctx.badTag} → ${good}`);
  const reconciled = await waitUntil(`a reconcile of the revert ${revert.commit.slice(0, 12)}`, () => ctx.recorder.reconciles.find((r) => r.atMs >= revert.pushedAtMs && r.specCommit === revert.commit), {
    timeoutMs: ctx.deadlines.settleMs,
  });
  const after = await branchHeads(ctx);
  const moved = names.filter((n) => after.get(n) !== heads.get(n));
  checks.push({
    name: 'the revert changed no station (they all ran it already)',
    ok: reconciled.ok && moved.length === 0,
    detail: !reconciled.ok ? reconciled.detail : moved.length === 0 ? `reconciled ${(reconciled.waitedMs / 1000).toFixed(1)} s after the push; no station branch moved` : `branches moved: ${moved.slice(0, 5).join(', ')}`,
  });
  const endMs = Date.now();
  return {
    name: 'bad-change',
    title: 'A bad change, rolled back',
    description:
      `Telemetry ${good} → ${ctx.badTag}, an image the registry does not have. The first canary batch degrades, the rollout rolls back ` +
      `(onFailure: rollback) and the canaries get ${good} back; then the operator reverts the spec. Latency is push → running ${good} again ` +
      '(0 for stations that never left it).',
    startMs,
    endMs,
    pushes: [push, revert],
    checks,
  };
}
