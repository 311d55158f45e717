import { LOCATION_STATES, type LocationState, type StateCounts, type Summary } from '../summary.js';

/** The color of each state, on the palette forges use for checks (green, blue, amber, red, grays). */
export const STATE_COLORS: Readonly<Record<LocationState, string>> = {
  healthy: '#2da44e',
  progressing: '#0969da',
  pending: '#d4a72c',
  degraded: '#cf222e',
  stale: '#8c959f',
  unknown: '#d0d7de',
};

const WIDTH = 760;
const LABEL = 170;
const BAR = 420;
const ROW = 26;
const GRID_MAX = 2500;
const CELL = 10;
const PER_ROW = Math.floor(WIDTH / (CELL + 2));

/**
 * The fleet-health picture of the status README: one stacked bar per placement (and one for the whole fleet)
 * showing its locations per state, and, up to 2,500 locations, one square per location colored by its worst
 * state. Plain SVG 1.1 with a `<title>` on every shape, byte-stable for the same summary.
 */
export function renderHealthChart(summary: Summary, worstByLocation: ReadonlyMap<string, LocationState>): string {
  const rows: { label: string; counts: StateCounts; total: number }[] = [
    { label: `fleet (${summary.locations})`, counts: summary.fleet, total: total(summary.fleet) },
    ...summary.placements.map((p) => ({ label: p.metadata.name, counts: p.status.counts, total: p.status.locations })),
  ];
  const out: string[] = [];
  let y = 34;
  out.push(legend());
  for (const row of rows) {
    out.push(`<text x="0" y="${y + 14}" class="label">${escape(clip(row.label, 24))}</text>`);
    let x = LABEL;
    for (const state of LOCATION_STATES) {
      const count = row.counts[state];
      if (count === 0 || row.total === 0) continue;
      const width = (BAR * count) / row.total;
      out.push(
        `<rect x="${fixed(x)}" y="${y}" width="${fixed(width)}" height="${ROW - 8}" fill="${STATE_COLORS[state]}"><title>${escape(row.label)}: ${count} ${state}</title></rect>`,
      );
      x += width;
    }
    if (row.total === 0) out.push(`<rect x="${LABEL}" y="${y}" width="${BAR}" height="${ROW - 8}" fill="none" stroke="#d0d7de"/>`);
    out.push(`<text x="${LABEL + BAR + 8}" y="${y + 14}" class="count">${escape(countText(row.counts, row.total))}</text>`);
    y += ROW;
  }
  const locations = [...worstByLocation].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (locations.length > 0 && locations.length <= GRID_MAX) {
    y += 12;
    out.push(`<text x="0" y="${y}" class="label">locations (worst state of each)</text>`);
    y += 8;
    locations.forEach(([name, state], i) => {
      const cx = (i % PER_ROW) * (CELL + 2);
      const cy = y + Math.floor(i / PER_ROW) * (CELL + 2);
      out.push(`<rect x="${cx}" y="${cy}" width="${CELL}" height="${CELL}" fill="${STATE_COLORS[state]}"><title>${escape(name)}: ${state}</title></rect>`);
    });
    y += Math.ceil(locations.length / PER_ROW) * (CELL + 2);
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="Fleet health: locations per state">`,
    '<style>text{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;font-size:12px;fill:#57606a}.label{fill:#24292f}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

function legend(): string {
  let x = 0;
  const parts: string[] = [];
  for (const state of LOCATION_STATES) {
    parts.push(`<rect x="${x}" y="6" width="12" height="12" fill="${STATE_COLORS[state]}"/><text x="${x + 16}" y="16">${state}</text>`);
    x += 16 + state.length * 7 + 18;
  }
  return parts.join('');
}

function countText(counts: StateCounts, all: number): string {
  if (all === 0) return 'no locations';
  return `${counts.healthy}/${all} healthy${counts.degraded > 0 ? `, ${counts.degraded} degraded` : ''}`;
}

function total(counts: StateCounts): number {
  return LOCATION_STATES.reduce((sum, state) => sum + counts[state], 0);
}

function fixed(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
