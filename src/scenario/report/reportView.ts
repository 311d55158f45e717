/**
 * What the report's HTML shell shows, computed from a `ScenarioRun`: every number already formatted, so the
 * template only places text (and escapes it). The charts are not here: the page's script draws them from the
 * embedded data.
 */
import type { LinkModel, ScenarioResult, ScenarioRun } from '../scenarioData.js';
import { formatBytes, formatDuration, formatPercentiles, formatShare, NO_VALUE, shortCommit } from './reportFormat.js';
import { TIMELINE_KINDS } from './timelineKinds.js';

/** One row of a scenario's summary table. */
export interface SummaryRow {
  measure: string;
  p50: string;
  p90: string;
  max: string;
  /** What the numbers are out of, or compared with. */
  context: string;
}

/** One scenario's section. */
export interface ScenarioView {
  /** Position in `run.scenarios`: the page's script finds the scenario's chart containers by it. */
  index: number;
  id: string;
  name: string;
  title: string;
  description: string;
  startedAt: string;
  duration: string;
  finalCommit: string;
  pushes: { at: string; commit: string; message: string }[];
  summary: SummaryRow[];
  checks: { name: string; ok: boolean; detail: string }[];
  checksOk: number;
  allChecksOk: boolean;
  events: { at: string; kind: string; detail: string }[];
}

/** The whole page, as the template reads it. */
export interface ReportView {
  title: string;
  generatedAt: string;
  fleet: { stations: number; regions: string; links: { name: string; latency: string; bandwidth: string; poll: string; offline: string }[] };
  overview: { id: string; title: string; reached: string; p50: string; max: string; checks: string; allChecksOk: boolean }[];
  scenarios: ScenarioView[];
}

/** The view of `run` (checked beforehand with `checkScenarioRun`). */
export function reportView(run: ScenarioRun): ReportView {
  const scenarios = run.scenarios.map(scenarioView);
  return {
    title: 'edgeplane ground-station scenarios',
    generatedAt: run.generatedAt,
    fleet: {
      stations: run.fleet.stations,
      regions: run.fleet.regions.join(', '),
      links: Object.keys(run.fleet.links)
        .sort()
        .map((name) => linkView(name, run.fleet.links[name]!)),
    },
    overview: run.scenarios.map((s, i) => ({
      id: scenarios[i]!.id,
      title: s.title,
      reached: `${s.latency.reached} of ${s.latency.total}`,
      p50: formatDuration(s.latency.p50),
      max: formatDuration(s.latency.max),
      checks: `${scenarios[i]!.checksOk} of ${s.checks.length} ok`,
      allChecksOk: scenarios[i]!.allChecksOk,
    })),
    scenarios,
  };
}

function scenarioView(s: ScenarioResult, index: number): ScenarioView {
  const checksOk = s.checks.filter((c) => c.ok).length;
  return {
    index,
    id: `scenario-${index + 1}`,
    name: s.name,
    title: s.title,
    description: s.description,
    startedAt: s.startedAt,
    duration: formatDuration(s.durationMs),
    finalCommit: shortCommit(s.finalSourceCommit),
    pushes: s.pushes.map((p) => ({ at: formatDuration(p.at), commit: shortCommit(p.commit), message: p.message })),
    summary: summaryRows(s),
    checks: s.checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail })),
    checksOk,
    allChecksOk: checksOk === s.checks.length,
    events: [...s.timeline]
      .sort((a, b) => a.at - b.at)
      .map((e) => ({ at: formatDuration(e.at), kind: TIMELINE_KINDS[e.kind]?.label ?? e.kind, detail: e.detail })),
  };
}

/** The three measures the issue asks for, p50 / p90 / max each, with what they are out of. */
export function summaryRows(s: ScenarioResult): SummaryRow[] {
  const { latency, bytes, staleness } = s;
  // The number a reader must not miss: stations reachable at the end, yet not on the revision they should run.
  const missing = s.stations.filter((station) => station.runningSourceCommit !== s.finalSourceCommit && !station.offline).length;
  return [
    {
      measure: 'push → running the change',
      ...formatPercentiles(latency, formatDuration),
      context: `${latency.reached} of ${latency.total} stations reached it; ${latency.offline} reported offline${missing > 0 ? `; ${missing} online but not running the final revision` : ''}`,
    },
    {
      measure: 'bytes fetched per station',
      ...formatPercentiles(bytes, formatBytes),
      context: `whole branch packed: ${formatBytes(bytes.branchBytes)}; p90 is ${formatShare(bytes.p90, bytes.branchBytes)} of it; all stations: ${formatBytes(bytes.total)}`,
    },
    {
      measure: 'report staleness at the end',
      ...formatPercentiles(staleness, formatDuration),
      context: `age of each station's latest report as the center saw it${staleness.max === null ? ` (${NO_VALUE}: no station reported)` : ''}`,
    },
  ];
}

function linkView(name: string, link: LinkModel): ReportView['fleet']['links'][number] {
  return {
    name,
    latency: formatDuration(link.latencyMs),
    bandwidth: `${formatBytes(link.bytesPerSecond)}/s`,
    poll: `every ${formatDuration(link.pollIntervalMs)}`,
    offline: link.offline
      ? `down ${formatDuration(link.offline.durationMs)} of every ${formatDuration(link.offline.everyMs)} (from ${formatDuration(link.offline.offsetMs)} in)`
      : 'never',
  };
}
