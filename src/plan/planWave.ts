import type { Spec } from '../load/spec.js';
import type { OutputTarget } from '../publish/outputTarget.js';
import { ProblemList } from '../errors/problem.js';
import { readPublishedState, type PublishedState } from '../publish/publishedState.js';
import type { RolloutPlan } from '../reconcile/planRollouts.js';
import { prepareFleet, renderHeldEverywhere, type RenderFleetOptions } from '../reconcile/renderFleet.js';
import type { LocationTree } from '../render/locationTree.js';
import { planLocations, type LocationPlan } from './planLocations.js';

/** What releasing a wave changes, at the locations shown, and how many were left out. */
export interface WavePlan {
  /** The locations shown that change, in the order asked for. */
  locations: LocationPlan[];
  /** The locations shown that releasing would not change (they run the new revision already). */
  unchanged: string[];
  /** Locations of the wave not rendered (past the limit). */
  notShown: number;
}

/**
 * What a placement's release changes at `locations` (the first `limit` of them): each rendered as the
 * reconcile just published it, except that `placement` is released there; compared with what is published now.
 * The same renders and diff as `edgeplane plan`. Call after publishing, so the only difference is the release.
 */
export async function planWave(context: {
  spec: Spec;
  target: OutputTarget;
  rollouts: Pick<RolloutPlan, 'held' | 'plans'>;
  placement: string;
  locations: readonly string[];
  limit: number;
}): Promise<WavePlan> {
  const { spec, target, rollouts, placement } = context;
  const shown = context.locations.slice(0, context.limit);
  const wanted = new Set(shown);
  const published = await readPublishedState(target);
  const fleet = prepareFleet(spec, published, (location) => wanted.has(location));
  const planned = await planLocations(fleet, target, published, releasing(rollouts, placement));
  const byName = new Map(planned.locations.map((plan) => [plan.location, plan]));
  return {
    locations: shown.flatMap((location) => byName.get(location) ?? []),
    unchanged: shown.filter((location) => !byName.has(location)),
    notShown: context.locations.length - shown.length,
  };
}

/**
 * The trees of `locations` with `placement` released there and every other hold of this reconcile kept: what
 * those locations get when the wave is released (folder mode's review branch carries them).
 */
export async function renderRelease(context: {
  spec: Spec;
  target: OutputTarget;
  rollouts: Pick<RolloutPlan, 'held' | 'plans'>;
  placement: string;
  locations: readonly string[];
}): Promise<{ trees: LocationTree[]; published: PublishedState }> {
  const { spec, target } = context;
  const wanted = new Set(context.locations);
  const published = await readPublishedState(target);
  const fleet = prepareFleet(spec, published, (location) => wanted.has(location));
  const trees: LocationTree[] = [];
  await renderHeldEverywhere(
    fleet,
    target,
    published,
    new ProblemList(),
    () => {
      trees.length = 0;
      return ({ tree }) => void trees.push(tree);
    },
    releasing(context.rollouts, context.placement),
  );
  return { trees, published };
}

/** This reconcile's holds, less `placement`'s. */
function releasing(rollouts: Pick<RolloutPlan, 'held' | 'plans'>, placement: string): Pick<RenderFleetOptions, 'heldAt' | 'plansAt'> {
  return {
    heldAt: (location) => {
      const held = new Set(rollouts.held.get(location));
      held.delete(placement);
      return held;
    },
    plansAt: (location) => rollouts.plans.get(location),
  };
}
