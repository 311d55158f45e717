/**
 * The network between a simulated station and the center, at one instant: what the git server's per-account
 * `link` callback answers (see gitHttpServer.ts). Pure: the scenario runner owns the clock and the "region is
 * dark" switch, and asks here at every request.
 */
import type { LinkModel } from '../scenario/scenarioData.js';
import type { LinkConditions } from './gitHttpServer.js';

/** What else decides a link's state besides its model and the time. */
export interface LinkState {
  /**
   * Where in the offline period this station's windows start, relative to the model's `offsetMs` (see
   * `linkPhaseMs`): stations of one link class do not all go down together.
   */
  phaseMs: number;
  /** The station is cut off regardless of its model (a region gone dark). */
  dark: boolean;
}

/**
 * The link of a station with `model` at `nowMs` (any epoch, milliseconds): `{ down: true }` while `dark` or inside
 * an offline window, else the model's latency and bandwidth. Windows repeat every `offline.everyMs`, last
 * `offline.durationMs` and open at `offline.offsetMs + phaseMs` (mod `everyMs`); a duration of a whole period or
 * more is always down, a period or duration of zero or less means no windows. Latency and bandwidth of zero or
 * less are left out (loopback as is).
 */
export function linkConditions(model: LinkModel, nowMs: number, options: LinkState): LinkConditions {
  if (options.dark || insideOfflineWindow(model.offline, nowMs, options.phaseMs)) return { down: true };
  const conditions: LinkConditions = {};
  if (model.latencyMs > 0) conditions.latencyMs = model.latencyMs;
  if (model.bytesPerSecond > 0) conditions.bytesPerSecond = model.bytesPerSecond;
  return conditions;
}

/**
 * A stable phase in [0, `periodMs`) for `station`: FNV-1a of its name, so the same fleet gets the same windows
 * run after run without anyone storing them. 0 when `periodMs` is not positive.
 */
export function linkPhaseMs(station: string, periodMs: number): number {
  if (!(periodMs > 0)) return 0;
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(station, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash % Math.floor(periodMs);
}

function insideOfflineWindow(offline: LinkModel['offline'], nowMs: number, phaseMs: number): boolean {
  if (!offline || !(offline.everyMs > 0) || !(offline.durationMs > 0)) return false;
  if (offline.durationMs >= offline.everyMs) return true;
  const intoPeriod = mod(nowMs - offline.offsetMs - phaseMs, offline.everyMs);
  return intoPeriod < offline.durationMs;
}

/** The remainder with the sign of the divisor: times before the epoch or a phase past it still land in [0, m). */
function mod(value: number, m: number): number {
  return ((value % m) + m) % m;
}
