import type { HealthStatus, LocationReport, ObjectReport } from '../api/locationReport.js';
import type { OutputRevision, ReportEntry } from './outputRevision.js';
import type { LocationState } from './summary.js';

/** One placement at one location, judged. */
export interface PlacementAtLocation {
  state: LocationState;
  reason?: string;
  /** The report, unless the state is `unknown`. */
  report?: LocationReport;
  /** Whether the location runs the placement's published revision (false when unknown). */
  current: boolean;
  /** The placement's objects in the report (fresh reports only). */
  objects: ObjectReport[];
}

/** What the judgement needs besides the placement's name. */
export interface JudgeInput {
  placement: string;
  /** What is published for the location now; absent before the first reconcile that includes it. */
  published: OutputRevision | undefined;
  entry: ReportEntry | undefined;
  /** The report's objects by `<kind>[.<group>]_[<namespace>_]<name>.yaml`, as placement records name files. */
  objectsByFile: ReadonlyMap<string, ObjectReport> | undefined;
  now: number;
  staleAfterMs: number;
}

const BROKEN: ReadonlySet<HealthStatus> = new Set(['Degraded', 'Missing']);
const UNFINISHED: ReadonlySet<HealthStatus> = new Set(['Progressing', 'Suspended']);

/**
 * Where one placement stands at one location. The rules, in order (docs/status.md, "Implicit status"):
 * 1. `unknown`: no report, or a report whose time cannot be read.
 * 2. `stale`: the report is older than `staleAfter`.
 * 3. `pending`: nothing is published for the location yet, or what the report applied is not the placement's
 *    published revision (same output commit, same content digest, or the same tree of the placement's folder).
 * 4. `degraded`: one of the placement's objects is Degraded or Missing.
 * 5. `progressing`: one is Progressing or Suspended, or not in sync.
 * 6. `healthy`: at least one object has a known health and all those are Healthy.
 * When no object of the placement has a known health, the consumer's health of the whole location decides
 * steps 4–6 the same way; when that is Unknown too, the state is `unknown`.
 */
export function judgePlacement(input: JudgeInput): PlacementAtLocation {
  const { entry, published, placement } = input;
  if (!entry) return { state: 'unknown', reason: 'no report', current: false, objects: [] };
  const report = entry.report;
  const observed = Date.parse(report.status.observedAt);
  if (Number.isNaN(observed)) return { state: 'unknown', reason: `unreadable report time ${JSON.stringify(report.status.observedAt)}`, current: false, objects: [] };
  if (input.now - observed > input.staleAfterMs) {
    return { state: 'stale', reason: `last report ${report.status.observedAt}`, report, current: false, objects: [] };
  }
  const objects = objectsOf(placement, entry.applied ?? published, input.objectsByFile);
  const current = published !== undefined && isCurrent(placement, published, entry);
  if (!published) return { state: 'pending', reason: 'not published yet', report, current, objects };
  if (!current) return { state: 'pending', reason: pendingReason(entry), report, current, objects };

  const known = objects.filter((o) => o.health !== 'Unknown');
  const broken = known.filter((o) => BROKEN.has(o.health));
  if (broken.length > 0) return { state: 'degraded', reason: describe(broken), report, current, objects };
  const unfinished = objects.filter((o) => UNFINISHED.has(o.health) || o.sync === 'OutOfSync');
  if (unfinished.length > 0) return { state: 'progressing', reason: describe(unfinished), report, current, objects };
  if (known.length > 0) return { state: 'healthy', report, current, objects };

  const consumer = report.status.consumer;
  const health = consumer?.health ?? 'Unknown';
  const said = consumer?.message ? `: ${consumer.message}` : '';
  if (BROKEN.has(health)) return { state: 'degraded', reason: `${consumer!.kind} reports ${health}${said}`, report, current, objects };
  if (UNFINISHED.has(health) || consumer?.sync === 'OutOfSync') {
    return { state: 'progressing', reason: `${consumer!.kind} reports ${health}, ${consumer!.sync}${said}`, report, current, objects };
  }
  if (health === 'Healthy') return { state: 'healthy', report, current, objects };
  return { state: 'unknown', reason: 'the report gives no health for this placement', report, current, objects };
}

/** Whether the report's applied revision carries the placement's published output. */
export function isCurrent(placement: string, published: OutputRevision, entry: ReportEntry): boolean {
  const said = entry.report.status.applied;
  const applied = entry.applied;
  const commit = applied?.commit ?? said?.commit;
  const digest = applied?.digest ?? said?.digest;
  if (commit !== undefined && commit === published.commit) return true;
  if (digest !== undefined && digest === published.digest) return true;
  const mine = applied?.placements.get(placement)?.tree;
  const now = published.placements.get(placement)?.tree;
  return mine !== undefined && mine === now;
}

function pendingReason(entry: ReportEntry): string {
  const applied = entry.applied ?? entry.report.status.applied;
  if (!applied?.commit && !applied?.digest) return 'nothing applied yet';
  const source = applied.sourceCommit ? ` (spec ${applied.sourceCommit.slice(0, 12)})` : '';
  return `runs ${applied.commit ? applied.commit.slice(0, 12) : applied.digest!.slice(0, 17)}${source}`;
}

/** The placement's objects among the report's, by the files its output revision lists. */
function objectsOf(placement: string, revision: OutputRevision | undefined, byFile: ReadonlyMap<string, ObjectReport> | undefined): ObjectReport[] {
  const files = revision?.placements.get(placement)?.files;
  if (!files || !byFile) return [];
  const objects: ObjectReport[] = [];
  for (const file of files) {
    const object = byFile.get(file);
    if (object) objects.push(object);
  }
  return objects;
}

function describe(objects: readonly ObjectReport[]): string {
  const first = objects[0]!;
  const state = first.health === 'Healthy' || first.health === 'Unknown' ? (first.sync ?? first.health) : first.health;
  const message = first.message ? `: ${first.message.replace(/\s+/g, ' ').trim()}` : '';
  const more = objects.length > 1 ? ` (and ${objects.length - 1} more)` : '';
  return `${first.kind} ${first.namespace ? `${first.namespace}/` : ''}${first.name} is ${state}${message}${more}`;
}
