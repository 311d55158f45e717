import type { Json } from '../../api/kube.js';
import { LOCATION_STATES, type Summary } from '../summary.js';

/** Most lines of broken objects and unhealthy locations per placement on a terminal. */
const SHOWN = 10;

/**
 * The summary for a terminal (`edgeplane status -o table`): the counts table, then per placement its
 * revisions, broken objects, collector results and the first locations that are not healthy.
 */
export function formatStatusTable(summary: Summary): string {
  const out: string[] = [
    `spec ${summary.specCommit.slice(0, 12)} · ${summary.locations} locations · stale after ${summary.staleAfter}`,
    '',
    ...table([
      ['PLACEMENT', 'LOCATIONS', ...LOCATION_STATES.map((s) => s.toUpperCase())],
      ['(fleet)', String(summary.locations), ...LOCATION_STATES.map((s) => String(summary.fleet[s]))],
      ...summary.placements.map((p) => [p.metadata.name, String(p.status.locations), ...LOCATION_STATES.map((s) => String(p.status.counts[s]))]),
    ]),
  ];
  for (const note of summary.notes) out.push(`note: ${note}`);
  for (const placement of summary.placements) {
    const { status } = placement;
    const details: string[] = [];
    if (status.revisions.length > 0) {
      const revisions = status.revisions.map((r) => `${r.sourceCommit === 'unknown' ? 'unknown' : r.sourceCommit.slice(0, 12)}${r.current ? ' (current)' : ''}: ${r.locations}`);
      details.push(`  revisions: ${revisions.join(', ')}`);
    }
    if (status.brokenObjects.total > 0) {
      details.push(`  broken objects (${status.brokenObjects.total}):`);
      const rows = status.brokenObjects.first.slice(0, SHOWN).map((o) => [o.location, `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`, o.health, flat(o.message ?? '')]);
      details.push(...table(rows).map((l) => `    ${l}`));
    }
    for (const result of status.collectors ?? []) {
      details.push(`  collector ${result.name} (${result.totalRows} rows${result.errors ? `, ${result.errors.count} errors` : ''}):`);
      details.push(...table([result.columns.map((c) => c.toUpperCase()), ...result.rows.map((row) => row.map(valueText))]).map((l) => `    ${l}`));
      for (const error of result.errors?.first ?? []) details.push(`    error: ${flat(error)}`);
    }
    if (status.singleton?.message) details.push(`  singleton: ${status.singleton.message}`);
    const troubled = status.locationStatuses.filter((l) => l.state !== 'healthy');
    if (troubled.length > 0) {
      details.push(`  not healthy (${troubled.length}):`);
      const rows = troubled.slice(0, SHOWN).map((l) => [l.name, l.state, l.state === 'stale' ? `last report ${l.lastReport}` : flat(l.reason ?? '')]);
      details.push(...table(rows).map((l) => `    ${l}`));
    }
    if (details.length > 0) out.push('', `${placement.metadata.name}:`, ...details);
  }
  return `${out.join('\n')}\n`;
}

function table(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

function valueText(value: Json): string {
  if (value === null) return '-';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function flat(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}
