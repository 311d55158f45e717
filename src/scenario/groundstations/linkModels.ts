/**
 * How each link class of the ground-station fleet reaches the center: the one place the scenario's network is
 * defined. The simulated edges poll on `pollIntervalMs`; the git server delays, throttles and refuses each
 * station's requests as its model says (`src/simulate/link.ts` turns a model into the conditions of a moment).
 *
 * The numbers are real-time and scaled to one machine, not to the planet: a satellite station's outage is
 * seconds where a real one is a pass gap of minutes, so a scenario shows every effect in a few minutes of wall
 * clock. Outages stay well under the fleet's `status.staleAfter` (30s), so a station is reported offline only
 * when its whole region goes dark, never for an ordinary link gap.
 */
import type { LinkModel } from '../scenarioData.js';

/** The link classes the fixture's stations carry in their `linkClass` label. */
export type LinkClass = 'fiber' | 'microwave' | 'satellite';

/**
 * The three models. Fiber: fast and always up. Microwave: slower, with a short outage every 20 s (rain fade).
 * Satellite: slow, high latency, with a longer outage every 30 s (no bird overhead).
 */
export const LINK_MODELS: Readonly<Record<LinkClass, LinkModel>> = {
  fiber: { latencyMs: 10, bytesPerSecond: 4 * 1024 * 1024, pollIntervalMs: 1_500 },
  microwave: {
    latencyMs: 40,
    bytesPerSecond: 512 * 1024,
    pollIntervalMs: 2_500,
    offline: { everyMs: 20_000, durationMs: 2_500, offsetMs: 0 },
  },
  satellite: {
    latencyMs: 280,
    bytesPerSecond: 64 * 1024,
    pollIntervalMs: 4_000,
    offline: { everyMs: 30_000, durationMs: 5_000, offsetMs: 0 },
  },
};

/** The model of a `linkClass` label; an unknown class is an error naming the station and the known classes. */
export function linkModelOf(station: string, linkClass: string): LinkModel {
  const model = (LINK_MODELS as Record<string, LinkModel>)[linkClass];
  if (!model) {
    throw new Error(
      `station ${station} has linkClass ${JSON.stringify(linkClass)}, which has no link model; use one of ${Object.keys(LINK_MODELS).join(', ')} (src/scenario/groundstations/linkModels.ts)`,
    );
  }
  return model;
}

/** Stations a machine carries at the base polling rates; bigger fleets poll less often. */
const STATIONS_AT_BASE_RATE = 40;

/**
 * The models for a fleet of `stations`: the base models for up to 40 stations; above that, every poll interval
 * stretched by `(stations / 40)^1.5`, so the whole fleet makes about as many fetches per second as 40 stations do
 * (150 stations: ×7.3). Each poll is a git fetch: a git process at the edge and two `git http-backend` processes
 * started by the git server, on the event loop that also serves the center; at the base rate, 150 stations would
 * keep it busy with starting processes alone. Latency, bandwidth and outages are the link's and do not change.
 */
export function fleetLinkModels(stations: number): Record<LinkClass, LinkModel> {
  const stretch = Math.max(1, (stations / STATIONS_AT_BASE_RATE) ** 1.5);
  const scaled = (model: LinkModel): LinkModel => ({ ...model, pollIntervalMs: Math.round((model.pollIntervalMs * stretch) / 100) * 100 });
  return { fiber: scaled(LINK_MODELS.fiber), microwave: scaled(LINK_MODELS.microwave), satellite: scaled(LINK_MODELS.satellite) };
}
