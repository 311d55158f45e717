/**
 * `initial`: the spec's first push. Every station gets its branch at once (antenna configuration, pass
 * scheduler); telemetry, which has a rollout, reaches it wave by wave: the reconcile opens a pull request per
 * wave and the script merges each as it appears, as a release manager approving the fleet's first rollout would.
 */
import { waitForFleet, waitForRollout, waitCheck, type ScenarioContext, type ScenarioOutcome } from './scenarioContext.js';
import { MERGE_AT_ONCE } from './reviewer.js';
import { waveOrderCheck } from './rolloutChecks.js';
import { readStationBranches } from './stationBranches.js';
import { telemetryTag } from './fleetSpec.js';

/** Runs the initial rollout. `ctx.files` is the whole spec; nothing is pushed yet. */
export async function initialScenario(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const startMs = Date.now();
  ctx.reviewer.policy = MERGE_AT_ONCE;
  const tag = telemetryTag(ctx.files);
  const push = await ctx.push(ctx.files, `ground-station fleet: ${ctx.stations.length} stations, telemetry ${tag}`);
  const rollout = await waitForRollout(ctx, push.commit, ['Completed'], ctx.deadlines.rolloutMs);
  const names = ctx.stations.map((s) => s.name);
  const fleet = await waitForFleet(ctx, names, 'every station to run its branch, healthy', { timeoutMs: ctx.deadlines.settleMs });
  const branches = await readStationBranches(ctx.env.bare, names, ctx.plan.placement);
  const endMs = Date.now();
  return {
    name: 'initial',
    title: 'Initial rollout',
    description:
      `The spec's first push: ${ctx.stations.length} stations get their branches; antenna configuration and the pass scheduler go everywhere at once, ` +
      `telemetry ${tag} goes wave by wave (${ctx.plan.waves.map((w) => w.name).join(' → ')}), each wave's pull request merged by the script as it appears.`,
    startMs,
    endMs,
    pushes: [push],
    checks: [
      waitCheck('the telemetry rollout completed', rollout, `completed ${((rollout.waitedMs) / 1000).toFixed(1)} s after the push`),
      waitCheck('every station runs its branch, healthy', fleet, 'all stations run their branch head'),
      waveOrderCheck(ctx, branches, startMs),
    ],
  };
}
