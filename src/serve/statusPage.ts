/**
 * The read-only status page: pure functions from what the service knows to HTML (no script, inline SVG). Per
 * placement, where it runs and in which state; a picture of the fleet (one square per location, coloured by its
 * worst state, and one bar per placement); the reconcile loop (running, backing off, last error); the shards.
 */
import type { LocationState } from '../status/summary.js';
import type { FleetView } from './fleetView.js';
import type { CoordinatorSnapshot } from './shardCoordinator.js';
import type { QueueState } from './triggerQueue.js';

/** The outcome of the last reconcile, as the page shows it. */
export interface LastRunView {
  specCommit: string;
  finishedAt: number;
  created: number;
  updated: number;
  unchanged: number;
  retired: number;
  held: string[];
  /** Formatted problems of held placements (the first few). */
  problems: string[];
  pushed: number;
  /** Only some shards were reconciled. */
  shards?: number[] | undefined;
}

/** Everything the page shows. */
export interface StatusPageData {
  now: number;
  source: { repo: string; ref: string };
  queue: QueueState;
  lastRun?: LastRunView | undefined;
  shards?: (CoordinatorSnapshot & { count: number }) | undefined;
  fleet?: FleetView | undefined;
  /** Why the fleet could not be read, when it could not. */
  fleetError?: string | undefined;
}

/** Colours of the states (colour-blind-safe palette). */
export const STATE_COLOURS: Readonly<Record<LocationState, string>> = {
  healthy: '#1a9850',
  progressing: '#4575b4',
  pending: '#fdae61',
  degraded: '#d73027',
  stale: '#8c6d31',
  unknown: '#bdbdbd',
};

const STATE_ORDER: readonly LocationState[] = ['healthy', 'progressing', 'pending', 'degraded', 'stale', 'unknown'];

/** Most squares drawn in the fleet picture; beyond, the counts still say everything. */
export const MAX_SQUARES = 10_000;

