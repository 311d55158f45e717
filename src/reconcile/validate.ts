import { InvalidSpecError } from '../errors/edgeplaneError.js';
import { ProblemList, type Problem } from '../errors/problem.js';
import { loadSpec, type SpecSource } from './loadSpec.js';
import { prepareFleet } from './renderFleet.js';
import { renderLocation } from '../render/renderLocation.js';

/**
 * Every problem of a spec commit in one run: reading, schemas, names, references, and rendering at every
 * location (missing template properties, failing patches, conflicts). Writes nothing.
 */
export async function validateSpec(source: SpecSource): Promise<{ problems: Problem[]; locations: number; placements: number }> {
  let loaded;
  try {
    loaded = await loadSpec(source);
  } catch (error) {
    if (error instanceof InvalidSpecError) return { problems: [...error.problems], locations: 0, placements: 0 };
    throw error;
  }
  const { spec } = loaded;
  const fleet = prepareFleet(spec, { locations: new Map(), folderHead: null });
  const problems = new ProblemList();
  const caches = { values: new Map<string, unknown>() };
  for (const location of spec.locations) {
    const placements = fleet.assignments.get(location.value.metadata.name) ?? [];
    const render = renderLocation(location.value, placements, fleet.plans, fleet.scopes, spec.commit, caches);
    for (const problem of render.problems) problems.report(problem);
  }
  return { problems: problems.problems, locations: spec.locations.length, placements: spec.placements.length };
}
