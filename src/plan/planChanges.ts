import type { Problem } from '../errors/problem.js';
import type { Spec } from '../load/spec.js';
import { fetchRolloutRefs, readRolloutRecords } from '../publish/rolloutRecords.js';
import { readPublishedState } from '../publish/publishedState.js';
import { loadSpec, type SpecSource } from '../reconcile/loadSpec.js';
import { openOutput, type OutputOverrides } from '../reconcile/openOutput.js';
import { planRollouts, type RolloutPlan } from '../reconcile/planRollouts.js';
import { prepareFleet } from '../reconcile/renderFleet.js';
import type { RolloutPhase } from '../rollout/rolloutRecord.js';
import { soakProgress } from '../rollout/soak.js';
import { judgeRolloutLocations } from '../status/judgeRolloutLocations.js';
import { formatLocationPlans, nameList } from './formatLocationPlans.js';
import { planLocations, type LocationPlan } from './planLocations.js';

export { describeObjectFile } from './formatLocationPlans.js';
export type { LocationPlan } from './planLocations.js';

/** Where a placement's rollout stands, and what the reconcile this plan previews would do with it. */
export interface RolloutPreview {
  placement: string;
  /** The record on `edgeplane-rollouts` now; absent when the reconcile would start this rollout. */
  recorded?: RolloutPosition | undefined;
  /** The record after the reconcile. */
  next: RolloutPosition;
  waves: number;
  /** Locations the reconcile gives the new revision (their batch is released by it). */
  releasedNow: string[];
  /** Locations on the new revision after it, those of `releasedNow` included. */
  released: number;
  /** Locations the rollout holds at what they run now. */
  held: string[];
}

/** One reading of a rollout record, as plans show it. */
export interface RolloutPosition {
  phase: RolloutPhase;
  /** 0-based, as in the record. */
  wave: number;
  waveName: string;
  batch: number;
  batchReleased: boolean;
  revision: string;
  message: string;
  /** Where a soaking batch stands at the plan's `now` (worked out, never recorded). */
  soak?: { elapsed: string; soak: string; left: string; over: boolean };
}

/** What a spec commit would change at each location, and where its rollouts stand. */
export interface Plan {
  specCommit: string;
  locations: LocationPlan[];
  unchanged: number;
  problems: Problem[];
  /** Every placement with `spec.rollout`, by name. */
  rollouts: RolloutPreview[];
}

/**
 * Renders a spec commit as the next reconcile would (its rollouts decided as far as their gates allow now,
 * from the records on `edgeplane-rollouts` and the location reports) and compares it with what is published,
 * without writing anything. The forge is not asked: a wave whose pull request was merged since the last
 * reconcile still shows as waiting.
 */
export async function planChanges(source: SpecSource, output?: OutputOverrides, now: Date = new Date()): Promise<Plan> {
  const { spec, gitdir } = await loadSpec(source);
  const target = await openOutput(spec.settings, source, gitdir, output);
  const published = await readPublishedState(target);
  const fleet = prepareFleet(spec, published);
  let rollouts: RolloutPlan | undefined;
  if (spec.placements.some((p) => p.value.spec.rollout)) {
    await fetchRolloutRefs(target, spec.settings.reportBranchPrefix);
    const { records } = await readRolloutRecords(target.gitdir);
    rollouts = await planRollouts({
      spec,
      specGitdir: gitdir,
      plans: fleet.plans,
      scopes: fleet.scopes,
      records,
      judge: () => judgeRolloutLocations({ target, settings: spec.settings, published, now }),
      now,
    });
  }
  const planned = await planLocations(fleet, target, published, rollouts ? { heldAt: (l) => rollouts.held.get(l), plansAt: (l) => rollouts.plans.get(l) } : {});
  return { specCommit: spec.commit, ...planned, rollouts: rollouts ? previews(rollouts, spec, now) : [] };
}

function previews(plan: RolloutPlan, spec: Spec, now: Date): RolloutPreview[] {
  return [...plan.rollouts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([placement, planned]) => {
      const rolloutSpec = spec.placements.find((p) => p.value.metadata.name === placement)?.value.spec.rollout;
      const soak = (r: typeof planned.record) => (rolloutSpec ? soakProgress(r, rolloutSpec, now) : undefined);
      const position = (r: typeof planned.record): RolloutPosition => ({
        phase: r.phase,
        wave: r.wave,
        waveName: planned.waves[r.wave]?.name ?? '',
        batch: r.batch,
        batchReleased: r.batchReleased,
        revision: r.revision,
        message: r.message,
        ...(soak(r) ? { soak: soak(r)! } : {}),
      });
      const all = planned.batches.flat(2);
      return {
        placement,
        ...(planned.before && planned.before.revision === planned.record.revision ? { recorded: position(planned.before) } : {}),
        next: position(planned.record),
        waves: planned.waves.length,
        releasedNow: all.filter((l) => planned.released.has(l) && !planned.releasedBefore.has(l)),
        released: planned.released.size,
        held: all.filter((l) => !planned.released.has(l)),
      };
    });
}

/** The plan as markdown a reviewer can paste into a pull request. */
export function formatPlanMarkdown(plan: Plan): string {
  const lines = [`## edgeplane plan for \`${plan.specCommit.slice(0, 12)}\``, ''];
  if (plan.locations.length === 0) lines.push(`No location changes (${plan.unchanged} unchanged).`);
  else lines.push(`${plan.locations.length} location(s) change, ${plan.unchanged} unchanged.`);
  if (plan.rollouts.length > 0) lines.push(...formatRollouts(plan.rollouts));
  lines.push(...formatLocationPlans(plan.locations, { heading: '###' }));
  if (plan.problems.length > 0) lines.push('', `**${plan.problems.length} problem(s)**: their placements keep their last good output.`);
  return lines.join('\n') + '\n';
}

function formatRollouts(rollouts: readonly RolloutPreview[]): string[] {
  const lines = ['', '### Rollouts'];
  const where = (p: RolloutPosition, waves: number) =>
    p.wave >= waves ? `${p.phase}, every wave passed` : `${p.phase}, wave ${p.wave + 1}/${waves} \`${p.waveName}\`, batch ${p.batch + 1}${p.batchReleased ? ' (released)' : ''}`;
  for (const r of rollouts) {
    lines.push('', `#### \`${r.placement}\`: ${where(r.next, r.waves)}`, '');
    lines.push(`- recorded on \`edgeplane-rollouts\`: ${r.recorded ? `${where(r.recorded, r.waves)}: ${r.recorded.message}` : `nothing for revision \`${r.next.revision.slice(0, 12)}\`: this reconcile starts its rollout`}`);
    const soak = r.next.soak;
    lines.push(`- after this reconcile: ${r.next.message}${soak ? ` (${soak.elapsed} of ${soak.soak}, ${soak.over ? 'over' : `${soak.left} left`})` : ''}`);
    lines.push(`- gets the new revision in this reconcile (${r.releasedNow.length}): ${r.releasedNow.length > 0 ? nameList(r.releasedNow) : 'none'}`);
    lines.push(`- on the new revision after it: ${r.released}; held by the rollout at what they run (${r.held.length}): ${r.held.length > 0 ? nameList(r.held) : 'none'}`);
  }
  return lines;
}
