/**
 * The summary a person reads in the terminal at the end of a run: one row per scenario with the numbers the issue
 * asks for (push → running p50 / p90 / max, bytes per station, report staleness) and how many checks passed.
 */
import { formatBytes, formatDuration } from '../report/reportFormat.js';
import type { ScenarioRun } from '../scenarioData.js';

/** The table as plain text, columns aligned. */
export function summaryTable(run: ScenarioRun): string {
  const header = ['scenario', 'stations', 'offline', 'push→running p50', 'p90', 'max', 'bytes/station p90', 'branch', 'staleness max', 'checks', 'took'];
  const rows = run.scenarios.map((s) => [
    s.name,
    `${s.latency.reached}/${s.latency.total}`,
    String(s.latency.offline),
    formatDuration(s.latency.p50),
    formatDuration(s.latency.p90),
    formatDuration(s.latency.max),
    formatBytes(s.bytes.p90),
    formatBytes(s.bytes.branchBytes),
    formatDuration(s.staleness.max),
    `${s.checks.filter((c) => c.ok).length}/${s.checks.length} ok`,
    formatDuration(s.durationMs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    `${run.fleet.stations} stations in ${run.fleet.regions.length} regions`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}
