import type { Json } from '../../api/kube.js';
import { LOCATION_STATES, type CollectorResult, type PlacementSummary, type Summary } from '../summary.js';

/** Most locations listed per placement in the README's "not healthy" table; the YAML lists all. */
const LOCATIONS_SHOWN = 50;

/**
 * The README.md of the `edgeplane-status` branch, for a person on their forge: the fleet-health picture, a
 * table of locations per state for every placement, then per placement its revisions, broken objects,
 * collector results and the locations that are not healthy. Byte-stable for the same summary.
 */
export function renderStatusReadme(summary: Summary, chartFile: string): string {
  const lines: string[] = [
    '# Fleet status',
    '',
    `Computed by edgeplane from spec commit \`${summary.specCommit.slice(0, 12)}\` and the latest report of each of ` +
      `${summary.locations} locations. A report older than ${summary.staleAfter} counts as stale. ` +
      'Machine-readable: [`fleet.yaml`](fleet.yaml) and `summary/<placement>.yaml`; what each state means: ' +
      'docs/status.md of edgeplane.',
    '',
    `![Fleet health: locations per state, per placement](${chartFile})`,
    '',
    `| placement | locations | ${LOCATION_STATES.join(' | ')} |`,
    `| --- | ---: | ${LOCATION_STATES.map(() => '---:').join(' | ')} |`,
    `| **fleet** | ${summary.locations} | ${LOCATION_STATES.map((s) => summary.fleet[s]).join(' | ')} |`,
    ...summary.placements.map(
      (p) => `| [${p.metadata.name}](#${anchor(p.metadata.name)}) | ${p.status.locations} | ${LOCATION_STATES.map((s) => p.status.counts[s]).join(' | ')} |`,
    ),
    '',
  ];
  if (summary.notes.length > 0) {
    lines.push('Notes:', '', ...summary.notes.map((n) => `- ${cell(n, 300)}`), '');
  }
  for (const placement of summary.placements) lines.push(...placementSection(placement));
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

function placementSection(placement: PlacementSummary): string[] {
  const { status } = placement;
  const lines = [`## ${placement.metadata.name}`, ''];
  const states = LOCATION_STATES.filter((s) => status.counts[s] > 0).map((s) => `${status.counts[s]} ${s}`);
  lines.push(`${status.locations} location(s)${states.length > 0 ? `: ${states.join(', ')}` : ''}.`, '');
  if (status.revisions.length > 0) {
    lines.push('| spec revision | published now | locations |', '| --- | --- | ---: |');
    for (const r of status.revisions) {
      lines.push(`| ${r.sourceCommit === 'unknown' ? 'unknown' : `\`${r.sourceCommit.slice(0, 12)}\``} | ${r.current ? 'yes' : 'no'} | ${r.locations} |`);
    }
    lines.push('');
  }
  const broken = status.brokenObjects;
  if (broken.total > 0) {
    const shown = broken.first.length < broken.total ? `, first ${broken.first.length}` : '';
    lines.push(`### Broken objects (${broken.total}${shown})`, '', '| location | object | health | message |', '| --- | --- | --- | --- |');
    for (const o of broken.first) {
      lines.push(`| ${cell(o.location)} | ${cell(`${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`)} | ${o.health} | ${cell(o.message ?? '')} |`);
    }
    lines.push('');
  }
  for (const collector of status.collectors ?? []) lines.push(...collectorSection(collector));
  if (status.singleton) {
    const s = status.singleton;
    lines.push('### Singleton reported state', '');
    if (s.message) lines.push(cell(s.message, 300), '');
    if (s.location) lines.push(`Runs at **${s.location}** (${s.state}); its objects' status is in \`summary/${placement.metadata.name}.yaml\`.`, '');
  }
  const troubled = status.locationStatuses.filter((l) => l.state !== 'healthy');
  if (troubled.length > 0) {
    const shown = troubled.length > LOCATIONS_SHOWN ? ` (first ${LOCATIONS_SHOWN} of ${troubled.length})` : '';
    lines.push(`### Locations not healthy${shown}`, '', '| location | state | runs | why |', '| --- | --- | --- | --- |');
    for (const l of troubled.slice(0, LOCATIONS_SHOWN)) {
      const runs = l.commit ? `\`${l.commit.slice(0, 12)}\`` : '';
      const why = l.state === 'stale' ? `last report ${l.lastReport}` : (l.reason ?? '');
      lines.push(`| ${cell(l.name)} | ${l.state} | ${runs} | ${cell(why)} |`);
    }
    lines.push('');
  }
  return lines;
}

function collectorSection(result: CollectorResult): string[] {
  const shown = result.rows.length < result.totalRows ? `, first ${result.rows.length} of ${result.totalRows} rows` : '';
  const lines = [`### Collector ${result.name} (${result.objects} objects${shown})`, ''];
  if (result.columns.length > 0) {
    lines.push(`| ${result.columns.map((c) => cell(c)).join(' | ')} |`, `| ${result.columns.map(() => '---').join(' | ')} |`);
    for (const row of result.rows) lines.push(`| ${row.map((v) => cell(valueText(v))).join(' | ')} |`);
    lines.push('');
    if (result.rows.length === 0) lines.splice(lines.length - 3, 3, 'No rows.', '');
  }
  if (result.errors) {
    lines.push(`${result.errors.count} evaluation error(s), e.g.:`, '', ...result.errors.first.map((e) => `- ${cell(e, 300)}`), '');
  }
  return lines;
}

function valueText(value: Json): string {
  if (value === null) return '–';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Text safe inside a markdown table cell: one line, pipes escaped, bounded. */
function cell(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const clipped = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
  return clipped.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;');
}

/** The anchor GitHub, Gitea and GitLab give a heading: lowercase, spaces to '-', most punctuation dropped. */
function anchor(heading: string): string {
  return heading.toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-');
}
