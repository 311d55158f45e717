import type { Location } from '../api/location.js';
import type { ObjectReport } from '../api/locationReport.js';
import type { EdgePlacement } from '../api/placement.js';
import { fileNameOf } from '../render/locationTree.js';
import { toCel, type CelData } from './cel/celValue.js';
import type { CompiledCollector } from './compileCollector.js';
import { parseDuration } from './duration.js';
import type { OutputRevision, ReportEntry } from './outputRevision.js';
import { judgePlacement, type PlacementAtLocation } from './placementState.js';
import { CollectorRun, type CollectorSubject } from './runCollector.js';
import {
  emptyCounts,
  worstStates,
  type BrokenObject,
  type LocationStatus,
  type PlacementSummary,
  type RevisionCount,
  type SingletonState,
  type StateCounts,
  type Summary,
} from './summary.js';

/** Everything a summary is computed from: data only, the clock included. */
export interface SummaryInput {
  specCommit: string;
  locations: readonly Location[];
  placements: readonly EdgePlacement[];
  /** Location → the placements it runs (the schedule of the spec commit). */
  assignments: ReadonlyMap<string, readonly string[]>;
  /** Location → what is published for it now. */
  published: ReadonlyMap<string, OutputRevision>;
  /** Location → its latest report. */
  reports: ReadonlyMap<string, ReportEntry>;
  /** Collector name → compiled collector. */
  collectors: ReadonlyMap<string, CompiledCollector>;
  now: Date;
  /** A Go-style duration: reports older than this are stale. */
  staleAfter: string;
  /** Most broken objects listed per placement. Default 20. */
  brokenObjectsLimit?: number;
  /** Notes from reading the reports, carried into the summary. */
  notes?: readonly string[];
}

/**
 * The fleet's status: per placement, implicit status (locations per state, revisions, broken objects),
 * collector results and the singleton reported state; per location, its worst state. Pure: no I/O, `now` is an
 * argument. The same input gives the same output, sorted by placement, location and object.
 */
export function summarize(input: SummaryInput): Summary {
  const staleAfterMs = parseDuration(input.staleAfter);
  const now = input.now.getTime();
  const limit = input.brokenObjectsLimit ?? 20;
  const locationsByName = new Map(input.locations.map((l) => [l.metadata.name, l]));
  const byPlacement = new Map<string, string[]>();
  for (const [location, placements] of [...input.assignments].sort(([a], [b]) => compare(a, b))) {
    for (const placement of placements) byPlacement.set(placement, [...(byPlacement.get(placement) ?? []), location]);
  }
  const cache = new VariableCache(locationsByName);
  const notes = new Set(input.notes ?? []);

  const placements = [...input.placements].sort((a, b) => compare(a.metadata.name, b.metadata.name));
  const summaries = placements.map((placement) => {
    const name = placement.metadata.name;
    const judged = (byPlacement.get(name) ?? []).map((location) => {
      const entry = input.reports.get(location);
      const verdict = judgePlacement({
        placement: name,
        published: input.published.get(location),
        entry,
        objectsByFile: entry ? cache.objectsByFile(location, entry) : undefined,
        now,
        staleAfterMs,
      });
      return { location, verdict, entry };
    });
    const collectors: CompiledCollector[] = [];
    for (const collectorName of placement.spec.statusCollectors ?? []) {
      const collector = input.collectors.get(collectorName);
      if (collector) collectors.push(collector);
      else notes.add(`placement ${name}: status collector ${collectorName} is not defined or did not compile; it was skipped`);
    }
    return placementSummary(placement, judged, collectors, cache, { specCommit: input.specCommit, staleAfter: input.staleAfter, limit });
  });

  const fleet = emptyCounts();
  for (const state of worstStates(summaries).values()) fleet[state]++;
  return {
    specCommit: input.specCommit,
    staleAfter: input.staleAfter,
    locations: input.locations.length,
    fleet,
    placements: summaries,
    notes: [...notes].sort(),
  };
}

interface Judged {
  location: string;
  verdict: PlacementAtLocation;
  entry: ReportEntry | undefined;
}

function placementSummary(
  placement: EdgePlacement,
  judged: readonly Judged[],
  collectors: readonly CompiledCollector[],
  cache: VariableCache,
  options: { specCommit: string; staleAfter: string; limit: number },
): PlacementSummary {
  const name = placement.metadata.name;
  const counts: StateCounts = emptyCounts();
  const statuses: LocationStatus[] = [];
  const revisions = new Map<string, RevisionCount>();
  const broken: BrokenObject[] = [];
  let brokenTotal = 0;
  for (const { location, verdict, entry } of judged) {
    counts[verdict.state]++;
    const applied = entry?.applied ?? entry?.report.status.applied;
    const status: LocationStatus = { name: location, state: verdict.state };
    if (applied?.commit) status.commit = applied.commit;
    if (applied?.sourceCommit) status.sourceCommit = applied.sourceCommit;
    if (verdict.reason && verdict.state !== 'stale') status.reason = verdict.reason;
    if (verdict.state === 'stale') status.lastReport = entry!.report.status.observedAt;
    statuses.push(status);
    if (verdict.state === 'unknown' || verdict.state === 'stale') continue;
    const source = applied?.sourceCommit ?? 'unknown';
    const key = `${verdict.current}:${source}`;
    const row = revisions.get(key) ?? { sourceCommit: source, current: verdict.current, locations: 0 };
    row.locations++;
    revisions.set(key, row);
    for (const object of verdict.objects) {
      if (object.health !== 'Degraded' && object.health !== 'Missing') continue;
      brokenTotal++;
      if (broken.length < options.limit) broken.push(brokenObject(location, object));
    }
  }
  const summary: PlacementSummary = {
    apiVersion: 'edgeplane.io/v1alpha1',
    kind: 'PlacementSummary',
    metadata: { name },
    status: {
      specCommit: options.specCommit,
      staleAfter: options.staleAfter,
      locations: judged.length,
      counts,
      revisions: [...revisions.values()].sort(
        (a, b) => Number(b.current) - Number(a.current) || b.locations - a.locations || compare(a.sourceCommit, b.sourceCommit),
      ),
      brokenObjects: { total: brokenTotal, first: broken },
      locationStatuses: statuses,
    },
  };
  if (collectors.length > 0) {
    // One pass over the objects feeds every collector: each object becomes CEL data once, and is then dropped.
    const runs = collectors.map((collector) => new CollectorRun(collector));
    for (const subject of subjectsOf(judged, cache)) for (const run of runs) run.add(subject);
    summary.status.collectors = runs.map((run) => run.result());
  }
  if (placement.spec.wantSingletonReportedState) summary.status.singleton = singletonOf(judged);
  return summary;
}

