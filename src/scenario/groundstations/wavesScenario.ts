/**
 * `waves`: a new telemetry image rolled out in reviewed waves. The script approves each wave's pull request only
 * after it read, in the status summary the center commits (`edgeplane-status`), that every station of the earlier
 * waves runs the new revision healthy (or is reported offline) — the check a release manager makes before pressing
 * merge.
 */
import type { ReviewDecision, ReviewedPull } from './reviewer.js';
import { waitForFleet, waitForRollout, waitCheck, type Check, type ScenarioContext, type ScenarioOutcome } from './scenarioContext.js';
import { telemetryImageChange, telemetryTag } from './fleetSpec.js';
import { waveOrderCheck } from './rolloutChecks.js';
import { readStationBranches } from './stationBranches.js';

/** Runs the reviewed-waves scenario: telemetry moves to the next good tag. */
export async function wavesScenario(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const startMs = Date.now();
  const from = telemetryTag(ctx.files);
  const to = ctx.goodTags.shift()!;
  const approvals = new Map<string, string>();
  let commit = '';
  ctx.reviewer.policy = (pull) => reviewWave(ctx, pull, commit, approvals);
  const push = await ctx.push(telemetryImageChange(ctx.files, to), `telemetry ${from} → ${to}`);
  commit = push.commit;
  const rollout = await waitForRollout(ctx, push.commit, ['Completed'], ctx.deadlines.rolloutMs);
  const names = ctx.stations.map((s) => s.name);
  const fleet = await waitForFleet(ctx, names, `every station to run telemetry ${to}, healthy`, { timeoutMs: ctx.deadlines.settleMs });
  const branches = await readStationBranches(ctx.env.bare, names, ctx.plan.placement);
  const endMs = Date.now();
  const reviewed: Check = {
    name: 'the script approved each wave only after the earlier waves were healthy',
    ok: approvals.size === ctx.plan.waves.length,
    detail: `${approvals.size} of ${ctx.plan.waves.length} waves approved: ${[...approvals].map(([wave, note]) => `${wave}: ${note}`).join('; ') || 'none'}`,
  };
  return {
    name: 'waves',
    title: 'A change in reviewed waves',
    description:
      `Telemetry ${from} → ${to}. Each wave (${ctx.plan.waves.map((w) => w.name).join(' → ')}) waits for its pull request; the script merges it only after ` +
      'the status summary the center commits shows every station of the earlier waves healthy on the new revision.',
    startMs,
    endMs,
    pushes: [push],
    checks: [
      waitCheck('the telemetry rollout completed', rollout, `completed ${(rollout.waitedMs / 1000).toFixed(1)} s after the push`),
      waitCheck(`every station runs telemetry ${to}, healthy`, fleet, 'all stations run their branch head'),
      waveOrderCheck(ctx, branches, startMs),
      reviewed,
    ],
  };
}

/**
 * The release manager's rule: the first wave is approved at once; a later wave once the center's latest summary
 * (of the pushed commit) shows every station of the earlier waves healthy on the placement's published revision,
 * or stale. Records each approval with what it saw.
 */
function reviewWave(ctx: ScenarioContext, pull: ReviewedPull, commit: string, approvals: Map<string, string>): ReviewDecision {
  const index = ctx.plan.waves.findIndex((w) => w.name === pull.wave);
  if (index <= 0) {
    approvals.set(pull.wave, 'the first wave, approved at once');
    return { merge: true, note: 'the first wave needs no earlier one' };
  }
  const seen = ctx.env.summary;
  const placement = seen?.summary.placements.find((p) => p.metadata.name === ctx.plan.placement);
  if (!seen || !placement || seen.summary.specCommit !== commit) return { merge: false, why: 'no status summary of the pushed commit yet' };
  const earlier = new Set(ctx.plan.waves.slice(0, index).flatMap((w) => w.stations));
  const states = placement.status.locationStatuses.filter((l) => earlier.has(l.name));
  const notYet = states.filter((l) => l.state !== 'healthy' && l.state !== 'stale');
  if (states.length < earlier.size || notYet.length > 0) {
    return { merge: false, why: `earlier waves not healthy yet: ${notYet.slice(0, 4).map((l) => `${l.name} ${l.state}`).join(', ') || 'stations missing from the summary'}` };
  }
  const healthy = states.filter((l) => l.state === 'healthy').length;
  const note = `${healthy} of ${earlier.size} station(s) of the earlier waves healthy${healthy < earlier.size ? `, ${earlier.size - healthy} stale` : ''} in the summary of ${new Date(seen.at).toISOString()}`;
  approvals.set(pull.wave, note);
  return { merge: true, note };
}
