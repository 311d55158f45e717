/**
 * `region-dark`: a change rolls out, and once its first wave is released one whole region's links go down. The
 * dark stations can neither fetch nor report; after `status.staleAfter` the center reports them offline (stale),
 * which the rollout's `advanceWhen` tolerates, so the rollout goes on without them. The scenario measures when
 * every station either runs the change or is reported offline, then restores the region and measures how fast
 * its stations catch up.
 */
import { waitUntil } from './deadline.js';
import { telemetryImageChange, telemetryTag } from './fleetSpec.js';
import { MERGE_AT_ONCE } from './reviewer.js';
import { spread } from './rolloutChecks.js';
import { waitForFleet, waitForRollout, waitCheck, type Check, type ScenarioContext, type ScenarioOutcome } from './scenarioContext.js';

/** How long after `staleAfter` the center may take to call a silent station offline (a reconcile or two). */
const STALE_MARGIN_MS = 30_000;

/** Runs the dark-region scenario: telemetry moves to the next good tag while one region is cut off. */
export async function regionDarkScenario(ctx: ScenarioContext, staleAfterMs: number): Promise<ScenarioOutcome> {
  const startMs = Date.now();
  ctx.reviewer.policy = MERGE_AT_ONCE;
  const region = darkRegion(ctx);
  const dark = ctx.stations.filter((s) => s.region === region).map((s) => s.name);
  const from = telemetryTag(ctx.files);
  const to = ctx.goodTags.shift()!;
  const push = await ctx.push(telemetryImageChange(ctx.files, to), `telemetry ${from} → ${to}`);
  const checks: Check[] = [];

  const released = await waitUntil(
    'the first batch of the first wave to be released',
    () => {
      const record = ctx.recorder.records.get(ctx.plan.placement);
      return record && record.sourceCommit === push.commit && (record.batchReleased || record.wave > 0 || record.phase !== 'Progressing') ? record : undefined;
    },
    { timeoutMs: ctx.deadlines.rolloutMs },
  );
  checks.push(waitCheck('the first wave was released', released, `released ${(released.waitedMs / 1000).toFixed(1)} s after the push`));
  ctx.env.darkRegions.add(region);
  const darkAt = Date.now();
  ctx.recorder.add('region-dark', `every link of ${region} is down (${dark.length} stations)`, { region, atMs: darkAt });
  ctx.log(`  region ${region} is dark (${dark.length} stations)`);

  const rollout = await waitForRollout(ctx, push.commit, ['Completed'], ctx.deadlines.rolloutMs + staleAfterMs + STALE_MARGIN_MS);
  checks.push(waitCheck('the rollout went on and completed while the region was dark', rollout, `completed ${((Date.now() - darkAt) / 1000).toFixed(1)} s after the region went dark`));
  const names = ctx.stations.map((s) => s.name);
  const settled = await waitForFleet(ctx, names, 'every station to run the change or be reported offline', { timeoutMs: staleAfterMs + STALE_MARGIN_MS, offlineCounts: true });
  const offline = dark.filter((s) => ctx.env.reportedOffline(s));
  checks.push(
    waitCheck(
      'every station ran the change or was reported offline by the center',
      settled,
      settled.ok ? `${((settled.value - push.pushedAtMs) / 1000).toFixed(1)} s after the push; ${offline.length} of ${dark.length} ${region} station(s) reported offline` : '',
    ),
  );
  const outside = names.filter((s) => !dark.includes(s) && ctx.env.reportedOffline(s));
  checks.push({
    name: 'only the dark region was reported offline',
    ok: outside.length === 0,
    detail: outside.length === 0 ? `no station outside ${region} was reported offline` : `also reported offline: ${outside.slice(0, 5).join(', ')}`,
  });

  ctx.env.darkRegions.delete(region);
  const restoredAt = Date.now();
  ctx.recorder.add('region-restored', `${region}'s links are back`, { region, atMs: restoredAt });
  ctx.log(`  region ${region} restored`);
  const caughtUp = await waitForFleet(ctx, dark, `the ${region} stations to catch up`, { timeoutMs: ctx.deadlines.settleMs });
  const catchUp = dark.flatMap((station) => {
    const run = ctx.recorder.trackers.get(station)!.current();
    return run?.healthyAt != null && run.healthyAt >= restoredAt ? [run.healthyAt - restoredAt] : [];
  });
  checks.push(waitCheck(`the ${region} stations caught up after the links came back`, caughtUp, `${dark.length} station(s) run the change: ${catchUp.length} caught up after the restore (${spread(catchUp)}), the rest had it before the region went dark`));
  const endMs = Date.now();
  return {
    name: 'region-dark',
    title: 'A region goes dark mid-rollout',
    description:
      `Telemetry ${from} → ${to}. Once the first wave is released, every link of ${region} (${dark.length} stations) goes down. ` +
      `The center reports them offline after staleAfter, the rollout tolerates stale stations and completes; then ${region} comes back and catches up.`,
    startMs,
    endMs,
    pushes: [push],
    checks,
  };
}

/**
 * The region to darken: preferably the one whose canary is released last in the first wave, so that the first
 * wave itself has to get past a station gone silent; but never one that makes up a whole batch. The rollout's
 * `advanceWhen` wants a healthy station in every batch (evidence that the revision works), so a batch of dark
 * stations only could never pass: with a small fleet, a region can fill a batch.
 */
function darkRegion(ctx: ScenarioContext): string {
  const regionOf = new Map(ctx.stations.map((s) => [s.name, s.region]));
  const lastCanary = ctx.plan.waves[0]?.batches.at(-1)?.[0];
  const preferred = (lastCanary && regionOf.get(lastCanary)) || ctx.stations.at(-1)!.region;
  const regions = [preferred, ...new Set(ctx.stations.map((s) => s.region).filter((r) => r !== preferred))];
  const batches = ctx.plan.waves.flatMap((w) => w.batches);
  return regions.find((region) => batches.every((batch) => batch.some((station) => regionOf.get(station) !== region))) ?? preferred;
}
