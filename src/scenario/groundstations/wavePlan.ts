/**
 * Which wave and batch each station is in for the rolled-out placement, computed by the same code the reconciler
 * plans rollouts with (`wavesAndBatches`), from the spec the scenario pushes: the scenario's checks then compare
 * what happened with what edgeplane was meant to do, not with a second opinion of it.
 */
import { EdgeplaneError } from '../../errors/edgeplaneError.js';
import { formatProblems, ProblemList } from '../../errors/problem.js';
import { parseSpec } from '../../load/parseSpec.js';
import { wavesAndBatches } from '../../reconcile/planRollouts.js';
import { matchesAny } from '../../schedule/labelSelector.js';
import type { WavePlan } from './scenarioContext.js';

/** The placement the scenarios change and watch roll out. */
export const ROLLED_OUT_PLACEMENT = 'telemetry';

/**
 * The waves of `placement` in the spec `files`. Throws INVALID_SPEC with every problem when the spec does not
 * load, and when the placement has no `spec.rollout` (the scenarios are about rollouts).
 */
export function wavePlan(files: Readonly<Record<string, string>>, placement = ROLLED_OUT_PLACEMENT): WavePlan {
  const problems = new ProblemList();
  const spec = parseSpec({ commit: '0'.repeat(40), files: new Map(Object.entries(files)) }, problems);
  if (!problems.empty) throw new EdgeplaneError('INVALID_SPEC', `the ground-station spec does not load:\n${formatProblems(problems.problems)}`, {});
  const found = spec.placements.find((p) => p.value.metadata.name === placement);
  const rollout = found?.value.spec.rollout;
  if (!found || !rollout) {
    throw new EdgeplaneError('INVALID_SPEC', `the ground-station spec has no placement ${placement} with spec.rollout: the scenarios watch its rollout`, { placement });
  }
  const locations = spec.locations.map((l) => l.value).filter((l) => matchesAny(found.value.spec.locationSelectors, l.metadata.labels));
  const { waves, batches } = wavesAndBatches(placement, rollout, locations);
  const waveOf = new Map<string, string>();
  for (const wave of waves) for (const location of wave.locations) waveOf.set(location, wave.name);
  return {
    placement,
    waves: waves.map((wave, i) => ({ name: wave.name, stations: [...wave.locations], batches: batches[i] ?? [] })),
    waveOf,
  };
}
