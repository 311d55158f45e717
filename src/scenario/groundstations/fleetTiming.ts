/**
 * The clock of a run, sized to the fleet: how often edges poll and report, how fast the simulated clusters react,
 * how often the center reconciles, how stale a report may get, and how long each wait may take. One machine runs
 * the whole fleet, so a bigger fleet polls and reports less often (every poll and every report is a handful of
 * git processes); everything else stays as the link models and the fixture say.
 */
import type { LinkModel } from '../scenarioData.js';
import { fleetLinkModels, type LinkClass } from './linkModels.js';
import type { EdgeTiming } from './environment.js';
import type { Deadlines } from './scenarioContext.js';

/** Everything time-related of one run. */
export interface FleetTiming {
  links: Record<LinkClass, LinkModel>;
  edge: EdgeTiming;
  /** `status.staleAfter` the run pushes: the fixture's, or longer when reports must be sparser. */
  staleAfterMs: number;
  /**
   * The rollout's `progressDeadline` the run pushes: the fixture's, or six of the slowest polls when those are
   * longer (a batch's slowest station must get to poll, past an outage, and three reconciles must see it, before
   * the batch counts as failed).
   */
  progressDeadlineMs: number;
  /** Seconds between the service's scheduled reconciles. */
  pollSeconds: number;
  /** Child processes the edges run in. */
  edgeHosts: number;
  deadlines: Deadlines;
}

/** Stations at the base rates; see `fleetLinkModels`. */
const BASE_STATIONS = 40;
/** Heartbeat reports at the base rate; reports also go after every apply and health change. */
const BASE_REPORT_MS = 10_000;
/** A station must be able to miss two heartbeats (one to an outage, one to jitter) before it counts as offline. */
const HEARTBEATS_PER_STALE = 3;

/** Slowest polls a batch may take before its progress deadline. */
const POLLS_PER_DEADLINE = 6;

/** The timing of a run of `stations` with the fixture's `staleAfter` and rollout `progressDeadline`. */
export function fleetTiming(stations: number, fixture: { staleAfterMs: number; progressDeadlineMs: number }): FleetTiming {
  const stretch = Math.max(1, stations / BASE_STATIONS);
  const reportIntervalMs = Math.round(BASE_REPORT_MS * Math.min(stretch, 3));
  const links = fleetLinkModels(stations);
  const slowestPollMs = Math.max(...Object.values(links).map((l) => l.pollIntervalMs));
  return {
    links,
    progressDeadlineMs: Math.max(fixture.progressDeadlineMs, POLLS_PER_DEADLINE * slowestPollMs),
    edge: { reportIntervalMs, startupMs: 1_000, progressDeadlineMs: 4_000 },
    staleAfterMs: Math.max(fixture.staleAfterMs, HEARTBEATS_PER_STALE * reportIntervalMs),
    pollSeconds: stations > BASE_STATIONS ? 3 : 2,
    edgeHosts: stations > BASE_STATIONS ? 2 : 1,
    deadlines: { rolloutMs: 150_000 + stations * 5_000, settleMs: 60_000 + stations * 400 },
  };
}
