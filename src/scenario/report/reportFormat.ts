/**
 * How the scenario report writes numbers for people: durations, byte counts, shares and percentile triples.
 * `null` ("never", "no data" in the scenario data) is always the same dash, so an empty cell never reads as 0.
 */
import type { Percentiles } from '../scenarioData.js';

/** What the report prints for a value that does not exist (no station reached, no report). */
export const NO_VALUE = '—';

/**
 * A duration in milliseconds: `640 ms` below a second, `12.3 s` below a minute, `2 min 05 s` below an hour,
 * `1 h 02 min` above. Rounded, never truncated; `null` → `—`.
 */
export function formatDuration(ms: number | null): string {
  if (ms === null) return NO_VALUE;
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 999.5) return `${Math.round(ms)} ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${pad(seconds % 60)} s`;
  const minutes = Math.round(ms / 60_000);
  return `${Math.floor(minutes / 60)} h ${pad(minutes % 60)} min`;
}

/** A byte count in binary units: `512 B`, `12.3 KiB`, `4.0 MiB`, `1.2 GiB`; `null` → `—`. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return NO_VALUE;
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  // Decide the unit on the rounded value, so 1023.96 KiB prints as 1.0 MiB and not as 1024.0 KiB.
  while (unit < units.length - 1 && Math.round(value * 10) / 10 >= 1024) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** `part` as a percentage of `whole`: `4.2%`, `<0.1%` for a tiny non-zero share; `—` when either is missing or `whole` is 0. */
export function formatShare(part: number | null, whole: number | null): string {
  if (part === null || whole === null || whole <= 0) return NO_VALUE;
  const percent = (100 * part) / whole;
  if (percent > 0 && percent < 0.05) return '<0.1%';
  return `${percent >= 100 ? Math.round(percent) : percent.toFixed(1)}%`;
}

/** The p50 / p90 / max cells of one summary row, each formatted by `format`. */
export function formatPercentiles(values: Percentiles, format: (value: number | null) => string): { p50: string; p90: string; max: string } {
  return { p50: format(values.p50), p90: format(values.p90), max: format(values.max) };
}

/** The first 12 hex digits of a commit, as everywhere else in edgeplane's output. */
export function shortCommit(commit: string): string {
  return commit.slice(0, 12);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