/** The objects collectors see: the placement's objects at every location with a fresh report. */
function* subjectsOf(judged: readonly Judged[], cache: VariableCache): Generator<CollectorSubject> {
  for (const { location, verdict, entry } of judged) {
    if (verdict.state === 'unknown' || verdict.state === 'stale' || !entry) continue;
    const context = { location: cache.locationVariable(location), report: reportVariable(entry, verdict) };
    for (const object of verdict.objects) {
      let bindings: Record<string, CelData> | undefined;
      yield { location, object, context, bindings: () => (bindings ??= objectBindings(context, object)) };
    }
  }
}

function singletonOf(judged: readonly Judged[]): SingletonState {
  if (judged.length !== 1) {
    return { executingCount: judged.length, message: `wantSingletonReportedState: the placement runs at ${judged.length} locations, not exactly one` };
  }
  const { location, verdict } = judged[0]!;
  const state: SingletonState = { executingCount: 1, location, state: verdict.state };
  if (verdict.state === 'unknown') state.message = `no usable report from ${location}`;
  if (verdict.state === 'stale') state.message = `the last report from ${location} is stale`;
  if (verdict.objects.length > 0) {
    state.objects = verdict.objects.map((o) => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      ...(o.namespace ? { namespace: o.namespace } : {}),
      name: o.name,
      health: o.health,
      ...(o.message ? { message: o.message } : {}),
      ...(o.status !== undefined ? { status: o.status } : {}),
    }));
  }
  return state;
}

function brokenObject(location: string, object: ObjectReport): BrokenObject {
  return {
    location,
    apiVersion: object.apiVersion,
    kind: object.kind,
    ...(object.namespace ? { namespace: object.namespace } : {}),
    name: object.name,
    health: object.health,
    ...(object.message ? { message: object.message } : {}),
  };
}

/** The `report` CEL variable of one placement at one location. Every field is present: absent strings are ''. */
function reportVariable(entry: ReportEntry, verdict: PlacementAtLocation): CelData {
  const status = entry.report.status;
  const applied = entry.applied ?? status.applied;
  const consumer = status.consumer;
  return toCel({
    observedAt: status.observedAt,
    state: verdict.state,
    reporter: { kind: status.reporter.kind, name: status.reporter.name ?? '' },
    consumer: {
      kind: consumer?.kind ?? '',
      sync: consumer?.sync ?? 'Unknown',
      health: consumer?.health ?? 'Unknown',
      message: consumer?.message ?? '',
      revision: consumer?.revision ?? '',
    },
    applied: { commit: applied?.commit ?? '', digest: applied?.digest ?? '', sourceCommit: applied?.sourceCommit ?? '', current: verdict.current },
  });
}

/** Location variables and per-report file lookups, built once however many placements use them. */
class VariableCache {
  readonly #locations: ReadonlyMap<string, Location>;
  readonly #locationVariables = new Map<string, CelData>();
  readonly #byFile = new WeakMap<ReportEntry, Map<string, ObjectReport>>();

  constructor(locations: ReadonlyMap<string, Location>) {
    this.#locations = locations;
  }

  objectsByFile(_location: string, entry: ReportEntry): Map<string, ObjectReport> {
    let map = this.#byFile.get(entry);
    if (!map) {
      map = new Map();
      for (const object of entry.report.status.objects ?? []) {
        const metadata = object.namespace ? { name: object.name, namespace: object.namespace } : { name: object.name };
        map.set(fileNameOf({ apiVersion: object.apiVersion, kind: object.kind, metadata }), object);
      }
      this.#byFile.set(entry, map);
    }
    return map;
  }

  locationVariable(name: string): CelData {
    let variable = this.#locationVariables.get(name);
    if (!variable) {
      const location = this.#locations.get(name);
      variable = toCel({
        name,
        labels: location?.metadata.labels ?? {},
        annotations: location?.metadata.annotations ?? {},
        params: location?.spec?.params ?? {},
      });
      this.#locationVariables.set(name, variable);
    }
    return variable;
  }
}

/** Every variable for one object: its location's and report's, and its own `obj` and `health`. */
function objectBindings(context: { location: CelData; report: CelData }, object: ObjectReport): Record<string, CelData> {
  const metadata: Record<string, unknown> = { name: object.name, labels: object.labels ?? {} };
  if (object.namespace) metadata['namespace'] = object.namespace;
  return {
    location: context.location,
    report: context.report,
    obj: toCel({ apiVersion: object.apiVersion, kind: object.kind, metadata, spec: object.spec ?? {}, status: object.status ?? {} }),
    health: toCel({ status: object.health, message: object.message ?? '' }),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