/** The page. */
export function renderStatusPage(data: StatusPageData): string {
  const title = `edgeplane — ${data.source.repo}@${data.source.ref}`;
  const sections = [queueSection(data), lastRunSection(data.lastRun, data.now), fleetSection(data), shardSection(data.shards)];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="30">
<title>${esc(title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse}td,th{padding:.2em .7em;text-align:left;border-bottom:1px solid #eee;vertical-align:top}
th{font-weight:600}code{font-size:.92em}.num{text-align:right}.bad{color:#b2182b}.muted{color:#777}
.legend span{display:inline-block;margin-right:1em}.legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em}
details summary{cursor:pointer}
</style></head><body>
<h1>${esc(title)}</h1>
${sections.join('\n')}
<p class="muted">Read-only; refreshes every 30 s. Also as JSON: <a href="status.json">status.json</a>; metrics: <a href="metrics">metrics</a>.</p>
</body></html>
`;
}

function queueSection(data: StatusPageData): string {
  const q = data.queue;
  const state = q.running ? 'reconciling' : q.retryAt !== undefined ? `backing off: retry in ${duration(q.retryAt - data.now)}` : 'idle';
  const rows: [string, string][] = [
    ['state', esc(state)],
    ['runs', String(q.runs)],
    ['waiting triggers', String(q.waiting)],
    ['last success', q.lastSuccessAt === undefined ? 'never' : `${duration(data.now - q.lastSuccessAt)} ago`],
  ];
  if (q.consecutiveFailures > 0) rows.push(['failures in a row', `<span class="bad">${q.consecutiveFailures}</span>`]);
  if (q.lastError) {
    rows.push([
      'last error',
      `<span class="bad">${esc(q.lastError.code ?? 'error')} (${q.lastError.class}), ${duration(data.now - q.lastError.at)} ago</span><pre>${esc(q.lastError.message.slice(0, 4000))}</pre>`,
    ]);
  }
  return `<h2>Reconcile</h2>\n${table(rows)}`;
}

function lastRunSection(run: LastRunView | undefined, now: number): string {
  if (!run) return '<h2>Last reconcile</h2>\n<p class="muted">none yet</p>';
  const rows: [string, string][] = [
    ['spec commit', `<code>${esc(run.specCommit.slice(0, 12))}</code>, ${duration(now - run.finishedAt)} ago`],
    ['locations', `${run.created} created, ${run.updated} updated, ${run.unchanged} unchanged, ${run.retired} retired; ${run.pushed} ref(s) pushed`],
  ];
  if (run.shards) rows.push(['shards', run.shards.join(', ') || 'none']);
  if (run.held.length > 0) rows.push(['held placements', `<span class="bad">${run.held.map(esc).join(', ')}</span> (kept their last good output)`]);
  const problems = run.problems.length > 0 ? `<pre class="bad">${esc(run.problems.join('\n'))}</pre>` : '';
  return `<h2>Last reconcile</h2>\n${table(rows)}${problems}`;
}

function fleetSection(data: StatusPageData): string {
  if (data.fleetError) return `<h2>Fleet</h2>\n<p class="bad">${esc(data.fleetError)}</p>`;
  const view = data.fleet;
  if (!view) return '<h2>Fleet</h2>\n<p class="muted">not read yet: the first reconcile has not finished</p>';
  const basis =
    view.basis === 'summary'
      ? `health from the status summary at spec commit <code>${esc(view.specCommit.slice(0, 12))}</code>`
      : `placement of spec commit <code>${esc(view.specCommit.slice(0, 12))}</code>; health appears once a status summary is committed`;
  const rows = view.placements.map((p) => {
    const s = p.status;
    const counts = STATE_ORDER.filter((state) => s.counts[state] > 0).map((state) => `${s.counts[state]} ${state}`).join(', ');
    const revisions = s.revisions.map((r) => `<code>${esc(r.sourceCommit.slice(0, 12))}</code>${r.current ? ' (current)' : ''}: ${r.locations}`).join('<br>');
    const broken = s.brokenObjects.first
      .slice(0, 5)
      .map((o) => `${esc(o.location)}: ${esc(o.kind)} ${esc(o.namespace ? `${o.namespace}/` : '')}${esc(o.name)} ${esc(o.health)}${o.message ? ` — ${esc(o.message)}` : ''}`)
      .join('<br>');
    const where = s.locationStatuses.map((l) => `<span title="${esc(l.reason ?? l.state)}">${esc(l.name)}&nbsp;<i style="color:${STATE_COLOURS[l.state]}">${l.state}</i></span>`).join(', ');
    return `<tr><th>${esc(p.metadata.name)}</th><td class="num">${s.locations}</td><td>${bar(s.counts, s.locations)}<br>${esc(counts)}</td>
<td>${revisions || '<span class="muted">—</span>'}</td><td>${broken ? `<span class="bad">${broken}</span>${s.brokenObjects.total > 5 ? `<br>… ${s.brokenObjects.total} in all` : ''}` : ''}
<details><summary>where it runs</summary>${where}</details></td></tr>`;
  });
  return `<h2>Fleet</h2>
<p>${basis}. ${view.locations.length} location(s) run at least one placement.</p>
${fleetPicture(view)}
${legend()}
<h2>Placements</h2>
<table><tr><th>placement</th><th>locations</th><th>states</th><th>revisions</th><th>broken objects</th></tr>
${rows.join('\n')}
</table>`;
}

function shardSection(shards: StatusPageData['shards']): string {
  if (!shards) return '';
  const rows: [string, string][] = [
    ['this replica', `<code>${esc(shards.identity)}</code>${shards.leader ? ' (elected: writes the status summary)' : ''}`],
    ['live replicas', shards.members.map((m) => `<code>${esc(m)}</code>`).join(', ')],
    ['owned shards', `${shards.owned.length} of ${shards.count}: ${shards.owned.join(', ')}`],
    ['holders', shards.holders.map((h, i) => `${i}: ${h ? esc(h) : '<span class="muted">free</span>'}`).join('<br>')],
  ];
  return `<h2>Shards</h2>\n${table(rows)}`;
}

/**
 * The picture: every location as a square in its worst state's colour (name and state on hover), then one
 * stacked bar per placement. Plain SVG, sized to the fleet.
 */
export function fleetPicture(view: FleetView): string {
  const cell = 11;
  const locations = view.locations.slice(0, MAX_SQUARES);
  const columns = Math.max(10, Math.min(80, Math.ceil(Math.sqrt(locations.length * 3))));
  const gridRows = Math.ceil(locations.length / columns);
  const width = columns * cell;
  const squares = locations.map((l, i) => {
    const x = (i % columns) * cell;
    const y = Math.floor(i / columns) * cell;
    return `<rect x="${x}" y="${y}" width="${cell - 2}" height="${cell - 2}" fill="${STATE_COLOURS[l.state]}"><title>${esc(l.name)}: ${l.state}</title></rect>`;
  });
  const barTop = gridRows * cell + 16;
  const barHeight = 14;
  const labelWidth = 160;
  const bars = view.placements.map((p, i) => {
    const y = barTop + i * (barHeight + 6);
    let x = labelWidth;
    const total = Math.max(1, p.status.locations);
    const segments = STATE_ORDER.filter((s) => p.status.counts[s] > 0).map((state) => {
      const w = ((width - labelWidth) * p.status.counts[state]) / total;
      const rect = `<rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(1, w).toFixed(1)}" height="${barHeight}" fill="${STATE_COLOURS[state]}"><title>${esc(p.metadata.name)}: ${p.status.counts[state]} ${state}</title></rect>`;
      x += w;
      return rect;
    });
    return `<text x="0" y="${y + barHeight - 3}" font-size="12">${esc(truncate(p.metadata.name, 22))}</text>${segments.join('')}`;
  });
  const height = barTop + view.placements.length * (barHeight + 6);
  const more = view.locations.length > MAX_SQUARES ? `<text x="0" y="${gridRows * cell + 10}" font-size="10">… and ${view.locations.length - MAX_SQUARES} more</text>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="fleet: ${view.locations.length} locations by state" width="${Math.max(width, 320)}" height="${height}" viewBox="0 0 ${Math.max(width, 320)} ${height}">
${squares.join('\n')}
${more}
${bars.join('\n')}
</svg>`;
}

function legend(): string {
  return `<p class="legend">${STATE_ORDER.map((s) => `<span><i style="background:${STATE_COLOURS[s]}"></i>${s}</span>`).join('')}</p>`;
}

function bar(counts: Record<LocationState, number>, total: number): string {
  const width = 160;
  let x = 0;
  const parts = STATE_ORDER.filter((s) => counts[s] > 0).map((s) => {
    const w = (width * counts[s]) / Math.max(1, total);
    const rect = `<rect x="${x.toFixed(1)}" width="${Math.max(1, w).toFixed(1)}" height="10" fill="${STATE_COLOURS[s]}"/>`;
    x += w;
    return rect;
  });
  return `<svg width="${width}" height="10" aria-hidden="true">${parts.join('')}</svg>`;
}

function table(rows: readonly [string, string][]): string {
  return `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</table>`;
}

/** A short human duration: `45 s`, `3 min`, `2 h 5 min`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function truncate(text: string, n: number): string {
  return text.length <= n ? text : `${text.slice(0, n - 1)}…`;
}

/** HTML-escapes text for element content and double-quoted attributes. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
