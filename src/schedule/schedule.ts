import type { Location } from '../api/location.js';
import type { EdgePlacement } from '../api/placement.js';
import { matchesAny } from './labelSelector.js';

/**
 * Which placements each location receives: placement × location by the placement's `locationSelectors`
 * (OR). Overlapping placements are additive. Every location of the inventory has an entry, possibly empty;
 * placement names are sorted, so the result is deterministic.
 */
export function schedule(locations: readonly Location[], placements: readonly EdgePlacement[]): Map<string, string[]> {
  const sorted = [...placements].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  const result = new Map<string, string[]>();
  for (const location of locations) {
    const names: string[] = [];
    for (const placement of sorted) {
      if (matchesAny(placement.spec.locationSelectors, location.metadata.labels)) names.push(placement.metadata.name);
    }
    result.set(location.metadata.name, names);
  }
  return result;
}
