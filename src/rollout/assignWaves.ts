import { createHash } from 'node:crypto';
import type { Location } from '../api/location.js';
import type { RolloutSpec } from '../api/rollout.js';
import { matchesSelector } from '../schedule/labelSelector.js';

/** The locations of one wave, sorted by name. */
export interface Wave {
  name: string;
  index: number;
  locations: string[];
}

/** A wave that takes nothing, or a location two selector waves both take. */
export interface WaveProblem {
  wave: number;
  message: string;
  hint: string;
}

/**
 * Assigns a placement's locations to its rollout waves. Selector waves take the remaining locations they
 * match (a location two selector waves match is a problem: the order would hide it); percent waves take a
 * share of the remaining ones by a stable hash of placement and location name, so a location keeps its wave
 * as the fleet grows; a wave with neither takes the rest. Pure.
 */
export function assignWaves(placement: string, rollout: RolloutSpec, locations: readonly Location[]): { waves: Wave[]; problems: WaveProblem[] } {
  const problems: WaveProblem[] = [];
  const claimed = new Map<string, number>();
  // Locations matched by two selector waves are a spec problem, whatever their order.
  rollout.waves.forEach((wave, index) => {
    if (!wave.locationSelector) return;
    for (const location of locations) {
      if (!matchesSelector(wave.locationSelector, location.metadata.labels)) continue;
      const other = claimed.get(location.metadata.name);
      if (other !== undefined) {
        problems.push({
          wave: index,
          message: `location ${location.metadata.name} is in two waves: ${rollout.waves[other]!.name} and ${wave.name}`,
          hint: 'make the waves\' selectors disjoint, e.g. with a NotIn expression',
        });
      } else claimed.set(location.metadata.name, index);
    }
  });

  let remaining = [...locations].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  let share = 1; // the fraction of hash space not yet taken by percent waves
  const waves = rollout.waves.map((wave, index): Wave => {
    let taken: Location[];
    if (wave.locationSelector) {
      taken = remaining.filter((l) => claimed.get(l.metadata.name) === index);
    } else if (wave.percent !== undefined) {
      const upper = 1 - share + (share * wave.percent) / 100;
      taken = remaining.filter((l) => claimed.get(l.metadata.name) === undefined && hashFraction(placement, l.metadata.name) < upper);
      share -= (share * wave.percent) / 100;
    } else {
      taken = remaining.filter((l) => claimed.get(l.metadata.name) === undefined || claimed.get(l.metadata.name)! > index);
    }
    const names = new Set(taken.map((l) => l.metadata.name));
    remaining = remaining.filter((l) => !names.has(l.metadata.name));
    return { name: wave.name, index, locations: [...names] };
  });
  waves.forEach((wave) => {
    if (wave.locations.length === 0 && locations.length > 0) {
      problems.push({ wave: wave.index, message: `wave ${wave.name} selects no location`, hint: 'fix its locationSelector or percent, or remove the wave' });
    }
  });
  return { waves, problems };
}

/** A location's place in [0, 1), stable for a placement whatever else is in the fleet. */
function hashFraction(placement: string, location: string): number {
  return createHash('sha256').update(`${placement}/${location}`).digest().readUInt32BE(0) / 2 ** 32;
}
